//! Sources from a link, wired to the index: read a page into a preview (nothing is
//! written until the moderator says Add), add it as a document with the same undo as an
//! upload, fetch a link-sourced document again and reindex only when its text changed,
//! saying what changed; and the optional schedule (`index.refresh_every`) that refreshes
//! one page at a time in a process that writes the index.

use std::sync::Arc;
use std::time::Duration;

use tracing::{info, warn};
use url::Url;

use super::{AppError, LiveEngine};
use crate::config::Settings;
use crate::core::corpus::manage;
use crate::core::corpus::{self, Source, SourceKind};
use crate::core::index::Manifest;
use crate::core::web::{
    self, address::Allowed, Document, Fetcher, Known, Limits, Reread, WebError,
};

/// Why a link did not become (or refresh) a source: one sentence for the moderator.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error(transparent)]
    Web(#[from] WebError),
    #[error("this page is already the source `{0}`: refresh it instead (/source refresh id:{0})")]
    Already(String),
    #[error(
        "this page is already the document `{0}`, a file of the sources: change that file instead"
    )]
    AlreadyFile(String),
    #[error("a source or a file named `{0}` already exists; nothing was changed")]
    Taken(String),
    #[error("`{0}` is not a source added from a link")]
    NotALink(String),
    #[error("no source has the id `{0}`")]
    NoSuchSource(String),
    #[error("the file of `{id}` ({file}) cannot be read ({problem}); nothing was changed")]
    Unreadable {
        id: String,
        file: String,
        problem: String,
    },
    #[error(transparent)]
    App(#[from] AppError),
}

/// What a moderator sees before adding a page.
#[derive(Debug, Clone)]
pub struct Preview {
    pub document: Document,
    pub title: String,
    pub publisher: String,
    pub date: Option<String>,
    pub author: Option<String>,
    pub lang: Option<String>,
    /// The address after redirects.
    pub url: String,
    pub passages: usize,
    /// The first two paragraphs.
    pub opening: Vec<String>,
    /// The encoding the page was in.
    pub encoding: &'static str,
}

/// What a refresh did.
#[derive(Debug, Clone)]
pub enum Refreshed {
    /// The site said 304: nothing fetched, nothing changed.
    NotModified { id: String },
    /// Fetched again, and the text is the same: no reindex.
    Unchanged { id: String },
    /// The text changed: stored and reindexed.
    Changed {
        id: String,
        added: usize,
        removed: usize,
        edited: usize,
        manifest: Manifest,
    },
}

/// The fetcher the settings describe.
pub fn fetcher(settings: &Settings) -> Result<Fetcher, LinkError> {
    let i = &settings.index;
    Fetcher::new(Limits {
        timeout: i.fetch_timeout,
        max_bytes: i.max_fetch_bytes,
        allowed: Allowed::new(&i.fetch_allow),
    })
    .map_err(|e| LinkError::Web(e.into()))
}

/// A link as compared with the sources' addresses: no fragment, no trailing `/`.
fn same_page(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        Url::parse(s.trim()).ok().map(|mut u| {
            u.set_fragment(None);
            u.as_str().trim_end_matches('/').to_string()
        })
    };
    matches!((norm(a), norm(b)), (Some(x), Some(y)) if x == y)
}

/// Whether `link` is already a document of the sources: one added from a link (to be
/// refreshed) or a file a curator wrote. Records are not pages: the address a record
/// cites may still be added.
fn already(sources: &[Source], link: &str) -> Result<(), LinkError> {
    let found = sources.iter().find(|s| {
        s.kind == SourceKind::Document && s.url.as_deref().is_some_and(|u| same_page(u, link))
    });
    match found {
        Some(s) if s.link.is_some() => Err(LinkError::Already(s.id.clone())),
        Some(s) => Err(LinkError::AlreadyFile(s.id.clone())),
        None => Ok(()),
    }
}

/// Now, as RFC 3339 (UTC, seconds), as the index writes its times.
fn now() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

