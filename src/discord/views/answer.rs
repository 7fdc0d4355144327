//! The answer to a question as Discord shows it, made to be read on a phone in one look
//! (about half a screen; see [`BUDGET_LINES`]): the question as title, the one-line
//! answer quoted from the sources with only the answer itself in bold, the one caveat of
//! a flagged answer, one small line of numbered source links, a **Show passages**
//! button and a link button to the top source's site ([`super::passages`] is what that
//! button opens).

use url::Url;

use super::reply::{Button, Card, Reply, AMBER, BLURPLE, GREY};
use super::text::{link_target, plain};
use crate::core::lang::Lang;
use crate::core::query::QuestionType;
use crate::core::reader::Outcome;
use crate::core::search::{DirectAnswer, Hit, Response};
use crate::discord::buttons::Action;
use crate::discord::limits::{self, fit};
use crate::render::words;

/// The question as the title, cut to this: two lines on a phone.
pub const TITLE_CHARS: usize = 90;

/// What a default reply may hold: half a phone screen, about 400 px of a 420 px wide
/// column at 16 px, some 14 lines of 45 characters, buttons included. Every question
/// of the evaluation files stays inside it, and under 700 visible characters (a test,
/// `glance.rs`, asks them all through the local Discord).
pub const BUDGET_LINES: usize = 14;

/// Characters a line of embed text holds on a phone (16 px in a 420 px column), and a
/// line of small (`-#`) text.
const LINE_CHARS: usize = 45;
const SMALL_LINE_CHARS: usize = 52;

/// Lines a row of buttons takes on a phone (a 32 px button and the gap above it).
const BUTTON_ROW_LINES: usize = 2;

/// Button widths on a phone, in px: the width of the row (a 420 px column less the
/// margins), a button's padding and the gap between buttons, a character of its label
/// (14 px text), an emoji, and a link button's ↗ icon. Discord wraps a row that is too
/// wide, so a reply's buttons take as many rows as they wrap to.
const ROW_PX: usize = 380;
const BUTTON_PAD_PX: usize = 32;
const BUTTON_GAP_PX: usize = 8;
const LABEL_CHAR_PX: usize = 8;
const EMOJI_PX: usize = 22;
const LINK_ICON_PX: usize = 18;

/// The answer to a question, in `lang`: what everyone in the channel sees.
pub fn answer(r: &Response, lang: Lang) -> Reply {
    answer_with(r, lang, Vec::new())
}

/// [`answer`] with `actions` (what a member does with it: 👍, 👎, remove or share) in
/// its row of buttons, after "Show passages"; the reply makes room for the rows they
/// wrap to on a phone.
pub fn answer_with(r: &Response, lang: Lang, actions: Vec<Button>) -> Reply {
    if r.passages.is_empty() {
        let mut reply = nothing_found(r, 0, lang);
        reply.buttons = actions;
        return reply;
    }
    let mut buttons = vec![Button::secondary(
        words::of(lang).show_passages,
        Action::Passages {
            offset: 0,
            question: r.question.clone(),
        },
    )];
    buttons.extend(actions);
    if let Some((url, site)) = r.passages[0].source.url.as_deref().and_then(site) {
        buttons.push(Button::Link { label: site, url });
    }
    let button_lines = button_rows(&buttons) * BUTTON_ROW_LINES;
    let w = words::of(lang);
    // The claimant comes from the corpus: shown as text, never as markdown or a mention.
    let caveat = r
        .answer
        .as_ref()
        .and_then(|a| words::caveat(lang, &a.caveats))
        .map(|c| plain(&c));
    // A yes/no question is answered by the quote; a flag on it comes first.
    let leading = caveat
        .as_ref()
        .filter(|_| r.question_type == QuestionType::YesNo)
        .map(|c| format!("{c}: "));
    let title = fit(&plain(r.question.trim()), TITLE_CHARS);
    let mut notes = Vec::new();
    if leading.is_none() {
        notes.extend(caveat.clone());
    }
    if !w.quoted_in_english.is_empty() {
        notes.push(format!("-# {}", w.quoted_in_english));
    }
    if !r.corrections.is_empty() {
        let fixes: Vec<String> = r
            .corrections
            .iter()
            .map(|c| format!("{} → {}", plain(&c.from), plain(&c.to)))
            .collect();
        notes.push(format!(
            "-# {}",
            words::fill(w.read_as, &[("fixes", &fixes.join(", "))])
        ));
    }
    // Half a phone screen: when the whole does not fit, the citation line names the
    // sources more briefly, then the quote is shortened around the answer, visibly.
    let mut citations = citation_line(r, lang, true);
    let lines_of = |quote: &str, citations: &str| {
        let mut lines = vec![format!("{}{quote}", leading.as_deref().unwrap_or_default())];
        lines.extend(notes.iter().cloned());
        lines.push(citations.to_string());
        lines
    };
    let fixed_lines = |quote_lines: usize, citations: &str| {
        wrapped(&title, LINE_CHARS)
            + quote_lines
            + notes.iter().map(|l| line_count(l)).sum::<usize>()
            + line_count(citations)
            + button_lines
    };
    let full = match &r.answer {
        Some(a) => answer_line(a, None),
        // The sources cover the topic without saying exactly: said so, then the closest
        // passage's words, none in bold.
        None if r.outcome == Outcome::NotExact => {
            format!("-# {}\n{}", w.not_exact, plain_snippet(&r.passages[0]))
        }
        None => plain_snippet(&r.passages[0]),
    };
    let quote_lines = |quote: &str| {
        line_count(&format!(
            "{}{quote}",
            leading.as_deref().unwrap_or_default()
        ))
    };
    if fixed_lines(quote_lines(&full), &citations) > BUDGET_LINES {
        citations = citation_line(r, lang, false);
    }
    let mut quote = full.clone();
    let over = fixed_lines(quote_lines(&full), &citations).saturating_sub(BUDGET_LINES);
    if over > 0 {
        // At least a line for the quote, whatever else the reply holds.
        let room = (quote_lines(&full).saturating_sub(over).max(1) * LINE_CHARS)
            .saturating_sub(leading.as_deref().map_or(0, limits::chars))
            .max(LINE_CHARS);
        match &r.answer {
            Some(a) => quote = answer_line(a, Some(room)),
            // "Not exactly" keeps its line; the closest passage is shortened, visibly.
            None if r.outcome == Outcome::NotExact => {
                let said = LINE_CHARS.max(limits::chars(w.not_exact) + 3);
                let words = fit(
                    &plain_snippet(&r.passages[0]),
                    room.saturating_sub(said).max(LINE_CHARS),
                );
                quote = format!("-# {}\n{words}", w.not_exact);
            }
            None => {}
        }
    }
    let lines = lines_of(&quote, &citations);
    let card = Card {
        title: Some(title),
        description: lines.join("\n"),
        colour: if caveat.is_some() { AMBER } else { BLURPLE },
        ..Card::default()
    };
    Reply::card(card).with_buttons(buttons)
}

