//! What a question asks for, read from its words in English, Ukrainian or Russian: the
//! type of the answer, what is counted, and the constraints (a month, a day, a round, a
//! year) any answer must agree with.

use serde::Serialize;

use crate::core::lang::Lang;
use crate::core::query::QuestionType;
use crate::core::timeline::when::month_of;

/// The type of answer a question expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerType {
    Count,
    Time,
    Date,
    Duration,
    Person,
    Organisation,
    Place,
    Reason,
    List,
    YesNo,
    Description,
}

impl AnswerType {
    /// Whether the answer is a value a reader can be shown in bold.
    pub fn is_typed(self) -> bool {
        matches!(
            self,
            AnswerType::Count
                | AnswerType::Time
                | AnswerType::Date
                | AnswerType::Duration
                | AnswerType::Person
                | AnswerType::Organisation
                | AnswerType::Place
        )
    }
}

/// What the reader needs to know of a question.
#[derive(Debug, Clone, PartialEq)]
pub struct Asked {
    pub answer: AnswerType,
    /// Asked in English (its words can be looked for in the sources).
    pub in_english: bool,
    /// Months the question names (1-12).
    pub months: Vec<u32>,
    /// Days of a month it names, with their month ("23 July": (23, 7)).
    pub days: Vec<(u32, u32)>,
    /// Numbered rounds it names ("the third round", "round 2", "другий раунд").
    pub rounds: Vec<u32>,
    pub years: Vec<u32>,
    /// Numbers the question itself gives: never its answer ("the 1,200-for-1,200 swap").
    pub numbers: Vec<String>,
    /// The words right after "how many" / "number of": what is counted.
    pub counted: Vec<String>,
    /// In a Ukrainian or Russian question, its common words in English (from
    /// [`CYRILLIC_WORDS`]), each with its alternatives: the focus the English sources can
    /// be checked for.
    pub english: Vec<&'static [&'static str]>,
    /// …and what it counts, in English.
    pub counted_english: Vec<&'static str>,
}

/// Common words of Ukrainian and Russian questions, by the start of their forms, with
/// the English words the sources use for them. Not a translation: the words a question
/// counts, times or asks about, so the reader can check an English sentence for them.
pub const CYRILLIC_WORDS: &[(&str, &[&str])] = &[
    ("військовополонен", &["prisoners", "pows"]),
    ("військовопленн", &["prisoners", "pows"]),
    ("военнопленн", &["prisoners", "pows"]),
    ("полонен", &["prisoners", "captives", "pows"]),
    ("пленн", &["prisoners", "captives", "pows"]),
    (
        "військов",
        &["soldiers", "servicemen", "troops", "military"],
    ),
    ("военн", &["soldiers", "servicemen", "troops", "military"]),
    ("солдат", &["soldiers", "servicemen", "troops"]),
    ("бійц", &["soldiers", "fighters", "servicemen"]),
    ("тіл", &["bodies", "remains"]),
    ("тел", &["bodies", "remains"]),
    ("загибл", &["dead", "fallen", "killed", "bodies"]),
    ("погибш", &["dead", "fallen", "killed", "bodies"]),
    ("діт", &["children", "kids", "minors"]),
    ("дит", &["children", "kids", "minors"]),
    ("дет", &["children", "kids", "minors"]),
    ("цивільн", &["civilians"]),
    ("мирн", &["civilians", "peace"]),
    ("гражданск", &["civilians"]),
    ("журналіст", &["journalists"]),
    ("журналист", &["journalists"]),
    ("сторін", &["pages"]),
    ("страниц", &["pages"]),
    ("хвилин", &["minutes"]),
    ("минут", &["minutes"]),
    ("годин", &["hours"]),
    ("днів", &["days"]),
    ("дней", &["days"]),
    ("делегац", &["delegation", "team"]),
    ("меморандум", &["memorandum", "memoranda"]),
    ("обмін", &["exchange", "swap"]),
    ("обмен", &["exchange", "swap"]),
    ("перемир", &["ceasefire", "truce"]),
    ("зустріч", &["meeting", "talks"]),
    ("встреч", &["meeting", "talks"]),
    ("переговор", &["talks", "negotiations"]),
    ("сторон", &["side", "sides"]),
    ("регіон", &["regions"]),
    ("област", &["regions", "region"]),
    ("список", &["list"]),
    ("списк", &["list"]),
    ("імен", &["names"]),
    ("имен", &["names"]),
    ("відсот", &["percent"]),
    ("процент", &["percent"]),
    ("долар", &["dollars"]),
    ("посад", &["post", "position", "minister", "secretary"]),
    ("должност", &["post", "position", "minister", "secretary"]),
    ("робоч", &["working"]),
    ("рабоч", &["working"]),
    ("груп", &["groups"]),
    ("формат", &["format"]),
    ("людей", &["people"]),
    ("осіб", &["people"]),
    ("человек", &["people"]),
    ("жител", &["residents", "civilians"]),
    ("мешканц", &["residents", "civilians"]),
    ("санкц", &["sanctions"]),
    ("мит", &["tariffs", "tariff"]),
    ("пошлин", &["tariffs", "tariff"]),
    ("фотограф", &["photographer", "photo"]),
    ("прес", &["press"]),
    ("пресс", &["press"]),
    ("конференц", &["conference"]),
    ("помічник", &["aide", "adviser"]),
    ("помощник", &["aide", "adviser"]),
    ("заробля", &["earns", "salary"]),
    ("зарабатыва", &["earns", "salary"]),
    ("зарплат", &["salary"]),
    ("народ", &["born"]),
    ("дружин", &["wife"]),
    ("перекладач", &["interpreter"]),
    ("переводчик", &["interpreter"]),
    ("готел", &["hotel"]),
    ("гостиниц", &["hotel"]),
    ("отел", &["hotel"]),
];

