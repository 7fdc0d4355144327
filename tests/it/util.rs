//! Shared helpers: a temporary project with the shipped sources, and the real binary.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use attache::config::Settings;

/// Sentence vectors shared by every test (and test process): the shipped corpus is
/// embedded once, not once per test. Written atomically, so parallel tests can share it.
pub const VECTOR_CACHE: &str = "target/test-vector-cache.bin";

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
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
}

impl Project {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(
            &repo().join("index/sources"),
            &dir.path().join("index/sources"),
        );
        std::fs::copy(
            repo().join("index/synonyms.txt"),
            dir.path().join("index/synonyms.txt"),
        )
        .unwrap();
        std::fs::create_dir_all(dir.path().join("config")).unwrap();
        let cache = repo().join(VECTOR_CACHE);
        std::fs::write(
            dir.path().join("config/local.toml"),
            format!(
                "[semantic]\nvector_cache = {}\n",
                toml::Value::String(cache.display().to_string())
            ),
        )
        .unwrap();
        Project { dir }
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    pub fn settings(&self) -> Settings {
        Settings::load(&self.path("config"), &HashMap::new()).unwrap()
    }

    /// The real `attache` binary, configured for this project.
    pub fn attache(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_attache"));
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
