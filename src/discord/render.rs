//! From the engine's answers to what Discord shows: embeds ("cards") and buttons. Pure
//! functions with no network, so every limit and every escape is unit-tested here; the
//! conversion to serenity builders is the last step.

use serenity::all::{
    ButtonStyle, Colour, CreateActionRow, CreateButton, CreateEmbed, CreateEmbedFooter, Timestamp,
};

use super::buttons::Action;
use super::limits::{self, chars, fit};
use crate::core::corpus::{Passage, Source};
use crate::core::index::{Manifest, OpenIndex};
use crate::core::lang::Lang;
use crate::core::search::{caveats, DirectAnswer, Hit, Response};
use crate::core::snippet::escape_markdown;
use crate::words;

const BLURPLE: u32 = 0x5865F2;
const GREY: u32 = 0x99AAB5;
const AMBER: u32 = 0xE67E22;
const RED: u32 = 0xED4245;
const GREEN: u32 = 0x57F287;

/// Shown where a reply had to be shortened to fit Discord.
pub const TRIMMED: &str = "*(shortened to fit Discord)*";

/// Text from users or sources made safe to show: Markdown escaped, and mention syntax
/// broken with a zero-width space so it neither pings (allowed mentions are off anyway)
/// nor renders as a mention.
pub fn plain(text: &str) -> String {
    neutralize_mentions(&escape_markdown(text))
}

/// Break `@everyone`, `@here` and `<@…>`/`<#…>` mention syntax in already-escaped text.
pub fn neutralize_mentions(text: &str) -> String {
    text.replace("@everyone", "@\u{200B}everyone")
        .replace("@here", "@\u{200B}here")
        .replace("<@", "<\u{200B}@")
        .replace("<#", "<\u{200B}#")
}

/// How long ago an RFC 3339 time was, for people: "just now", "5 min ago", "2 h ago".
pub fn ago(rfc3339: &str) -> String {
    words::ago(Lang::En, rfc3339)
}

/// One embed, before it becomes a serenity builder.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Card {
    pub title: Option<String>,
    pub url: Option<String>,
    pub description: String,
    pub fields: Vec<(String, String)>,
    pub footer: Option<String>,
    /// RFC 3339; Discord shows it beside the footer in the reader's time zone.
    pub timestamp: Option<String>,
    pub colour: u32,
}

impl Card {
    /// The characters Discord counts towards the 6000 per message.
    pub fn total_chars(&self) -> usize {
        self.title.as_deref().map_or(0, chars)
            + chars(&self.description)
            + self
                .fields
                .iter()
                .map(|(n, v)| chars(n) + chars(v))
                .sum::<usize>()
            + self.footer.as_deref().map_or(0, chars)
    }

    /// Every part within its own limit, and the whole within `budget` characters: the
    /// description gives way first, with a visible note.
    pub fn fit(mut self, budget: usize) -> Card {
        self.title = self.title.map(|t| fit(&t, limits::EMBED_TITLE));
        self.footer = self.footer.map(|f| fit(&f, limits::FOOTER));
        self.fields.truncate(limits::EMBED_FIELDS);
        for (name, value) in &mut self.fields {
            *name = fit(name, limits::FIELD_NAME);
            *value = fit(value, limits::FIELD_VALUE);
        }
        let others = self.total_chars() - chars(&self.description);
        let room = budget.saturating_sub(others).min(limits::EMBED_DESCRIPTION);
        if chars(&self.description) > room {
            let note = format!("\n{TRIMMED}");
            self.description = fit(&self.description, room.saturating_sub(chars(&note))) + &note;
            if chars(&self.description) > room {
                self.description = fit(&self.description, room);
            }
        }
        // Still too big (many long fields on a small budget): drop fields from the end.
        while self.total_chars() > budget && !self.fields.is_empty() {
            self.fields.pop();
        }
        self
    }

    pub fn to_embed(&self) -> CreateEmbed {
        let mut e = CreateEmbed::new().colour(Colour::new(self.colour));
        if let Some(t) = &self.title {
            e = e.title(t);
        }
        if let Some(u) = &self.url {
            e = e.url(u);
        }
        if !self.description.is_empty() {
            e = e.description(&self.description);
        }
        for (name, value) in &self.fields {
            e = e.field(name, value, false);
        }
        if let Some(f) = &self.footer {
            e = e.footer(CreateEmbedFooter::new(f));
        }
        if let Some(ts) = self
            .timestamp
            .as_deref()
            .and_then(|t| Timestamp::parse(t).ok())
        {
            e = e.timestamp(ts);
        }
        e
    }
}

/// A button under a reply.
#[derive(Debug, Clone, PartialEq)]
pub enum Button {
    Action {
        label: String,
        action: Action,
        disabled: bool,
        primary: bool,
    },
    Link {
        label: String,
        url: String,
    },
}

