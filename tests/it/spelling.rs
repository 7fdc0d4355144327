//! Spelling correction fixes typos and leaves words alone: an ordinary word the sources
//! lack ("supposed", "rigorous") is not rewritten into one they have ("opposed", "igor"),
//! which would make a question the sources cannot answer look answerable.

use serde_json::Value;
use testkit::project::{stderr, stdout};
use testkit::Project;

use crate::util::checkout;

/// Every correction made for each question of `questions`, asked in one batch.
fn corrections(project: &Project, questions: &[String]) -> Vec<(String, Vec<Value>)> {
    let out = project.run_with_input(&["ask", "--json"], &(questions.join("\n") + "\n"));
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .map(|r| {
            let fixes = r["corrections"].as_array().cloned().unwrap_or_default();
            (r["question"].as_str().unwrap_or("").to_string(), fixes)
        })
        .collect()
}

/// Lexical search alone: spelling is its business, and it keeps 600 questions quick.
fn lexical_project() -> Project {
    let project = Project::new(&checkout());
    let local = project.path("config/local.toml");
    let mut text = std::fs::read_to_string(&local).unwrap();
    text = text.replace("[semantic]\n", "[semantic]\nenabled = false\n");
    std::fs::write(local, text).unwrap();
    project
}

/// 600 English words from Debian's `wamerican` (every 105th word of four or more
/// lower-case letters), read from the system's list where it is installed, else from the
/// copy in `tests/fixtures/words/` drawn the same way. Not the built-in dictionary
/// (Hunspell's `dictionary-en`).
fn english_words() -> Vec<String> {
    let installed = std::fs::read_to_string("/usr/share/dict/american-english").ok();
    match installed {
        Some(list) => {
            let plain: Vec<&str> = list
                .lines()
                .filter(|w| w.len() >= 4 && w.bytes().all(|b| b.is_ascii_lowercase()))
                .collect();
            plain
                .iter()
                .step_by(plain.len() / 600)
                .take(600)
                .map(|w| w.to_string())
                .collect()
        }
        None => {
            let path = crate::util::repo().join("tests/fixtures/words/english-600.txt");
            std::fs::read_to_string(path)
                .unwrap()
                .lines()
                .map(str::to_string)
                .collect()
        }
    }
}

#[test]
fn six_hundred_english_words_are_never_rewritten() {
    let words = english_words();
    assert_eq!(words.len(), 600);
    let project = lexical_project();
    let questions: Vec<String> = words
        .iter()
        .map(|w| format!("what did the delegations say about {w}?"))
        .collect();
    let rewritten: Vec<String> = corrections(&project, &questions)
        .into_iter()
        .filter(|(_, fixes)| !fixes.is_empty())
        .map(|(q, fixes)| format!("{q} {fixes:?}"))
        .collect();
    assert!(
        rewritten.is_empty(),
        "{} of 600 rewritten: {rewritten:#?}",
        rewritten.len()
    );
}

#[test]
fn typos_are_still_corrected() {
    let project = lexical_project();
    let questions: Vec<String> = [
        "how many prisners each side in the new swop",
        "who is medinksy",
        "how many ukranian kids were deported",
        "when was the secnd round",
    ]
    .iter()
    .map(|q| q.to_string())
    .collect();
    let found = corrections(&project, &questions);
    let fixed = |i: usize, from: &str| {
        found[i]
            .1
            .iter()
            .any(|c| c["from"] == from && c["to"].as_str().is_some_and(|t| t != from))
    };
    assert!(fixed(0, "prisners"), "{found:?}");
    assert!(fixed(1, "medinksy"), "{found:?}");
    assert!(fixed(2, "ukranian"), "{found:?}");
    assert!(fixed(3, "secnd"), "{found:?}");
}

#[test]
fn russian_and_ukrainian_words_are_not_taken_for_names() {
    // A capitalised first word is read as a name (and its Latin letters spelling-
    // corrected) only when it is no common word: Russian has a built-in dictionary.
    let project = lexical_project();
    let questions: Vec<String> = [
        "Переговоры в Стамбуле закончились?",
        "Обмен пленными состоялся?",
        "Делегации встретились снова?",
        "Сколько длилась встреча?",
        "Договорились ли стороны?",
        "Меморандум передали?",
        "Скільки тривала зустріч у Стамбулі?",
        "Коли відбувся обмін полоненими?",
    ]
    .iter()
    .map(|q| q.to_string())
    .collect();
    for (q, fixes) in corrections(&project, &questions) {
        assert!(fixes.is_empty(), "{q}: {fixes:?}");
    }
}
