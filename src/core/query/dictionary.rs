//! Whether a word is a word of a language: Hunspell's English (American and British) and
//! Russian dictionaries, built in (see `build.rs`), read by the `spellbook` crate. Spelling correction leaves
//! such words alone: "supposed" is a word, not a typo of "opposed".
//!
//! A word counts in its lower-case form only, so a proper name ("Igor", "Путин"), which
//! the dictionaries hold capitalised, is not a common word. There is no Ukrainian
//! dictionary (the one on npm is GPL-3.0): a Ukrainian word is checked against neither.

use std::sync::OnceLock;

use spellbook::Dictionary;

use crate::core::lang::Lang;

/// The built-in dictionaries, by the language whose words they hold.
const BUILT_IN: [(Lang, &str, &str, &str); 3] = [
    (
        Lang::En,
        "en",
        include_str!(concat!(env!("ATTACHE_DICTIONARIES"), "/en.aff")),
        include_str!(concat!(env!("ATTACHE_DICTIONARIES"), "/en.dic")),
    ),
    (
        Lang::En,
        "en-gb",
        include_str!(concat!(env!("ATTACHE_DICTIONARIES"), "/en-gb.aff")),
        include_str!(concat!(env!("ATTACHE_DICTIONARIES"), "/en-gb.dic")),
    ),
    (
        Lang::Ru,
        "ru",
        include_str!(concat!(env!("ATTACHE_DICTIONARIES"), "/ru.aff")),
        include_str!(concat!(env!("ATTACHE_DICTIONARIES"), "/ru.dic")),
    ),
];

/// The dictionaries read, each with its language; read once, on first use.
fn dictionaries() -> &'static [(Lang, Dictionary)] {
    static READ: OnceLock<Vec<(Lang, Dictionary)>> = OnceLock::new();
    READ.get_or_init(|| {
        BUILT_IN
            .iter()
            .filter_map(|&(lang, name, aff, dic)| match Dictionary::new(aff, dic) {
                Ok(d) => Some((lang, d)),
                Err(error) => {
                    // Built in and checked by the tests: only a damaged build gets here.
                    tracing::error!(%error, name, "the built-in spelling dictionary cannot be read");
                    None
                }
            })
            .collect()
    })
}

/// Read the dictionaries now rather than on the first question.
pub fn warm_up() {
    dictionaries();
}

/// Whether `word`, lower-cased, is a common word of `lang` (a proper name is not).
pub fn is_word(lang: Lang, word: &str) -> bool {
    // English questions use curly apostrophes too ("don’t").
    let lower = word.to_lowercase().replace('’', "'");
    dictionaries()
        .iter()
        .any(|(of, d)| *of == lang && d.check(&lower))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_words_are_words_and_typos_and_names_are_not() {
        for w in [
            "supposed",
            "rigorous",
            "needle",
            "exchanged",
            "Negotiations",
            "noughts",
            "defence",
        ] {
            assert!(is_word(Lang::En, w), "{w}");
        }
        for w in [
            "negotations",
            "prisners",
            "medinksy",
            "ukranian",
            "igor",
            "zelensky",
        ] {
            assert!(!is_word(Lang::En, w), "{w}");
        }
        assert!(is_word(Lang::Ru, "Переговоры"));
        assert!(is_word(Lang::Ru, "пленных"));
        assert!(!is_word(Lang::Ru, "Мединский"));
    }
}
