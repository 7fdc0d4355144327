//! What the sources are: `/source show` (one source whole, page by page, with its
//! details and citations) and `/sources` (the catalog, page by page). English, as are
//! the sources' own details.

use super::reply::{self, Card, Reply, AMBER, BLURPLE};
use super::text::{ago, link_target, plain};
use crate::core::corpus::{Passage, Source};
use crate::core::index::OpenIndex;
use crate::core::lang::Lang;
use crate::discord::buttons::Action;
use crate::discord::limits::chars;
use crate::render::words;

/// Passages per page of `/source`, packed to about this many characters: half an embed
/// description, so a page reads on a phone without endless scrolling.
const SOURCE_PAGE_CHARS: usize = 3000;

/// The blank line between two passages of a page.
const PASSAGE_GAP: usize = 2;

/// Lines per page of `/sources`: as many as an autocomplete list shows, one screen.
const CATALOG_PAGE_LINES: usize = 25;

/// Pages of a source's passages: indices into `passages`, whole passages per page.
fn source_pages(passages: &[Passage]) -> Vec<std::ops::Range<usize>> {
    let mut pages = Vec::new();
    let (mut start, mut size) = (0, 0);
    for (i, p) in passages.iter().enumerate() {
        let n = chars(&p.text) + PASSAGE_GAP;
        if i > start && size + n > SOURCE_PAGE_CHARS {
            pages.push(start..i);
            start = i;
            size = 0;
        }
        size += n;
    }
    if start < passages.len() || pages.is_empty() {
        pages.push(start..passages.len());
    }
    pages
}

/// `/source show <id>`, one page: the source's details, citations and passages in order.
pub fn source(s: &Source, passages: &[Passage], page: usize) -> Reply {
    let pages = source_pages(passages);
    let page = page.min(pages.len() - 1);
    let mut description = String::new();
    let mut section: Option<&str> = None;
    for p in &passages[pages[page].clone()] {
        if p.section.as_deref() != section && p.section.is_some() {
            section = p.section.as_deref();
            description.push_str(&format!("__**{}**__\n", plain(section.unwrap_or_default())));
        }
        let text = plain(&p.text);
        match &p.credit {
            Some(credit) => description.push_str(&format!("*{text}* ({})\n\n", plain(credit))),
            None => description.push_str(&format!("{text}\n\n")),
        }
    }
    let mut fields = Vec::new();
    let details: Vec<String> = [
        s.publisher.as_deref(),
        s.date.as_deref(),
        s.place.as_deref(),
    ]
    .into_iter()
    .flatten()
    .map(plain)
    .collect();
    if !details.is_empty() {
        fields.push(("Published".to_string(), details.join(" · ")));
    }
    let lines: Vec<String> = s
        .citations
        .iter()
        .map(|c| {
            format!(
                "[{}]({}){}",
                plain(&c.publisher),
                link_target(&c.url),
                c.published
                    .as_deref()
                    .map(|d| format!(", {}", plain(d)))
                    .unwrap_or_default()
            )
        })
        .collect();
    fields.extend(reply::fields("Backed by", "Backed by (continued)", &lines));
    let flags = words::caveats(Lang::En, &s.flags);
    fields.extend(reply::caution("Caution", &flags));
    let card = Card {
        title: Some(plain(&s.title)),
        url: s.url.clone(),
        description: description.trim_end().to_string(),
        fields,
        footer: Some(format!(
            "{} · {} · page {} of {}",
            s.id,
            s.file,
            page + 1,
            pages.len()
        )),
        timestamp: None,
        colour: if flags.is_empty() { BLURPLE } else { AMBER },
        image: None,
    };
    Reply::card(card).with_buttons(reply::pager(page, pages.len(), |page| Action::SourcePage {
        id: s.id.clone(),
        page,
    }))
}

/// `/sources`, one page: what is indexed, with passage counts and the generation.
pub fn catalog(index: &OpenIndex, page: usize) -> Reply {
    let pages = index.catalog.len().div_ceil(CATALOG_PAGE_LINES).max(1);
    let page = page.min(pages - 1);
    let lines: Vec<String> = index
        .catalog
        .iter()
        .skip(page * CATALOG_PAGE_LINES)
        .take(CATALOG_PAGE_LINES)
        .map(|s| {
            let n = index.passage_count(&s.id);
            let flag = if s.flags.is_empty() { "" } else { " ⚠️" };
            format!(
                "`{}` {} — {n} passage{}{flag}",
                s.id,
                plain(&s.title),
                if n == 1 { "" } else { "s" }
            )
        })
        .collect();
    let m = &index.manifest;
    Reply::card(Card {
        title: Some(format!("{} sources, {} passages", m.sources, m.passages)),
        description: lines.join("\n"),
        footer: Some(format!(
            "Index generation {}, indexed {} · page {} of {pages} · built",
            m.generation,
            ago(&m.built_at),
            page + 1
        )),
        timestamp: Some(m.built_at.clone()),
        colour: BLURPLE,
        ..Card::default()
    })
    .with_buttons(reply::pager(page, pages, |page| Action::Catalog { page }))
}

/// `/source show` for an id that is not indexed.
pub fn no_such_source(id: &str) -> Reply {
    Reply::text(format!(
        "There is no source `{}`. `/sources` lists them all.",
        crate::discord::limits::fit(&plain(id), NAME_ECHO_CHARS)
    ))
}

/// A button of a source page for a source no longer indexed.
pub fn source_gone() -> Reply {
    Reply::text("This source is no longer indexed. `/sources` lists what is.")
}

/// How much of a name a member typed is echoed back in a refusal: enough to recognise
/// it, never a wall of text.
pub const NAME_ECHO_CHARS: usize = 100;