/// The English words for the common Cyrillic words of `words`.
fn english_of(words: &[&str]) -> Vec<&'static [&'static str]> {
    words
        .iter()
        .filter(|w| {
            w.chars()
                .next()
                .is_some_and(|c| ('а'..='я').contains(&c) || "іїєґё".contains(c))
        })
        .filter_map(|w| {
            CYRILLIC_WORDS
                .iter()
                .filter(|(start, _)| {
                    // A short start takes only a case ending ("тіла", "тілами", not
                    // "тільки").
                    const ENDINGS: &[&str] = &[
                        "", "а", "о", "у", "і", "и", "ы", "е", "ей", "ам", "ами", "ах", "ом", "ов",
                        "ях", "ям", "ями", "ій", "ий", "их", "ого", "ому",
                    ];
                    match w.strip_prefix(start) {
                        Some(rest) if start.chars().count() < 5 => ENDINGS.contains(&rest),
                        Some(_) => true,
                        None => false,
                    }
                })
                .max_by_key(|(start, _)| start.chars().count())
                .map(|(_, english)| *english)
        })
        .collect()
}

const UK_RU_MONTHS: [(&str, u32); 24] = [
    ("січ", 1),
    ("лют", 2),
    ("берез", 3),
    ("квіт", 4),
    ("травн", 5),
    ("червн", 6),
    ("липн", 7),
    ("серпн", 8),
    ("вересн", 9),
    ("жовтн", 10),
    ("листопад", 11),
    ("грудн", 12),
    ("январ", 1),
    ("феврал", 2),
    ("март", 3),
    ("апрел", 4),
    ("ма", 5),
    ("июн", 6),
    ("июл", 7),
    ("август", 8),
    ("сентябр", 9),
    ("октябр", 10),
    ("ноябр", 11),
    ("декабр", 12),
];

/// The month a word names, in English, Ukrainian or Russian.
pub fn month_in(word: &str, lang: Lang) -> Option<u32> {
    if lang == Lang::En {
        return month_of(word);
    }
    let w = word.to_lowercase();
    // "мая"/"май" only: "ма" alone would take every word starting so.
    if matches!(w.as_str(), "мая" | "май" | "мае") {
        return Some(5);
    }
    UK_RU_MONTHS
        .iter()
        .filter(|(stem, _)| stem.chars().count() > 2)
        .find(|(stem, _)| w.starts_with(stem))
        .map(|&(_, m)| m)
}

