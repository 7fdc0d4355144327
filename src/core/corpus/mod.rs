//! The corpus: sources (documents and records) split into passages, loaded from a
//! directory of human-editable files.
//!
//! Two formats live side by side in the sources directory (see README, "Corpus format"):
//! - `*.md`: a document, TOML front matter between `+++` lines, then Markdown-ish text where
//!   `## ` lines are section headings, `> ` paragraphs are photo captions and every other
//!   paragraph is one passage;
//! - `*.toml`: records, one `[[records]]` table each, one passage per record.
//!
//! Loading never stops at the first bad file: every problem is collected as
//! `path:line: what is wrong`, so a moderator sees them all at once, and callers decide
//! whether a corpus with errors may be indexed (the index builder refuses).
//!
//! Under 400 lines of code; the rest are tests of the loader's errors.

mod document;
mod flags;
pub mod manage;
mod records;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use document::split_front_matter;
pub use flags::{
    detect as detect_flags, kinds as flag_kinds, strip as strip_flags, Flag, FlagKind,
};

/// What kind of source a passage comes from; decides how it is cited and displayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// A long text (an article) split into paragraphs and captions.
    Document,
    /// A short, dated, sourced fact sheet; one passage.
    Record,
}

/// Where a fact can be checked: one web page that reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Citation {
    pub url: String,
    pub publisher: String,
    /// Publication date as the page gives it; `None` when the page shows none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One source file's unit: the article, or one record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    /// Stable id users cite: the article's slug or a record id such as `R3-05`.
    pub id: String,
    pub kind: SourceKind,
    pub title: String,
    pub publisher: Option<String>,
    /// Free-form date as written by the curator ("2025-07-23", "11–15 May 2025").
    pub date: Option<String>,
    pub url: Option<String>,
    pub place: Option<String>,
    /// Dispute and sourcing flags, shown to readers next to anything quoted from this source.
    #[serde(default)]
    pub flags: Vec<Flag>,
    /// The pages that back a record (empty for a document, whose `url` is its citation).
    #[serde(default)]
    pub citations: Vec<Citation>,
    /// Other source ids this one refers to.
    #[serde(default)]
    pub related: Vec<String>,
    /// The file it came from, relative to the sources directory.
    pub file: String,
    /// Ranking weight set by the curator (default 1): below 1 for summaries and caveat
    /// lists that should not outrank primary reporting, above 1 for a primary text.
    #[serde(default = "default_weight")]
    pub weight: f32,
    /// The corpus's main text: a question that names no date or round is taken to be
    /// about its events ("How long was the meeting?" means the meeting it reports).
    #[serde(default)]
    pub primary: bool,
    /// For the timeline: when it happened, as the curator gave it exactly (wins over
    /// `date`), its kind (`round`, `exchange`, …) and the figures its body states.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeline_kind: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub figures: Vec<(String, u64)>,
    /// How long it lasted, in the body's own words ("under two hours"): the timeline
    /// writes it beside a round's place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    /// Who wrote it, and its language (`en`, `uk`), when the source says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// A document added from a link: what a refresh sends back to the site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<Link>,
}

/// How a document added from a link was fetched (its `url` is the address after
/// redirects).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// RFC 3339.
    pub fetched_at: String,
}

fn default_weight() -> f32 {
    1.0
}

/// Weights outside this range would let one file drown out or hide everything else.
pub(crate) fn check_weight(w: f32) -> Result<f32, String> {
    if (0.1..=2.0).contains(&w) {
        Ok(w)
    } else {
        Err(format!("weight must be between 0.1 and 2 (got {w})"))
    }
}

/// What role a passage plays in its source; captions are cited with their photo credit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PassageKind {
    Paragraph,
    Caption,
    Record,
}

impl PassageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PassageKind::Paragraph => "paragraph",
            PassageKind::Caption => "caption",
            PassageKind::Record => "record",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "paragraph" => Some(PassageKind::Paragraph),
            "caption" => Some(PassageKind::Caption),
            "record" => Some(PassageKind::Record),
            _ => None,
        }
    }
}