/// Rows `buttons` wrap to on a phone ([`ROW_PX`]).
pub fn button_rows(buttons: &[Button]) -> usize {
    let width = |b: &Button| {
        let (label, link) = match b {
            Button::Action { label, .. } => (label, false),
            Button::Link { label, .. } => (label, true),
        };
        let text: usize = label
            .chars()
            .map(|c| {
                if c == '\u{fe0f}' {
                    0
                } else if (c as u32) >= 0x2000 && !c.is_alphanumeric() {
                    EMOJI_PX
                } else {
                    LABEL_CHAR_PX
                }
            })
            .sum();
        BUTTON_PAD_PX + text + if link { LINK_ICON_PX } else { 0 }
    };
    let mut rows = 0;
    let mut used = ROW_PX;
    for b in buttons {
        let w = width(b).min(ROW_PX);
        if used + BUTTON_GAP_PX + w > ROW_PX {
            rows += 1;
            used = w;
        } else {
            used += BUTTON_GAP_PX + w;
        }
    }
    rows
}

/// The one-line answer with only the answer itself in bold ("at least **1,200**
/// prisoners"), so the eye finds it at once; without a span, nothing is bold. With
/// `room`, at most that many characters are shown: the answer whole, and as much of
/// the words around it as fits, cut at words with "…".
fn answer_line(a: &DirectAnswer, room: Option<usize>) -> String {
    let Some((before, answer, after)) = words::span_parts(&a.text, a.span) else {
        return plain(&room.map_or(a.text.clone(), |r| fit(&a.text, r)));
    };
    let (before, after) = match room {
        Some(room) if limits::chars(&a.text) > room => {
            let left = room.saturating_sub(limits::chars(answer) + 2);
            let keep_before = (left / 3).min(limits::chars(before));
            let keep_after = left - keep_before;
            (
                tail_words(before, keep_before),
                fit(after, keep_after.max(1)),
            )
        }
        _ => (before.to_string(), after.to_string()),
    };
    format!("{}**{}**{}", plain(&before), plain(answer), plain(&after))
}

/// The end of `text` in at most `max` characters, from a word on, "…" first when cut.
fn tail_words(text: &str, max: usize) -> String {
    if limits::chars(text) <= max {
        return text.to_string();
    }
    let skip = limits::chars(text) - max.saturating_sub(1);
    let cut_in_a_word = text
        .chars()
        .nth(skip.saturating_sub(1))
        .is_some_and(|c| !c.is_whitespace());
    let rest: String = text.chars().skip(skip).collect();
    let from_word = if cut_in_a_word {
        rest.find(' ').map_or("", |i| &rest[i..])
    } else {
        rest.as_str()
    };
    format!("…{}", from_word.trim_start())
}

