//! The answer engine: a question in, ranked cited passages and a direct answer out.
//!
//! 1. [`query::plan`] turns the question into concepts with alternatives.
//! 2. tantivy retrieves candidates with BM25 over text, title, section, date and tags
//!    ([`build_query`]: an OR of boosted term queries; on big indexes only the selective
//!    words, so block-max WAND keeps a million passages in milliseconds).
//! 3. The candidates are re-ranked with what BM25 cannot see: how much of the question a
//!    passage covers (idf-weighted concepts), how close the matched words are, and
//!    whether it holds the kind of fact asked for.
//! 4. Below `min_coverage` nothing is returned: "nothing found" beats weak noise.
//! 5. The direct answer is the best sentence of the top passages ([`answer`]).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use tantivy::collector::TopDocs;
use tantivy::query::{
    BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{DocAddress, Searcher, TantivyDocument, Term};

use super::analysis::{self, Term as Token};
use super::answer;
use super::corpus::{Citation, Flag, FlagKind, PassageKind, Source, SourceKind};
use super::index::{self, Fields, OpenIndex};
use super::lang::{self, Lang};
use super::query::{
    self, Alternative, Analyzers, Correction, Origin, Plan, PlanOptions, QuestionType, Vocabulary,
};
use super::snippet;
use super::synonyms::Synonyms;

pub mod answerable;
pub mod rank;
pub mod semantic;

pub use rank::Features;
use semantic::{Closeness, Semantic};

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

/// The source of a passage, as a citation shows it.
#[derive(Debug, Clone, Serialize)]
pub struct SourceRef {
    pub id: String,
    pub title: String,
    pub publisher: Option<String>,
    pub date: Option<String>,
    pub url: Option<String>,
}

/// One returned passage. The first fields are the stable JSON contract.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub citation: usize,
    pub id: String,
    pub source: SourceRef,
    pub section: Option<String>,
    pub text: String,
    pub snippet: String,
    pub score: f32,
    pub kind: PassageKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<Flag>,
    /// Every page backing a record, for "Sources".
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub citations: Vec<Citation>,
    /// Ranking features; not part of the JSON contract.
    #[serde(skip)]
    pub features: Features,
}

