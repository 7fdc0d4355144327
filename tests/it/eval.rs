//! Answer quality, measured: the shared evaluation cases (copied from the project's
//! research folder into tests/fixtures/eval) and our own record cases must stay above
//! the thresholds the project promises. A failure prints every case that missed.

use attache::app;
use attache::core::eval::{self, Report};

use crate::util::{repo, Project};

fn run(files: &[&str]) -> Report {
    let project = Project::new();
    let engine = app::open_engine(&project.settings(), &()).unwrap();
    let mut cases = Vec::new();
    for f in files {
        cases.extend(eval::load_cases(&repo().join("tests/fixtures/eval").join(f)).unwrap());
    }
    eval::run(&engine, &cases).unwrap()
}

fn check(report: &Report, hit1: f64, hit3: f64, answer: f64) {
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
    assert!(report.hit_at_1 >= hit1, "{summary}");
    assert!(report.hit_at_3 >= hit3, "{summary}");
    assert!(report.answer_accuracy >= answer, "{summary}");
    assert_eq!(
        report.no_answer_accuracy, 1.0,
        "every no-answer case must say nothing was found\n{summary}"
    );
}

#[test]
fn shared_cases_meet_the_promised_thresholds() {
    let report = run(&["seed-qa.jsonl", "records-qa.jsonl"]);
    assert_eq!(report.cases, 36);
    check(&report, 0.85, 0.95, 0.85);
}

#[test]
fn our_own_record_cases_meet_the_same_thresholds() {
    let report = run(&["own-qa.jsonl"]);
    assert_eq!(report.cases, 40);
    check(&report, 0.85, 0.95, 0.85);
}