const ORDINALS: [(&str, u32); 16] = [
    ("first", 1),
    ("second", 2),
    ("third", 3),
    ("fourth", 4),
    ("1st", 1),
    ("2nd", 2),
    ("3rd", 3),
    ("4th", 4),
    ("перш", 1),
    ("перв", 1),
    ("друг", 2),
    ("втор", 2),
    ("трет", 3),
    ("четверт", 4),
    ("1-", 1),
    ("2-", 2),
];

fn ordinal(word: &str) -> Option<u32> {
    ORDINALS
        .iter()
        .find(|(p, _)| {
            if p.is_ascii() && !p.ends_with('-') {
                word == *p
            } else {
                word.starts_with(p)
            }
        })
        .map(|&(_, n)| n)
}

fn is_round_word(word: &str) -> bool {
    matches!(word, "round" | "rounds" | "session")
        || word.starts_with("раунд")
        || word.starts_with("тур")
}

/// The rounds `words` (lower-case) name: "third round", "round 3", "третій раунд".
pub fn rounds_in(words: &[&str]) -> Vec<u32> {
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate() {
        if !is_round_word(w) {
            continue;
        }
        let before = i.checked_sub(1).and_then(|j| ordinal(words[j]));
        let after = words.get(i + 1).and_then(|n| {
            n.parse::<u32>()
                .ok()
                .filter(|n| (1..10).contains(n))
                .or(match *n {
                    "one" => Some(1),
                    "two" => Some(2),
                    "three" => Some(3),
                    _ => None,
                })
        });
        out.extend(before.or(after));
    }
    out
}

pub fn words_of(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !(c.is_alphanumeric() || c == '-' || c == ','))
        .map(|w| w.trim_matches(|c| c == ',' || c == '-').to_string())
        .filter(|w| !w.is_empty())
        .collect()
}

/// Months named in `words`, in any of the three languages. English "may" counts only
/// after "in", "of", "on", "since", "until" or "by", or next to a day.
pub fn months_in(words: &[&str], lang: Lang) -> Vec<u32> {
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let Some(m) = month_in(w, lang) else { continue };
        if lang == Lang::En && *w == "may" {
            let prev = i.checked_sub(1).map(|j| words[j]).unwrap_or("");
            let next = words.get(i + 1).copied().unwrap_or("");
            let day = |s: &str| s.parse::<u32>().is_ok_and(|d| (1..=31).contains(&d));
            if !(matches!(prev, "in" | "of" | "on" | "since" | "until" | "by")
                || day(prev)
                || day(next))
            {
                continue;
            }
        }
        out.push(m);
    }
    out
}

/// Days with their month: "23 July", "July 23", "23 липня".
pub fn days_in(words: &[&str], lang: Lang) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    let day = |s: &str| s.parse::<u32>().ok().filter(|d| (1..=31).contains(d));
    for (i, w) in words.iter().enumerate() {
        let Some(m) = month_in(w, lang) else { continue };
        let before = i.checked_sub(1).and_then(|j| day(words[j]));
        let after = words.get(i + 1).and_then(|n| day(n));
        if let Some(d) = before.or(after) {
            out.push((d, m));
        }
    }
    out
}

