//! Sources from a link: a news page fetched safely ([`fetch`], [`address`]), its bytes
//! read in the encoding it uses ([`charset`]), its article extracted ([`extract`]) and
//! written as a document in the corpus format ([`document`]), with what a later refresh
//! needs in its front matter (the address after redirects, `etag`, `last_modified`,
//! `fetched_at`) and the page's language. Nothing here knows about Discord.

pub mod address;
pub mod charset;
pub mod extract;
pub mod fetch;

use serde::Serialize;
use url::Url;

pub use extract::{Article, Block};
pub use fetch::{FetchError, Fetched, Fetcher, Known, Limits, Outcome};

/// Why a link cannot become a source: one sentence for the moderator.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error(transparent)]
    Extract(#[from] extract::ExtractError),
}

/// A page read: its article and how it was fetched.
#[derive(Debug, Clone)]
pub struct Read {
    pub article: Article,
    pub url: Url,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// The encoding its bytes were in (`windows-1251`, `UTF-8`).
    pub encoding: &'static str,
}

/// A page fetched again: changed, or not.
#[derive(Debug, Clone)]
pub enum Reread {
    Read(Box<Read>),
    NotModified,
}

/// Fetch `link` and read its article (the extraction runs on a blocking thread).
pub async fn read(fetcher: &Fetcher, link: &str, known: &Known) -> Result<Reread, WebError> {
    let fetched = match fetcher.fetch(link, known).await? {
        Outcome::NotModified => return Ok(Reread::NotModified),
        Outcome::Page(p) => p,
    };
    let Fetched {
        url,
        content_type,
        etag,
        last_modified,
        body,
    } = fetched;
    let page_url = url.clone();
    let (article, encoding) = tokio::task::spawn_blocking(move || {
        let (text, encoding) = charset::decode(&body, &content_type, page_url.host_str());
        let plain = content_type
            .to_ascii_lowercase()
            .trim_start()
            .starts_with("text/plain");
        let article = if plain {
            plain_text(&text, &page_url)
        } else {
            extract::extract(&text, &page_url)
        };
        (article, encoding.name())
    })
    .await
    .map_err(|e| FetchError::Network(format!("reading the page failed: {e}")))?;
    Ok(Reread::Read(Box::new(Read {
        article: article?,
        url,
        etag,
        last_modified,
        encoding,
    })))
}

/// A plain-text page: its first line is the title, blank lines part paragraphs.
fn plain_text(text: &str, url: &Url) -> Result<Article, extract::ExtractError> {
    let mut parts = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            parts.push(std::mem::take(&mut current));
        } else {
            current.push(' ');
            current.push_str(line);
        }
    }
    parts.push(current);
    let mut parts = parts
        .iter()
        .map(|p| extract::squeeze(p))
        .filter(|p| !p.is_empty());
    let title = parts.next().ok_or(extract::ExtractError::Nothing)?;
    let blocks: Vec<Block> = parts.map(Block::Paragraph).collect();
    let chars: usize = blocks
        .iter()
        .map(|b| match b {
            Block::Paragraph(p) => p.chars().count(),
            Block::Heading(_) => 0,
        })
        .sum();
    if chars < extract::MIN_TEXT_CHARS {
        return Err(extract::ExtractError::Nothing);
    }
    Ok(Article {
        title: title.chars().take(200).collect(),
        publisher: url.host_str().unwrap_or_default().to_string(),
        published: None,
        author: None,
        lang: None,
        blocks,
    })
}

/// A document in the corpus format, made from a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub id: String,
    /// `{id}.md`.
    pub filename: String,
    pub text: String,
}

/// An id from a title: Latin letters (Cyrillic transliterated), digits and `-`, at most
/// [`ID_CHARS`] long, cut at a word.
pub fn slug(title: &str) -> String {
    let ascii = any_ascii::any_ascii(title).to_ascii_lowercase();
    let words: Vec<&str> = ascii
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let mut id = String::new();
    for w in words {
        if !id.is_empty() && id.len() + 1 + w.len() > ID_CHARS {
            break;
        }
        if !id.is_empty() {
            id.push('-');
        }
        id.push_str(&w[..w.len().min(ID_CHARS)]);
    }
    if id.is_empty() {
        "page".to_string()
    } else {
        id
    }
}

/// The longest id [`slug`] makes.
pub const ID_CHARS: usize = 60;

