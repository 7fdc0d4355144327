//! The semantic side of retrieval: the question's vector against every sentence vector
//! of the generation (exact cosine; at this corpus's size a full scan of a few thousand
//! rows costs well under a millisecond, and is exact).
//!
//! A passage is as close to the question as its closest sentence.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tantivy::schema::Value;
use tantivy::{DocAddress, Searcher, TantivyDocument};

use crate::core::embed::{cosine, DIM};
use crate::core::index::vectors::SentenceVectors;

/// Turns a question into its vector (the model, or nothing when semantic search is off).
pub type EmbedQuery = dyn Fn(&str) -> Result<Vec<f32>, String> + Send + Sync;

/// A generation's sentence vectors, ready for questions.
pub struct Semantic {
    vectors: SentenceVectors,
    /// Tantivy's address of each entry of `vectors.passages`.
    addresses: Vec<DocAddress>,
    by_address: HashMap<DocAddress, usize>,
    embed: Box<EmbedQuery>,
    /// Question vectors, by question text; emptied when full (a bounded cache that a
    /// burst of distinct questions cannot grow).
    cache: Mutex<HashMap<String, Arc<Vec<f32>>>>,
    cache_entries: usize,
}

impl Semantic {
    /// Pair the vectors with the generation's documents (by passage id).
    pub fn new(
        vectors: SentenceVectors,
        searcher: &Searcher,
        id_field: tantivy::schema::Field,
        embed: Box<EmbedQuery>,
        cache_entries: usize,
    ) -> tantivy::Result<Semantic> {
        let mut by_id: HashMap<String, DocAddress> = HashMap::new();
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            let store = segment.get_store_reader(64)?;
            for doc_id in segment.doc_ids_alive() {
                let doc: TantivyDocument = store.get(doc_id)?;
                if let Some(id) = doc.get_first(id_field).and_then(|v| v.as_str()) {
                    by_id.insert(id.to_string(), DocAddress::new(ord as u32, doc_id));
                }
            }
        }
        let mut addresses = Vec::with_capacity(vectors.passages.len());
        for p in &vectors.passages {
            let Some(&a) = by_id.get(&p.id) else {
                return Err(tantivy::TantivyError::InvalidArgument(format!(
                    "passage {} has vectors but is not in the index",
                    p.id
                )));
            };
            addresses.push(a);
        }
        let by_address = addresses.iter().enumerate().map(|(i, a)| (*a, i)).collect();
        Ok(Semantic {
            vectors,
            addresses,
            by_address,
            embed,
            cache: Mutex::new(HashMap::new()),
            cache_entries,
        })
    }

    /// Sentences with vectors.
    pub fn sentences(&self) -> usize {
        self.vectors.rows()
    }

    /// The question's vector, from the cache or the model.
    pub fn question(&self, question: &str) -> Result<Arc<Vec<f32>>, String> {
        // Lower-cased: members type in any case ("what did zelensky say"), and measured on
        // the shared cases, lower-cased questions find the right passage more often than
        // questions as typed (hit@1 0.80 against 0.77 over all of them).
        let key = question.trim().to_lowercase();
        if let Some(v) = self.cache.lock().expect("vector cache").get(&key) {
            return Ok(v.clone());
        }
        let v = Arc::new((self.embed)(&key)?);
        if v.len() != DIM {
            return Err(format!("the model gave {} dimensions, not {DIM}", v.len()));
        }
        if self.cache_entries > 0 {
            let mut cache = self.cache.lock().expect("vector cache");
            if cache.len() >= self.cache_entries {
                cache.clear();
            }
            cache.insert(key, v.clone());
        }
        Ok(v)
    }

    /// The `k` passages closest to `q`, closest first, with their closeness (the cosine
    /// of `q` and the passage's closest sentence).
    pub fn nearest(&self, q: &[f32], k: usize) -> Vec<(DocAddress, f32)> {
        let mut all: Vec<(usize, f32)> = (0..self.vectors.passages.len())
            .map(|i| (i, self.closeness_of(i, q)))
            .collect();
        all.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        all.truncate(k);
        all.into_iter()
            .map(|(i, c)| (self.addresses[i], c))
            .collect()
    }

    /// How close `q` is to the passage at `address` (none if it has no vectors).
    pub fn closeness(&self, address: DocAddress, q: &[f32]) -> Option<f32> {
        self.by_address
            .get(&address)
            .map(|&i| self.closeness_of(i, q))
    }

    /// The cosine of `q` with each sentence of the passage at `address`, with each
    /// sentence's byte range in the passage text.
    pub fn sentence_scores(&self, address: DocAddress, q: &[f32]) -> Vec<((usize, usize), f32)> {
        let Some(&i) = self.by_address.get(&address) else {
            return Vec::new();
        };
        let p = &self.vectors.passages[i];
        p.sentences
            .iter()
            .enumerate()
            .map(|(j, &(a, b))| {
                let row = self.vectors.row(p.first as usize + j);
                ((a as usize, b as usize), cosine(row, q))
            })
            .collect()
    }

    /// A passage is as close as its closest sentence (-1 without sentences).
    fn closeness_of(&self, i: usize, q: &[f32]) -> f32 {
        let p = &self.vectors.passages[i];
        (0..p.sentences.len())
            .map(|j| cosine(self.vectors.row(p.first as usize + j), q))
            .fold(-1.0, f32::max)
    }
}
