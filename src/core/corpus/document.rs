//! Document files (`*.md`): TOML front matter, then text.
//!
//! ```text
//! +++
//! id = "istanbul-talks-2025-07-23"   # the slug citations use
//! title = "…"
//! publisher = "Reuters (photos)"      # optional
//! date = "2025-07-23"                 # optional
//! place = "Istanbul, Turkey"          # optional
//! url = "https://…"                   # optional
//! weight = 1.0                        # optional ranking weight (0.1-2)
//! primary = true                      # optional: the text questions default to (see README)
//! # Written by `source add URL` for a page (see core::web); a refresh reads them:
//! author = "…"                        # optional
//! lang = "en"                         # optional
//! etag = "\"v1\""                      # optional
//! last_modified = "Thu, 14 Aug 2025 10:00:00 GMT"   # optional
//! fetched_at = "2026-11-26T06:00:00Z" # marks a document added from a link
//! +++
//!
//! First paragraph (one passage).
//!
//! > A photo caption, ending with its credit. REUTERS/Murad Sezer
//!
//! ## A section heading
//!
//! Paragraphs under it carry the heading as their section.
//! ```
//!
//! Only this small subset of Markdown has a meaning; the text itself is kept exactly as
//! written (no smart quotes, escapes or emphasis processing), which is why this is a
//! line parser and not a full Markdown parser: a Markdown library would rewrite the text
//! we must quote verbatim, and could not give line numbers for our own errors.

use std::path::Path;
use std::sync::OnceLock;

use regex::Regex;
use serde::Deserialize;

use super::{check_id, line_of, Loaded, Passage, PassageKind, Source, SourceError, SourceKind};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    id: String,
    title: String,
    publisher: Option<String>,
    date: Option<String>,
    place: Option<String>,
    url: Option<String>,
    weight: Option<f32>,
    #[serde(default)]
    primary: bool,
    /// Documents added from a link (see `core::web`): who wrote it, its language, and
    /// what a refresh sends back to the site.
    author: Option<String>,
    lang: Option<String>,
    etag: Option<String>,
    last_modified: Option<String>,
    fetched_at: Option<String>,
    /// Free label ("article", "report"); informational.
    #[allow(dead_code)]
    kind: Option<String>,
}

/// The agency/photographer credit a caption ends with ("REUTERS/Murad Sezer").
fn credit_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\b([A-Z][A-Z.&]+/\p{L}[\p{L} .'’-]*)$").expect("valid regex"))
}

/// A document's front matter (the TOML between its `+++` lines, lines joined by `\n`,
/// read past a byte-order mark and CRLF line ends as [`parse`] reads them) and the body
/// after it; `None` when it has none.
pub fn split_front_matter(text: &str) -> Option<(String, &str)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = Vec::new();
    let mut offset = 0;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        offset += line.len();
        let bare = line.trim_end();
        if n == 0 {
            if bare != "+++" {
                return None;
            }
        } else if bare == "+++" {
            let mut front = lines.join("\n");
            front.push('\n');
            return Some((front, &text[offset..]));
        } else {
            lines.push(line.trim_end_matches(['\n', '\r']));
        }
    }
    None
}