/// The unit of retrieval: what a search returns and a citation points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passage {
    /// `R3-05` for a record, `<slug>#<n>` for the n-th passage of a document.
    pub id: String,
    pub source_id: String,
    pub kind: PassageKind,
    /// The heading the passage falls under (a record's file section).
    pub section: Option<String>,
    /// The passage text exactly as in the source.
    pub text: String,
    /// A caption's photo credit ("REUTERS/Murad Sezer").
    pub credit: Option<String>,
}

/// All sources and their passages, in file order.
#[derive(Debug, Clone, Default)]
pub struct Corpus {
    pub sources: Vec<Source>,
    pub passages: Vec<Passage>,
}

impl Corpus {
    pub fn source(&self, id: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.id == id)
    }

    /// Passage count per source id, for listings.
    pub fn passage_counts(&self) -> HashMap<&str, usize> {
        let mut counts = HashMap::new();
        for p in &self.passages {
            *counts.entry(p.source_id.as_str()).or_insert(0) += 1;
        }
        counts
    }
}

/// One problem in one source file, located for the person who has to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceError {
    pub path: PathBuf,
    /// 1-based line; 0 when the problem concerns the whole file.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.path.display(), self.message)
        } else {
            write!(f, "{}:{}: {}", self.path.display(), self.line, self.message)
        }
    }
}

/// Every error found while loading a sources directory.
#[derive(Debug, thiserror::Error)]
pub struct CorpusErrors(pub Vec<SourceError>);

impl fmt::Display for CorpusErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(
            f,
            "{n} problem{} in the sources",
            if n == 1 { "" } else { "s" }
        )?;
        for e in &self.0 {
            write!(f, "\n  {e}")?;
        }
        Ok(())
    }
}

/// A loaded file's contribution before cross-file checks.
struct Loaded {
    sources: Vec<(Source, usize)>,
    passages: Vec<Passage>,
}

/// The source files in `dir` (recursively), sorted so that loading is deterministic.
pub fn source_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.starts_with('.') {
                continue; // editor swap files, .gitkeep
            }
            if path.is_dir() {
                walk(&path, out)?;
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("md" | "toml")
            ) {
                out.push(path);
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    walk(dir, &mut files)?;
    files.sort();
    Ok(files)
}

/// Parse one file's text; `display` is the path shown in errors.
pub fn parse_file(
    display: &Path,
    relative: &str,
    text: &str,
) -> Result<Vec<Source>, Vec<SourceError>> {
    parse_loaded(display, relative, text).map(|l| l.sources.into_iter().map(|(s, _)| s).collect())
}

fn parse_loaded(display: &Path, relative: &str, text: &str) -> Result<Loaded, Vec<SourceError>> {
    match display.extension().and_then(|e| e.to_str()) {
        Some("md") => document::parse(display, relative, text),
        Some("toml") => records::parse(display, relative, text),
        _ => Err(vec![SourceError {
            path: display.to_path_buf(),
            line: 0,
            message: "unsupported file type (expected .md or .toml)".into(),
        }]),
    }
}

