//! The one-line direct answer: the sentence of the first passages that best answers the
//! question, with the context a reader needs and the answer span marked in it.

use std::collections::HashMap;

use tantivy::DocAddress;

use super::lexical::{coverage, evidence};
use super::{field_str, rank, DirectAnswer, Engine, Scored};
use crate::core::answer;
use crate::core::corpus::{detect_flags, strip_flags, Flag, PassageKind, Source, SourceKind};
use crate::core::query::{Plan, QuestionType};

/// The direct answer is a sentence of one of the first passages…
const ANSWER_PASSAGES: usize = 3;
/// …chosen by how much of the question it covers, whether it holds the kind of fact
/// asked for, how well its passage ranked, and how close it is in meaning to the
/// question. A sentence of a lower passage must do clearly better to be chosen, and a
/// fragment ("Reuters.") never. Hand-set; a grid over them (coverage 0.2–0.4, evidence
/// 0.2–0.6, meaning 0.2–0.8, passage 0.2–0.4) changed answer accuracy by at most two
/// cases on either half of the shared cases, so they stayed.
const ANSWER_W_COVERAGE: f32 = 0.4;
const ANSWER_W_EVIDENCE: f32 = 0.2;
const ANSWER_W_PASSAGE: f32 = 0.4;
const ANSWER_W_SEMANTIC: f32 = 0.4;
const ANSWER_RANK_PENALTY: f32 = 0.12;
const ANSWER_FRAGMENT_PENALTY: f32 = 0.2;

impl Engine {
    pub(super) fn direct_answer(
        &self,
        plan: &Plan,
        weights: &[f32],
        scored: &[Scored],
        vector: Option<&[f32]>,
    ) -> Option<DirectAnswer> {
        let f = &self.index.fields;
        let best_score = scored.first()?.score;
        // Each candidate sentence's closeness to the question, against the closest one.
        let closeness: HashMap<(DocAddress, usize), f32> = match (&self.semantic, vector) {
            (Some(sem), Some(v)) => scored
                .iter()
                .take(ANSWER_PASSAGES)
                .flat_map(|s| {
                    sem.sentence_scores(s.address, v)
                        .into_iter()
                        .map(move |((a, _), c)| ((s.address, a), c))
                })
                .collect(),
            _ => HashMap::new(),
        };
        let closest = closeness.values().copied().fold(0.0, f32::max);
        let mut best: Option<(f32, usize, &str, bool, Option<&Source>)> = None;
        for (rank, s) in scored.iter().enumerate().take(ANSWER_PASSAGES) {
            let doc = &s.passage.doc;
            let text = field_str(doc, f.text);
            let source = self.index.source(field_str(doc, f.source_id));
            let record = source.filter(|s| s.kind == SourceKind::Record);
            // A caption is one unit: its credit answers "who took the photo".
            let is_caption = field_str(doc, f.kind) == PassageKind::Caption.as_str();
            let units = if is_caption {
                vec![(0, text.len())]
            } else {
                s.passage.sentences.clone()
            };
            for (a, b) in units {
                let sentence = &text[a..b];
                let first = s.passage.tokens.partition_point(|t| t.from < a);
                let last = s.passage.tokens.partition_point(|t| t.to <= b);
                let tokens = &s.passage.tokens[first..last.max(first)];
                // The title and section are the passage's topic: every sentence inherits them.
                let cov = coverage(plan, weights, tokens, &s.passage.extra_terms, 0.9);
                let evidence = if plan.qtype == QuestionType::When
                    && record.is_some_and(|r| r.date.is_some())
                {
                    1.0
                } else {
                    evidence(plan, sentence)
                };
                let fragment = if tokens.len() < 5 {
                    ANSWER_FRAGMENT_PENALTY
                } else {
                    0.0
                };
                let meaning = closeness
                    .get(&(s.address, if is_caption { 0 } else { a }))
                    .map_or(0.0, |&c| rank::semantic_rel(c, closest));
                let score = ANSWER_W_COVERAGE * cov
                    + ANSWER_W_EVIDENCE * evidence
                    + ANSWER_W_PASSAGE * (s.score / best_score)
                    + ANSWER_W_SEMANTIC * meaning
                    - ANSWER_RANK_PENALTY * rank as f32
                    - fragment;
                if best.as_ref().is_none_or(|(bs, ..)| score > *bs) {
                    best = Some((score, rank, sentence, a == 0, source));
                }
            }
        }
        let (_, rank, sentence, first, source) = best?;
        // A member reads the sentence without its sourcing markers; they come back as
        // one caveat beside it: the sentence's own, else those of its source.
        let marked = detect_flags(sentence);
        let sentence = strip_flags(sentence);
        let (text, at) = self.answer_line(plan, &sentence, first, source);
        // The span is looked for in the quoted sentence, not in the context put before
        // it, except for the record's date put before a sentence that has none.
        let span = if plan.qtype == QuestionType::When && at > 0 {
            Some((0, at - 2))
        } else {
            answer::span(plan.qtype, &text[at..], &plan.words).map(|(a, b)| (at + a, at + b))
        }
        .map(|(a, b)| [text[..a].chars().count(), text[..b].chars().count()]);
        let flags = if marked.is_empty() {
            source.map(|s| s.flags.clone()).unwrap_or_default()
        } else {
            marked
        };
        // One of each kind, the first with its detail (who made a claim).
        let mut caveats: Vec<Flag> = Vec::new();
        for f in flags {
            if !caveats.iter().any(|c| c.kind == f.kind) {
                caveats.push(f);
            }
        }
        Some(DirectAnswer {
            text,
            citation: rank + 1,
            span,
            caveats,
        })
    }

    /// The sentence as an answer line, with the context a reader needs: the record's date
    /// for a "when" question, the record's subject when the sentence opens with a pronoun.
    fn answer_line(
        &self,
        plan: &Plan,
        sentence: &str,
        first: bool,
        source: Option<&Source>,
    ) -> (String, usize) {
        let mut line = answer::one_line(sentence, answer::MAX_ANSWER_CHARS);
        let quoted = line.len();
        let record = source.filter(|s| s.kind == SourceKind::Record);
        if plan.qtype == QuestionType::When && !answer::has_full_date(sentence) {
            if let Some(date) = source.and_then(|s| s.date.as_deref()) {
                line = format!("{date}: {line}");
            }
        } else if let Some(r) = record {
            const PRONOUNS: &[&str] = &["He", "She", "They", "His", "Her", "Their", "It", "Its"];
            let opens_with_pronoun = sentence
                .split_whitespace()
                .next()
                .is_some_and(|w| PRONOUNS.contains(&w));
            if opens_with_pronoun && (!first || plan.qtype == QuestionType::Who) {
                line = format!("{}: {line}", r.title);
            }
        }
        let at = line.len() - quoted;
        (line, at)
    }
}
