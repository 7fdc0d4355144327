//! The languages attache understands: English, Ukrainian and Russian.
//!
//! Questions in Ukrainian and Russian find the (English) passages through the semantic
//! match; what the lexical side can still use of them is the names (transliterated to
//! Latin letters, then matched with the same fuzzy name matching as English spellings)
//! and the question word, which says what kind of answer is wanted.

use serde::Serialize;

use super::query::QuestionType;

/// A language of the people asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    Uk,
    Ru,
}

/// Letters only Ukrainian uses among the two.
const UKRAINIAN_ONLY: &[char] = &['і', 'ї', 'є', 'ґ'];
/// Letters only Russian uses among the two.
const RUSSIAN_ONLY: &[char] = &['ы', 'э', 'ъ', 'ё'];

/// Short, frequent words of one language that the other does not use (spelled the same),
/// for questions without a telling letter ("ким був Hakan Fidan до того?").
const UKRAINIAN_WORDS: &[&str] = &[
    "був",
    "була",
    "були",
    "було",
    "що",
    "як",
    "чи",
    "та",
    "це",
    "ще",
    "від",
    "або",
    "коли",
    "хто",
    "ким",
    "скільки",
    "де",
    "чому",
    "яка",
    "який",
    "яке",
    "які",
    "вони",
    "він",
    "вона",
    "ми",
    "ви",
    "мені",
    "тому",
    "після",
    "перед",
    "між",
    "дуже",
    "нема",
];
const RUSSIAN_WORDS: &[&str] = &[
    "был",
    "была",
    "были",
    "было",
    "что",
    "как",
    "ли",
    "это",
    "еще",
    "от",
    "или",
    "когда",
    "кто",
    "кем",
    "сколько",
    "где",
    "почему",
    "какая",
    "какой",
    "какое",
    "какие",
    "они",
    "он",
    "она",
    "мы",
    "вы",
    "мне",
    "потому",
    "после",
    "перед",
    "между",
    "очень",
    "нет",
];

fn is_cyrillic(c: char) -> bool {
    ('\u{0400}'..='\u{04FF}').contains(&c)
}

/// Question words of Ukrainian and Russian, lower-case, and what each asks for; matched
/// as whole words ("коли" is not "колишній"), except the stems ending in a hyphen, which
/// match any ending ("скільк-": скільки, скількох).
const QUESTION_WORDS: &[(&str, QuestionType)] = &[
    ("скільк-", QuestionType::HowMany),
    ("скольк-", QuestionType::HowMany),
    ("коли", QuestionType::When),
    ("когда", QuestionType::When),
    ("якого числа", QuestionType::When),
    ("какого числа", QuestionType::When),
    ("хто", QuestionType::Who),
    ("кто", QuestionType::Who),
    ("ким", QuestionType::Who),
    ("кем", QuestionType::Who),
    ("кого", QuestionType::Who),
    ("де", QuestionType::Where),
    ("где", QuestionType::Where),
    ("куди", QuestionType::Where),
    ("куда", QuestionType::Where),
    ("звідки", QuestionType::Where),
    ("откуда", QuestionType::Where),
    ("чому", QuestionType::Why),
    ("почему", QuestionType::Why),
    ("навіщо", QuestionType::Why),
    ("зачем", QuestionType::Why),
    ("як довго", QuestionType::HowLong),
    ("скільки часу", QuestionType::HowLong),
    ("сколько времени", QuestionType::HowLong),
    ("как долго", QuestionType::HowLong),
];