impl Asked {
    pub fn new(question: &str, lang: Lang, qtype: QuestionType) -> Asked {
        let lower = question.to_lowercase();
        let owned = words_of(question);
        let words: Vec<&str> = owned.iter().map(String::as_str).collect();
        let has = |w: &str| words.contains(&w);
        let starts = |p: &str| words.iter().any(|w| w.starts_with(p));
        let answer = answer_type(&lower, &words, lang, qtype, &has, &starts);
        let years: Vec<u32> = words
            .iter()
            .filter_map(|w| w.parse::<u32>().ok())
            .filter(|y| (1900..2100).contains(y))
            .collect();
        let numbers: Vec<String> = question
            .split(|c: char| !(c.is_ascii_digit() || c == ','))
            .map(|n| n.trim_matches(',').replace(',', ""))
            .filter(|n| !n.is_empty())
            .collect();
        let english = english_of(&words);
        // "Скільки полонених…", "сколько тел…": the first word after it that has English.
        let counted_english: Vec<&'static str> = words
            .iter()
            .position(|w| w.starts_with("скільк") || w.starts_with("скольк"))
            .and_then(|i| {
                words[i + 1..]
                    .iter()
                    .find_map(|w| english_of(&[w]).first().copied())
            })
            .map(|e| e.to_vec())
            .unwrap_or_default();
        let mut counted = Vec::new();
        for (i, w) in words.iter().enumerate() {
            let lead = (*w == "many" || *w == "much") && i > 0 && words[i - 1] == "how"
                || *w == "of" && i > 0 && words[i - 1] == "number";
            if lead {
                counted.extend(
                    words[i + 1..]
                        .iter()
                        .take_while(|w| !is_verb_like(w))
                        .take(3)
                        .map(|w| w.to_string()),
                );
                break;
            }
        }
        Asked {
            answer,
            in_english: lang == Lang::En,
            months: months_in(&words, lang),
            days: days_in(&words, lang),
            rounds: rounds_in(&words),
            years,
            numbers,
            counted,
            english,
            counted_english,
        }
    }
}

/// Auxiliaries and common verbs that end the counted noun phrase ("how many prisoners
/// *were* freed").
fn is_verb_like(w: &str) -> bool {
    matches!(
        w,
        "is" | "are"
            | "was"
            | "were"
            | "did"
            | "do"
            | "does"
            | "has"
            | "have"
            | "had"
            | "will"
            | "would"
            | "could"
            | "can"
            | "in"
            | "on"
            | "at"
            | "from"
            | "of"
            | "by"
            | "to"
            | "the"
    )
}

