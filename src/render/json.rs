//! The JSON form of an answer (`attache ask --json`), the stable contract of the README:
//! the core's answer with each passage's `snippet` as Discord markdown and the answer's
//! caveats captioned in English, appended to its text as they always were.

use serde::Serialize;

use super::{markdown, words};
use crate::core::corpus::{Citation, Flag, PassageKind};
use crate::core::lang::Lang;
use crate::core::query::{Correction, QuestionType};
use crate::core::reader::Outcome;
use crate::core::search::{DirectAnswer, Hit, Response, SourceRef};

/// One answer as `--json` prints it; field order is the README's.
#[derive(Debug, Serialize)]
pub struct Answer<'a> {
    question: &'a str,
    language: Lang,
    answer: Option<Direct>,
    /// `answer`, `not_exact` (no answer line; `passages` are the closest) or `nothing`.
    outcome: Outcome,
    passages: Vec<Passage<'a>>,
    question_type: QuestionType,
    not_found: &'a [String],
    corrections: &'a [Correction],
    more: usize,
    generation: u64,
    indexed_at: &'a str,
}

#[derive(Debug, Serialize)]
struct Direct {
    text: String,
    citation: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    span: Option<[usize; 2]>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    caveats: Vec<&'static str>,
}

#[derive(Debug, Serialize)]
struct Passage<'a> {
    citation: usize,
    id: &'a str,
    source: &'a SourceRef,
    section: &'a Option<String>,
    text: &'a str,
    snippet: String,
    score: f32,
    kind: PassageKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    credit: &'a Option<String>,
    #[serde(skip_serializing_if = "<[Flag]>::is_empty")]
    flags: &'a [Flag],
    #[serde(skip_serializing_if = "<[Citation]>::is_empty")]
    citations: &'a [Citation],
}

/// `r` in the JSON contract.
pub fn answer(r: &Response) -> Answer<'_> {
    Answer {
        question: &r.question,
        language: r.language,
        answer: r.answer.as_ref().map(direct),
        outcome: r.outcome,
        passages: r.passages.iter().map(passage).collect(),
        question_type: r.question_type,
        not_found: &r.not_found,
        corrections: &r.corrections,
        more: r.more,
        generation: r.generation,
        indexed_at: &r.indexed_at,
    }
}

fn direct(a: &DirectAnswer) -> Direct {
    Direct {
        text: words::answer_text(Lang::En, a),
        citation: a.citation,
        span: a.span,
        caveats: a
            .caveats
            .iter()
            .map(|c| words::flag(Lang::En, c.kind))
            .collect(),
    }
}

fn passage(h: &Hit) -> Passage<'_> {
    Passage {
        citation: h.citation,
        id: &h.id,
        source: &h.source,
        section: &h.section,
        text: &h.text,
        snippet: markdown::snippet(&h.text, &h.snippet),
        score: h.score,
        kind: h.kind,
        credit: &h.credit,
        flags: &h.flags,
        citations: &h.citations,
    }
}