impl Lang {
    /// The language of a question, by its words and letters: a question with more
    /// Cyrillic words than Latin ones (names in Latin letters, capitalised inside the
    /// question, are not counted: "Хто такий Rustem Umerov?" is Ukrainian) is Ukrainian or Russian, told
    /// apart by the letters only one of them has (і ї є ґ, ы э ъ ё), then by common short
    /// words only one of them uses, and with neither, Russian (the more common of the
    /// two among this corpus's readers); anything else is English. Statistical detectors
    /// are unreliable on five-word questions; letters are not.
    pub fn detect(text: &str) -> Lang {
        let lower = text.to_lowercase();
        let (mut cyrillic_words, mut latin_words) = (0usize, 0usize);
        let words = text
            .split(|c: char| !c.is_alphabetic())
            .filter(|w| !w.is_empty());
        for (i, word) in words.enumerate() {
            let first = word.chars().next().unwrap_or(' ');
            if is_cyrillic(first) {
                cyrillic_words += 1;
            } else if first.is_ascii_lowercase() || (i == 0 && first.is_ascii_alphabetic()) {
                latin_words += 1;
            }
        }
        if cyrillic_words == 0 || cyrillic_words < latin_words {
            return Lang::En;
        }
        let letters = |set: &[char]| lower.chars().filter(|c| set.contains(c)).count();
        let (uk, ru) = (letters(UKRAINIAN_ONLY), letters(RUSSIAN_ONLY));
        if uk != ru {
            return if uk > ru { Lang::Uk } else { Lang::Ru };
        }
        let words: Vec<&str> = lower
            .split(|c: char| !c.is_alphabetic())
            .filter(|w| !w.is_empty())
            .collect();
        let count = |list: &[&str]| words.iter().filter(|w| list.contains(w)).count();
        if count(UKRAINIAN_WORDS) > count(RUSSIAN_WORDS) {
            Lang::Uk
        } else {
            Lang::Ru
        }
    }

    /// The language named by a Discord locale ("uk", "ru", "en-US", …), if we speak it.
    pub fn from_locale(locale: &str) -> Option<Lang> {
        match locale.split(['-', '_']).next()? {
            "uk" => Some(Lang::Uk),
            "ru" => Some(Lang::Ru),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language to reply in: the question's own when it is Ukrainian or Russian,
    /// else the asker's locale where there is one, else English.
    pub fn for_reply(question: &str, locale: Option<&str>) -> Lang {
        match Lang::detect(question) {
            Lang::En => locale.and_then(Lang::from_locale).unwrap_or(Lang::En),
            other => other,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Uk => "uk",
            Lang::Ru => "ru",
        }
    }
}

/// What a Ukrainian or Russian question asks for, from its question word: the first
/// one in the question, the longer phrase where two start at the same word ("скільки
/// часу" asks for a duration, not a count).
pub fn question_type(text: &str) -> Option<QuestionType> {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .collect();
    let mut best: Option<(usize, usize, QuestionType)> = None;
    for &(phrase, t) in QUESTION_WORDS {
        let parts: Vec<&str> = phrase.split(' ').collect();
        let matches = |at: usize| {
            parts.iter().enumerate().all(|(k, part)| {
                words
                    .get(at + k)
                    .is_some_and(|w| match part.strip_suffix('-') {
                        Some(stem) => w.starts_with(stem),
                        None => w == part,
                    })
            })
        };
        if let Some(at) = (0..words.len()).find(|&at| matches(at)) {
            let better = match best {
                None => true,
                Some((bat, blen, _)) => at < bat || (at == bat && parts.len() > blen),
            };
            if better {
                best = Some((at, parts.len(), t));
            }
        }
    }
    best.map(|(_, _, t)| t)
}

/// What the lexical search can use of a Cyrillic question: its names in Latin letters
/// ("Умєров" → "Umierov", matched to "Umerov" by the fuzzy name matching) and any words
/// already in Latin letters ("Hakan Fidan"). Ordinary Cyrillic words are left out: the
/// English index has none of them, and the semantic match carries their meaning.
pub fn lexical_part(text: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    for (i, word) in text
        .split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '\''))
        .filter(|w| !w.is_empty())
        .enumerate()
    {
        let first = word.chars().next().unwrap_or(' ');
        let cyrillic = is_cyrillic(first);
        if !cyrillic {
            out.push(word.to_string());
        } else if first.is_uppercase() && (i > 0 || is_probably_name(word)) {
            out.push(latin_name(word));
        }
    }
    out.join(" ")
}

