//! Typed candidates: the values of one type a sentence holds (counts, times of day,
//! dates, durations, people, organisations, places), each with where it stands.
//!
//! Regular expressions over the English sources, compiled once; word boundaries are
//! ASCII (`(?-u:\b)`), which keeps the regex crate on its fast engines.

use std::sync::OnceLock;

use regex::Regex;

use super::question::AnswerType;
use crate::core::answer::MONTHS;

const WEEKDAYS: &str = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday";

/// A value found in a sentence: its type and byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Typed {
    pub kind: AnswerType,
    pub start: usize,
    pub end: usize,
}

struct Patterns {
    count: Regex,
    time: Regex,
    full_date: Regex,
    month_year: Regex,
    month: Regex,
    weekday: Regex,
    year: Regex,
    duration: Regex,
    organisation: Regex,
    place: Regex,
    proper: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let r = |s: &str| Regex::new(s).expect("valid regex");
        Patterns {
            count: r(r"(?i)(?:(?-u:\b)(?:at least|more than|over|about|around|some|nearly|almost|up to|fewer than|less than|only|roughly|a total of|another|all|exactly)\s+)?(?:(?-u:\b)\d{1,3}(?:,\d{3})+(?-u:\b)|(?-u:\b)\d+(?:\.\d+)?(?-u:\b)|(?-u:\b)(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|hundred|dozens|hundreds|thousands)(?-u:\b))(?:\s*(?:%|percent|per cent|thousand|million|billion))?"),
            time: r(r"(?i)(?:(?-u:\b)(?:about|around|at|by|after|before|until|from)\s+)?(?-u:\b)(?:[01]?\d|2[0-3])[:.][0-5]\d(?-u:\b)(?:\s*(?:a\.m\.|p\.m\.|am|pm|GMT|UTC|local time|Moscow time|Kyiv time))?|(?-u:\b)\d{1,2}\s*(?:a\.m\.|p\.m\.|am|pm)(?-u:\b)|(?-u:\b)(?:noon|midday|midnight)(?-u:\b)"),
            full_date: r(&format!(r"(?-u:\b)(?:(?:{WEEKDAYS}),?\s+)?\d{{1,2}}(?:\s*[–-]\s*\d{{1,2}})?\s+(?:{MONTHS})(?:\s+(?:19|20)\d\d)?(?-u:\b)|(?-u:\b)(?:(?:{WEEKDAYS}),?\s+)?(?:{MONTHS})\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+(?:19|20)\d\d)?(?-u:\b)|(?-u:\b)(?:19|20)\d\d-[01]\d-[0-3]\d(?-u:\b)")),
            month_year: r(&format!(r"(?-u:\b)(?:{MONTHS})\s+(?:19|20)\d\d(?-u:\b)")),
            month: r(&format!(r"(?-u:\b)(?:in|In|since|Since|by|until|of|early|late|mid-)\s*(?:{MONTHS})(?-u:\b)")),
            weekday: r(&format!(r"(?-u:\b)(?:{WEEKDAYS})(?-u:\b)")),
            year: r(r"(?-u:\b)(?:19|20)\d\d(?-u:\b)"),
            duration: r(r"(?i)(?:(?-u:\b)(?:about|around|roughly|just|nearly|almost|over|under|more than|less than|some|barely|only)\s+)?(?:(?-u:\b)\d+(?:\.\d+)?(?:\s*[–-]\s*\d+(?:\.\d+)?)?|(?-u:\b)(?:an?|one|two|three|four|five|six|seven|eight|nine|ten|a few|few|several|half an?|an hour and a half|one and a half|two and a half|three and a half))[\s-]+(?:minutes?|hours?|days?|weeks?|months?|years?)(?-u:\b)|(?-u:\b)(?:under|less than|more than|over|about|nearly|almost|just over|just under) an hour(?-u:\b)"),
            organisation: r(r"(?-u:\b)(?:\p{Lu}[\p{L}’'-]*\s+(?:of\s+(?:the\s+)?)?){0,4}(?:Agency|Ministry|Service|Council|Committee|Office|Directorate|Foundation|Nations|Union|Organi[sz]ation|Commission|Court|Parliament|Rada|Duma|Kremlin|Cross|Department|Headquarters|Bureau|Centre|Center|Institute|Platform|Administration)(?-u:\b)|(?-u:\b)(?:Reuters|TASS|Anadolu|Interfax|Meduza|Ukrinform|Suspilne|Kommersant|RIA Novosti|Ukrainska Pravda|Kyiv Independent|Associated Press|AFP|AP|BBC|CNN|RBC|TRT|EFE|NATO|UN|EU|ICRC|OSCE|SBU|FSB|GUR|MIT|NSDC|UNHCR)(?-u:\b)"),
            proper: r(r"(?-u:\b)\p{Lu}[\p{L}’'-]+(?:\s+(?:of\s+)?\p{Lu}[\p{L}’'-]+)*"),
            place: r(r"(?-u:\b)(?:\p{Lu}[\p{L}’'-]+\s+)*(?:Palace|Hotel|Hall|Residence|Centre|Center|Airport|Square|Office|Building|House|Base|Camp)(?-u:\b)|(?-u:\b)(?:in|at|to|from|In|At)\s+(?:the\s+)?\p{Lu}[\p{L}’'-]+(?:\s+\p{Lu}[\p{L}’'-]+){0,2}"),
        }
    })
}