/// The shown part of a passage, plain.
fn plain_snippet(h: &Hit) -> String {
    let mut out = String::new();
    if h.snippet.cut_before() {
        out.push('…');
    }
    out.push_str(&plain(&crate::core::corpus::strip_flags(
        &h.text[h.snippet.shown.clone()],
    )));
    if h.snippet.cut_after(&h.text) {
        out.push('…');
    }
    out
}

/// One small line of numbered source links: passages of one source merged (`[1–3]`),
/// each source as publisher and date, then how many more passages match.
fn citation_line(r: &Response, lang: Lang, dated: bool) -> String {
    let mut groups: Vec<(&Hit, Vec<usize>)> = Vec::new();
    for h in &r.passages {
        match groups
            .iter_mut()
            .find(|(first, _)| first.source.id == h.source.id)
        {
            Some((_, numbers)) => numbers.push(h.citation),
            None => groups.push((h, vec![h.citation])),
        }
    }
    let mut parts: Vec<String> = groups
        .iter()
        .map(|(h, numbers)| {
            let s = &h.source;
            let label = match (&s.publisher, &s.date) {
                (Some(p), Some(d)) if dated => format!("{p}, {d}"),
                (Some(p), _) => p.clone(),
                (None, _) => fit(&s.title, SOURCE_TITLE_CHARS),
            };
            let label = plain(&label);
            let link = match s.url.as_deref().and_then(site) {
                Some((url, _)) => format!("[{label}]({})", link_target(&url)),
                None => label,
            };
            format!("[{}] {link}", numbers_label(numbers))
        })
        .collect();
    if r.more > 0 {
        parts.push(words::more_matching(lang, r.more));
    }
    format!("-# {}", parts.join(" · "))
}

/// A source without a publisher is named by its title, cut to this.
const SOURCE_TITLE_CHARS: usize = 40;

/// Citation numbers as a reader scans them: `1–3` for a run, `1, 4` otherwise.
fn numbers_label(numbers: &[usize]) -> String {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for &n in numbers {
        match runs.last_mut() {
            Some((_, end)) if *end + 1 == n => *end = n,
            _ => runs.push((n, n)),
        }
    }
    runs.iter()
        .map(|&(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}–{b}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A source's address, if it is an https one a link button may carry, and its site
/// ("reuters.com") as the button's label.
pub(super) fn site(url: &str) -> Option<(String, String)> {
    let parsed = Url::parse(url).ok()?;
    if parsed.scheme() != "https" || parsed.as_str().len() > limits::URL {
        return None;
    }
    let host = parsed.host_str()?;
    let site = host.strip_prefix("www.").unwrap_or(host).to_string();
    Some((parsed.to_string(), site))
}

/// No passage answers the question: say so, name the words no source has, suggest what to do.
pub(super) fn nothing_found(r: &Response, offset: usize, lang: Lang) -> Reply {
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

/// Lines `text` wraps to, `per_line` characters a line.
fn wrapped(text: &str, per_line: usize) -> usize {
    limits::chars(text).div_ceil(per_line).max(1)
}

/// Lines a line of the description takes on a phone: what is seen of it (link labels,
/// not their addresses; no bold markers or escapes), small `-#` lines holding more.
fn line_count(text: &str) -> usize {
    text.split('\n')
        .map(|line| match line.strip_prefix("-# ") {
            Some(small) => wrapped(&seen(small), SMALL_LINE_CHARS),
            None => wrapped(&seen(line), LINE_CHARS),
        })
        .sum()
}

/// What a member sees of a line of Discord markdown.
fn seen(line: &str) -> String {
    static LINK: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"\[([^\]]*)\]\([^)\s]+\)").expect("link pattern")
    });
    let line = LINK.replace_all(line, "$1");
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shortened_quote_keeps_the_words_next_to_the_answer() {
        assert_eq!(tail_words("Officials said at least ", 10), "…at least ");
        assert_eq!(tail_words("at least ", 9), "at least ");
        assert_eq!(tail_words("the very long beginning of it", 6), "…of it");
    }

    #[test]
    fn runs_of_citations_merge() {
        assert_eq!(numbers_label(&[1, 2, 3]), "1–3");
        assert_eq!(numbers_label(&[1, 3]), "1, 3");
        assert_eq!(numbers_label(&[2]), "2");
    }

    #[test]
    fn only_https_addresses_become_link_buttons_named_for_their_site() {
        assert_eq!(
            site("https://www.reuters.com/world/europe/x"),
            Some((
                "https://www.reuters.com/world/europe/x".to_string(),
                "reuters.com".to_string()
            ))
        );
        assert_eq!(site("http://example.org/a"), None);
        assert_eq!(site("javascript:alert(1)"), None);
        assert_eq!(site("not a url"), None);
    }
}
