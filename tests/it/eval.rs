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

/// The least each figure may be: hit@1, hit@3, answer line, near misses refused (no
/// answer line), bold span precision and recall.
struct Floor(f64, f64, f64, f64, f64, f64);

fn check(report: &Report, cases: usize, floor: Floor) {
    let misses: Vec<String> = report
        .results
        .iter()
        .filter(|r| !r.passed() || r.span_ok == Some(false))
        .map(|r| {
            format!(
                "{} {:?} -> {} {:?} bold {:?} {:?}",
                r.id,
                r.question,
                r.outcome.as_str(),
                r.answer,
                r.span,
                r.passages
            )
        })
        .collect();
    let t = &report.total;
    let summary = format!(
        "hit@1 {:.3} hit@3 {:.3} answer {:.3} refused {:.3} span P {:.3} R {:.3}\n{}",
        t.hit_at_1,
        t.hit_at_3,
        t.answer_accuracy,
        t.no_answer_accuracy,
        t.span_precision,
        t.span_recall,
        misses.join("\n")
    );
    assert_eq!(t.cases, cases);
    for (name, got, least) in [
        ("hit@1", t.hit_at_1, floor.0),
        ("hit@3", t.hit_at_3, floor.1),
        ("answer", t.answer_accuracy, floor.2),
        ("near misses refused", t.no_answer_accuracy, floor.3),
        ("span precision", t.span_precision, floor.4),
        ("span recall", t.span_recall, floor.5),
    ] {
        assert!(got >= least, "{name} below {least}: {summary}");
    }
}

#[test]
fn the_seed_article_cases_meet_their_thresholds() {
    check(
        &run("seed-qa.jsonl"),
        25,
        Floor(0.70, 0.90, 0.60, 1.0, 0.40, 0.20),
    );
}

#[test]
fn the_record_cases_meet_their_thresholds() {
    check(
        &run("records-qa.jsonl"),
        11,
        Floor(0.80, 0.90, 0.60, 1.0, 0.40, 0.15),
    );
}

#[test]
fn our_own_record_cases_meet_their_thresholds() {
    check(
        &run("own-qa.jsonl"),
        40,
        Floor(0.90, 0.95, 0.80, 1.0, 0.85, 0.45),
    );
}

#[test]
fn english_questions_of_every_kind_meet_their_thresholds() {
    check(
        &run("dev-en.jsonl"),
        90,
        Floor(0.75, 0.85, 0.65, 0.65, 0.65, 0.08),
    );
}

#[test]
fn ukrainian_and_russian_questions_find_the_english_passages() {
    let report = run("dev-uk-ru.jsonl");
    check(&report, 40, Floor(0.55, 0.75, 0.58, 0.0, 0.45, 0.12));
    for kind in ["uk", "ru"] {
        let k = &report.by_kind[kind];
        assert!(k.hit_at_3 >= 0.65, "{kind}: hit@3 {:.3}", k.hit_at_3);
    }
}

#[test]
fn off_topic_questions_in_ukrainian_and_russian_find_nothing_and_others_are_answered() {
    check(
        &run("own-uk-ru.jsonl"),
        8,
        Floor(0.5, 0.75, 0.5, 1.0, 0.0, 0.0),
    );
}

/// Written by a helper that saw only the source texts, never the code or the other
/// cases, and never tuned on: a guard against weights that fit the other files only.
#[test]
fn blind_questions_of_every_kind_meet_their_thresholds() {
    check(
        &run("blind.jsonl"),
        66,
        Floor(0.65, 0.80, 0.58, 0.70, 0.65, 0.20),
    );
}

/// The reader's blind set (240 cases, 60 near misses, 62 in Ukrainian and Russian),
/// also written from the source texts alone; its odd half fitted the reader's
/// thresholds, its even half and `blind.jsonl` did not.
#[test]
fn the_reader_blind_set_meets_its_thresholds() {
    let report = run("reader-blind.jsonl");
    check(&report, 240, Floor(0.55, 0.72, 0.46, 0.42, 0.50, 0.20));
    let near = &report.by_kind["nonanswer"];
    assert!(
        near.no_answer_accuracy >= 0.42,
        "near misses refused {:.3}",
        near.no_answer_accuracy
    );
}