/// Whether `text` is a whole date or a month of a year ("23 July 2025", "May 2025"), not
/// only a month, a weekday or a year.
pub fn is_whole_date(text: &str) -> bool {
    let p = patterns();
    p.full_date.is_match(text) || p.month_year.is_match(text)
}

/// Compile the patterns ahead of the first question.
pub fn warm_up() {
    patterns();
}

/// Capitalised words that do not make a person's name.
const NOT_NAME_WORDS: &[&str] = &[
    "The",
    "A",
    "An",
    "In",
    "On",
    "At",
    "After",
    "Before",
    "But",
    "And",
    "Both",
    "Russia",
    "Russian",
    "Russians",
    "Ukraine",
    "Ukrainian",
    "Ukrainians",
    "Turkey",
    "Turkish",
    "Istanbul",
    "Ankara",
    "Kyiv",
    "Moscow",
    "Palace",
    "Foreign",
    "Minister",
    "Ministry",
    "President",
    "Presidential",
    "Defence",
    "Defense",
    "Security",
    "National",
    "Council",
    "Agency",
    "Office",
    "Kremlin",
    "Intelligence",
    "Republic",
    "Union",
    "Nations",
    "United",
    "States",
    "European",
    "Island",
    "Sea",
    "Black",
    "Region",
    "Street",
    "Times",
    "Post",
    "News",
    "Press",
    "Red",
    "Cross",
    "Round",
    "Sources",
    "Source",
    "Date",
    "Body",
    "Reuters",
    "Wednesday",
    "Tuesday",
    "Monday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "Deputy",
    "First",
    "Second",
    "Third",
    "Secretary",
    "General",
    "Head",
    "Chief",
    "Ambassador",
    "Envoy",
    "Special",
    "White",
    "House",
    "Agreement",
    "Memorandum",
    "Platform",
    "Children",
    "Dolmabahce",
    "Ciragan",
    "Alaska",
    "Errors",
    "Sweden",
    "Zaporizhzhia",
    "Kherson",
    "Donetsk",
    "Luhansk",
    "Crimea",
    "Snake",
    "Independent",
    "Pravda",
    "Ukrainska",
    "Anadolu",
    "Daily",
    "Channel",
    "Telegram",
];

fn is_month_or_weekday(word: &str) -> bool {
    crate::core::timeline::when::month_of(word).is_some() || WEEKDAYS.split('|').any(|d| d == word)
}

/// Every value of `kind` in `sentence`, in order.
pub fn find(kind: AnswerType, sentence: &str) -> Vec<Typed> {
    let p = patterns();
    let typed = |m: regex::Match<'_>| Typed {
        kind,
        start: m.start(),
        end: m.end(),
    };
    match kind {
        AnswerType::Count => p
            .count
            .find_iter(sentence)
            .filter(|m| is_count(sentence, m.start(), m.end()))
            .map(|m| {
                // "handed over 1,000": "over" belongs to the verb, not to the figure.
                let before = sentence[..m.start()].trim_end().to_lowercase();
                let particle = [
                    "hand", "handed", "handing", "turned", "took", "taken", "passed", "given",
                    "gave", "carried",
                ]
                .iter()
                .any(|v| before.ends_with(v));
                let text = m.as_str();
                let start = match text.split_once(char::is_whitespace) {
                    Some((q, _)) if particle && q.eq_ignore_ascii_case("over") => {
                        m.start() + text.len() - text[q.len()..].trim_start().len()
                    }
                    _ => m.start(),
                };
                Typed {
                    kind,
                    start,
                    end: m.end(),
                }
            })
            .collect(),
        AnswerType::Time => p.time.find_iter(sentence).map(typed).collect(),
        AnswerType::Date => {
            // The most precise dates first: a whole date, a month and year, a month, a
            // weekday, a year.
            for re in [&p.full_date, &p.month_year, &p.month, &p.weekday, &p.year] {
                let found: Vec<Typed> = re.find_iter(sentence).map(typed).collect();
                if !found.is_empty() {
                    return found;
                }
            }
            Vec::new()
        }
        AnswerType::Duration => p.duration.find_iter(sentence).map(typed).collect(),
        AnswerType::Person => people(sentence, &[]),
        AnswerType::Organisation => p.organisation.find_iter(sentence).map(typed).collect(),
        AnswerType::Place => {
            let found: Vec<Typed> = p
                .place
                .find_iter(sentence)
                .filter_map(|m| place(sentence, m.start(), m.end()))
                .map(|(start, end)| Typed { kind, start, end })
                .collect();
            if !found.is_empty() {
                return found;
            }
            // No venue and no "in X": a proper name inside the sentence ("brokered by
            // the United Arab Emirates"), never its opening word.
            p.proper
                .find_iter(sentence)
                .filter(|m| m.start() > 0)
                .filter(|m| {
                    let first = m.as_str().split_whitespace().next().unwrap_or("");
                    !is_month_or_weekday(first)
                })
                .map(typed)
                .collect()
        }
        _ => Vec::new(),
    }
}

