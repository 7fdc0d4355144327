//! Evidence of the kind of fact a question asks for (a number, a date, a duration, a
//! name, a place, a reason), for ranking passages and sentences; and the answer line's
//! cut to one line. Which sentence answers, and which words of it, is the reader's
//! (`core::reader`).

use std::sync::OnceLock;

use regex::Regex;

use super::analysis::{head, tail};
use super::query::QuestionType;

/// Longest direct answer, in characters; longer sentences are cut at a word boundary.
pub const MAX_ANSWER_CHARS: usize = 300;

/// Month names and their abbreviations, as a regular-expression alternation.
pub(crate) const MONTHS: &str = "January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec";

/// Compiled once. Word boundaries are ASCII (`(?-u:\b)`): Unicode ones would force the
/// regex crate's slowest engine, and every candidate passage is matched against these.
struct Patterns {
    date: Regex,
    duration: Regex,
    number: Regex,
    number_word: Regex,
    name: Regex,
    role: Regex,
    place: Regex,
    not_place: Regex,
    venue: Regex,
    outcome: Regex,
    reason: Regex,
    year_or_date_number: Regex,
    month_next: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| Patterns {
        date: Regex::new(&format!(
            r"(?-u:\b)(?:{MONTHS})(?-u:\b)|(?-u:\b)(?:19|20)\d\d(?-u:\b)|(?-u:\b)(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)(?-u:\b)|(?-u:\b)\d{{1,2}}:\d\d(?-u:\b)"
        ))
        .expect("valid regex"),
        duration: Regex::new(
            r"(?i)(?-u:\b)(?:\d+(?:\.\d+)?(?:\s*[–-]\s*\d+(?:\.\d+)?)?|an?|one|two|three|four|five|six|seven|eight|nine|ten|few|several|half)[\s-]+(?:minutes?|hours?|days?|weeks?|months?|years?)(?-u:\b)|(?-u:\b)last(?:ed|ing)(?-u:\b)|(?-u:\b)under an hour(?-u:\b)",
        )
        .expect("valid regex"),
        number: Regex::new(r"(?-u:\b)\d[\d,.]*(?-u:\b)").expect("valid regex"),
        number_word: Regex::new(r"(?i)(?-u:\b)(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|dozens?|hundreds?|thousands?|millions?)(?-u:\b)")
            .expect("valid regex"),
        name: Regex::new(r"(?-u:\b)\p{Lu}\p{Ll}+(?:[ -]\p{Lu}\p{Ll}+)+(?-u:\b)").expect("valid regex"),
        role: Regex::new(
            r"(?i)(?-u:\b)(?:minister|president|aide|secretary|chief|head|spokes(?:man|woman|person)|commissioner|ambassador|envoy|advis[eo]r|photographer|led by|leading|chaired)(?-u:\b)",
        )
        .expect("valid regex"),
        place: Regex::new(r"(?-u:\b)(?:[Ii]n|[Aa]t)\s+(?:the\s+)?\p{Lu}\p{L}+|(?-u:\b)\p{Lu}\p{L}+\s+host(?:ed|s)?(?-u:\b)|(?i)(?-u:\b)(?:palace|city|venue|capital|base)(?-u:\b)").expect("valid regex"),
        not_place: Regex::new(&format!(r"^(?:[Ii]n|[Aa]t)\s+(?:the\s+)?(?:{MONTHS}|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)$")).expect("valid regex"),
        venue: Regex::new(r"(?i)(?-u:\b)(?:held|took place|hosted|convened)\s+(?:[\p{L}-]+\s+){0,3}?(?:in|at)\s+(?:the\s+)?\p{Lu}|(?-u:\b)(?:palace|hotel|venue|residence|hall|building|headquarters)(?-u:\b)").expect("valid regex"),
        outcome: Regex::new(r"(?i)(?-u:\b)(?:agreed|agreement|deal|reached|result(?:ed|s)?|outcome|progress|breakthrough|failed|produced|no (?:deal|ceasefire|agreement|progress|steps))(?-u:\b)").expect("valid regex"),
        reason: Regex::new(r"(?i)(?-u:\b)(?:because|since|so that|in order to|due to|if|only|reason|unless|as long as|rather than)(?-u:\b)").expect("valid regex"),
        year_or_date_number: Regex::new(r"^(?:19|20)\d\d$").expect("valid regex"),
        month_next: Regex::new(&format!(r"^\s*(?:{MONTHS})(?-u:\b)")).expect("valid regex"),
    })
}

