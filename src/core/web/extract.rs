//! A news page's article: its main text as paragraphs under their headings, and what a
//! citation needs (title, publisher, date, author, language). The main text is found by
//! dom_smoothie, a Rust port of Mozilla's Readability (Firefox's Reader View): it scores
//! the page's blocks and drops menus, cookie banners, share bars, comments, related
//! links and ads. It is maintained, pulls no network or async code, and keeps the
//! article's HTML structure, which is walked here (with dom_query, the parser under it)
//! into paragraphs and headings. What it does not read is read here from the page:
//! `<time datetime>`, and JSON-LD whose article sits in an `@graph` (WordPress's way).

use dom_query::Document;
use dom_smoothie::{Config, Readability};
use serde_json::Value;
use url::Url;

/// More elements than this, and a page is not read (a news page has a few thousand).
const MAX_ELEMENTS: usize = 50_000;

/// Below this many characters of text, a page has no article to read.
pub const MIN_TEXT_CHARS: usize = 200;

/// A block of the article, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Heading(String),
    Paragraph(String),
}

/// What was read from a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    pub title: String,
    /// `og:site_name`, the JSON-LD publisher, else the host.
    pub publisher: String,
    /// The day it was published (`YYYY-MM-DD`), if the page says.
    pub published: Option<String>,
    pub author: Option<String>,
    /// The page's language (`<html lang>`), if given.
    pub lang: Option<String>,
    pub blocks: Vec<Block>,
}

impl Article {
    pub fn paragraphs(&self) -> impl Iterator<Item = &str> {
        self.blocks.iter().filter_map(|b| match b {
            Block::Paragraph(p) => Some(p.as_str()),
            Block::Heading(_) => None,
        })
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ExtractError {
    #[error("no article text could be read from the page (it may be behind a paywall, or built by JavaScript)")]
    Nothing,
    #[error("the page has more than {0} elements, too many to read")]
    TooComplex(usize),
}

/// One line of text: whitespace collapsed to single spaces, control characters (an
/// escape sequence a page hides, say) left out.
pub fn squeeze(text: &str) -> String {
    text.split_whitespace()
        .map(|w| w.chars().filter(|c| !c.is_control()).collect::<String>())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The first `datePublished`, `author` and `publisher` of the page's JSON-LD, looking
/// inside `@graph` arrays too.
fn json_ld(doc: &Document) -> (Option<String>, Option<String>, Option<String>) {
    let (mut published, mut author, mut publisher) = (None, None, None);
    fn name_of(v: &Value) -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Object(o) => o.get("name").and_then(Value::as_str).map(str::to_string),
            Value::Array(a) => a.iter().find_map(name_of),
            _ => None,
        }
    }
    fn visit(v: &Value, out: &mut (Option<String>, Option<String>, Option<String>)) {
        match v {
            Value::Array(a) => a.iter().for_each(|x| visit(x, out)),
            Value::Object(o) => {
                if let Some(g) = o.get("@graph") {
                    visit(g, out);
                }
                if out.0.is_none() {
                    out.0 = o
                        .get("datePublished")
                        .and_then(Value::as_str)
                        .map(str::to_string);
                }
                if out.1.is_none() {
                    out.1 = o.get("author").and_then(name_of);
                }
                if out.2.is_none() {
                    out.2 = o.get("publisher").and_then(name_of);
                }
            }
            _ => {}
        }
    }
    for script in doc.select("script[type='application/ld+json']").iter() {
        if let Ok(v) = serde_json::from_str::<Value>(&script.text()) {
            let mut out = (published.take(), author.take(), publisher.take());
            visit(&v, &mut out);
            (published, author, publisher) = out;
        }
    }
    (published, author, publisher)
}

/// `YYYY-MM-DD` from the start of an ISO 8601 date or timestamp.
fn day_of(text: &str) -> Option<String> {
    let day = text.trim().get(..10)?;
    chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .ok()
        .map(|d| d.format("%Y-%m-%d").to_string())
}

/// The article of the page `html` found at `url`.
/// `page` cut down to its head and its one `<article>` element, when it has exactly one
/// and it holds an article's worth of text; `page` itself otherwise.
fn only_the_article(page: Document) -> Result<Document, Document> {
    let articles = page.select("article");
    // An `<article>` inside another is a teaser or a comment of it, not a second article.
    let outer: Vec<_> = articles
        .nodes()
        .iter()
        .filter(|n| !n.ancestors(None).iter().any(|a| a.is("article")))
        .cloned()
        .collect();
    let [article] = outer.as_slice() else {
        return Err(page);
    };
    if squeeze(&article.text()).chars().count() < MIN_TEXT_CHARS {
        return Err(page);
    }
    let lang = page
        .select("html[lang]")
        .attr("lang")
        .map(|l| format!(" lang=\"{}\"", html_escape(&l)))
        .unwrap_or_default();
    let head = page.select("head").html();
    let cut = format!(
        "<!DOCTYPE html><html{lang}>{head}<body>{}</body></html>",
        article.html()
    );
    Ok(Document::from(cut))
}

/// An attribute value as HTML text.
fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
}

