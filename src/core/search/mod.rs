//! The answer engine: a question in, ranked cited passages and a direct answer out.
//! [`Engine::ask`] runs the pipeline top to bottom, one stage a module:
//!
//! 1. **plan**: [`query::plan`] turns the question into concepts with alternatives;
//!    [`lang`] says which language it is in (a Ukrainian or Russian question gives the
//!    lexical side only its names) and what it asks for.
//! 2. **retrieve**: BM25 over text, title, section, date and tags (`lexical`: an OR
//!    of boosted term queries; on big indexes only the selective words, so block-max WAND
//!    keeps a million passages in milliseconds), and the passages whose sentences are
//!    nearest the question's vector ([`semantic`]). The union is re-ranked.
//! 3. **rank** ([`rank`]): what BM25 cannot see: how much of the question a passage
//!    covers (idf-weighted concepts), how close the matched words are, whether it holds
//!    the kind of fact asked for, and how close it is in meaning.
//! 4. **answerable?** ([`answerable`]): the signals together decide between an answer and
//!    "nothing found".
//! 5. **read** (`direct`, [`crate::core::reader`]): the sentences of the first passages,
//!    ranked, are read for a value of the type asked for that agrees with the question's
//!    constraints and focus: an answer with that value marked, or "not exactly" (the
//!    closest passages, no answer line); then the passages as [`Hit`]s.
//!
//! Longer than most files (about 550 lines) on purpose: the stages share the plan and
//! the candidate list, and `rank` (retrieve, score, re-rank) reads best whole, top to
//! bottom. What each stage decides lives in its own module; what the engine returns is
//! in `response`.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use tantivy::collector::TopDocs;
use tantivy::schema::Value;
use tantivy::{DocAddress, Searcher, TantivyDocument};

use super::analysis::{self, Term as Token};
use super::answer;
use super::corpus::{PassageKind, SourceKind};
use super::index::{self, IndexVocabulary, OpenIndex};
use super::lang::{self, Lang};
use super::query::{self, Analyzers, Plan, PlanOptions, QuestionType, Vocabulary};
use super::reader::{self, Outcome};
use super::synonyms::Synonyms;

pub mod answerable;
mod direct;
mod lexical;
pub mod rank;
mod response;
pub mod semantic;

use lexical::{build_query, concept_weights, coverage, evidence, evidence_text, proximity};

pub use rank::Features;
pub use response::{DirectAnswer, Hit, Response, SourceRef};
use semantic::Semantic;

/// Ranking and relevance settings (see `[search]` in `config/default.toml`).
#[derive(Debug, Clone)]
pub struct SearchSettings {
    pub top_k: usize,
    pub candidates: usize,
    pub max_question_chars: usize,
    pub min_coverage: f32,
    pub min_passage_coverage: f32,
    pub relative_score_floor: f32,
    pub plan: PlanOptions,
}

impl Default for SearchSettings {
    fn default() -> Self {
        SearchSettings {
            top_k: 3,
            candidates: 30,
            max_question_chars: 500,
            min_coverage: 0.45,
            min_passage_coverage: 0.34,
            relative_score_floor: 0.5,
            plan: PlanOptions::default(),
        }
    }
}

/// Why a question was not searched; meant to be shown to the person who asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuestionError {
    #[error("Please ask a question: it was empty.")]
    Empty,
    #[error("That question is too long ({chars} characters); please keep it under {max}.")]
    TooLong { chars: usize, max: usize },
}

