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
//!
//! A rewrite keeps what the operator set on the file it replaces: its permission bits
//! and (where this process may) its owner, so a `local.toml` holding the token at 0600
//! stays 0600; and a symbolic link stays a link, its target rewritten. A file that did
//! not exist gets the caller's [`Mode`]: [`Mode::Private`] (0600) for a secrets file.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The permissions of a file [`replace`] creates (a file it replaces keeps its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// As any new file of the process (0666 less the umask).
    Default,
    /// Readable and writable by its owner only (0600): a file holding a secret.
    Private,
}

/// Replace `path` with `bytes`.
pub fn replace(path: &Path, bytes: &[u8]) -> io::Result<()> {
    replace_with(path, |out| out.write_all(bytes))
}

/// Replace `path` with `bytes`, creating it with `mode` if it does not exist.
pub fn replace_as(path: &Path, mode: Mode, bytes: &[u8]) -> io::Result<()> {
    replace_inner(path, mode, |out| out.write_all(bytes))
}

/// Replace `path` with what `write` writes.
pub fn replace_with(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> io::Result<()> {
    replace_inner(path, Mode::Default, write)
}

fn replace_inner(
    path: &Path,
    mode: Mode,
    write: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> io::Result<()> {
    let path = &link_target(path)?;
    let old = match std::fs::metadata(path) {
        Ok(m) => Some(m),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    // The mode the file ends with: the old file's, else the caller's; `None` is the
    // process's default for a new file.
    let keep = old
        .as_ref()
        .map(|m| m.mode() & 0o7777)
        .or((mode == Mode::Private).then_some(0o600));
    let tmp = temporary(path);
    let written = (|| {
        let mut open = OpenOptions::new();
        open.write(true).create(true).truncate(true);
        if keep.is_some_and(|m| m & 0o077 == 0) {
            // Never readable by others, not even between create and chmod.
            open.mode(0o600);
        }
        let file = open.open(&tmp)?;
        if let Some(keep) = keep {
            // The umask does not apply to an explicit chmod: the bits exactly.
            file.set_permissions(std::fs::Permissions::from_mode(keep))?;
        }
        if let Some(old) = &old {
            // Only root may give a file away; anyone else keeps its own file, which is
            // what it had when it could write the old one in place.
            let _ = std::os::unix::fs::fchown(&file, Some(old.uid()), Some(old.gid()));
        }
        let mut out = BufWriter::new(file);
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

/// Where a rewrite of `path` writes: `path` itself, or, when it is a symbolic link (a
/// chain of them), the file it ends at, so the link stays a link.
fn link_target(path: &Path) -> io::Result<PathBuf> {
    let mut path = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_symlink() => {
                let to = std::fs::read_link(&path)?;
                path = match path.parent() {
                    Some(dir) if to.is_relative() => dir.join(to),
                    _ => to,
                };
            }
            _ => return Ok(path),
        }
    }
    Err(io::Error::other(format!(
        "too many levels of symbolic links at {}",
        path.display()
    )))
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

    fn mode_of(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().mode() & 0o777
    }

    #[test]
    fn a_rewrite_keeps_the_mode_of_the_file_it_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("local.toml");
        std::fs::write(&path, "token").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        replace(&path, b"token and more").unwrap();
        assert_eq!(mode_of(&path), 0o600);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        replace(&path, b"again").unwrap();
        assert_eq!(mode_of(&path), 0o640);
    }

    #[test]
    fn a_private_file_is_created_for_its_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("local.toml");
        replace_as(&path, Mode::Private, b"secret").unwrap();
        assert_eq!(mode_of(&path), 0o600);
    }

    #[test]
    fn a_symbolic_link_stays_a_link_and_its_target_is_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("secrets.toml");
        std::fs::write(&target, "old").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
        let link = dir.path().join("local.toml");
        std::os::unix::fs::symlink("secrets.toml", &link).unwrap();
        replace(&link, b"new").unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        assert_eq!(mode_of(&target), 0o600);
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