#[derive(Serialize)]
struct FrontMatter<'a> {
    id: &'a str,
    title: &'a str,
    publisher: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<&'a str>,
    url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    lang: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    etag: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_modified: Option<&'a str>,
    fetched_at: &'a str,
}

/// A paragraph the document format would read as markup (a heading: `#`s and a space;
/// a caption: `>`) loses that mark; anything else (`#1 priority`) stays as it is.
fn as_text(line: &str) -> &str {
    let mut line = line;
    loop {
        let hashes = line.trim_start_matches('#');
        let unmarked = if hashes.len() < line.len() && hashes.starts_with(' ') {
            hashes.trim_start()
        } else {
            line.strip_prefix('>').map_or(line, str::trim_start)
        };
        if unmarked.len() == line.len() {
            return line;
        }
        line = unmarked;
    }
}

/// The front-matter keys a page decides; a refresh rewrites these and keeps the others a
/// curator set (`weight`, `primary`, `place`, …).
pub const PAGE_KEYS: [&str; 9] = [
    "title",
    "publisher",
    "date",
    "author",
    "url",
    "lang",
    "etag",
    "last_modified",
    "fetched_at",
];

/// `fresh` (a document made from a page fetched again) with the front-matter keys of
/// `current` (the file as it is) that the page does not decide; `fresh` as it is when
/// `current` cannot be read.
pub fn keep_curated(current: &str, fresh: &str) -> String {
    // Read as the corpus reader reads a document (CRLF, a byte-order mark).
    use crate::core::corpus::split_front_matter as split;
    let (Some((old, _)), Some((new, body))) = (split(current), split(fresh)) else {
        return fresh.to_string();
    };
    let (Ok(old), Ok(mut new)) = (
        old.parse::<toml_edit::DocumentMut>(),
        new.parse::<toml_edit::DocumentMut>(),
    ) else {
        return fresh.to_string();
    };
    for (key, item) in old.iter() {
        if key != "id" && !PAGE_KEYS.contains(&key) {
            new.insert(key, item.clone());
        }
    }
    format!("+++\n{new}+++\n{body}")
}

