//! Changing the source files themselves (moderators adding or removing a source from a
//! front end): safe file names, uploads checked before they touch the directory, writes
//! that are atomic and can be undone when the reindex that follows fails.

use std::path::{Path, PathBuf};

use super::{parse_file, source_files, CorpusErrors, Source, SourceError};

#[derive(Debug, thiserror::Error)]
pub enum ManageError {
    #[error("the file is {bytes} bytes; the limit is {max} bytes")]
    TooLarge { bytes: usize, max: usize },
    #[error("the file is not text (UTF-8 without control characters)")]
    NotText,
    #[error("`{0}` is not a usable file name: use letters, digits, '-', '_' and '.', ending in .md (a document) or .toml (records)")]
    BadName(String),
    #[error(transparent)]
    Invalid(#[from] CorpusErrors),
    #[error("there is no source `{0}`")]
    NoSuchSource(String),
    #[error("cannot change {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot edit {path}: {reason}")]
    Edit { path: PathBuf, reason: String },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ManageError + '_ {
    move |source| ManageError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// `filename` as a name that cannot leave the sources directory or hide from it.
pub fn safe_name(filename: &str) -> Result<String, ManageError> {
    let bad = || ManageError::BadName(filename.chars().take(100).collect());
    let name = filename.trim();
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    let ok_ext = name.ends_with(".md") || name.ends_with(".toml");
    if name.is_empty()
        || name.len() > 100
        || !ok_chars
        || !ok_ext
        || name.starts_with('.')
        || name.contains("..")
    {
        return Err(bad());
    }
    Ok(name.to_string())
}

/// Check an uploaded file before it is stored: size, text, and the corpus format. Errors
/// name the file as uploaded, with line numbers. Returns the safe name, the text and
/// the sources it holds.
pub fn check_upload(
    name: &str,
    bytes: &[u8],
    max_bytes: usize,
) -> Result<(String, String, Vec<Source>), ManageError> {
    let name = safe_name(name)?;
    if bytes.len() > max_bytes {
        return Err(ManageError::TooLarge {
            bytes: bytes.len(),
            max: max_bytes,
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|_| ManageError::NotText)?;
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(ManageError::NotText);
    }
    let sources = parse_file(Path::new(&name), &name, text).map_err(CorpusErrors)?;
    if sources.is_empty() {
        let e = SourceError {
            path: PathBuf::from(&name),
            line: 0,
            message: "holds no source".into(),
        };
        return Err(CorpusErrors(vec![e]).into());
    }
    Ok((name, text.to_string(), sources))
}

/// Where an uploaded file goes: over a file of the same name anywhere under `dir` (an
/// update), else records into `records/` when it exists, else into `dir`.
pub fn place(dir: &Path, name: &str) -> PathBuf {
    if let Ok(files) = source_files(dir) {
        if let Some(existing) = files
            .into_iter()
            .find(|p| p.file_name().and_then(|n| n.to_str()) == Some(name))
        {
            return existing;
        }
    }
    let records = dir.join("records");
    if name.ends_with(".toml") && records.is_dir() {
        records.join(name)
    } else {
        dir.join(name)
    }
}

/// One change to one file, with what is needed to undo it.
#[derive(Debug)]
pub struct Change {
    pub path: PathBuf,
    previous: Option<Vec<u8>>,
}

impl Change {
    /// Put the file back as it was (or remove it if it is new).
    pub fn undo(self) -> Result<(), ManageError> {
        match self.previous {
            Some(bytes) => write_atomically(&self.path, &bytes),
            None => std::fs::remove_file(&self.path).map_err(io(&self.path)),
        }
    }
}

/// Write `bytes` to `path` durably; no reader ever sees half a file.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ManageError> {
    crate::core::durable::replace(path, bytes).map_err(io(path))
}

/// Store `text` at `path`, remembering what was there.
pub fn write(path: &Path, text: &str) -> Result<Change, ManageError> {
    let previous = std::fs::read(path).ok();
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    write_atomically(path, text.as_bytes())?;
    Ok(Change {
        path: path.to_path_buf(),
        previous,
    })
}

/// Remove source `id` (from the catalog entry `source`) from the files under `dir`: the
/// whole file when it holds only this source, else just its `[[records]]` entry, with
/// the rest of the file as it was.
pub fn remove(dir: &Path, source: &Source) -> Result<Change, ManageError> {
    let path = dir.join(&source.file);
    let text = std::fs::read_to_string(&path).map_err(io(&path))?;
    let others = parse_file(&path, &source.file, &text)
        .map(|s| s.iter().filter(|s| s.id != source.id).count())
        .unwrap_or(0);
    let change = Change {
        path: path.clone(),
        previous: Some(text.clone().into_bytes()),
    };
    if others == 0 {
        std::fs::remove_file(&path).map_err(io(&path))?;
        return Ok(change);
    }
    let edit = |reason: String| ManageError::Edit {
        path: path.clone(),
        reason,
    };
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| edit(e.to_string()))?;
    let records = doc
        .get_mut("records")
        .and_then(|r| r.as_array_of_tables_mut())
        .ok_or_else(|| edit("no [[records]] in it".into()))?;
    let at = records
        .iter()
        .position(|t| t.get("id").and_then(|v| v.as_str()) == Some(source.id.as_str()))
        .ok_or_else(|| ManageError::NoSuchSource(source.id.clone()))?;
    records.remove(at);
    write_atomically(&path, doc.to_string().as_bytes())?;
    Ok(change)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_escape_or_hide() {
        for bad in [
            "../x.toml",
            "a/b.toml",
            ".hidden.toml",
            "x.exe",
            "",
            "a..toml",
            "spaces here.md",
            "x.toml\0",
        ] {
            assert!(safe_name(bad).is_err(), "{bad}");
        }
        assert_eq!(
            safe_name("R9-new_records.toml").unwrap(),
            "R9-new_records.toml"
        );
    }

    #[test]
    fn uploads_are_checked_for_size_text_and_format_naming_the_line() {
        let good = "[[records]]\nid = \"U-1\"\ntitle = \"T\"\nbody = \"B\"\n";
        assert_eq!(
            check_upload("u.toml", good.as_bytes(), 1000)
                .unwrap()
                .2
                .len(),
            1
        );
        assert!(matches!(
            check_upload("u.toml", good.as_bytes(), 10),
            Err(ManageError::TooLarge { .. })
        ));
        assert!(matches!(
            check_upload("u.toml", b"\xff\xfe", 1000),
            Err(ManageError::NotText)
        ));
        assert!(matches!(
            check_upload("u.toml", b"id = \"\x01\"", 1000),
            Err(ManageError::NotText)
        ));
        let e = check_upload("u.toml", b"[[records]]\nid = \"U-1\"\ntitle = \n", 1000)
            .unwrap_err()
            .to_string();
        assert!(e.contains("u.toml:3"), "{e}");
    }

    #[test]
    fn removing_a_record_keeps_the_rest_of_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let text = "# kept comment\nsection = \"S\"\n\n[[records]]\nid = \"A-1\"\ntitle = \"One\"\nbody = \"First.\"\n\n[[records]]\nid = \"A-2\"\ntitle = \"Two\"\nbody = \"Second.\"\n";
        std::fs::write(dir.path().join("r.toml"), text).unwrap();
        let sources = parse_file(&dir.path().join("r.toml"), "r.toml", text).unwrap();
        let change = remove(dir.path(), &sources[0]).unwrap();
        let after = std::fs::read_to_string(dir.path().join("r.toml")).unwrap();
        assert!(
            !after.contains("A-1") && after.contains("A-2") && after.contains("# kept comment"),
            "{after}"
        );
        change.undo().unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("r.toml")).unwrap(),
            text
        );
        let last = parse_file(&dir.path().join("r.toml"), "r.toml", text).unwrap();
        remove(dir.path(), &last[0]).unwrap();
        let only = parse_file(
            &dir.path().join("r.toml"),
            "r.toml",
            &std::fs::read_to_string(dir.path().join("r.toml")).unwrap(),
        )
        .unwrap();
        remove(dir.path(), &only[0]).unwrap();
        assert!(
            !dir.path().join("r.toml").exists(),
            "the last source takes its file with it"
        );
    }
}