pub(super) fn parse(path: &Path, relative: &str, text: &str) -> Result<Loaded, Vec<SourceError>> {
    let err = |line: usize, message: String| {
        vec![SourceError {
            path: path.to_path_buf(),
            line,
            message,
        }]
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, l)) if l.trim_end() == "+++" => {}
        _ => {
            return Err(err(
                1,
                "a document must start with TOML front matter between `+++` lines".into(),
            ))
        }
    }
    let fm_start = text.find('\n').map(|i| i + 1).unwrap_or(text.len());
    let mut fm_end = None;
    for (n, l) in lines.by_ref() {
        if l.trim_end() == "+++" {
            fm_end = Some(n);
            break;
        }
    }
    let Some(fm_end_line) = fm_end else {
        return Err(err(1, "front matter is not closed by a `+++` line".into()));
    };
    let fm_text: String = text
        .lines()
        .skip(1)
        .take(fm_end_line - 1)
        .collect::<Vec<_>>()
        .join("\n");
    let fm: FrontMatter = toml::from_str(&fm_text).map_err(|e| {
        let line = e
            .span()
            .map(|s| line_of(text, fm_start + s.start))
            .unwrap_or(1);
        err(line, format!("front matter: {}", e.message().trim()))
    })?;
    if let Err(e) = check_id(&fm.id) {
        return Err(err(2, format!("front matter: {e}")));
    }
    if fm.title.trim().is_empty() {
        return Err(err(2, "front matter: title is empty".into()));
    }
    let weight = fm
        .weight
        .map(super::check_weight)
        .transpose()
        .map_err(|e| err(2, format!("front matter: {e}")))?
        .unwrap_or(1.0);

    let mut passages = Vec::new();
    let mut section: Option<String> = None;
    let mut paragraph: Vec<&str> = Vec::new();
    let mut caption = false;
    let flush = |paragraph: &mut Vec<&str>,
                 caption: bool,
                 section: &Option<String>,
                 passages: &mut Vec<Passage>| {
        if paragraph.is_empty() {
            return;
        }
        let text = paragraph.join(" ");
        paragraph.clear();
        let credit = if caption {
            credit_regex()
                .captures(&text)
                .map(|c| c[1].trim().to_string())
        } else {
            None
        };
        passages.push(Passage {
            id: format!("{}#{}", fm.id, passages.len() + 1),
            source_id: fm.id.clone(),
            kind: if caption {
                PassageKind::Caption
            } else {
                PassageKind::Paragraph
            },
            section: section.clone(),
            text,
            credit,
        });
    };
    for (_, line) in lines {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            flush(&mut paragraph, caption, &section, &mut passages);
            continue;
        }
        if let Some(heading) = heading(trimmed) {
            flush(&mut paragraph, caption, &section, &mut passages);
            section = Some(heading.to_string());
            continue;
        }
        let (is_caption, content) = match trimmed.strip_prefix('>') {
            Some(rest) => (true, rest.trim()),
            None => (false, trimmed),
        };
        if !paragraph.is_empty() && is_caption != caption {
            flush(&mut paragraph, caption, &section, &mut passages);
        }
        caption = is_caption;
        if !content.is_empty() {
            paragraph.push(content);
        }
    }
    flush(&mut paragraph, caption, &section, &mut passages);
    if passages.is_empty() {
        return Err(err(
            fm_end_line + 1,
            "the document has no text after its front matter".into(),
        ));
    }
    let source = Source {
        id: fm.id,
        kind: SourceKind::Document,
        title: fm.title.trim().to_string(),
        publisher: fm.publisher,
        date: fm.date,
        url: fm.url,
        place: fm.place,
        flags: Vec::new(),
        citations: Vec::new(),
        related: Vec::new(),
        file: relative.to_string(),
        weight,
        primary: fm.primary,
        when: None,
        timeline_kind: None,
        duration: None,
        figures: Vec::new(),
        author: fm.author,
        lang: fm.lang,
        link: fm.fetched_at.map(|fetched_at| super::Link {
            etag: fm.etag,
            last_modified: fm.last_modified,
            fetched_at,
        }),
    };
    Ok(Loaded {
        sources: vec![(source, 1)],
        passages,
    })
}

/// `## Heading` (any level) → `Heading`.
fn heading(line: &str) -> Option<&str> {
    let rest = line.trim_start_matches('#');
    (rest.len() < line.len() && rest.starts_with(' '))
        .then(|| rest.trim())
        .filter(|h| !h.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "+++\nid = \"doc\"\ntitle = \"A doc\"\n+++\n\nLead paragraph\nwrapped.\n\n> A caption. REUTERS/Jane Doe\n## Section One\nFirst “quoted” text.\n";

    #[test]
    fn splits_paragraphs_captions_and_sections() {
        let loaded = parse(Path::new("d.md"), "d.md", DOC).unwrap_or_else(|e| panic!("{e:?}"));
        let p = &loaded.passages;
        assert_eq!(p.len(), 3);
        assert_eq!(
            (
                p[0].id.as_str(),
                p[0].text.as_str(),
                p[0].section.as_deref()
            ),
            ("doc#1", "Lead paragraph wrapped.", None)
        );
        assert_eq!(p[1].kind, PassageKind::Caption);
        assert_eq!(p[1].credit.as_deref(), Some("REUTERS/Jane Doe"));
        assert_eq!(p[1].text, "A caption. REUTERS/Jane Doe");
        assert_eq!(
            (p[2].section.as_deref(), p[2].text.as_str()),
            (Some("Section One"), "First “quoted” text.")
        );
    }

    #[test]
    fn front_matter_splits_with_crlf_and_a_byte_order_mark() {
        let (front, body) =
            split_front_matter("\u{feff}+++\r\nid = \"d\"\r\nweight = 2.0\r\n+++\r\nBody.\r\n")
                .unwrap();
        assert_eq!(front, "id = \"d\"\nweight = 2.0\n");
        assert_eq!(body, "Body.\r\n");
        assert!(split_front_matter("no front matter\n").is_none());
        assert!(split_front_matter("+++\nid = 1\n").is_none(), "not closed");
    }

    #[test]
    fn front_matter_errors_point_into_the_file() {
        let e = parse(
            Path::new("d.md"),
            "d.md",
            "+++\nid = \"doc\"\ntitel = \"x\"\n+++\ntext\n",
        )
        .err()
        .unwrap();
        assert_eq!(e[0].line, 3, "{e:?}");
        assert!(e[0].message.contains("titel"), "{e:?}");
        let e = parse(Path::new("d.md"), "d.md", "no front matter\n")
            .err()
            .unwrap();
        assert_eq!(e[0].line, 1);
        let e = parse(
            Path::new("d.md"),
            "d.md",
            "+++\nid = \"doc\"\ntitle = \"t\"\n",
        )
        .err()
        .unwrap();
        assert!(e[0].message.contains("not closed"), "{e:?}");
    }
}
