//! Replacing a file safely, the one way attache writes a file that others read (the
//! `CURRENT` pointer, the build status, sentence vectors, source files): write a
//! temporary file beside it, fsync it, rename it over the old one, fsync the directory.
//! A reader sees the old content or the new, never half of either, and once this
//! returns the new content survives a crash or a power cut.
//!
//! The temporary file is hidden (`.name.tmp-…`, which the corpus loader skips), unique
//! per process and call (processes share index folders), and removed when writing it
//! fails; [`is_temporary`] names those a crash left behind, for clean-up.
//! [`lock_exclusive`] is the lock file for a step two processes must not take at once
//! (migrating the storage, writing the voter secret).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Replace `path` with `bytes`.
pub fn replace(path: &Path, bytes: &[u8]) -> io::Result<()> {
    replace_with(path, |out| out.write_all(bytes))
}

/// Replace `path` with what `write` writes.
pub fn replace_with(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> io::Result<()> {
    let tmp = temporary(path);
    let written = (|| {
        let mut out = BufWriter::new(File::create(&tmp)?);
        write(&mut out)?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
        return written;
    }
    // The new content is in place whatever happens now; a directory that cannot be
    // synced is said, not reported as a failed write (the caller would undo what worked).
    if let Err(e) = sync_dir(path.parent().unwrap_or(Path::new("."))) {
        tracing::warn!(path = %path.display(), error = %e, "the folder could not be synced to disk");
    }
    Ok(())
}

/// Make a directory's entries durable (a rename in it, a file created or removed).
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    File::open(dir)?.sync_all()
}

/// Open (creating it) the lock file `path` and wait for its exclusive lock, held until
/// the returned file is dropped (or the process dies): for a step two processes must not
/// take at once.
pub fn lock_exclusive(path: &Path) -> io::Result<File> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)?;
    file.lock()?;
    Ok(file)
}

/// Whether `name` is a temporary file of [`replace`], left behind by a crash.
pub fn is_temporary(name: &str) -> bool {
    name.starts_with('.') && name.contains(".tmp-")
}

fn temporary(path: &Path) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp-{}-{n}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replaced_file_has_the_new_content_and_no_temporary_is_left() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("CURRENT");
        replace(&path, b"gen-1").unwrap();
        replace(&path, b"gen-2").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"gen-2");
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["CURRENT"]);
    }

    #[test]
    fn a_failed_write_keeps_the_old_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sources.toml");
        replace(&path, b"old").unwrap();
        let failed = replace_with(&path, |out| {
            out.write_all(b"half")?;
            Err(io::Error::other("disk full"))
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        assert!(is_temporary(
            &temporary(&path).file_name().unwrap().to_string_lossy()
        ));
    }
}