/// `read` as a document with id `id`, fetched at `fetched_at` (RFC 3339).
pub fn document(read: &Read, id: &str, fetched_at: &str) -> Document {
    let a = &read.article;
    // Every value one line, whichever way it was read.
    let line = |s: &str| extract::squeeze(s);
    let opt = |s: &Option<String>| s.as_deref().map(line).filter(|s| !s.is_empty());
    let (title, publisher) = (line(&a.title), line(&a.publisher));
    let (date, author, lang) = (opt(&a.published), opt(&a.author), opt(&a.lang));
    let (etag, last_modified) = (opt(&read.etag), opt(&read.last_modified));
    let front = FrontMatter {
        id,
        title: &title,
        publisher: &publisher,
        date: date.as_deref(),
        author: author.as_deref(),
        url: read.url.as_str(),
        lang: lang.as_deref(),
        etag: etag.as_deref(),
        last_modified: last_modified.as_deref(),
        fetched_at,
    };
    let mut text = String::from("+++\n");
    text.push_str(&toml::to_string(&front).expect("front matter serialises"));
    text.push_str("+++\n");
    for b in &a.blocks {
        let said = match b {
            Block::Heading(h) => as_text(h),
            Block::Paragraph(p) => as_text(p),
        };
        if said.trim().is_empty() {
            continue;
        }
        let line = match b {
            Block::Heading(_) => format!("## {said}"),
            Block::Paragraph(_) => said.to_string(),
        };
        text.push('\n');
        text.push_str(&line);
        text.push('\n');
    }
    Document {
        id: id.to_string(),
        filename: format!("{id}.md"),
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refresh_keeps_what_a_curator_set_and_takes_what_the_page_says() {
        let current = "+++\nid = \"p\"\ntitle = \"Old\"\nauthor = \"Gone\"\nweight = 1.5 # trusted\nprimary = true\nfetched_at = \"then\"\n+++\n\nOld text.\n";
        let fresh = "+++\nid = \"p\"\ntitle = \"New\"\nfetched_at = \"now\"\n+++\n\nNew text.\n";
        let kept = keep_curated(current, fresh);
        assert!(kept.contains("title = \"New\""), "{kept}");
        assert!(kept.contains("weight = 1.5"), "{kept}");
        assert!(kept.contains("primary = true"), "{kept}");
        assert!(
            !kept.contains("Gone"),
            "the page no longer names an author: {kept}"
        );
        assert!(kept.ends_with("\nNew text.\n"), "{kept}");
        assert!(!kept.contains("Old"), "{kept}");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("p.md"), &kept).unwrap();
        crate::core::corpus::load_dir_strict(dir.path()).expect("it still loads");
    }

    /// A file with CRLF line ends lost its curator's keys on refresh: only `+++\n` was
    /// read as front matter (issue 20).
    #[test]
    fn a_refresh_keeps_a_curators_keys_in_a_file_with_crlf_line_ends() {
        let current = "+++\r\nid = \"p\"\r\ntitle = \"Old\"\r\nweight = 1.5\r\nprimary = true\r\n+++\r\n\r\nOld text.\r\n";
        let fresh = "+++\nid = \"p\"\ntitle = \"New\"\n+++\n\nNew text.\n";
        let kept = keep_curated(current, fresh);
        assert!(kept.contains("weight = 1.5"), "{kept}");
        assert!(kept.contains("primary = true"), "{kept}");
        assert!(kept.contains("title = \"New\""), "{kept}");
        assert!(kept.ends_with("\nNew text.\n"), "{kept}");
    }

    #[test]
    fn ids_are_made_from_titles_in_any_script() {
        assert_eq!(
            slug("Russia, Ukraine swap 1,200 prisoners — talks \"go on\""),
            "russia-ukraine-swap-1-200-prisoners-talks-go-on"
        );
        assert_eq!(slug("Переговори в Стамбулі"), "peregovori-v-stambuli");
        assert_eq!(slug("¿?"), "page");
        assert!(slug(&"word ".repeat(40)).len() <= ID_CHARS);
    }

    #[test]
    fn a_document_is_in_the_corpus_format_and_loads() {
        let read = Read {
            article: Article {
                title: "Talks \"resume\" in Istanbul".into(),
                publisher: "Bosphorus\n+++\nLedger".into(),
                published: Some("2025-08-14".into()),
                author: Some("Leyla Arslan".into()),
                lang: Some("en".into()),
                blocks: vec![
                    Block::Paragraph("## Not a heading, a paragraph.".into()),
                    Block::Heading("What was agreed".into()),
                    Block::Paragraph("> Not a caption either.".into()),
                    Block::Paragraph("#1 priority, said #StandWithUkraine posts.".into()),
                    Block::Paragraph("+++".into()),
                ],
            },
            url: Url::parse("https://example.org/news/1").unwrap(),
            etag: Some("\"v1\"".into()),
            last_modified: None,
            encoding: "UTF-8",
        };
        let doc = document(&read, "talks-resume", "2026-11-26T06:00:00Z");
        assert_eq!(doc.filename, "talks-resume.md");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(&doc.filename), &doc.text).unwrap();
        let loaded = crate::core::corpus::load_dir_strict(dir.path()).unwrap();
        let texts: Vec<(&str, Option<&str>)> = loaded
            .passages
            .iter()
            .map(|p| (p.text.as_str(), p.section.as_deref()))
            .collect();
        assert_eq!(
            texts,
            [
                ("Not a heading, a paragraph.", None),
                ("Not a caption either.", Some("What was agreed")),
                (
                    "#1 priority, said #StandWithUkraine posts.",
                    Some("What was agreed")
                ),
                ("+++", Some("What was agreed")),
            ]
        );
        let s = &loaded.sources[0];
        assert_eq!(s.title, "Talks \"resume\" in Istanbul");
        assert_eq!(
            s.publisher.as_deref(),
            Some("Bosphorus +++ Ledger"),
            "a value with a newline and +++ stays one line"
        );
        assert_eq!(s.date.as_deref(), Some("2025-08-14"));
        assert_eq!(s.url.as_deref(), Some("https://example.org/news/1"));
        let link = s.link.as_ref().expect("a link-sourced document");
        assert_eq!(link.etag.as_deref(), Some("\"v1\""));
        assert_eq!(link.fetched_at, "2026-11-26T06:00:00Z");
        assert_eq!(s.author.as_deref(), Some("Leyla Arslan"));
        assert_eq!(s.lang.as_deref(), Some("en"));
    }
}