/// Read `link` into a preview (nothing is written).
pub async fn preview(
    live: &LiveEngine,
    fetcher: &Fetcher,
    link: &str,
) -> Result<Preview, LinkError> {
    let engine = live.engine();
    let catalog = &engine.index().catalog;
    already(catalog, link)?;
    let read = match web::read(fetcher, link, &Known::default()).await? {
        Reread::Read(r) => r,
        // Nothing was known, so a 304 is the site's mistake: read as nothing.
        Reread::NotModified => {
            return Err(WebError::Extract(web::extract::ExtractError::Nothing).into())
        }
    };
    already(catalog, read.url.as_str())?;
    // An id of its own: the title's, numbered when another source or file has it.
    let base = web::slug(&read.article.title);
    let mut id = base.clone();
    let mut n = 2;
    let dir = &live.settings().index.sources;
    while engine.index().source(&id).is_some() || manage::place(dir, &format!("{id}.md")).exists() {
        id = format!("{base}-{n}");
        n += 1;
    }
    let document = web::document(&read, &id, &now());
    let a = &read.article;
    Ok(Preview {
        title: a.title.clone(),
        publisher: a.publisher.clone(),
        date: a.published.clone(),
        author: a.author.clone(),
        lang: a.lang.clone(),
        url: read.url.to_string(),
        passages: a.paragraphs().count(),
        opening: a.paragraphs().take(2).map(str::to_string).collect(),
        encoding: read.encoding,
        document,
    })
}

/// Add a previewed page from `link` (blocking: it reindexes). What was true at the
/// preview is checked again: the page is not a source yet (another preview may have
/// been added meanwhile), and its id and file name are free, so nothing is overwritten.
pub fn add(
    live: &LiveEngine,
    link: &str,
    document: &Document,
    by: &str,
) -> Result<Manifest, LinkError> {
    let engine = live.engine();
    already(&engine.index().catalog, link)?;
    let dir = &live.settings().index.sources;
    if engine.index().source(&document.id).is_some()
        || manage::place(dir, &document.filename).exists()
    {
        return Err(LinkError::Taken(document.filename.clone()));
    }
    let (path, manifest) = live.add_source(&document.filename, document.text.as_bytes(), by)?;
    info!(path = %path.display(), id = %document.id, by, "source added from a link");
    Ok(manifest)
}

/// Passages added, removed and edited from `old` to `new` (an edit is a passage replaced
/// by one in the same place).
fn changes<T: Eq + std::hash::Hash + Ord>(old: &[T], new: &[T]) -> (usize, usize, usize) {
    use similar::{capture_diff_slices, Algorithm, DiffOp};
    let (mut added, mut removed, mut edited) = (0, 0, 0);
    for op in capture_diff_slices(Algorithm::Myers, old, new) {
        match op {
            DiffOp::Insert { new_len, .. } => added += new_len,
            DiffOp::Delete { old_len, .. } => removed += old_len,
            DiffOp::Replace {
                old_len, new_len, ..
            } => {
                edited += old_len.min(new_len);
                added += new_len.saturating_sub(old_len);
                removed += old_len.saturating_sub(new_len);
            }
            DiffOp::Equal { .. } => {}
        }
    }
    (added, removed, edited)
}

/// Fetch the link-sourced document `id` again and reindex if its text changed.
pub async fn refresh(
    live: Arc<LiveEngine>,
    fetcher: &Fetcher,
    id: &str,
    by: &str,
) -> Result<Refreshed, LinkError> {
    let engine = live.engine();
    let source = engine
        .index()
        .source(id)
        .ok_or_else(|| LinkError::NoSuchSource(id.to_string()))?
        .clone();
    let (Some(link), Some(url)) = (&source.link, &source.url) else {
        return Err(LinkError::NotALink(id.to_string()));
    };
    let known = Known {
        etag: link.etag.clone(),
        last_modified: link.last_modified.clone(),
    };
    let read = match web::read(fetcher, url, &known).await? {
        Reread::NotModified => {
            info!(id, by, "refresh: not modified");
            return Ok(Refreshed::NotModified { id: id.to_string() });
        }
        Reread::Read(r) => r,
    };
    let document = web::document(&read, id, &now());
    // Compared as the index holds them: each passage's text and section.
    let old: Vec<(String, Option<String>)> = engine
        .index()
        .passages_of(id)
        .map_err(|e| AppError::Index(e.into()))?
        .into_iter()
        .map(|p| (p.text, p.section))
        .collect();
    let new: Vec<(String, Option<String>)> = corpus::document_passages(&document.text)
        .map_err(AppError::Sources)?
        .into_iter()
        .map(|p| (p.text, p.section))
        .collect();
    if old == new && source.title == web::extract::squeeze(&read.article.title) {
        info!(id, by, "refresh: the text is unchanged");
        return Ok(Refreshed::Unchanged { id: id.to_string() });
    }
    let (added, removed, edited) = changes(&old, &new);
    let file = source.file.clone();
    // What a curator set in the front matter (a weight, say) stays: a file that cannot
    // be read refuses the refresh rather than lose it. Read off the async runtime.
    let path = live.settings().index.sources.join(&source.file);
    let current = tokio::task::spawn_blocking(move || std::fs::read_to_string(path))
        .await
        .map_err(|e| LinkError::App(AppError::Watch(format!("the refresh failed: {e}"))))?
        .map_err(|e| LinkError::Unreadable {
            id: id.to_string(),
            file: file.clone(),
            problem: e.to_string(),
        })?;
    let (text, who) = (web::keep_curated(&current, &document.text), by.to_string());
    let manifest = tokio::task::spawn_blocking(move || live.replace_source(&file, &text, &who))
        .await
        .map_err(|e| LinkError::App(AppError::Watch(format!("the refresh failed: {e}"))))??;
    info!(id, by, added, removed, edited, "refresh: reindexed");
    Ok(Refreshed::Changed {
        id: id.to_string(),
        added,
        removed,
        edited,
        manifest,
    })
}