#[derive(Debug, thiserror::Error)]
pub enum AskError {
    #[error(transparent)]
    Question(#[from] QuestionError),
    #[error("search failed: {0}")]
    Search(#[from] tantivy::TantivyError),
}

/// The engine over one opened index generation.
pub struct Engine {
    index: OpenIndex,
    synonyms: Synonyms,
    settings: SearchSettings,
    analyzers: Analyzers,
    /// Analysed passages, by address. A generation never changes, so neither does a
    /// passage's analysis; caching it spares re-tokenising and re-stemming the same
    /// candidates for every question (most of the per-question cost on small corpora).
    analysed: Mutex<HashMap<DocAddress, Arc<Analysed>>>,
    /// Sentence vectors and the model, when semantic search is on for this generation.
    semantic: Option<Semantic>,
    /// Surnames (lower-case) of the people the generation's records are about, for the
    /// reader: read once, not at every question.
    people: Vec<String>,
}

/// Cached entries at most; the cache is emptied when full (simple, and a full cache of
/// this size already covers the passages people actually ask about).
const ANALYSIS_CACHE_ENTRIES: usize = 50_000;

/// What the ranking needs to know of a passage, independent of the question.
struct Analysed {
    doc: TantivyDocument,
    tokens: Vec<Token>,
    /// Terms of the source title (with the section heading, for a document).
    title_terms: HashSet<String>,
    /// Terms of the title, section, date and caption tags together.
    extra_terms: HashSet<String>,
    sentences: Vec<(usize, usize)>,
}

/// Passages retrieved by meaning, beside BM25's `search.candidates`: enough to hold
/// the answering passage for nearly every answerable shared case (hit@30 of the dense
/// ranking alone), few enough that re-ranking stays cheap.
const SEMANTIC_CANDIDATES: usize = 30;

/// One question's candidates, ranked, and what the later stages need to know of it.
struct Ranked {
    lang: Lang,
    plan: Plan,
    weights: Vec<f32>,
    vector: Option<Arc<Vec<f32>>>,
    not_found: Vec<String>,
    understood: Vec<String>,
    /// The share of the question's concepts found in no source at all.
    unknown_share: f32,
    /// The first passages of each ranking alone: where they agree, the match is sure.
    lexical_top: Vec<DocAddress>,
    dense_top: Vec<DocAddress>,
    scored: Vec<Scored>,
    min_coverage: f32,
}

impl Ranked {
    fn signals(&self) -> answerable::Signals {
        let best = &self.scored[0];
        answerable::Signals {
            english: self.lang == Lang::En,
            semantic: self.vector.is_some(),
            coverage: best.features.coverage,
            cosine: best.features.semantic,
            unknown: self.unknown_share,
            in_lexical_top: self.lexical_top.contains(&best.address),
            in_dense_top: self.dense_top.contains(&best.address),
            min_coverage: self.min_coverage,
        }
    }
}

/// A ranked candidate, as [`Engine::candidates`] reports it.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub id: String,
    pub source_id: String,
    pub text: String,
    pub features: Features,
}

/// A candidate after re-ranking.
struct Scored {
    address: DocAddress,
    passage: Arc<Analysed>,
    features: Features,
    score: f32,
}

impl Engine {
    pub fn new(index: OpenIndex, synonyms: Synonyms, settings: SearchSettings) -> Self {
        // Compile the answer patterns now, not on the first question.
        answer::warm_up();
        reader::warm_up();
        query::dictionary::warm_up();
        let people = reader::typed::people_of(index.catalog.iter().map(|s| s.title.as_str()));
        Engine {
            people,
            index,
            synonyms,
            settings,
            analyzers: Analyzers::new(),
            analysed: Mutex::new(HashMap::new()),
            semantic: None,
        }
    }

    /// The same engine, also matching questions by meaning.
    pub fn with_semantic(mut self, semantic: Semantic) -> Self {
        self.semantic = Some(semantic);
        self
    }

    /// Sentences with vectors (0 when semantic search is off).
    pub fn semantic_sentences(&self) -> usize {
        self.semantic.as_ref().map_or(0, Semantic::sentences)
    }

    pub fn index(&self) -> &OpenIndex {
        &self.index
    }

    pub fn settings(&self) -> &SearchSettings {
        &self.settings
    }

    /// Check a question before searching it.
    pub fn validate(&self, question: &str) -> Result<(), QuestionError> {
        let chars = question.chars().count();
        if question.trim().is_empty() {
            Err(QuestionError::Empty)
        } else if chars > self.settings.max_question_chars {
            Err(QuestionError::TooLong {
                chars,
                max: self.settings.max_question_chars,
            })
        } else {
            Ok(())
        }
    }

