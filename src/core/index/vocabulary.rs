//! The index's vocabulary as the query planner sees it: document frequencies, and the
//! indexed words near a misspelt one (tantivy's Levenshtein automaton over the term
//! dictionary, no scan of the vocabulary).

use std::collections::HashMap;

use tantivy::query::FuzzyTermQuery;
use tantivy::{Searcher, Term};

use super::Fields;
use crate::core::query::Vocabulary;

/// The index's vocabulary, as the query planner sees it. Document frequencies are
/// memoised for the question: planning, weighting and retrieval all ask for them.
pub struct IndexVocabulary<'a> {
    searcher: &'a Searcher,
    fields: &'a Fields,
    doc_freqs: std::cell::RefCell<HashMap<String, u64>>,
}

impl<'a> IndexVocabulary<'a> {
    pub fn new(searcher: &'a Searcher, fields: &'a Fields) -> Self {
        IndexVocabulary {
            searcher,
            fields,
            doc_freqs: Default::default(),
        }
    }

    pub fn searcher(&self) -> &Searcher {
        self.searcher
    }
}

impl Vocabulary for IndexVocabulary<'_> {
    fn doc_freq(&self, term: &str) -> u64 {
        if let Some(&df) = self.doc_freqs.borrow().get(term) {
            return df;
        }
        let f = self.fields;
        let df = [f.text, f.title, f.section, f.date, f.tags]
            .into_iter()
            .map(|field| {
                self.searcher
                    .doc_freq(&Term::from_field_text(field, term))
                    .unwrap_or(0)
            })
            .max()
            .unwrap_or(0);
        self.doc_freqs.borrow_mut().insert(term.to_string(), df);
        df
    }

    fn neighbours(&self, word: &str, distance: u8) -> Vec<(String, u64)> {
        self.fuzzy(self.fields.words, word, distance)
    }

    fn stem_neighbours(&self, stem: &str, distance: u8) -> Vec<(String, u64)> {
        self.fuzzy(self.fields.text, stem, distance)
    }
}

impl IndexVocabulary<'_> {
    /// Terms of `field` within `distance` edits of `word`, through tantivy's Levenshtein
    /// automaton over the term dictionary (no scan of the vocabulary).
    fn fuzzy(&self, field: tantivy::schema::Field, word: &str, distance: u8) -> Vec<(String, u64)> {
        let fuzzy = FuzzyTermQuery::new(Term::from_field_text(field, word), distance, true);
        let Ok(automaton) = fuzzy.automaton() else {
            return Vec::new();
        };
        let mut found: HashMap<String, u64> = HashMap::new();
        for segment in self.searcher.segment_readers() {
            let Ok(inverted) = segment.inverted_index(field) else {
                continue;
            };
            let Ok(mut stream) = inverted.terms().search(&automaton).into_stream() else {
                continue;
            };
            while stream.advance() {
                if let Ok(w) = std::str::from_utf8(stream.key()) {
                    *found.entry(w.to_string()).or_insert(0) += u64::from(stream.value().doc_freq);
                }
            }
        }
        found.into_iter().collect()
    }
}