/// A capitalised first word is a name only when it does not look like an ordinary
/// sentence opener: a question word, or a common Russian word ("Переговоры").
fn is_probably_name(word: &str) -> bool {
    question_type(word).is_none()
        && word.chars().count() > 3
        && !crate::core::query::dictionary::is_word(Lang::Ru, word)
}

/// A Cyrillic name in Latin letters, with the endings English spellings of Ukrainian and
/// Russian names use ("-ий"/"-ій" → "-y": Мединський → Medynskyi → Medinsky is left to
/// the fuzzy matching).
pub fn latin_name(word: &str) -> String {
    let mut w = word.to_string();
    for (ending, replacement) in [("ський", "sky"), ("ский", "sky"), ("ий", "y"), ("ій", "iy")]
    {
        if let Some(stem) = w.strip_suffix(ending) {
            w = format!("{}{}", any_ascii::any_ascii(stem), replacement);
            return capitalise(&w);
        }
    }
    capitalise(&any_ascii::any_ascii(&w))
}

fn capitalise(w: &str) -> String {
    let mut c = w.chars();
    match c.next() {
        Some(f) => f
            .to_uppercase()
            .chain(c.flat_map(char::to_lowercase))
            .collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_are_told_apart_by_their_letters() {
        assert_eq!(Lang::detect("Who led Ukraine's delegation?"), Lang::En);
        assert_eq!(Lang::detect("Хто очолював українську делегацію?"), Lang::Uk);
        assert_eq!(
            Lang::detect("Кто возглавлял российскую делегацию?"),
            Lang::Ru
        );
        assert_eq!(Lang::detect("ким був Hakan Fidan до того?"), Lang::Uk);
        assert_eq!(Lang::detect("сколько пленных"), Lang::Ru);
        assert_eq!(Lang::detect("Хто такий Rustem Umerov?"), Lang::Uk);
        assert_eq!(Lang::detect("Кого освободили в Стамбуле?"), Lang::Ru);
        assert_eq!(Lang::detect("Who is Умєров?"), Lang::En);
    }

    #[test]
    fn the_reply_language_follows_the_question_then_the_locale() {
        assert_eq!(
            Lang::for_reply("скільки полонених", Some("en-US")),
            Lang::Uk
        );
        assert_eq!(Lang::for_reply("how many prisoners", Some("ru")), Lang::Ru);
        assert_eq!(Lang::for_reply("how many prisoners", Some("de")), Lang::En);
        assert_eq!(Lang::for_reply("how many prisoners", None), Lang::En);
    }

    #[test]
    fn question_words_say_what_is_asked() {
        assert_eq!(
            question_type("Скільки полонених?"),
            Some(QuestionType::HowMany)
        );
        assert_eq!(
            question_type("Когда прошёл раунд?"),
            Some(QuestionType::When)
        );
        assert_eq!(question_type("а хто очолював"), Some(QuestionType::Who));
        assert_eq!(
            question_type("скільки часу хотів Умєров"),
            Some(QuestionType::HowLong)
        );
        assert_eq!(question_type("Путін ставив передумови?"), None);
        assert_eq!(question_type("Чим займався колишній міністр?"), None);
        assert_eq!(
            question_type("Скількох дітей повернули?"),
            Some(QuestionType::HowMany)
        );
        assert_eq!(
            question_type("де проходили переговори"),
            Some(QuestionType::Where)
        );
    }

    #[test]
    fn names_come_out_in_latin_letters() {
        let part = lexical_part("скільки часу Умєров хотів на вивчення меморандуму");
        assert!(part.starts_with("Um"), "{part}");
        assert!(!part.contains("хотів"), "{part}");
        assert_eq!(lexical_part("ким був Hakan Fidan до того"), "Hakan Fidan");
        assert_eq!(latin_name("Мединский"), "Medinsky");
    }
}
