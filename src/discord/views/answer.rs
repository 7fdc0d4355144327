//! The answer to a question as Discord shows it: the one-line answer with the answer
//! itself in bold, the passages with the question's words in bold, the citations, and
//! buttons for more results, the full sources and the first source's page; "nothing
//! found" when no passage answers; and the full sources of one page of results.

use super::reply::{self, Button, Card, Reply, AMBER, BLURPLE, GREY, TRIMMED};
use super::text::{link_target, neutralize_mentions, plain};
use crate::core::lang::Lang;
use crate::core::search::{DirectAnswer, Hit, Response};
use crate::discord::buttons::Action;
use crate::discord::limits::{self, chars, fit};
use crate::render::{markdown, words};

/// The answer to a question, starting at result `offset`, in `lang`.
pub fn answer(r: &Response, offset: usize, lang: Lang) -> Reply {
    let w = words::of(lang);
    if r.passages.is_empty() {
        return nothing_found(r, offset, lang);
    }
    let mut description = String::new();
    if let Some(a) = &r.answer {
        let warn = if a.caveats.is_empty() { "" } else { "⚠️ " };
        description.push_str(&format!(
            "{warn}{} [{}]\n",
            answer_line(a, lang),
            a.citation
        ));
    }
    if !w.quoted_in_english.is_empty() {
        description.push_str(&format!("*{}*\n", w.quoted_in_english));
    }
    if !r.corrections.is_empty() {
        let fixes: Vec<String> = r
            .corrections
            .iter()
            .map(|c| format!("{} → {}", plain(&c.from), plain(&c.to)))
            .collect();
        let read_as = words::fill(w.read_as, &[("fixes", &fixes.join(", "))]);
        description.push_str(&format!("*{read_as}*\n"));
    }
    let blocks: Vec<String> = r
        .passages
        .iter()
        .map(|h| {
            let heading = h
                .section
                .as_deref()
                .filter(|s| !s.is_empty())
                .unwrap_or(&h.source.title);
            format!(
                "**[{}]** *{}*\n{}",
                h.citation,
                plain(heading),
                neutralize_mentions(&markdown::snippet(&h.text, &h.snippet))
            )
        })
        .collect();
    // Whole passages only: when they do not all fit, the last ones give way, visibly.
    let head = chars(&description);
    let mut shown = 0;
    // Each block goes in with a newline before and after it.
    const AROUND_A_BLOCK: usize = 2;
    let budget = limits::EMBED_DESCRIPTION - chars(TRIMMED) - AROUND_A_BLOCK;
    let mut body = String::new();
    for b in &blocks {
        let extra = chars(b) + AROUND_A_BLOCK;
        if head + chars(&body) + extra > budget && shown > 0 {
            break;
        }
        body.push('\n');
        body.push_str(b);
        body.push('\n');
        shown += 1;
    }
    description.push_str(&body);
    if shown < blocks.len() {
        description.push_str(TRIMMED);
    }
    let lines: Vec<String> = r.passages.iter().map(|h| source_line(h, lang)).collect();
    let first = offset + 1;
    let last = offset + r.passages.len();
    let total = last + r.more;
    let flagged = r.passages.iter().any(|h| !h.flags.is_empty())
        || r.answer.as_ref().is_some_and(|a| !a.caveats.is_empty());
    let card = Card {
        title: Some(plain(r.question.trim())),
        url: None,
        description,
        fields: reply::fields(w.sources, w.sources_continued, &lines),
        footer: Some(words::fill(
            w.results_footer,
            &[
                ("first", &first.to_string()),
                ("last", &last.to_string()),
                ("total", &total.to_string()),
                ("generation", &r.generation.to_string()),
                ("ago", &words::ago(lang, &r.indexed_at)),
            ],
        )),
        timestamp: None,
        colour: if flagged { AMBER } else { BLURPLE },
    };
    let mut buttons = vec![
        Button::Action {
            label: w.more_results.into(),
            action: Action::More {
                offset: last,
                question: r.question.clone(),
            },
            disabled: r.more == 0,
            primary: true,
        },
        Button::secondary(
            w.sources_button,
            Action::Sources {
                offset,
                question: r.question.clone(),
            },
        ),
    ];
    if let Some(url) = r.passages.first().and_then(|h| h.source.url.clone()) {
        buttons.push(Button::Link {
            label: words::fill(w.open, &[("n", &r.passages[0].citation.to_string())]),
            url,
        });
    }
    Reply::card(card).with_buttons(buttons)
}

/// A passage's citation: number, linked title, publisher and date, passage id, caveats.
fn source_line(h: &Hit, lang: Lang) -> String {
    let s = &h.source;
    let title = plain(&s.title);
    let mut line = match &s.url {
        Some(url) => format!("**[{}]** [{title}]({})", h.citation, link_target(url)),
        None => format!("**[{}]** {title}", h.citation),
    };
    let details: Vec<String> = [s.publisher.as_deref(), s.date.as_deref()]
        .into_iter()
        .flatten()
        .map(plain)
        .collect();
    if !details.is_empty() {
        line.push_str(&format!(" — {}", details.join(", ")));
    }
    line.push_str(&format!(" · `{}`", h.id));
    let flags = words::caveats(lang, &h.flags);
    if !flags.is_empty() {
        line.push_str(&format!(" ⚠️ *{}*", flags.join("; ")));
    }
    line
}

/// The one-line answer with the answer itself in bold ("at least **1,200** prisoners"),
/// so the eye finds it at once; without a span, the whole line is bold.
fn answer_line(a: &DirectAnswer, lang: Lang) -> String {
    let text = words::answer_text(lang, a);
    match words::span_parts(&text, a.span) {
        Some((before, answer, after)) => {
            format!("{}**{}**{}", plain(before), plain(answer), plain(after))
        }
        None => format!("**{}**", plain(&text)),
    }
}

/// No passage answers the question: say so, name the words no source has, suggest what to do.
fn nothing_found(r: &Response, offset: usize, lang: Lang) -> Reply {
    let w = words::of(lang);
    let mut description = if offset > 0 {
        w.no_further_passages.to_string()
    } else {
        w.nothing_found.to_string()
    };
    if !r.not_found.is_empty() {
        let missing: Vec<String> = r
            .not_found
            .iter()
            .map(|w| format!("**{}**", plain(w)))
            .collect();
        description.push('\n');
        description.push_str(&words::fill(
            w.not_in_any_source,
            &[("words", &missing.join(", "))],
        ));
    }
    description.push('\n');
    description.push_str(w.try_other_words);
    Reply::card(Card {
        title: Some(fit(
            &format!("{}: {}", w.nothing_found_title, plain(r.question.trim())),
            limits::EMBED_TITLE,
        )),
        description,
        colour: GREY,
        ..Card::default()
    })
}

/// "Sources": the whole passages of one page of results with every page that backs them.
pub fn full_sources(r: &Response, lang: Lang) -> Reply {
    let w = words::of(lang);
    if r.passages.is_empty() {
        return Reply::text(w.results_gone);
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
            Card {
                title: Some(format!("[{}] {}", h.citation, plain(&h.source.title))),
                url: h.source.url.clone(),
                description: plain(&h.text),
                fields,
                footer: Some(format!(
                    "{} · {}",
                    h.id,
                    words::fill(w.whole_source_footer, &[("id", &h.source.id)])
                )),
                timestamp: None,
                colour: if flags.is_empty() { BLURPLE } else { AMBER },
            }
            .fit(budget)
        })
        .collect();
    Reply {
        cards,
        ..Reply::default()
    }
}
