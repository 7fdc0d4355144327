//! The lexical side: the BM25 query for a plan, and the word-level features of a passage
//! (coverage of the question's concepts, proximity, evidence of the kind of fact asked
//! for), over the index's vocabulary.

use std::collections::{HashMap, HashSet};

use tantivy::query::{BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::Term;

use crate::core::analysis::{self, Term as Token};
use crate::core::answer;
use crate::core::corpus::{Source, SourceKind};
use crate::core::index::{Fields, IndexVocabulary};
use crate::core::query::{self, Alternative, Analyzers, Origin, Plan, QuestionType, Vocabulary};

/// Indexes at least this big retrieve with selective words only…
const SELECTIVE_MIN_DOCS: u64 = 20_000;
/// …those in less than this share of all passages…
const SELECTIVE_SHARE: f64 = 0.05;
/// …or, when fewer are that selective, this many of the rarest.
const MIN_RETRIEVAL_TERMS: usize = 3;

/// Field boosts: the passage text, then what surrounds it.
pub(super) fn field_boosts(f: &Fields) -> [(tantivy::schema::Field, f32); 5] {
    [
        (f.text, 1.0),
        (f.title, 0.6),
        (f.section, 0.4),
        (f.date, 0.5),
        (f.tags, 0.5),
    ]
}

/// Candidates for a plan: an OR of boosted term queries, plus phrase queries for
/// multi-word alternatives ("bring back") on small indexes. On big ones a phrase adds its
/// rarest word instead and is checked as a phrase when re-ranking: phrase queries stop
/// tantivy from skipping blocks (block-max WAND), which on a million passages is the
/// difference between milliseconds and tens of them.
pub(super) fn build_query(
    plan: &Plan,
    f: &Fields,
    an: &mut Analyzers,
    vocab: &IndexVocabulary<'_>,
) -> BooleanQuery {
    let n = vocab.searcher().num_docs();
    let big = n >= SELECTIVE_MIN_DOCS;
    let mut phrases: Vec<Box<dyn Query>> = Vec::new();
    // A word weighs what its best alternative gives it within a concept, and counts once
    // for every concept it serves.
    let mut weights: HashMap<String, f32> = HashMap::new();
    for c in &plan.concepts {
        let mut concept: HashMap<String, f32> = HashMap::new();
        let mut add = |term: &str, weight: f32| {
            let w = concept.entry(term.to_string()).or_insert(0.0);
            *w = w.max(weight);
        };
        for Alternative { terms, weight, .. } in &c.alternatives {
            match terms.as_slice() {
                [(_, term)] => add(term, *weight),
                terms if !big => {
                    for field in [f.text, f.title] {
                        let q = PhraseQuery::new_with_offset(
                            terms
                                .iter()
                                .map(|(o, t)| (*o, Term::from_field_text(field, t)))
                                .collect(),
                        );
                        phrases.push(Box::new(BoostQuery::new(Box::new(q), *weight)));
                    }
                }
                terms => {
                    if let Some((_, t)) = terms.iter().min_by_key(|(_, t)| vocab.doc_freq(t)) {
                        add(t, *weight * 0.8);
                    }
                }
            }
        }
        for (term, w) in concept {
            *weights.entry(term).or_insert(0.0) += w;
        }
    }
    // Words for the kind of answer wanted, in the text only and weakly.
    let hints: Vec<String> = query::type_hint_words(plan.qtype)
        .iter()
        .filter_map(|w| analysis::analyze(&mut an.english, w).into_iter().next())
        .map(|t| t.text)
        .collect();
    let mut terms: Vec<(String, f32, u64)> = weights
        .into_iter()
        .map(|(t, w)| {
            let df = vocab.doc_freq(&t);
            (t, w, df)
        })
        .collect();
    terms.sort_by(|a, b| a.2.cmp(&b.2).then(a.0.cmp(&b.0)));
    if big {
        // On a big index, common words find nothing the rare ones do not, but walking
        // their postings costs most of the time: retrieval uses the selective words (at
        // least the few rarest); re-ranking still counts every word in coverage.
        let selective = terms
            .iter()
            .filter(|t| (t.2 as f64) < n as f64 * SELECTIVE_SHARE)
            .count();
        terms.truncate(selective.max(MIN_RETRIEVAL_TERMS));
    }
    let mut clauses: Vec<(Occur, Box<dyn Query>)> =
        phrases.into_iter().map(|q| (Occur::Should, q)).collect();
    for hint in hints {
        let q = TermQuery::new(
            Term::from_field_text(f.text, &hint),
            IndexRecordOption::WithFreqs,
        );
        clauses.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), 0.3))));
    }
    for (term, weight, _) in terms {
        for (field, boost) in field_boosts(f) {
            let q = TermQuery::new(
                Term::from_field_text(field, &term),
                IndexRecordOption::WithFreqs,
            );
            clauses.push((
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(q), weight * boost)),
            ));
        }
    }
    BooleanQuery::new(clauses)
}