fn answer_type(
    lower: &str,
    words: &[&str],
    lang: Lang,
    qtype: QuestionType,
    has: &dyn Fn(&str) -> bool,
    starts: &dyn Fn(&str) -> bool,
) -> AnswerType {
    let pair = |a: &str, b: &str| words.windows(2).any(|p| p[0] == a && p[1] == b);
    // A time of day: "what time", "at what hour", "о котрій", "во сколько", "в котором часу".
    let time = pair("what", "time")
        || pair("what", "hour")
        || has("o'clock")
        || starts("котр") && !starts("раунд")
        || lower.contains("во сколько")
        || lower.contains("в котором часу")
        || lower.contains("о котрій")
        || lower.contains("о которой");
    let organisation = [
        "organisation",
        "organization",
        "agency",
        "body",
        "institution",
        "company",
        "ministry",
        "outlet",
        "newspaper",
        "publication",
        "airline",
        "broadcaster",
    ]
    .iter()
    .any(|w| pair("which", w) || pair("what", w))
        || starts("організац")
        || starts("организац")
        || starts("агентств")
        || starts("видання")
        || starts("издани");
    // "Which Gulf state…", "what city…": a place, with a word between or not.
    let place_nouns = [
        "state", "nation", "country", "city", "landmark", "region", "town", "capital", "venue",
        "palace", "island", "location", "place", "hotel", "airport", "building", "base",
    ];
    let place = words.windows(3).any(|w| {
        matches!(w[0], "which" | "what")
            && (place_nouns.contains(&w[1]) || place_nouns.contains(&w[2]))
    }) || words
        .windows(2)
        .any(|w| matches!(w[0], "which" | "what") && place_nouns.contains(&w[1]));
    let list = [
        "demands",
        "terms",
        "conditions",
        "points",
        "proposals",
        "steps",
    ]
    .iter()
    .any(|w| pair("what", w) || pair("which", w))
        || starts("вимог")
        || starts("требован")
        || starts("умов")
        || starts("услови");
    // "Скільки тривала…", "сколько длилась…": how long, though it opens as "how many".
    let lasted = starts("тривал") || starts("длил") || starts("длит") || starts("трива");
    match qtype {
        _ if time => AnswerType::Time,
        QuestionType::HowMany if lasted => AnswerType::Duration,
        QuestionType::HowMany => AnswerType::Count,
        QuestionType::HowLong => AnswerType::Duration,
        QuestionType::When if time => AnswerType::Time,
        QuestionType::When => AnswerType::Date,
        QuestionType::Where => AnswerType::Place,
        _ if time => AnswerType::Time,
        _ if organisation => AnswerType::Organisation,
        _ if place => AnswerType::Place,
        QuestionType::Who => {
            // "Who is X?" asks what X is: a description, not a name.
            let defining = lang == Lang::En
                && words.len() <= 5
                && (pair("who", "is") || pair("who", "was") || pair("who", "s"))
                || lang != Lang::En
                    && words.len() <= 4
                    && (pair("хто", "такий")
                        || pair("хто", "така")
                        || pair("кто", "такой")
                        || pair("кто", "такая"));
            if defining {
                AnswerType::Description
            } else {
                AnswerType::Person
            }
        }
        QuestionType::Why => AnswerType::Reason,
        QuestionType::YesNo => AnswerType::YesNo,
        _ if list => AnswerType::List,
        _ if lang != Lang::En && (starts("чи") || starts("ли")) => AnswerType::YesNo,
        _ => AnswerType::Description,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::lang;

    fn asked(q: &str) -> Asked {
        let lang = Lang::detect(q);
        let qtype = if lang == Lang::En {
            let words = words_of(q);
            crate::core::query::detect_type(&words.iter().map(String::as_str).collect::<Vec<_>>())
        } else {
            lang::question_type(q).unwrap_or(QuestionType::Other)
        };
        Asked::new(q, lang, qtype)
    }

    #[test]
    fn the_type_of_answer_in_three_languages() {
        use AnswerType::*;
        for (q, t) in [
            ("How many prisoners were exchanged?", Count),
            ("What time did the talks start?", Time),
            ("When was the second round?", Date),
            ("How long did the meeting last?", Duration),
            ("Who led the Russian delegation?", Person),
            ("Who is Medinsky?", Description),
            ("Which agency reported the start time?", Organisation),
            ("Where were the talks held?", Place),
            ("Why did Zelensky go to Ankara?", Reason),
            ("What demands did Russia make?", List),
            ("Did the sides agree a ceasefire?", YesNo),
            ("О котрій почалася зустріч?", Time),
            ("Во сколько началась встреча?", Time),
            ("Скільки полонених обміняли?", Count),
            ("Хто очолював делегацію?", Person),
            ("Где проходили переговоры?", Place),
        ] {
            assert_eq!(asked(q).answer, t, "{q}");
        }
    }

    #[test]
    fn constraints_are_read_in_three_languages() {
        let a = asked("What followed the third round on 23 July 2025?");
        assert_eq!(a.rounds, vec![3]);
        assert_eq!(a.days, vec![(23, 7)]);
        assert_eq!(a.years, vec![2025]);
        assert!(a.months.contains(&7));
        assert_eq!(asked("Що сталося після другого раунду?").rounds, vec![2]);
        assert_eq!(asked("Что было 2 июня?").days, vec![(2, 6)]);
        assert!(asked("May I ask how long it lasted?").months.is_empty());
        assert_eq!(
            asked("How many prisoners of war were swapped?").counted,
            vec!["prisoners".to_string()]
        );
        assert_eq!(
            asked("Was the 1,200-for-1,200 swap done?").numbers,
            vec!["1200".to_string(), "1200".to_string()]
        );
    }

    #[test]
    fn ukrainian_and_russian_words_have_their_english_focus() {
        let a = asked("Скільки полонених кожна сторона має обміняти?");
        assert_eq!(a.counted_english, ["prisoners", "captives", "pows"]);
        assert!(a.english.iter().any(|e| e.contains(&"side")));
        let a = asked("Сколько тел вернула Россия?");
        assert_eq!(a.counted_english, ["bodies", "remains"]);
        // "тільки" (only) is not "тіла" (bodies).
        assert!(asked("Тільки що сталося?").english.is_empty());
    }
}
