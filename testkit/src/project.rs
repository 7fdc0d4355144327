//! A temporary project with the shipped sources, and the real `attache` binary run on it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Sentence vectors shared by every test (and test process): the shipped corpus is
/// embedded once, not once per test. Written atomically, so parallel tests can share it.
/// Relative to the repository.
pub const VECTOR_CACHE: &str = "target/test-vector-cache.bin";

/// The code under test: the repository (whose sources, config and fixtures are copied and
/// read from here, never from this crate's own directory) and the `attache` binary cargo
/// built from it.
#[derive(Debug, Clone)]
pub struct Checkout {
    pub repo: PathBuf,
    pub attache: PathBuf,
}

impl Checkout {
    /// From `env!("CARGO_MANIFEST_DIR")` and `env!("CARGO_BIN_EXE_attache")` of the test
    /// or benchmark.
    pub fn new(repo: impl Into<PathBuf>, attache: impl Into<PathBuf>) -> Checkout {
        Checkout {
            repo: repo.into(),
            attache: attache.into(),
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A temporary project: `config/` (the built-in defaults, but for a sentence-vector cache
/// shared by every test, see [`VECTOR_CACHE`]), and `index/sources` plus
/// `index/synonyms.txt` copied from the repository.
pub struct Project {
    pub dir: tempfile::TempDir,
    pub checkout: Checkout,
}

impl Project {
    pub fn new(checkout: &Checkout) -> Self {
        let repo = &checkout.repo;
        let dir = tempfile::tempdir().unwrap();
        copy_dir(
            &repo.join("index/sources"),
            &dir.path().join("index/sources"),
        );
        std::fs::copy(
            repo.join("index/synonyms.txt"),
            dir.path().join("index/synonyms.txt"),
        )
        .unwrap();
        std::fs::create_dir_all(dir.path().join("config")).unwrap();
        let cache = repo.join(VECTOR_CACHE);
        std::fs::write(
            dir.path().join("config/local.toml"),
            format!(
                "[semantic]\nvector_cache = {}\n",
                toml::Value::String(cache.display().to_string())
            ),
        )
        .unwrap();
        Project {
            dir,
            checkout: checkout.clone(),
        }
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// The real `attache` binary, configured for this project.
    pub fn attache(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.checkout.attache);
        cmd.args(args)
            .env("ATTACHE_CONFIG_DIR", self.path("config"))
            .env_remove("RUST_LOG")
            .env_remove("ATTACHE_ENV")
            .stdin(Stdio::null());
        for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("ATTACHE__")) {
            cmd.env_remove(k);
        }
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.attache(args).output().unwrap()
    }

    /// Run with `input` on standard input.
    pub fn run_with_input(&self, args: &[&str], input: &str) -> Output {
        use std::io::Write;
        let mut child = self
            .attache(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every file under `dir`, as paths relative to it.
pub fn files_under(dir: &Path) -> Vec<String> {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, base, out);
            } else {
                out.push(path.strip_prefix(base).unwrap().display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out
}
