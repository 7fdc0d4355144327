//! "Show passages", for whoever clicked it, privately: one page of an answer's passages,
//! each whole with the question's words in bold and its sourcing markers verbatim, every
//! page that backs it, its caveats, and ◀ ▶ to page.

use super::answer::nothing_found;
use super::reply::{self, Card, Reply, AMBER, BLURPLE};
use super::text::{link_target, neutralize_mentions, plain};
use crate::core::lang::Lang;
use crate::core::search::Response;
use crate::core::snippet::Snippet;
use crate::discord::buttons::Action;
use crate::discord::limits;
use crate::render::{markdown, words};

/// "Show passages": one page of results starting at `offset` (`per_page` a page), each
/// passage whole with the question's words in bold, every page that backs it and its
/// caveats; ◀ ▶ to page. For the one who clicked.
pub fn passages(r: &Response, offset: usize, per_page: usize, lang: Lang) -> Reply {
    let w = words::of(lang);
    if r.passages.is_empty() {
        return if offset > 0 {
            nothing_found(r, offset, lang)
        } else {
            Reply::text(w.results_gone)
        };
    }
    let hits = &r.passages[..r.passages.len().min(limits::EMBEDS_PER_MESSAGE)];
    let budget = limits::EMBEDS_TOTAL / hits.len();
    let cards = hits
        .iter()
        .map(|h| {
            let mut lines: Vec<String> = h
                .citations
                .iter()
                .map(|c| {
                    let mut line = format!("[{}]({})", plain(&c.publisher), link_target(&c.url));
                    if let Some(p) = &c.published {
                        line.push_str(&format!(", {}", plain(p)));
                    }
                    if let Some(n) = &c.note {
                        line.push_str(&format!(" — {}", plain(n)));
                    }
                    line
                })
                .collect();
            if lines.is_empty() {
                let s = &h.source;
                let details: Vec<String> =
                    [s.publisher.as_deref(), s.date.as_deref(), s.url.as_deref()]
                        .into_iter()
                        .flatten()
                        .map(plain)
                        .collect();
                lines.push(details.join(", "));
            }
            if let Some(credit) = &h.credit {
                lines.push(format!("{}: {}", w.photo, plain(credit)));
            }
            let mut fields = reply::fields(w.backed_by, w.backed_by_continued, &lines);
            let flags = words::caveats(lang, &h.flags);
            fields.extend(reply::caution(w.caution, &flags));
            let heading = h
                .section
                .as_deref()
                .filter(|s| !s.is_empty())
                .unwrap_or(&h.source.title);
            let whole = Snippet {
                shown: 0..h.text.len(),
                matches: h.marks.clone(),
            };
            Card {
                title: Some(format!("[{}] {}", h.citation, plain(heading))),
                url: h.source.url.clone(),
                description: neutralize_mentions(&markdown::snippet(&h.text, &whole)),
                fields,
                footer: Some(words::fill(w.whole_source_footer, &[("id", &h.source.id)])),
                timestamp: None,
                colour: if flags.is_empty() { BLURPLE } else { AMBER },
                image: None,
            }
            .fit(budget)
        })
        .collect();
    let last = offset + r.passages.len();
    let total = last + r.more;
    let per_page = per_page.max(1);
    let page = offset / per_page;
    let pages = total.div_ceil(per_page);
    let question = r.question.clone();
    Reply {
        content: Some(words::fill(
            w.results_footer,
            &[
                ("first", &(offset + 1).to_string()),
                ("last", &last.to_string()),
                ("total", &total.to_string()),
            ],
        )),
        cards,
        buttons: reply::pager_labelled(w.previous, w.next, page, pages, |p| Action::Passages {
            offset: p * per_page,
            question: question.clone(),
        }),
        files: Vec::new(),
    }
}