    /// Answer `question` with up to `top_k` passages, skipping the first `offset`.
    ///
    /// The pipeline: plan the question, retrieve candidates (BM25 and nearest sentence
    /// vectors), rank them, decide whether the best of them answers at all, then pick the
    /// one-line answer and the passages.
    pub fn ask(&self, question: &str, top_k: usize, offset: usize) -> Result<Response, AskError> {
        self.validate(question)?;
        let searcher = self.index.reader.searcher();
        // No more results than the generation has passages, whatever `offset` asks for
        // (it comes from a button a member could forge).
        let wanted = offset
            .saturating_add(top_k)
            .min(self.index.manifest.passages.max(1));
        let mut ranked = self.rank(question, &searcher, wanted)?;
        let mut response = Response {
            question: question.to_string(),
            language: ranked.lang,
            answer: None,
            outcome: Outcome::Nothing,
            passages: Vec::new(),
            question_type: ranked.plan.qtype,
            not_found: std::mem::take(&mut ranked.not_found),
            corrections: ranked.plan.corrections.clone(),
            more: 0,
            generation: self.index.manifest.generation,
            indexed_at: self.index.manifest.built_at.clone(),
            understood: std::mem::take(&mut ranked.understood),
            read_in: std::time::Duration::ZERO,
        };
        if ranked.scored.is_empty() || !answerable::decide(&ranked.signals()).answerable {
            return Ok(response);
        }
        let mut scored = ranked.scored;
        let floor = scored[0].score * self.settings.relative_score_floor;
        scored.retain(|s| {
            (s.features.coverage >= self.settings.min_passage_coverage
                || s.features.semantic_rel >= answerable::KEEP_SEMANTIC_REL)
                && s.score >= floor
        });

        // The direct answer belongs to the first page; later pages only add passages.
        let reading = std::time::Instant::now();
        let (answer, outcome) = self.direct_answer(
            question,
            ranked.lang,
            &ranked.plan,
            &ranked.weights,
            &scored,
            ranked.vector.as_deref().map(Vec::as_slice),
        );
        response.outcome = outcome;
        response.read_in = reading.elapsed();
        if offset == 0 {
            response.answer = answer;
        }
        response.more = scored.len().saturating_sub(offset + top_k);
        for (i, s) in scored.iter().enumerate().skip(offset).take(top_k) {
            response.passages.push(self.hit(&ranked.plan, s, i + 1));
        }
        Ok(response)
    }

    /// Every candidate of `question` with its ranking features, best first, and the
    /// signals the answerability decision saw: for fitting weights (`attache eval
    /// --features`).
    pub fn candidates(
        &self,
        question: &str,
    ) -> Result<(Option<answerable::Signals>, Vec<Candidate>), AskError> {
        self.validate(question)?;
        let searcher = self.index.reader.searcher();
        let ranked = self.rank(question, &searcher, self.settings.top_k)?;
        let signals = (!ranked.scored.is_empty()).then(|| ranked.signals());
        let f = &self.index.fields;
        let candidates = ranked
            .scored
            .iter()
            .map(|s| Candidate {
                id: field_str(&s.passage.doc, f.id).to_string(),
                source_id: field_str(&s.passage.doc, f.source_id).to_string(),
                text: field_str(&s.passage.doc, f.text).to_string(),
                features: s.features,
            })
            .collect();
        Ok((signals, candidates))
    }