/// A whole reply: embeds, then one row of buttons.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reply {
    pub content: Option<String>,
    pub cards: Vec<Card>,
    pub buttons: Vec<Button>,
}

impl Reply {
    pub fn text(text: impl Into<String>) -> Reply {
        Reply {
            content: Some(fit(&text.into(), limits::CONTENT)),
            ..Reply::default()
        }
    }

    fn card(card: Card) -> Reply {
        Reply {
            cards: vec![card.fit(limits::EMBEDS_TOTAL)],
            ..Reply::default()
        }
    }

    pub fn embeds(&self) -> Vec<CreateEmbed> {
        self.cards.iter().map(Card::to_embed).collect()
    }

    /// The button row, with each action encoded by `encode` into a custom id.
    pub fn components(&self, encode: &dyn Fn(&Action) -> String) -> Vec<CreateActionRow> {
        if self.buttons.is_empty() {
            return Vec::new();
        }
        let row = self
            .buttons
            .iter()
            .take(limits::BUTTONS_PER_ROW)
            .map(|b| match b {
                Button::Action {
                    label,
                    action,
                    disabled,
                    primary,
                } => CreateButton::new(encode(action))
                    .label(fit(label, limits::BUTTON_LABEL))
                    .style(if *primary {
                        ButtonStyle::Primary
                    } else {
                        ButtonStyle::Secondary
                    })
                    .disabled(*disabled),
                Button::Link { label, url } => {
                    CreateButton::new_link(url).label(fit(label, limits::BUTTON_LABEL))
                }
            })
            .collect();
        vec![CreateActionRow::Buttons(row)]
    }
}

/// A markdown link target: Discord ends the link at the first `)`.
fn link_target(url: &str) -> String {
    url.replace(')', "%29").replace(' ', "%20")
}

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

/// Lines packed into as few field values as fit, in order.
fn pack(lines: &[String], max: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in lines {
        let line = fit(line, max);
        match out.last_mut() {
            Some(last) if chars(last) + 1 + chars(&line) <= max => {
                last.push('\n');
                last.push_str(&line);
            }
            _ => out.push(line),
        }
    }
    out
}

/// The answer to a question: the direct answer, the passages with matches in bold, the
/// citations, and buttons for more results and full sources.
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
    let mut blocks = Vec::new();
    for h in &r.passages {
        let heading = h
            .section
            .as_deref()
            .filter(|s| !s.is_empty())
            .unwrap_or(&h.source.title);
        blocks.push(format!(
            "**[{}]** *{}*\n{}",
            h.citation,
            plain(heading),
            neutralize_mentions(&h.snippet)
        ));
    }
    // Whole passages only: when they do not all fit, the last ones give way, visibly.
    let head = chars(&description);
    let mut shown = 0;
    let budget = limits::EMBED_DESCRIPTION - chars(TRIMMED) - 2;
    let mut body = String::new();
    for b in &blocks {
        let extra = chars(b) + 2;
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
    let fields = pack(&lines, limits::FIELD_VALUE)
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            (
                if i == 0 {
                    w.sources.to_string()
                } else {
                    w.sources_continued.to_string()
                },
                v,
            )
        })
        .collect();
    let first = offset + 1;
    let last = offset + r.passages.len();
    let total = last + r.more;
    let flagged = r.passages.iter().any(|h| !h.flags.is_empty())
        || r.answer.as_ref().is_some_and(|a| !a.caveats.is_empty());
    let card = Card {
        title: Some(plain(r.question.trim())),
        url: None,
        description,
        fields,
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
        Button::Action {
            label: w.sources_button.into(),
            action: Action::Sources {
                offset,
                question: r.question.clone(),
            },
            disabled: false,
            primary: false,
        },
    ];
    if let Some(url) = r.passages.first().and_then(|h| h.source.url.clone()) {
        buttons.push(Button::Link {
            label: words::fill(w.open, &[("n", &r.passages[0].citation.to_string())]),
            url,
        });
    }
    Reply {
        cards: vec![card.fit(limits::EMBEDS_TOTAL)],
        buttons,
        content: None,
    }
}