#[derive(Debug, Clone, Serialize)]
pub struct DirectAnswer {
    /// Plain text, quoted from the source (with context before it, caveats after).
    pub text: String,
    pub citation: usize,
    /// Where in `text` the answer itself is (the number, date, duration, place or
    /// name), as `[start, end)` in characters; front ends make it stand out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span: Option<[usize; 2]>,
    /// Dispute and weak-source warnings of the cited source, also appended to `text`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub caveats: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Response {
    pub question: String,
    /// The language the question was asked in (`en`, `uk`, `ru`).
    pub language: Lang,
    pub answer: Option<DirectAnswer>,
    pub passages: Vec<Hit>,
    pub question_type: QuestionType,
    /// Question words that appear nowhere in the sources.
    pub not_found: Vec<String>,
    pub corrections: Vec<Correction>,
    /// Relevant passages beyond those returned ("More results").
    pub more: usize,
    /// How the question was understood: each concept, its alternatives and its weight
    /// (`attache ask --explain`); not part of the JSON contract.
    #[serde(skip)]
    pub understood: Vec<String>,
    pub generation: u64,
    /// When that generation was built (RFC 3339, UTC).
    pub indexed_at: String,
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

/// The direct answer is a sentence of one of the first passages…
const ANSWER_PASSAGES: usize = 3;
/// …chosen by how much of the question it covers, whether it holds the kind of fact
/// asked for, how well its passage ranked, and how close it is in meaning to the
/// question. A sentence of a lower passage must do clearly better to be chosen, and a
/// fragment ("Reuters.") never. Fitted with the ranking weights (see `rank.rs`).
const ANSWER_W_COVERAGE: f32 = 0.4;
const ANSWER_W_EVIDENCE: f32 = 0.2;
const ANSWER_W_PASSAGE: f32 = 0.4;
const ANSWER_W_SEMANTIC: f32 = 0.4;
const ANSWER_RANK_PENALTY: f32 = 0.12;
const ANSWER_FRAGMENT_PENALTY: f32 = 0.2;

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
        Engine {
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
        let mut ranked = self.rank(question, &searcher, offset + top_k)?;
        let mut response = Response {
            question: question.to_string(),
            language: ranked.lang,
            answer: None,
            passages: Vec::new(),
            question_type: ranked.plan.qtype,
            not_found: std::mem::take(&mut ranked.not_found),
            corrections: ranked.plan.corrections.clone(),
            more: 0,
            generation: self.index.manifest.generation,
            indexed_at: self.index.manifest.built_at.clone(),
            understood: std::mem::take(&mut ranked.understood),
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
        if offset == 0 {
            response.answer = self.direct_answer(
                &ranked.plan,
                &ranked.weights,
                &scored,
                ranked.vector.as_deref().map(Vec::as_slice),
            );
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
        let vocab = IndexVocabulary {
            searcher,
            fields,
            doc_freqs: Default::default(),
        };
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
        let dense_top: Vec<(DocAddress, Closeness)> = match (&self.semantic, &vector) {
            (Some(sem), Some(v)) => sem.nearest(v, SEMANTIC_CANDIDATES.max(wanted)),
            _ => Vec::new(),
        };
        let best_cosine = dense_top.first().map_or(0.0, |(_, c)| c.best);

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
        let mut scored = Vec::with_capacity(order.len());
        for address in order {
            let passage = self.analysed(searcher, address, &mut analyzers)?;
            let closeness = match (&self.semantic, &vector) {
                (Some(sem), Some(v)) => sem.closeness(address, v),
                _ => None,
            };
            scored.push(self.score(
                &plan,
                &weights,
                passage,
                address,
                bm25_of[&address],
                closeness.map(|c| (c.best, best_cosine)),
            ));
        }
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
            // Set once every candidate's coverage is known (see `rank`).
            semantic_share: 1.0,
        };
        Scored {
            address,
            passage,
            features,
            score: features.score(),
        }
    }

    fn direct_answer(
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
        let (mut text, at) = self.answer_line(plan, sentence, first, source);
        // The span is looked for in the quoted sentence, not in the context put before
        // it, except for the record's date put before a sentence that has none.
        let span = if plan.qtype == QuestionType::When && at > 0 {
            Some((0, at - 2))
        } else {
            answer::span(plan.qtype, &text[at..], &plan.words).map(|(a, b)| (at + a, at + b))
        }
        .map(|(a, b)| [text[..a].chars().count(), text[..b].chars().count()]);
        let caveats: Vec<String> = source.map(|s| caveats(&s.flags)).unwrap_or_default();
        if !caveats.is_empty() {
            text = format!("{text} ({})", caveats.join("; "));
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

    fn hit(&self, plan: &Plan, s: &Scored, citation: usize) -> Hit {
        let f = &self.index.fields;
        let doc = &s.passage.doc;
        let text = field_str(doc, f.text).to_string();
        let source_id = field_str(doc, f.source_id);
        let source = self.index.source(source_id);
        let matched: HashSet<&str> = plan
            .concepts
            .iter()
            .flat_map(|c| c.alternatives.iter())
            .flat_map(|a| a.terms.iter().map(|(_, t)| t.as_str()))
            .collect();
        let snippet = snippet::snippet(&text, &s.passage.sentences, &s.passage.tokens, &|t| {
            matched.contains(t)
        });
        let section = Some(field_str(doc, f.section).to_string()).filter(|s| !s.is_empty());
        let credit = Some(field_str(doc, f.credit).to_string()).filter(|s| !s.is_empty());
        Hit {
            citation,
            id: field_str(doc, f.id).to_string(),
            source: source_ref(source, source_id),
            section,
            snippet,
            score: (s.score * 1000.0).round() / 1000.0,
            kind: PassageKind::parse(field_str(doc, f.kind)).unwrap_or(PassageKind::Paragraph),
            credit,
            flags: source.map(|s| s.flags.clone()).unwrap_or_default(),
            citations: source.map(|s| s.citations.clone()).unwrap_or_default(),
            features: s.features,
            text,
        }
    }
}

/// How a set of flags reads next to an answer.
pub fn caveats(flags: &[Flag]) -> Vec<String> {
    let mut kinds: Vec<FlagKind> = Vec::new();
    for f in flags {
        if !kinds.contains(&f.kind) {
            kinds.push(f.kind);
        }
    }
    kinds.into_iter().map(|k| k.label().to_string()).collect()
}

fn source_ref(source: Option<&Source>, id: &str) -> SourceRef {
    match source {
        Some(s) => SourceRef {
            id: s.id.clone(),
            title: s.title.clone(),
            publisher: s.publisher.clone(),
            date: s.date.clone(),
            url: s.url.clone(),
        },
        None => SourceRef {
            id: id.to_string(),
            title: id.to_string(),
            publisher: None,
            date: None,
            url: None,
        },
    }
}

fn field_str(doc: &TantivyDocument, field: tantivy::schema::Field) -> &str {
    doc.get_first(field).and_then(|v| v.as_str()).unwrap_or("")
}

/// Indexes at least this big retrieve with selective words only…
const SELECTIVE_MIN_DOCS: u64 = 20_000;
/// …those in less than this share of all passages…
const SELECTIVE_SHARE: f64 = 0.05;
/// …or, when fewer are that selective, this many of the rarest.
const MIN_RETRIEVAL_TERMS: usize = 3;

/// Field boosts: the passage text, then what surrounds it.
fn field_boosts(f: &Fields) -> [(tantivy::schema::Field, f32); 5] {
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
fn build_query(
    plan: &Plan,
    f: &Fields,
    an: &mut Analyzers,
    vocab: &IndexVocabulary<'_>,
) -> BooleanQuery {
    let n = vocab.searcher.num_docs();
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
fn evidence(plan: &Plan, text: &str) -> f32 {
    if plan.qtype == QuestionType::Who && plan.names_someone {
        // "Who is X?" wants what X is, not another name.
        f32::from(u8::from(answer::defines(text, &plan.names)))
    } else {
        answer::evidence_strength(plan.qtype, text, &plan.words)
    }
}

/// The text evidence is looked for in: a record's date counts as part of its text.
fn evidence_text(text: &str, source: Option<&Source>) -> String {
    match source
        .filter(|s| s.kind == SourceKind::Record)
        .and_then(|s| s.date.as_deref())
    {
        Some(date) => format!("{text} {date}"),
        None => text.to_string(),
    }
}

/// Inverse document frequency, BM25's flavour.
fn idf(df: u64, n: u64) -> f32 {
    let (df, n) = (df as f32, n.max(1) as f32);
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
}

/// Each concept's weight: the idf of its most frequent alternative (a concept is at least
/// as common as its commonest form), or the idf of a word seen nowhere when none is known
/// (a question about something the corpus never mentions must not look covered).
fn concept_weights(plan: &Plan, vocab: &IndexVocabulary<'_>, n: u64) -> Vec<f32> {
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
fn alternative_match(
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

fn presence(
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
fn coverage(
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
fn proximity(plan: &Plan, tokens: &[Token]) -> f32 {
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

/// The index's vocabulary, as the query planner sees it. Document frequencies are
/// memoised for the question: planning, weighting and retrieval all ask for them.
struct IndexVocabulary<'a> {
    searcher: &'a Searcher,
    fields: &'a Fields,
    doc_freqs: std::cell::RefCell<HashMap<String, u64>>,
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
