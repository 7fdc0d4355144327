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
        let (text, encoding) = charset::decode(&body, &content_type);
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
    let mut parts = text
        .split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty());
    let title = parts.next().ok_or(extract::ExtractError::Nothing)?;
    let blocks: Vec<Block> = parts.map(Block::Paragraph).collect();
    let chars: usize = blocks
        .iter()
        .map(|b| match b {
            Block::Paragraph(p) => p.len(),
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

/// A text line that the document format would read as markup (a heading, a caption or
/// the end of the front matter) loses that leading mark.
fn as_text(line: &str) -> &str {
    let mut line = line;
    loop {
        let trimmed = line.trim_start_matches(['#', '>']).trim_start();
        if trimmed.len() == line.len() {
            break;
        }
        line = trimmed;
    }
    if line == "+++" {
        ""
    } else {
        line
    }
}

/// `read` as a document with id `id`, fetched at `fetched_at` (RFC 3339).
pub fn document(read: &Read, id: &str, fetched_at: &str) -> Document {
    let a = &read.article;
    let front = FrontMatter {
        id,
        title: &a.title,
        publisher: &a.publisher,
        date: a.published.as_deref(),
        author: a.author.as_deref(),
        url: read.url.as_str(),
        lang: a.lang.as_deref(),
        etag: read.etag.as_deref(),
        last_modified: read.last_modified.as_deref(),
        fetched_at,
    };
    let mut text = String::from("+++\n");
    text.push_str(&toml::to_string(&front).expect("front matter serialises"));
    text.push_str("+++\n");
    for b in &a.blocks {
        let line = match b {
            Block::Heading(h) => format!("## {}", as_text(h)),
            Block::Paragraph(p) => as_text(p).to_string(),
        };
        if line.trim().is_empty() || line == "## " {
            continue;
        }
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
                publisher: "Bosphorus Ledger".into(),
                published: Some("2025-08-14".into()),
                author: Some("Leyla Arslan".into()),
                lang: Some("en".into()),
                blocks: vec![
                    Block::Paragraph("## Not a heading, a paragraph.".into()),
                    Block::Heading("What was agreed".into()),
                    Block::Paragraph("> Not a caption either.".into()),
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
            ]
        );
        let s = &loaded.sources[0];
        assert_eq!(s.title, "Talks \"resume\" in Istanbul");
        assert_eq!(s.publisher.as_deref(), Some("Bosphorus Ledger"));
        assert_eq!(s.date.as_deref(), Some("2025-08-14"));
        assert_eq!(s.url.as_deref(), Some("https://example.org/news/1"));
        let link = s.link.as_ref().expect("a link-sourced document");
        assert_eq!(link.etag.as_deref(), Some("\"v1\""));
        assert_eq!(link.fetched_at, "2026-11-26T06:00:00Z");
        assert_eq!(s.author.as_deref(), Some("Leyla Arslan"));
        assert_eq!(s.lang.as_deref(), Some("en"));
    }
}