    /// Plan, retrieve and rank: the candidates of `question`, best first.
    fn rank(&self, question: &str, searcher: &Searcher, wanted: usize) -> Result<Ranked, AskError> {
        let fields = &self.index.fields;
        let vocab = IndexVocabulary::new(searcher, fields);
        let mut analyzers = Analyzers {
            english: self.analyzers.english.clone(),
            words: self.analyzers.words.clone(),
        };
        let lang = Lang::detect(question);
        // A Ukrainian or Russian question gives the lexical side its names only.
        let lexical = match lang {
            Lang::En => question.to_string(),
            _ => lang::lexical_part(question),
        };
        let mut plan = query::plan(
            &lexical,
            &mut analyzers,
            &self.synonyms,
            &vocab,
            self.settings.plan,
        );
        if lang != Lang::En {
            plan.qtype = lang::question_type(question).unwrap_or(QuestionType::Other);
        }

        let weights = concept_weights(&plan, &vocab, searcher.num_docs());
        // Words of another language are missing from an English index by nature: only
        // an English question's missing words tell the asker something.
        let unknown: Vec<bool> = plan
            .concepts
            .iter()
            .map(|c| {
                c.alternatives
                    .iter()
                    .all(|a| a.terms.iter().all(|(_, t)| vocab.doc_freq(t) == 0))
            })
            .collect();
        let not_found = if lang == Lang::En {
            plan.concepts
                .iter()
                .zip(&unknown)
                .filter(|(_, &u)| u)
                .map(|(c, _)| c.label.clone())
                .collect()
        } else {
            Vec::new()
        };
        // Counted, not idf-weighted: an unknown word has the highest idf there is, so one
        // rare filler word ("precisely") would otherwise outweigh the whole question.
        let unknown_share = if unknown.is_empty() {
            0.0
        } else {
            unknown.iter().filter(|&&u| u).count() as f32 / unknown.len() as f32
        };
        let understood = plan
            .concepts
            .iter()
            .zip(&weights)
            .map(|(c, w)| {
                let alts: Vec<String> = c
                    .alternatives
                    .iter()
                    .map(|a| {
                        format!(
                            "{}×{:.1}",
                            a.terms
                                .iter()
                                .map(|(_, t)| t.as_str())
                                .collect::<Vec<_>>()
                                .join(" "),
                            a.weight
                        )
                    })
                    .collect();
                format!("{} (idf {w:.2}): {}", c.label, alts.join(", "))
            })
            .collect();

        // Retrieve: BM25's candidates…
        let limit = self.settings.candidates.max(wanted);
        let lexical_top: Vec<(f32, DocAddress)> = if plan.concepts.is_empty() {
            Vec::new()
        } else {
            let query = build_query(&plan, fields, &mut analyzers, &vocab);
            searcher.search(&query, &TopDocs::with_limit(limit).order_by_score())?
        };
        // …and the passages nearest in meaning.
        let vector = match &self.semantic {
            Some(sem) => match sem.question(question) {
                Ok(v) => Some(v),
                Err(error) => {
                    tracing::warn!(%error, "semantic search failed for a question; answering lexically");
                    None
                }
            },
            None => None,
        };
        let dense_top: Vec<(DocAddress, f32)> = match (&self.semantic, &vector) {
            (Some(sem), Some(v)) => sem.nearest(v, SEMANTIC_CANDIDATES.max(wanted)),
            _ => Vec::new(),
        };
        let best_cosine = dense_top.first().map_or(0.0, |(_, c)| *c);

        let max_bm25 = lexical_top.first().map_or(1.0, |t| t.0.max(f32::EPSILON));
        let mut bm25_of: HashMap<DocAddress, f32> = HashMap::new();
        let mut order: Vec<DocAddress> = Vec::new();
        for (bm25, address) in &lexical_top {
            bm25_of.insert(*address, bm25 / max_bm25);
            order.push(*address);
        }
        for (address, _) in &dense_top {
            if !bm25_of.contains_key(address) {
                bm25_of.insert(*address, 0.0);
                order.push(*address);
            }
        }
        // The nearest passages' closeness is known already; the others' is computed.
        let near: HashMap<DocAddress, f32> = dense_top.iter().copied().collect();
        let mut scored = Vec::with_capacity(order.len());
        for address in order {
            let passage = self.analysed(searcher, address, &mut analyzers)?;
            let closeness = match (&self.semantic, &vector) {
                (Some(sem), Some(v)) => near
                    .get(&address)
                    .copied()
                    .or_else(|| sem.closeness(address, v)),
                _ => None,
            };
            scored.push(self.score(
                &plan,
                &weights,
                passage,
                address,
                bm25_of[&address],
                closeness.map(|c| (c, best_cosine)),
            ));
        }
        // Scored once every candidate's coverage is known: the semantic share depends on
        // the best of them.
        let best_coverage = scored
            .iter()
            .map(|s| s.features.coverage)
            .fold(0.0, f32::max);
        for s in &mut scored {
            s.features.semantic_share = rank::semantic_share(best_coverage);
            s.score = s.features.score();
        }
        scored.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.address.cmp(&b.address)));
        Ok(Ranked {
            lang,
            plan,
            weights,
            vector,
            not_found,
            understood,
            unknown_share,
            lexical_top: lexical_top.iter().take(3).map(|t| t.1).collect(),
            dense_top: dense_top.iter().take(3).map(|t| t.0).collect(),
            scored,
            min_coverage: self.settings.min_coverage,
        })
    }

    /// The analysis of the passage at `address`, from the cache or computed now.
    fn analysed(
        &self,
        searcher: &Searcher,
        address: DocAddress,
        an: &mut Analyzers,
    ) -> tantivy::Result<Arc<Analysed>> {
        if let Some(hit) = self
            .analysed
            .lock()
            .expect("analysis cache lock")
            .get(&address)
        {
            return Ok(hit.clone());
        }
        let f = &self.index.fields;
        let doc: TantivyDocument = searcher.doc(address)?;
        let text = field_str(&doc, f.text);
        let tokens = analysis::analyze(&mut an.english, text);
        let sentences = analysis::sentences(text);
        let source = self.index.source(field_str(&doc, f.source_id));
        // A document paragraph's nearest title is its section heading.
        let section = field_str(&doc, f.section);
        let heading = match source {
            Some(s) if s.kind == SourceKind::Document => format!("{} {section}", s.title),
            Some(s) => s.title.clone(),
            None => String::new(),
        };
        let title_terms: HashSet<String> = analysis::analyze(&mut an.english, &heading)
            .into_iter()
            .map(|t| t.text)
            .collect();
        let mut extra = section.to_string();
        if let Some(d) = source.and_then(|s| s.date.as_deref()) {
            extra.push(' ');
            extra.push_str(d);
        }
        if field_str(&doc, f.kind) == PassageKind::Caption.as_str() {
            extra.push(' ');
            extra.push_str(index::CAPTION_TAGS);
        }
        let mut extra_terms: HashSet<String> = analysis::analyze(&mut an.english, &extra)
            .into_iter()
            .map(|t| t.text)
            .collect();
        extra_terms.extend(title_terms.iter().cloned());
        let analysed = Arc::new(Analysed {
            doc,
            tokens,
            title_terms,
            extra_terms,
            sentences,
        });
        let mut cache = self.analysed.lock().expect("analysis cache lock");
        if cache.len() >= ANALYSIS_CACHE_ENTRIES {
            cache.clear();
        }
        cache.insert(address, analysed.clone());
        Ok(analysed)
    }

    fn score(
        &self,
        plan: &Plan,
        weights: &[f32],
        passage: Arc<Analysed>,
        address: DocAddress,
        bm25: f32,
        cosine: Option<(f32, f32)>,
    ) -> Scored {
        let f = &self.index.fields;
        let text = field_str(&passage.doc, f.text);
        let source = self.index.source(field_str(&passage.doc, f.source_id));
        let title_coverage = coverage(plan, weights, &[], &passage.title_terms, 1.0);
        let coverage = coverage(plan, weights, &passage.tokens, &passage.extra_terms, 0.8);
        let proximity = proximity(plan, &passage.tokens);
        let evidence = evidence(plan, &evidence_text(text, source));
        let weight = source.map(|s| s.weight).unwrap_or(1.0);
        // The primary text is the default context, unless the question pins a time that
        // the passage does not mention.
        let mentions_anchor = plan
            .anchors
            .iter()
            .any(|a| passage.tokens.iter().any(|t| &t.text == a));
        let primary = source.is_some_and(|s| s.primary) && (!plan.anchored || mentions_anchor);
        let features = Features {
            bm25,
            coverage,
            title_coverage,
            proximity,
            evidence,
            weight,
            primary,
            semantic: cosine.map_or(0.0, |c| c.0),
            semantic_rel: cosine.map_or(0.0, |(c, best)| rank::semantic_rel(c, best)),
            // Both set by `rank` once every candidate's coverage is known.
            semantic_share: 1.0,
        };
        Scored {
            address,
            passage,
            features,
            score: 0.0,
        }
    }
}

fn field_str(doc: &TantivyDocument, field: tantivy::schema::Field) -> &str {
    doc.get_first(field).and_then(|v| v.as_str()).unwrap_or("")
}
