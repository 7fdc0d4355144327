//! Measuring answer quality on question sets (JSON lines, see `tests/fixtures/eval/`).
//!
//! A case passes at k when one of the top-k passages contains one of `passage_any`
//! (exact substring) or comes from a record in `record_any`; its answer is right when the
//! direct answer contains one of `answer_any` (ignoring case); an `expect: "none"` case is
//! right when no answer line is given ("nothing found" or "not exactly", whatever the
//! passages). The bold span holds the answer when one of `answer_any` occurs inside it,
//! or it lies inside one of them and has at least three characters (ignoring case);
//! cases marked `"span": false` (an answer that is no typed value) count for the answer
//! line only.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::corpus::SourceError;
use super::reader::Outcome;
use super::search::{AskError, Engine};

#[derive(Debug, Clone, Deserialize)]
pub struct Case {
    pub id: String,
    pub q: String,
    #[serde(default)]
    pub passage_any: Vec<String>,
    #[serde(default)]
    pub record_any: Vec<String>,
    #[serde(default)]
    pub answer_any: Vec<String>,
    #[serde(default)]
    pub expect: Option<String>,
    /// What kind of question it is (paraphrase, typo, uk, …), for figures per kind.
    #[serde(default)]
    pub kind: Option<String>,
    /// False when `answer_any` is not a typed value (a verb, a phrase): the case then
    /// counts for the answer line, not for the bold span.
    #[serde(default)]
    pub span: Option<bool>,
}

impl Case {
    pub fn expects_none(&self) -> bool {
        self.expect.as_deref() == Some("none")
    }

    /// Whether the bold span is judged on this case.
    pub fn judges_span(&self) -> bool {
        !self.expects_none() && !self.answer_any.is_empty() && self.span != Some(false)
    }
}

/// Whether the bold `span` holds one of `expected` (see the module's documentation).
pub fn span_holds(span: &str, expected: &[String]) -> bool {
    let span = span.to_lowercase();
    expected.iter().any(|e| {
        let e = e.to_lowercase();
        span.contains(&e) || (span.chars().count() >= 3 && e.contains(span.trim()))
    })
}

/// Read cases from a JSON-lines file; a bad line is reported as `path:line`.
pub fn load_cases(path: &Path) -> Result<Vec<Case>, SourceError> {
    let err = |line: usize, message: String| SourceError {
        path: path.to_path_buf(),
        line,
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| err(0, format!("cannot read: {e}")))?;
    let mut cases = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let case: Case = serde_json::from_str(line).map_err(|e| err(n + 1, e.to_string()))?;
        if let Some(other) = case.expect.as_deref().filter(|e| *e != "none") {
            return Err(err(
                n + 1,
                format!("unknown expect value `{other}` (only \"none\" is defined)"),
            ));
        }
        cases.push(case);
    }
    Ok(cases)
}

#[derive(Debug, Clone, Serialize)]
pub struct CaseResult {
    pub id: String,
    pub kind: Option<String>,
    pub question: String,
    pub expects_none: bool,
    pub hit_at_1: bool,
    pub hit_at_3: bool,
    /// `None` when the case names no expected answer.
    pub answer_ok: Option<bool>,
    pub answer: Option<String>,
    /// The words in bold, if any.
    pub span: Option<String>,
    /// Whether the bold holds the expected answer; `None` when nothing is bold or the
    /// case does not judge spans (a bold on a near miss counts as wrong).
    pub span_ok: Option<bool>,
    /// Whether the case judges spans (typed, answerable).
    #[serde(skip)]
    pub judges_span: bool,
    /// `answer`, `not_exact` or `nothing`.
    pub outcome: Outcome,
    pub passages: Vec<String>,
}

impl CaseResult {
    pub fn passed(&self) -> bool {
        if self.expects_none {
            self.hit_at_1
        } else {
            self.hit_at_1 && self.answer_ok != Some(false)
        }
    }
}

/// The figures of a set of cases.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Summary {
    pub cases: usize,
    /// Of the answerable cases, the share with a right passage first…
    pub hit_at_1: f64,
    /// …and among the first three.
    pub hit_at_3: f64,
    /// Of the cases naming an answer, the share whose direct answer holds it.
    pub answer_accuracy: f64,
    /// Of the `expect: none` cases, the share given no answer line (nothing found or
    /// not exactly): near misses refused.
    pub no_answer_accuracy: f64,
    /// Of the bold spans (of cases judging spans, and of near misses), the share holding
    /// an expected answer.
    pub span_precision: f64,
    /// Of the cases judging spans, the share whose bold holds the answer.
    pub span_recall: f64,
    /// Of the answerable cases, the share given an answer line.
    pub answered: f64,
    /// Shares of all cases by outcome.
    pub outcome_answer: f64,
    pub outcome_not_exact: f64,
    pub outcome_nothing: f64,
}