/// The ids of the documents added from a link.
pub fn linked(live: &LiveEngine) -> Vec<String> {
    live.engine()
        .index()
        .catalog
        .iter()
        .filter(|s| s.link.is_some())
        .map(|s| s.id.clone())
        .collect()
}

/// `index.refresh_every`: every period, fetch each link-sourced page again, one at a
/// time, until `stop` is set. Only in a process that writes the index.
pub async fn keep_fresh(
    live: Arc<LiveEngine>,
    every: Duration,
    stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut stop = stop;
    let fetcher = match fetcher(live.settings()) {
        Ok(f) => f,
        Err(e) => {
            warn!(error = %e, "scheduled refreshes are off");
            return;
        }
    };
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => return,
        }
        for id in linked(&live) {
            if *stop.borrow() {
                return;
            }
            match refresh(live.clone(), &fetcher, &id, "schedule").await {
                Ok(r) => info!(id, outcome = ?r, "scheduled refresh"),
                Err(e) => warn!(id, error = %e, "scheduled refresh failed; the indexed text stays"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_count_added_removed_and_edited_passages() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            changes(&s(&["a", "b", "c"]), &s(&["a", "b", "c"])),
            (0, 0, 0)
        );
        assert_eq!(
            changes(&s(&["a", "b", "c"]), &s(&["a", "B", "c", "d"])),
            (1, 0, 1)
        );
        assert_eq!(changes(&s(&["a", "b", "c"]), &s(&["a", "c"])), (0, 1, 0));
    }

    #[test]
    fn only_documents_count_as_the_page_already_and_only_linked_ones_refresh() {
        let source = |id: &str, kind, link: bool| Source {
            id: id.into(),
            kind,
            title: "t".into(),
            publisher: None,
            date: None,
            url: Some("https://ex.org/news/1".into()),
            place: None,
            flags: vec![],
            citations: vec![],
            related: vec![],
            file: format!("{id}.md"),
            weight: 1.0,
            primary: false,
            when: None,
            timeline_kind: None,
            figures: vec![],
            duration: None,
            author: None,
            lang: None,
            link: link.then(|| corpus::Link {
                etag: None,
                last_modified: None,
                fetched_at: "2026-11-26T00:00:00Z".into(),
            }),
        };
        let link = "https://ex.org/news/1#top";
        // A record citing the page: the page may still be added.
        assert!(already(&[source("R1-01", SourceKind::Record, false)], link).is_ok());
        assert!(matches!(
            already(&[source("mine", SourceKind::Document, false)], link),
            Err(LinkError::AlreadyFile(id)) if id == "mine"
        ));
        assert!(matches!(
            already(&[source("page", SourceKind::Document, true)], link),
            Err(LinkError::Already(id)) if id == "page"
        ));
    }

    #[test]
    fn the_same_page_is_found_whatever_its_fragment_or_last_slash() {
        assert!(same_page("https://ex.org/a/", "https://ex.org/a#top"));
        assert!(!same_page("https://ex.org/a", "https://ex.org/b"));
    }
}