/// A number that counts: not a year, a time of day, a day of a month, a round's number
/// or a figure in a name ("Article 5").
fn is_count(sentence: &str, start: usize, end: usize) -> bool {
    let text = &sentence[start..end];
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let bare = !text
        .chars()
        .any(|c| c.is_alphabetic() && !c.is_ascii_digit())
        || digits.is_empty();
    let after = sentence[end..].trim_start();
    let before = sentence[..start].trim_end();
    let year = digits.len() == 4 && (digits.starts_with("19") || digits.starts_with("20"));
    if year && !after.starts_with('%') && text.trim().len() == 4 {
        return false;
    }
    let next_word = after
        .split(|c: char| !c.is_alphabetic())
        .next()
        .unwrap_or("");
    let prev_word = before
        .rsplit(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("");
    let day = digits.len() <= 2
        && (is_month_or_weekday(next_word) || is_month_or_weekday(prev_word) && bare);
    let time = after.starts_with(':') || before.ends_with(':');
    let numbered = matches!(
        prev_word.to_lowercase().as_str(),
        "round" | "article" | "point" | "no" | "number" | "resolution" | "part" | "stage"
    );
    let range_end = before.ends_with(['–', '-']) && digits.len() <= 2;
    // "a three-way contact", "a two-day truce": a number word in a modifier counts nothing.
    let modifier = digits.is_empty() && sentence[end..].starts_with('-');
    !(day || time || numbered || range_end || modifier)
}

/// People named in the sources' own records: a record whose title opens with a name
/// ("Rustem Umerov (Ukraine's delegation head…)"). Their surnames alone are names too.
pub fn person_of_title(title: &str) -> Option<&str> {
    let (name, _) = title.split_once(" (")?;
    let words: Vec<&str> = name.split_whitespace().collect();
    let name_like = |w: &&str| {
        w.chars().next().is_some_and(char::is_uppercase)
            && !NOT_NAME_WORDS.contains(w)
            && !is_month_or_weekday(w)
            && w.chars().skip(1).any(char::is_lowercase)
    };
    ((2..=4).contains(&words.len()) && words.iter().all(name_like)).then_some(name)
}

/// The surnames (lower-case) of the people records among `titles`.
pub fn people_of<'a>(titles: impl Iterator<Item = &'a str>) -> Vec<String> {
    titles
        .filter_map(person_of_title)
        .filter_map(|name| name.split_whitespace().last())
        .map(str::to_lowercase)
        .collect()
}

/// Whether a capitalised word can be part of a person's name: not an office, a country,
/// a demonym ("Turkish"), an acronym ("FM", "GRU"), a month or a weekday.
fn name_word(w: &str) -> bool {
    let bare = w
        .trim_end_matches("’s")
        .trim_end_matches("'s")
        .trim_end_matches(['’', '\'']);
    !(NOT_NAME_WORDS.contains(&bare)
        || is_month_or_weekday(bare)
        || bare.ends_with('.')
        || !bare.chars().skip(1).any(char::is_lowercase)
        || ["ish", "ian", "ese"].iter().any(|e| bare.ends_with(e)))
}