impl Summary {
    pub fn of(results: &[&CaseResult]) -> Summary {
        let answerable: Vec<&&CaseResult> = results.iter().filter(|r| !r.expects_none).collect();
        let with_answer: Vec<&&&CaseResult> = answerable
            .iter()
            .filter(|r| r.answer_ok.is_some())
            .collect();
        let none: Vec<&&CaseResult> = results.iter().filter(|r| r.expects_none).collect();
        Summary {
            cases: results.len(),
            hit_at_1: ratio(
                answerable.iter().filter(|r| r.hit_at_1).count(),
                answerable.len(),
            ),
            hit_at_3: ratio(
                answerable.iter().filter(|r| r.hit_at_3).count(),
                answerable.len(),
            ),
            answer_accuracy: ratio(
                with_answer
                    .iter()
                    .filter(|r| r.answer_ok == Some(true))
                    .count(),
                with_answer.len(),
            ),
            no_answer_accuracy: ratio(none.iter().filter(|r| r.hit_at_1).count(), none.len()),
            span_precision: ratio(
                results.iter().filter(|r| r.span_ok == Some(true)).count(),
                results.iter().filter(|r| r.span_ok.is_some()).count(),
            ),
            span_recall: ratio(
                results
                    .iter()
                    .filter(|r| r.judges_span && r.span_ok == Some(true))
                    .count(),
                results.iter().filter(|r| r.judges_span).count(),
            ),
            answered: ratio(
                answerable.iter().filter(|r| r.answer.is_some()).count(),
                answerable.len(),
            ),
            outcome_answer: outcome_share(results, Outcome::Answer),
            outcome_not_exact: outcome_share(results, Outcome::NotExact),
            outcome_nothing: outcome_share(results, Outcome::Nothing),
        }
    }
}

fn outcome_share(results: &[&CaseResult], outcome: Outcome) -> f64 {
    ratio(
        results.iter().filter(|r| r.outcome == outcome).count(),
        results.len(),
    )
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    #[serde(flatten)]
    pub total: Summary,
    /// The same figures for each kind of case (cases without a kind are left out).
    pub by_kind: std::collections::BTreeMap<String, Summary>,
    pub results: Vec<CaseResult>,
}

fn ratio(ok: usize, n: usize) -> f64 {
    if n == 0 {
        1.0
    } else {
        ok as f64 / n as f64
    }
}

/// Ask every case (top 3) and score the answers.
pub fn run(engine: &Engine, cases: &[Case]) -> Result<Report, AskError> {
    let mut results = Vec::with_capacity(cases.len());
    for case in cases {
        let r = engine.ask(&case.q, 3, 0)?;
        let passages: Vec<String> = r.passages.iter().map(|p| p.id.clone()).collect();
        let answer = r.answer.as_ref().map(|a| a.text.clone());
        let span = r.answer.as_ref().and_then(|a| {
            a.span.map(|[from, to]| {
                a.text
                    .chars()
                    .skip(from)
                    .take(to - from)
                    .collect::<String>()
            })
        });
        let judges_span = case.judges_span();
        let span_ok = match &span {
            Some(bold) if judges_span => Some(span_holds(bold, &case.answer_any)),
            Some(_) if case.expects_none() => Some(false),
            _ => None,
        };
        let result = if case.expects_none() {
            let none = r.answer.is_none();
            CaseResult {
                id: case.id.clone(),
                kind: case.kind.clone(),
                question: case.q.clone(),
                expects_none: true,
                hit_at_1: none,
                hit_at_3: none,
                answer_ok: Some(none),
                answer,
                span,
                span_ok,
                judges_span,
                outcome: r.outcome,
                passages,
            }
        } else {
            let hit = |p: &super::search::Hit| {
                case.passage_any.iter().any(|s| p.text.contains(s.as_str()))
                    || case.record_any.contains(&p.source.id)
            };
            let answer_ok = (!case.answer_any.is_empty()).then(|| {
                answer.as_ref().is_some_and(|a| {
                    let a = a.to_lowercase();
                    case.answer_any
                        .iter()
                        .any(|s| a.contains(&s.to_lowercase()))
                })
            });
            CaseResult {
                id: case.id.clone(),
                kind: case.kind.clone(),
                question: case.q.clone(),
                expects_none: false,
                hit_at_1: r.passages.first().is_some_and(hit),
                hit_at_3: r.passages.iter().take(3).any(hit),
                answer_ok,
                answer,
                span,
                span_ok,
                judges_span,
                outcome: r.outcome,
                passages,
            }
        };
        results.push(result);
    }
    let all: Vec<&CaseResult> = results.iter().collect();
    let total = Summary::of(&all);
    let mut kinds: std::collections::BTreeMap<String, Vec<&CaseResult>> = Default::default();
    for r in &results {
        if let Some(k) = &r.kind {
            kinds.entry(k.clone()).or_default().push(r);
        }
    }
    let by_kind = kinds
        .into_iter()
        .map(|(k, rs)| (k, Summary::of(&rs)))
        .collect();
    Ok(Report {
        total,
        by_kind,
        results,
    })
}

/// For each case, its ranked candidates with their features and whether each is a right
/// passage, as JSON lines: what `tools/fit.py` fits the ranking weights on.
pub fn write_features(
    engine: &Engine,
    cases: &[Case],
    file: &str,
    out: &mut dyn std::io::Write,
) -> Result<(), AskError> {
    for case in cases {
        let (signals, candidates) = engine.candidates(&case.q)?;
        let candidates: Vec<serde_json::Value> = candidates
            .into_iter()
            .map(|c| {
                let right = case.record_any.contains(&c.source_id)
                    || case.passage_any.iter().any(|s| c.text.contains(s.as_str()));
                serde_json::json!({"id": c.id, "right": right, "features": c.features})
            })
            .collect();
        let line = serde_json::json!({
            "file": file,
            "id": case.id,
            "kind": case.kind,
            "expects_none": case.expects_none(),
            "signals": signals,
            "candidates": candidates,
        });
        let _ = writeln!(out, "{line}");
    }
    Ok(())
}