/// Compile the patterns ahead of the first question.
pub fn warm_up() {
    patterns();
}

/// Whether `text` says what one of `names` is: "Medinsky has been an aide…",
/// "Fidan, Turkey's foreign minister, …".
pub fn defines(text: &str, names: &[String]) -> bool {
    const LINKS: &[&str] = &[
        " is ",
        " has been ",
        " had been ",
        " became ",
        " serves as ",
        " served as ",
        " was a ",
        " was an ",
        " was the ",
        ", who ",
    ];
    let lower = text.to_lowercase();
    names.iter().any(|name| {
        lower.match_indices(name.as_str()).any(|(i, _)| {
            let rest = &lower[i + name.len()..];
            let rest = rest
                .strip_prefix("'s")
                .or_else(|| rest.strip_prefix("’s"))
                .unwrap_or(rest);
            // "X, head of …", "X, Turkey's foreign minister, …": an apposition naming a role.
            let apposition = rest.starts_with(", ") && patterns().role.is_match(head(rest, 48));
            // "presidential aide Vladimir X", "Foreign Minister Hakan X": a title before the name.
            let before = &lower[..i];
            let title = patterns().role.is_match(tail(before, 32))
                && !before.trim_end().ends_with([',', '.', ';']);
            apposition || title || LINKS.iter().any(|l| rest.starts_with(l))
        })
    })
}

/// Whether `text` describes someone (a role or title) other than by the question's words.
pub fn has_role(text: &str, asked: &[String]) -> bool {
    patterns()
        .role
        .find_iter(text)
        .any(|m| !asked.iter().any(|a| a == &m.as_str().to_lowercase()))
}

/// How strongly `text` answers a question of type `t`, from 0 to 1: for "where", naming a
/// venue or saying where something was held is stronger than any "in <Place>".
pub fn evidence_strength(t: QuestionType, text: &str, asked: &[String]) -> f32 {
    if !has_evidence(t, text, asked) {
        0.0
    } else if t == QuestionType::Where && !patterns().venue.is_match(text) {
        0.5
    } else {
        1.0
    }
}

/// Whether `text` holds the kind of fact a question of type `t` asks for. Names, roles
/// and places count only when they are not just the question's own words (`asked`,
/// lower-case): "Where in Istanbul…" is not answered by "in Istanbul".
pub fn has_evidence(t: QuestionType, text: &str, asked: &[String]) -> bool {
    let p = patterns();
    let new_words = |m: regex::Match<'_>| {
        m.as_str()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| {
                !w.is_empty() && w.chars().next().is_some_and(char::is_uppercase)
                    || p.role.is_match(w)
            })
            .any(|w| !asked.iter().any(|a| a == &w.to_lowercase()))
    };
    match t {
        QuestionType::When => p.date.is_match(text),
        QuestionType::HowLong => p.duration.is_match(text),
        QuestionType::HowMany => has_count(text),
        QuestionType::Who => {
            p.name.find_iter(text).any(new_words)
                || p.role
                    .find_iter(text)
                    .any(|m| !asked.iter().any(|a| a == &m.as_str().to_lowercase()))
        }
        QuestionType::Where => p
            .place
            .find_iter(text)
            .any(|m| !p.not_place.is_match(m.as_str()) && new_words(m)),
        QuestionType::Outcome => p.outcome.is_match(text),
        QuestionType::Why => p.reason.is_match(text),
        QuestionType::YesNo | QuestionType::What | QuestionType::Other => false,
    }
}

