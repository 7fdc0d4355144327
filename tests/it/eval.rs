//! Answer quality, measured: the shared evaluation cases (copied from the project's
//! research folder into tests/fixtures/eval) and our own record cases must stay above
//! the thresholds the project promises, file by file. Each threshold sits a little below
//! what `attache eval` measured when it was set (README, "How answers are found"), so a
//! change that costs a file a case or two fails here. A failure prints every case that
//! missed.

use attache::app;
use attache::core::eval::{self, Report};
use testkit::Project;

use crate::util::{checkout, repo, ProjectSettings};

fn run(file: &str) -> Report {
    let project = Project::new(&checkout());
    let engine = app::open_engine(&project.settings(), &()).unwrap();
    assert!(
        engine.semantic_sentences() > 0,
        "semantic search must be on for these figures"
    );
    let cases = eval::load_cases(&repo().join("tests/fixtures/eval").join(file)).unwrap();
    eval::run(&engine, &cases).unwrap()
}

/// The least each figure may be: hit@1, hit@3, answer, no-answer.
struct Floor(f64, f64, f64, f64);

fn check(report: &Report, cases: usize, floor: Floor) {
    let misses: Vec<String> = report
        .results
        .iter()
        .filter(|r| !r.passed())
        .map(|r| {
            format!(
                "{} {:?} -> {:?} {:?}",
                r.id, r.question, r.answer, r.passages
            )
        })
        .collect();
    let summary = format!(
        "hit@1 {:.3} hit@3 {:.3} answer {:.3} no-answer {:.3}\n{}",
        report.hit_at_1,
        report.hit_at_3,
        report.answer_accuracy,
        report.no_answer_accuracy,
        misses.join("\n")
    );
    assert_eq!(report.cases, cases);
    assert!(
        report.hit_at_1 >= floor.0,
        "hit@1 below {}: {summary}",
        floor.0
    );
    assert!(
        report.hit_at_3 >= floor.1,
        "hit@3 below {}: {summary}",
        floor.1
    );
    assert!(
        report.answer_accuracy >= floor.2,
        "answer below {}: {summary}",
        floor.2
    );
    assert!(
        report.no_answer_accuracy >= floor.3,
        "no-answer below {}: {summary}",
        floor.3
    );
}

#[test]
fn the_seed_article_cases_meet_their_thresholds() {
    check(&run("seed-qa.jsonl"), 25, Floor(0.70, 0.90, 0.60, 1.0));
}

#[test]
fn the_record_cases_meet_their_thresholds() {
    check(&run("records-qa.jsonl"), 11, Floor(0.80, 0.90, 0.50, 1.0));
}

#[test]
fn our_own_record_cases_meet_their_thresholds() {
    check(&run("own-qa.jsonl"), 40, Floor(0.90, 0.95, 0.85, 1.0));
}

#[test]
fn english_questions_of_every_kind_meet_their_thresholds() {
    check(&run("dev-en.jsonl"), 90, Floor(0.75, 0.85, 0.65, 0.40));
}

#[test]
fn ukrainian_and_russian_questions_find_the_english_passages() {
    let report = run("dev-uk-ru.jsonl");
    // The six near misses in these languages are answered (README, "Quality"); the
    // off-topic ones are refused, see below.
    check(&report, 40, Floor(0.55, 0.75, 0.45, 0.0));
    for kind in ["uk", "ru"] {
        let k = &report.by_kind[kind];
        assert!(k.hit_at_3 >= 0.65, "{kind}: hit@3 {:.3}", k.hit_at_3);
    }
}

#[test]
fn off_topic_questions_in_ukrainian_and_russian_find_nothing_and_others_are_answered() {
    check(&run("own-uk-ru.jsonl"), 8, Floor(0.5, 0.75, 0.5, 1.0));
}

/// Written by a helper that saw only the source texts, never the code or the other
/// cases, and never tuned on: a guard against weights that fit the other files only.
#[test]
fn blind_questions_of_every_kind_meet_their_thresholds() {
    check(&run("blind.jsonl"), 66, Floor(0.65, 0.80, 0.65, 0.35));
}