/// The one-line answer with the answer itself in bold ("at least **1,200** prisoners"),
/// so the eye finds it at once; without a span, the whole line is bold.
fn answer_line(a: &DirectAnswer, lang: Lang) -> String {
    let text = words::answer_text(lang, &a.text, &a.caveats);
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
            let mut fields = Vec::new();
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
            for (i, v) in pack(&lines, limits::FIELD_VALUE).into_iter().enumerate() {
                fields.push((
                    if i == 0 {
                        w.backed_by.to_string()
                    } else {
                        w.backed_by_continued.to_string()
                    },
                    v,
                ));
            }
            let flags = words::caveats(lang, &h.flags);
            if !flags.is_empty() {
                fields.push((w.caution.to_string(), format!("⚠️ {}", flags.join("; "))));
            }
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

/// Passages per page of `/source`, packed to about this many characters.
const SOURCE_PAGE_CHARS: usize = 3000;

/// Pages of a source's passages: indices into `passages`, whole passages per page.
fn source_pages(passages: &[Passage]) -> Vec<std::ops::Range<usize>> {
    let mut pages = Vec::new();
    let (mut start, mut size) = (0, 0);
    for (i, p) in passages.iter().enumerate() {
        let n = chars(&p.text) + 2;
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
    for (i, v) in pack(&lines, limits::FIELD_VALUE).into_iter().enumerate() {
        fields.push((
            if i == 0 {
                "Backed by".to_string()
            } else {
                "Backed by (continued)".to_string()
            },
            v,
        ));
    }
    let flags = caveats(&s.flags);
    if !flags.is_empty() {
        fields.push(("Caution".to_string(), format!("⚠️ {}", flags.join("; "))));
    }
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
    };
    let mut reply = Reply::card(card);
    if pages.len() > 1 {
        reply.buttons = vec![
            Button::Action {
                label: "◀ Previous".into(),
                action: Action::SourcePage {
                    id: s.id.clone(),
                    page: page.saturating_sub(1),
                },
                disabled: page == 0,
                primary: false,
            },
            Button::Action {
                label: "Next ▶".into(),
                action: Action::SourcePage {
                    id: s.id.clone(),
                    page: page + 1,
                },
                disabled: page + 1 >= pages.len(),
                primary: false,
            },
        ];
    }
    reply
}

/// Lines per page of `/sources`.
const CATALOG_PAGE_LINES: usize = 25;

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
    let mut reply = Reply::card(Card {
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
    });
    if pages > 1 {
        reply.buttons = vec![
            Button::Action {
                label: "◀ Previous".into(),
                action: Action::Catalog {
                    page: page.saturating_sub(1),
                },
                disabled: page == 0,
                primary: false,
            },
            Button::Action {
                label: "Next ▶".into(),
                action: Action::Catalog { page: page + 1 },
                disabled: page + 1 >= pages,
                primary: false,
            },
        ];
    }
    reply
}

/// `/help`: how to ask, with examples.
pub fn help(max_question_chars: usize, answer_channels: bool, lang: Lang) -> Reply {
    let w = words::of(lang);
    let mut description = format!("{}\n\n{}\n", w.help_intro, w.help_ask);
    if answer_channels {
        description.push_str(w.help_answer_channels);
        description.push('\n');
    }
    description.push('\n');
    description.push_str(&words::fill(
        w.help_tips,
        &[("max", &max_question_chars.to_string())],
    ));
    description.push_str("\n\n");
    description.push_str(w.help_look_around);
    Reply::card(Card {
        title: Some(w.help_title.into()),
        description,
        colour: BLURPLE,
        ..Card::default()
    })
}

pub fn reindexed(m: &Manifest) -> Reply {
    let vectors = words::vectors_summary(m.vectors);
    Reply::card(Card {
        title: Some("Reindexed".into()),
        description: format!(
            "{} sources, {} passages, built in {:.1} s. Answers now come from index generation {}.{vectors}",
            m.sources, m.passages, m.build_seconds, m.generation
        ),
        colour: GREEN,
        ..Card::default()
    })
}

/// A source added or removed, and the reindex that followed.
pub fn source_changed(what: &str, m: &Manifest) -> Reply {
    Reply::card(Card {
        title: Some("Sources changed".into()),
        description: format!(
            "{what} Reindexed: {} sources, {} passages, built in {:.1} s. Answers now come from index generation {}.",
            m.sources, m.passages, m.build_seconds, m.generation
        ),
        colour: GREEN,
        ..Card::default()
    })
}

/// "Remove this source?" with the buttons that decide.
pub fn confirm_removal(s: &Source) -> Reply {
    let mut reply = Reply::card(Card {
        title: Some("Remove this source?".into()),
        description: format!(
            "`{}` — {}\nfrom `{}`. The index is rebuilt without it; `/rollback` brings the previous index back, the file does not come back.",
            s.id,
            plain(&s.title),
            s.file
        ),
        colour: AMBER,
        ..Card::default()
    });
    reply.buttons = vec![
        Button::Action {
            label: "Remove".into(),
            action: Action::Remove { id: s.id.clone() },
            disabled: false,
            primary: true,
        },
        Button::Action {
            label: "Cancel".into(),
            action: Action::Cancel,
            disabled: false,
            primary: false,
        },
    ];
    reply
}

