//! The one-line direct answer: the sentence among the best passages that best answers
//! the question, judged by the concepts it contains and by whether it holds the kind of
//! fact the question asks for (a number, a date, a duration, a name, a place, a reason).

use std::sync::OnceLock;

use regex::Regex;

use super::query::QuestionType;

/// Longest direct answer, in characters; longer sentences are cut at a word boundary.
pub const MAX_ANSWER_CHARS: usize = 300;

const MONTHS: &str = "January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec";

struct Patterns {
    date: Regex,
    duration: Regex,
    number: Regex,
    number_word: Regex,
    name: Regex,
    role: Regex,
    place: Regex,
    reason: Regex,
    year_or_date_number: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| Patterns {
        date: Regex::new(&format!(
            r"\b(?:{MONTHS})\b|\b(?:19|20)\d\d\b|\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b|\b\d{{1,2}}:\d\d\b"
        ))
        .expect("valid regex"),
        duration: Regex::new(
            r"(?i)\b(?:\d+(?:\.\d+)?|an?|one|two|three|four|five|six|seven|eight|nine|ten|few|several|half|\d+[–-]\d+)[\s-]+(?:minutes?|hours?|days?|weeks?|months?|years?)\b|\blast(?:ed|ing)\b|\bunder an hour\b",
        )
        .expect("valid regex"),
        number: Regex::new(r"\b\d[\d,.]*\b").expect("valid regex"),
        number_word: Regex::new(r"(?i)\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|dozens?|hundreds?|thousands?|millions?)\b")
            .expect("valid regex"),
        name: Regex::new(r"\b\p{Lu}\p{Ll}+(?:[ -]\p{Lu}\p{Ll}+)+\b").expect("valid regex"),
        role: Regex::new(
            r"(?i)\b(?:minister|president|aide|secretary|chief|head|spokes(?:man|woman|person)|commissioner|ambassador|envoy|advis[eo]r|photographer|led by|leading|chaired)\b",
        )
        .expect("valid regex"),
        place: Regex::new(r"\b(?:in|at|to|from)\s+(?:the\s+)?\p{Lu}\p{Ll}+|(?i)\b(?:palace|city|venue|office|capital|base)\b").expect("valid regex"),
        reason: Regex::new(r"(?i)\b(?:because|since|so that|in order to|due to|if|only|reason|unless|as long as|rather than)\b").expect("valid regex"),
        year_or_date_number: Regex::new(&format!(r"^(?:19|20)\d\d$")).expect("valid regex"),
    })
}

/// Whether `text` holds the kind of fact a question of type `t` asks for.
pub fn has_evidence(t: QuestionType, text: &str) -> bool {
    let p = patterns();
    match t {
        QuestionType::When => p.date.is_match(text),
        QuestionType::HowLong => p.duration.is_match(text),
        QuestionType::HowMany => has_count(text),
        QuestionType::Who => p.name.is_match(text) || p.role.is_match(text),
        QuestionType::Where => p.place.is_match(text),
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
    let month = Regex::new(&format!(r"^\s*(?:{MONTHS})\b")).ok();
    p.number.find_iter(text).any(|m| {
        let n = m.as_str().trim_end_matches(['.', ',']);
        if p.year_or_date_number.is_match(n) {
            return false;
        }
        let after = &text[m.end()..];
        let is_day = n.len() <= 2 && month.as_ref().is_some_and(|r| r.is_match(after));
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
        assert!(has_evidence(HowLong, "The meeting lasted just 40 minutes."));
        assert!(has_evidence(HowLong, "It ended in under two hours."));
        assert!(!has_evidence(HowLong, "They met in Istanbul."));
        assert!(has_evidence(HowMany, "at least 1,200 prisoners of war"));
        assert!(!has_evidence(HowMany, "On 23 July 2025 they met."), "a date is not a count");
        assert!(has_evidence(When, "14 Aug 2025"));
        assert!(has_evidence(Where, "held at Ciragan Palace"));
        assert!(has_evidence(Who, "led by Vladimir Medinsky"));
        assert!(has_evidence(Why, "only meaningful if it were to finalize a treaty"));
        assert!(!has_evidence(What, "anything"));
    }

    #[test]
    fn long_answers_are_cut_at_a_word() {
        let long = "word ".repeat(100);
        let cut = one_line(&long, 50);
        assert!(cut.chars().count() <= 50 && cut.ends_with("word…"), "{cut}");
        assert_eq!(one_line("two\nlines", 50), "two lines");
    }
}