/// Load every source file under `dir`. Returns the corpus of all good files and the
/// errors of all bad ones; the corpus is complete only when the error list is empty.
pub fn load_dir(dir: &Path) -> (Corpus, Vec<SourceError>) {
    let mut corpus = Corpus::default();
    let mut errors = Vec::new();
    let files = match source_files(dir) {
        Ok(files) => files,
        Err(e) => {
            errors.push(SourceError {
                path: dir.to_path_buf(),
                line: 0,
                message: format!("cannot read the sources directory: {e}"),
            });
            return (corpus, errors);
        }
    };
    if files.is_empty() {
        errors.push(SourceError {
            path: dir.to_path_buf(),
            line: 0,
            message: "no source files (*.md, *.toml) found".into(),
        });
    }
    let mut seen: HashMap<String, (PathBuf, usize)> = HashMap::new();
    for path in files {
        let relative = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        let text = match std::fs::read(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(t) => t,
                Err(e) => {
                    let line = 1 + e.as_bytes()[..e.utf8_error().valid_up_to()]
                        .iter()
                        .filter(|&&b| b == b'\n')
                        .count();
                    errors.push(SourceError {
                        path,
                        line,
                        message: "not valid UTF-8 text".into(),
                    });
                    continue;
                }
            },
            Err(e) => {
                errors.push(SourceError {
                    path,
                    line: 0,
                    message: format!("cannot read: {e}"),
                });
                continue;
            }
        };
        match parse_loaded(&path, &relative, &text) {
            Ok(loaded) => {
                let mut duplicate = false;
                for (source, line) in &loaded.sources {
                    if let Some((first, first_line)) = seen.get(&source.id) {
                        errors.push(SourceError {
                            path: path.clone(),
                            line: *line,
                            message: format!(
                                "duplicate id `{}` (first defined at {}:{})",
                                source.id,
                                first.display(),
                                first_line
                            ),
                        });
                        duplicate = true;
                    } else {
                        seen.insert(source.id.clone(), (path.clone(), *line));
                    }
                }
                if !duplicate {
                    corpus
                        .sources
                        .extend(loaded.sources.into_iter().map(|(s, _)| s));
                    corpus.passages.extend(loaded.passages);
                }
            }
            Err(errs) => errors.extend(errs),
        }
    }
    (corpus, errors)
}

/// Load a directory and fail with every error if any file is bad.
/// The passages of one document's `text` (a page read from a link, compared with what
/// is indexed), as the loader would make them.
pub fn document_passages(text: &str) -> Result<Vec<Passage>, CorpusErrors> {
    let name = Path::new("page.md");
    document::parse(name, "page.md", text)
        .map(|l| l.passages)
        .map_err(CorpusErrors)
}

pub fn load_dir_strict(dir: &Path) -> Result<Corpus, CorpusErrors> {
    let (corpus, errors) = load_dir(dir);
    if errors.is_empty() {
        Ok(corpus)
    } else {
        Err(CorpusErrors(errors))
    }
}

/// 1-based line of a byte offset in `text`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    1 + text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

/// Ids end up in URLs, custom ids of Discord buttons and file names: keep them plain.
pub(crate) fn check_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("id is empty".into());
    }
    if id.len() > 64 {
        return Err(format!("id `{id}` is longer than 64 characters"));
    }
    if !id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(format!(
            "id `{id}` may only contain ASCII letters, digits, '-', '_' and '.'"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_file_is_reported_and_the_good_ones_still_load() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("good.toml"),
            "[[records]]\nid = \"A-1\"\ntitle = \"A\"\nbody = \"Some text.\"\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("bad.toml"),
            "[[records]]\nid = \"B-1\"\ntitle = \"B\"\n",
        )
        .unwrap();
        let (corpus, errors) = load_dir(dir.path());
        assert_eq!(corpus.sources.len(), 1);
        assert_eq!(errors.len(), 1);
        let msg = errors[0].to_string();
        assert!(msg.contains("bad.toml:1:"), "{msg}");
        assert!(msg.contains("body"), "{msg}");
    }

    #[test]
    fn duplicate_ids_across_files_name_both_places() {
        let dir = tempfile::tempdir().unwrap();
        let rec = "[[records]]\nid = \"A-1\"\ntitle = \"A\"\nbody = \"Some text.\"\n";
        std::fs::write(dir.path().join("a.toml"), rec).unwrap();
        std::fs::write(dir.path().join("b.toml"), format!("# comment\n{rec}")).unwrap();
        let (_, errors) = load_dir(dir.path());
        assert_eq!(errors.len(), 1);
        let msg = errors[0].to_string();
        assert!(msg.contains("b.toml:2: duplicate id `A-1`"), "{msg}");
        assert!(msg.contains("a.toml:1"), "{msg}");
    }

    #[test]
    fn invalid_utf8_names_the_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("x.md"), b"+++\nid = \"x\"\n\xff\xfe\n").unwrap();
        let (_, errors) = load_dir(dir.path());
        assert_eq!(
            errors[0].to_string(),
            format!(
                "{}:3: not valid UTF-8 text",
                dir.path().join("x.md").display()
            )
        );
    }
}