/// A number that counts something: not a year, not the day of a date.
fn has_count(text: &str) -> bool {
    let p = patterns();
    if p.number_word.is_match(text) {
        return true;
    }
    p.number.find_iter(text).any(|m| {
        let n = m.as_str().trim_end_matches(['.', ',']);
        if p.year_or_date_number.is_match(n) {
            return false;
        }
        let after = &text[m.end()..];
        let is_day = n.len() <= 2 && p.month_next.is_match(after);
        !is_day
    })
}

/// Cut `text` to at most `max` characters at a word boundary, marking the cut.
pub fn one_line(text: &str, max: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max.saturating_sub(1)).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > max / 2 => &cut[..i],
        _ => cut.as_str(),
    };
    format!("{}…", cut.trim_end_matches([',', ';', ':', ' ']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_matches_the_kind_of_fact_asked_for() {
        use QuestionType::*;
        let none: &[String] = &[];
        assert!(has_evidence(
            HowLong,
            "The meeting lasted just 40 minutes.",
            none
        ));
        assert!(has_evidence(HowLong, "It ended in under two hours.", none));
        assert!(!has_evidence(HowLong, "They met in Istanbul.", none));
        assert!(has_evidence(
            HowMany,
            "at least 1,200 prisoners of war",
            none
        ));
        assert!(
            !has_evidence(HowMany, "On 23 July 2025 they met.", none),
            "a date is not a count"
        );
        assert!(has_evidence(When, "14 Aug 2025", none));
        assert!(has_evidence(Where, "held at Ciragan Palace", none));
        assert!(has_evidence(Who, "led by Vladimir Medinsky", none));
        assert!(has_evidence(
            Why,
            "only meaningful if it were to finalize a treaty",
            none
        ));
        assert!(!has_evidence(What, "anything", none));
        assert!(has_evidence(
            Outcome,
            "They reached no ceasefire or deal.",
            none
        ));
        assert!(
            !has_evidence(Where, "He resigned in November.", none),
            "a month is not a place"
        );
        assert!(has_evidence(Where, "At Ciragan Palace they met.", none));
        assert_eq!(
            evidence_strength(Where, "They met Erdogan in Ankara.", none),
            0.5
        );
        assert_eq!(
            evidence_strength(Where, "Talks held in Istanbul on Wednesday", none),
            1.0
        );
        assert!(defines(
            "Medinsky has been an aide to President Putin",
            &["medinsky".into()]
        ));
        assert!(!defines("Medinsky told the room", &["medinsky".into()]));
        assert!(defines(
            "Russia’s presidential aide Vladimir Medinsky speaks",
            &["medinsky".into()]
        ));
        assert!(!defines(
            "Talks ended. Medinsky spoke.",
            &["medinsky".into()]
        ));
        assert!(defines(
            "Ibrahim Kalin, head of the MIT intelligence agency since 2023",
            &["kalin".into()]
        ));
    }

    #[test]
    fn the_question_own_words_are_not_evidence() {
        let asked = [
            "where".to_string(),
            "in".to_string(),
            "istanbul".to_string(),
            "talks".to_string(),
        ];
        assert!(!has_evidence(
            QuestionType::Where,
            "The talks were held in Istanbul.",
            &asked
        ));
        assert!(has_evidence(
            QuestionType::Where,
            "The talks were held at Ciragan Palace in Istanbul.",
            &asked
        ));
        let asked = ["who".to_string(), "is".to_string(), "medinsky".to_string()];
        assert!(!has_evidence(QuestionType::Who, "Medinsky spoke.", &asked));
        assert!(has_evidence(
            QuestionType::Who,
            "Medinsky is an aide to the president.",
            &asked
        ));
    }

    #[test]
    fn long_answers_are_cut_at_a_word() {
        let long = "word ".repeat(100);
        let cut = one_line(&long, 50);
        assert!(cut.chars().count() <= 50 && cut.ends_with("word…"), "{cut}");
        assert_eq!(one_line("two\nlines", 50), "two lines");
    }
}