pub fn extract(html: &str, url: &Url) -> Result<Article, ExtractError> {
    let page = Document::from(html);
    let (ld_published, ld_author, ld_publisher) = json_ld(&page);
    let (ld_author, ld_publisher) = (
        ld_author.map(|a| squeeze(&a)),
        ld_publisher.map(|p| squeeze(&p)),
    );
    let time = page
        .select("time[datetime]")
        .iter()
        .find_map(|t| t.attr("datetime").map(|d| d.to_string()));
    let html_lang = page
        .select("html[lang]")
        .iter()
        .find_map(|h| h.attr("lang").map(|l| l.to_string()));
    // Bylines and datelines are what the metadata says, not passages (Readability keeps
    // them when the page's metadata already names the author).
    page.select(".byline, .dateline, [rel='author'], [itemprop='author'], address")
        .remove();
    // A page whose one `<article>` holds the article: Readability reads that alone. With
    // a short article (three paragraphs), it would otherwise take the article's parent,
    // and with it a cookie banner, a share bar or a "Related" box beside the article.
    let page = only_the_article(page).unwrap_or_else(|page| page);
    let config = Config {
        // Deeply nested pages cost seconds; a news page has far fewer elements.
        max_elements_to_parse: MAX_ELEMENTS,
        ..Config::default()
    };
    let mut readability = Readability::with_document(page, Some(url.as_str()), Some(config))
        .map_err(|_| ExtractError::Nothing)?;
    let article = readability.parse().map_err(|e| match e {
        dom_smoothie::ReadabilityError::TooManyElements(..) => {
            ExtractError::TooComplex(MAX_ELEMENTS)
        }
        _ => ExtractError::Nothing,
    })?;
    let content = Document::from(article.content.as_ref());
    let blocks_selector = "h1, h2, h3, h4, h5, h6, p, li, blockquote, pre";
    let mut blocks = Vec::new();
    for node in content.select(blocks_selector).iter() {
        // A paragraph inside a list item or a quote is read with it, once.
        let nested = node
            .ancestors(None)
            .iter()
            .any(|a| a.is("p, li, blockquote, pre"));
        if nested {
            continue;
        }
        let text = squeeze(&node.text());
        if text.is_empty() {
            continue;
        }
        if node.is("h1, h2, h3, h4, h5, h6") {
            blocks.push(Block::Heading(text));
        } else {
            blocks.push(Block::Paragraph(text));
        }
    }
    // A heading that opens the article and repeats its title is not a section.
    let title = squeeze(&article.title);
    if let Some(Block::Heading(h)) = blocks.first() {
        if h == &title {
            blocks.remove(0);
        }
    }
    // Headings with no paragraph after them say nothing.
    let mut kept: Vec<Block> = Vec::new();
    for b in blocks {
        if matches!(b, Block::Heading(_)) && matches!(kept.last(), Some(Block::Heading(_))) {
            kept.pop();
        }
        kept.push(b);
    }
    if matches!(kept.last(), Some(Block::Heading(_))) {
        kept.pop();
    }
    let chars: usize = kept
        .iter()
        .map(|b| match b {
            Block::Paragraph(p) => p.chars().count(),
            Block::Heading(_) => 0,
        })
        .sum();
    if chars < MIN_TEXT_CHARS || title.is_empty() {
        return Err(ExtractError::Nothing);
    }
    let host = url
        .host_str()
        .map(|h| h.strip_prefix("www.").unwrap_or(h).to_string())
        .unwrap_or_default();
    let publisher = article
        .site_name
        .map(|s| squeeze(&s))
        .filter(|s| !s.is_empty())
        .or(ld_publisher)
        .unwrap_or(host);
    let published = article
        .published_time
        .as_deref()
        .and_then(day_of)
        .or_else(|| ld_published.as_deref().and_then(day_of))
        .or_else(|| time.as_deref().and_then(day_of));
    let author = article
        .byline
        .map(|b| squeeze(&b))
        .filter(|b| !b.is_empty())
        .or(ld_author);
    let lang = article.lang.or(html_lang).map(|l| squeeze(&l));
    Ok(Article {
        title,
        publisher,
        published,
        author,
        lang: lang.filter(|l| !l.is_empty()),
        blocks: kept,
    })
}