/// `/unanswered`: what members asked that the sources could not answer.
pub fn unanswered(gaps: &[crate::core::gaps::Gap]) -> Reply {
    let description = if gaps.is_empty() {
        "Every recent question found an answer in the sources.".to_string()
    } else {
        let lines: Vec<String> = gaps
            .iter()
            .map(|g| {
                let when = humantime::format_rfc3339_seconds(g.last_asked).to_string();
                format!(
                    "**{}×** {} — last {}",
                    g.count,
                    plain(&g.question),
                    ago(&when)
                )
            })
            .collect();
        format!(
            "{}\n\nAdd sources that answer these with `/source add`.",
            lines.join("\n")
        )
    };
    Reply::card(Card {
        title: Some("Recent questions that found nothing".into()),
        description,
        footer: Some("Kept in memory since the bot started; who asked is not kept.".into()),
        colour: GREY,
        ..Card::default()
    })
}

pub fn rolled_back(m: &Manifest) -> Reply {
    Reply::card(Card {
        title: Some("Rolled back".into()),
        description: format!(
            "Answers now come from index generation {} again ({} sources, {} passages, built {}). Run `/reindex` to build from the sources again.",
            m.generation, m.sources, m.passages, m.built_at
        ),
        colour: AMBER,
        ..Card::default()
    })
}

/// A failed reindex: the errors as `path:line: …`, and the reassurance that nothing changed.
pub fn reindex_failed(errors: &str, generation: u64) -> Reply {
    let errors = errors.replace("```", "'''");
    let head = format!("Nothing changed: answers still come from index generation {generation}. Fix these and run `/reindex` again:\n");
    let room = limits::EMBED_DESCRIPTION - chars(&head) - 8;
    Reply::card(Card {
        title: Some("Reindex failed".into()),
        description: format!("{head}```\n{}\n```", fit(&errors, room)),
        colour: RED,
        ..Card::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echoed_text_cannot_ping_or_break_the_layout() {
        let s = plain("@everyone @here <@123> <@&456> <#789> **bold** `code` > quote");
        assert!(!s.contains("@everyone") && !s.contains("@here"), "{s}");
        assert!(!s.contains("<@") && !s.contains("<#"), "{s}");
        assert!(
            s.contains(r"\*\*bold\*\*") && s.contains(r"\`code\`"),
            "{s}"
        );
    }

    #[test]
    fn cards_fit_every_limit_and_say_when_they_were_cut() {
        let long = "word ".repeat(3000);
        let card = Card {
            title: Some(long.clone()),
            description: long.clone(),
            fields: (0..40).map(|i| (format!("f{i}"), long.clone())).collect(),
            footer: Some(long.clone()),
            ..Card::default()
        }
        .fit(limits::EMBEDS_TOTAL);
        assert!(
            card.total_chars() <= limits::EMBEDS_TOTAL,
            "{}",
            card.total_chars()
        );
        assert!(chars(card.title.as_deref().unwrap()) <= limits::EMBED_TITLE);
        assert!(chars(&card.description) <= limits::EMBED_DESCRIPTION);
        assert!(card.fields.len() <= limits::EMBED_FIELDS);
        assert!(card
            .fields
            .iter()
            .all(|(n, v)| chars(n) <= limits::FIELD_NAME && chars(v) <= limits::FIELD_VALUE));
        assert!(chars(card.footer.as_deref().unwrap()) <= limits::FOOTER);

        let small = Card {
            description: long,
            ..Card::default()
        }
        .fit(limits::EMBEDS_TOTAL);
        assert!(
            small.description.ends_with(TRIMMED),
            "the cut must be visible"
        );
    }

    #[test]
    fn ages_read_naturally() {
        let at = |secs: u64| {
            humantime::format_rfc3339_seconds(
                std::time::SystemTime::now() - std::time::Duration::from_secs(secs),
            )
            .to_string()
        };
        assert_eq!(ago(&at(5)), "just now");
        assert_eq!(ago(&at(300)), "5 min ago");
        assert_eq!(ago(&at(7300)), "2 h ago");
        assert_eq!(ago(&at(200_000)), "2 d ago");
    }

    #[test]
    fn link_targets_cannot_end_the_link_early() {
        assert_eq!(
            link_target("https://e.org/a_(b) c"),
            "https://e.org/a_(b%29%20c"
        );
    }

    #[test]
    fn failed_reindex_shows_the_errors_inside_the_limits() {
        let errors = "index/sources/x.toml:3: bad\n".repeat(500);
        let r = reindex_failed(&errors, 4);
        assert!(r.cards[0].description.contains("x.toml:3: bad"));
        assert!(r.cards[0].description.contains("generation 4"));
        assert!(r.cards[0].total_chars() <= limits::EMBEDS_TOTAL);
        assert!(chars(&r.cards[0].description) <= limits::EMBED_DESCRIPTION);
    }
}