/// How strongly `text` holds the kind of fact the question asks for (0 to 1).
pub(super) fn evidence(plan: &Plan, text: &str) -> f32 {
    if plan.qtype == QuestionType::Who && plan.names_someone {
        // "Who is X?" wants what X is, not another name.
        f32::from(u8::from(answer::defines(text, &plan.names)))
    } else {
        answer::evidence_strength(plan.qtype, text, &plan.words)
    }
}

/// The text evidence is looked for in: a record's date counts as part of its text.
pub(super) fn evidence_text(text: &str, source: Option<&Source>) -> String {
    match source
        .filter(|s| s.kind == SourceKind::Record)
        .and_then(|s| s.date.as_deref())
    {
        Some(date) => format!("{text} {date}"),
        None => text.to_string(),
    }
}

/// Inverse document frequency, BM25's flavour.
pub(super) fn idf(df: u64, n: u64) -> f32 {
    let (df, n) = (df as f32, n.max(1) as f32);
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
}

/// Each concept's weight: the idf of its most frequent alternative (a concept is at least
/// as common as its commonest form), or the idf of a word seen nowhere when none is known
/// (a question about something the corpus never mentions must not look covered).
pub(super) fn concept_weights(plan: &Plan, vocab: &IndexVocabulary<'_>, n: u64) -> Vec<f32> {
    plan.concepts
        .iter()
        .map(|c| {
            let df = c
                .alternatives
                .iter()
                .map(|a| {
                    a.terms
                        .iter()
                        .map(|(_, t)| vocab.doc_freq(t))
                        .min()
                        .unwrap_or(0)
                })
                .max()
                .unwrap_or(0);
            idf(df, n)
        })
        .collect()
}

/// How well an alternative matches: 1 in the text, `extra_factor` only in the title,
/// section or date, 0 if absent; scaled by how sure we are it means the concept. A
/// moderator's synonym means the same thing, so it counts fully here; its lower weight
/// only affects BM25 ranking. Spelling fixes and name variants are guesses.
pub(super) fn alternative_match(
    alt: &Alternative,
    tokens: &[Token],
    extra: &HashSet<String>,
    extra_factor: f32,
) -> f32 {
    let sure = match alt.origin {
        Origin::Typed | Origin::Synonym => 1.0,
        Origin::Spelling | Origin::Variant => alt.weight,
    };
    sure * presence(alt, tokens, extra, extra_factor)
}

pub(super) fn presence(
    alt: &Alternative,
    tokens: &[Token],
    extra: &HashSet<String>,
    extra_factor: f32,
) -> f32 {
    let in_text = match alt.terms.as_slice() {
        [(_, t)] => tokens.iter().any(|k| &k.text == t),
        terms => tokens.iter().any(|k| {
            k.text == terms[0].1
                && terms[1..].iter().all(|(o, t)| {
                    tokens
                        .iter()
                        .any(|k2| k2.position == k.position + o && &k2.text == t)
                })
        }),
    };
    if in_text {
        1.0
    } else if alt.terms.iter().all(|(_, t)| extra.contains(t)) {
        extra_factor
    } else {
        0.0
    }
}