/// People in a sentence: runs of two or more capitalised name words (a run is split at
/// an office, a country, an acronym: "Deputy FM Mikhail Galuzin" gives "Mikhail
/// Galuzin"), and the surname alone of someone in `people` (lower-case surnames).
pub fn people(sentence: &str, people: &[String]) -> Vec<Typed> {
    let p = patterns();
    let mut out = Vec::new();
    for m in p.proper.find_iter(sentence) {
        let mut run: Vec<(usize, &str)> = Vec::new();
        let mut at = m.start();
        let text = m.as_str();
        let mut words: Vec<(usize, &str)> = Vec::new();
        for w in text.split(' ') {
            if !w.is_empty() {
                words.push((at, w));
            }
            at += w.len() + 1;
        }
        let opening = m.start() == 0;
        words.push((usize::MAX, ""));
        for (i, (at, w)) in words.iter().enumerate() {
            let known = |w: &str| people.contains(&w.to_lowercase());
            // The sentence's opening word is a name when a name word follows it or it is
            // a known surname ("Umerov led…").
            let opener_named =
                !opening || i != 0 || known(w) || words.get(1).is_some_and(|(_, n)| name_word(n));
            let keep = !w.is_empty() && name_word(w) && opener_named;
            if keep {
                run.push((*at, w));
                continue;
            }
            let bare = |w: &str| {
                w.trim_end_matches("’s")
                    .trim_end_matches("'s")
                    .trim_end_matches(['’', '\''])
                    .to_string()
            };
            let known = run.len() == 1 && people.contains(&bare(run[0].1).to_lowercase());
            // "in Abu Dhabi", "from Kyiv": a place, not a person.
            let after_preposition = run.first().is_some_and(|&(at, _)| {
                let before = sentence[..at].trim_end();
                ["in", "at", "from", "to", "near", "In", "At", "From"]
                    .iter()
                    .any(|p| {
                        before.ends_with(p)
                            && before[..before.len() - p.len()]
                                .ends_with(|c: char| !c.is_alphanumeric())
                    })
            });
            if (run.len() >= 2 || known) && !after_preposition {
                let (first, _) = run[0];
                let (last_at, last) = run[run.len() - 1];
                out.push(Typed {
                    kind: AnswerType::Person,
                    start: first,
                    end: last_at + bare(last).len(),
                });
            }
            run.clear();
        }
    }
    out
}

/// A place: a venue ("Ciragan Palace") or a capitalised name after "in"/"at"/"to"/
/// "from", without a month, a weekday or an office.
fn place(sentence: &str, start: usize, end: usize) -> Option<(usize, usize)> {
    let text = &sentence[start..end];
    let mut from = start;
    for lead in ["in ", "at ", "to ", "from ", "In ", "At ", "the "] {
        if sentence[from..end].starts_with(lead) {
            from += lead.len();
        }
    }
    let inner = &sentence[from..end];
    let first = inner.split_whitespace().next().unwrap_or("");
    if is_month_or_weekday(first)
        || matches!(
            first,
            "The" | "Russia" | "Ukraine" | "President" | "Minister" | "Foreign" | "Reuters"
        ) && !text.ends_with("Palace")
    {
        return None;
    }
    (end > from).then_some((from, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(kind: AnswerType, s: &str) -> Vec<String> {
        find(kind, s)
            .iter()
            .map(|t| s[t.start..t.end].to_string())
            .collect()
    }

    #[test]
    fn each_type_finds_its_values_and_not_the_others() {
        use AnswerType::*;
        let s = "On 23 July 2025 at 19:00 both sides agreed to exchange at least 1,200 prisoners, Anadolu Agency reported.";
        assert_eq!(found(Count, s), vec!["at least 1,200"]);
        assert_eq!(found(Time, s), vec!["at 19:00"]);
        assert_eq!(found(Date, s), vec!["23 July 2025"]);
        assert!(found(Duration, s).is_empty());
        assert_eq!(found(Organisation, s), vec!["Anadolu Agency"]);
        assert_eq!(
            found(Duration, "The meeting lasted just 40 minutes."),
            vec!["just 40 minutes"]
        );
        assert_eq!(
            found(
                Person,
                "Russia’s presidential aide Vladimir Medinsky spoke."
            ),
            vec!["Vladimir Medinsky"]
        );
        assert_eq!(
            found(Place, "The talks were held at Ciragan Palace in Istanbul."),
            vec!["Ciragan Palace", "Istanbul"]
        );
        assert!(found(Count, "In round 3, on 16 May 2025, they met.").is_empty());
        assert!(found(Person, "In July the Foreign Ministry spoke.").is_empty());
    }

    #[test]
    fn people_are_names_not_offices_places_or_acronyms() {
        let s = "The members were Deputy FM Mikhail Galuzin, Deputy Defence Minister Alexander Fomin and Igor Kostyukov.";
        let names: Vec<&str> = people(s, &[]).iter().map(|t| &s[t.start..t.end]).collect();
        assert_eq!(
            names,
            ["Mikhail Galuzin", "Alexander Fomin", "Igor Kostyukov"]
        );
        let s = "Umerov led Ukraine's team at the talks in Abu Dhabi.";
        let names: Vec<&str> = people(s, &["umerov".to_string()])
            .iter()
            .map(|t| &s[t.start..t.end])
            .collect();
        assert_eq!(names, ["Umerov"], "a known surname alone, and no place");
        assert!(people("Umerov led the team.", &[]).is_empty());
        assert_eq!(
            person_of_title("Rustem Umerov (Ukraine's delegation head)"),
            Some("Rustem Umerov")
        );
        assert_eq!(person_of_title("Round 1: 16 May 2025 (Istanbul)"), None);
    }
}