/// The idf-weighted share of the question's concepts a passage (or sentence) covers.
pub(super) fn coverage(
    plan: &Plan,
    weights: &[f32],
    tokens: &[Token],
    extra: &HashSet<String>,
    extra_factor: f32,
) -> f32 {
    let total: f32 = weights.iter().sum();
    if total <= 0.0 {
        return 0.0;
    }
    let got: f32 = plan
        .concepts
        .iter()
        .zip(weights)
        .map(|(c, w)| {
            w * c
                .alternatives
                .iter()
                .map(|a| alternative_match(a, tokens, extra, extra_factor))
                .fold(0.0, f32::max)
        })
        .sum();
    got / total
}

/// 1 when the matched concepts sit next to each other in the text, falling towards 0
/// as the smallest window holding one of each grows.
pub(super) fn proximity(plan: &Plan, tokens: &[Token]) -> f32 {
    let mut hits: Vec<(usize, usize)> = Vec::new();
    for (ci, c) in plan.concepts.iter().enumerate() {
        for t in tokens {
            if c.alternatives
                .iter()
                .any(|a| a.terms.first().is_some_and(|(_, first)| first == &t.text))
            {
                hits.push((t.position, ci));
            }
        }
    }
    let distinct: HashSet<usize> = hits.iter().map(|h| h.1).collect();
    let k = distinct.len();
    if k < 2 {
        return 0.0;
    }
    hits.sort();
    let mut counts: HashMap<usize, usize> = HashMap::new();
    let mut best = usize::MAX;
    let mut left = 0;
    for right in 0..hits.len() {
        *counts.entry(hits[right].1).or_insert(0) += 1;
        while counts.len() == k {
            best = best.min(hits[right].0 - hits[left].0 + 1);
            let e = counts.get_mut(&hits[left].1).expect("counted");
            *e -= 1;
            if *e == 0 {
                counts.remove(&hits[left].1);
            }
            left += 1;
        }
    }
    (k as f32 / best as f32).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::query::Concept;

    fn plan(concepts: &[&[&str]]) -> Plan {
        Plan {
            qtype: QuestionType::Other,
            words: Vec::new(),
            names_someone: false,
            names: Vec::new(),
            anchored: false,
            anchors: Vec::new(),
            concepts: concepts
                .iter()
                .map(|alts| Concept {
                    label: alts[0].to_string(),
                    alternatives: alts
                        .iter()
                        .map(|a| Alternative {
                            terms: vec![(0, a.to_string())],
                            weight: 1.0,
                            origin: Origin::Typed,
                        })
                        .collect(),
                })
                .collect(),
            corrections: Vec::new(),
        }
    }

    fn tokens(text: &str) -> Vec<Token> {
        analysis::analyze(&mut analysis::english(), text)
    }

    #[test]
    fn coverage_weighs_rare_concepts_and_counts_any_alternative() {
        let p = plan(&[&["prison", "captiv"], &["exchang"]]);
        let weights = [3.0, 1.0];
        let none = HashSet::new();
        let both = tokens("The captives will be exchanged");
        let rare_only = tokens("Prisoners were held");
        let common_only = tokens("An exchange of views");
        assert_eq!(coverage(&p, &weights, &both, &none, 0.8), 1.0);
        assert_eq!(coverage(&p, &weights, &rare_only, &none, 0.8), 0.75);
        assert_eq!(coverage(&p, &weights, &common_only, &none, 0.8), 0.25);
        // Only in the title: counts, but less.
        let title: HashSet<String> = ["prison".to_string()].into();
        assert_eq!(coverage(&p, &weights, &[], &title, 0.8), 0.6);
    }

    #[test]
    fn proximity_is_highest_when_the_matched_words_are_adjacent() {
        let p = plan(&[&["prison"], &["exchang"]]);
        let near = proximity(&p, &tokens("prisoners exchanged today"));
        let far = proximity(
            &p,
            &tokens("prisoners were, after many long weeks of talks, exchanged"),
        );
        assert_eq!(near, 1.0);
        assert!(far < 0.5, "{far}");
        assert_eq!(proximity(&p, &tokens("prisoners only")), 0.0);
    }

    #[test]
    fn a_word_no_passage_has_weighs_most() {
        assert!(idf(0, 100) > idf(1, 100));
        assert!(idf(1, 100) > idf(50, 100));
    }
}
