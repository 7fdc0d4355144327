//! What the engine returns: the answer to a question ([`Response`]), its passages
//! ([`Hit`]) with their sources and the part to show, and the one-line answer
//! ([`DirectAnswer`]). The first fields of each are the JSON contract; front ends draw
//! the rest.

use std::collections::HashSet;

use serde::Serialize;

use super::{field_str, Engine, Features, Scored};
use crate::core::corpus::{Citation, Flag, PassageKind, Source};
use crate::core::lang::Lang;
use crate::core::query::{Correction, Plan, QuestionType};
use crate::core::reader::Outcome;
use crate::core::snippet::{self, Snippet};

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
    /// The part of `text` to show for this question, with the matched words; front ends
    /// render it (the JSON's `snippet` is its Discord markdown, see `render::json`).
    #[serde(skip)]
    pub snippet: Snippet,
    /// Every match of the question's words in the whole of `text` (byte ranges), for a
    /// front end that shows the passage whole ("Show passages").
    #[serde(skip)]
    pub marks: Vec<std::ops::Range<usize>>,
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
    /// Plain text, quoted from the source (with context before it).
    pub text: String,
    pub citation: usize,
    /// Where in `text` the answer itself is (the number, date, duration, place or
    /// name), as `[start, end)` in characters; front ends make it stand out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span: Option<[usize; 2]>,
    /// The sourcing warnings of the answer (each kind once, the first with its detail,
    /// such as who made a claim): the answer sentence's own markers, else its source's;
    /// front ends caption them. `text` holds no markers.
    #[serde(skip)]
    pub caveats: Vec<Flag>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Response {
    pub question: String,
    /// The language the question was asked in (`en`, `uk`, `ru`).
    pub language: Lang,
    pub answer: Option<DirectAnswer>,
    /// `answer` (a typed answer found), `not_exact` (the sources cover the topic but do
    /// not say exactly: `answer` is null, `passages` the closest), or `nothing`.
    pub outcome: Outcome,
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
    /// What the reader (choosing the answer and its words) took of this question's time
    /// (`cargo bench --bench ask`); not part of the JSON contract.
    #[serde(skip)]
    pub read_in: std::time::Duration,
}

impl Engine {
    /// Result `citation` of the answer: the passage `s` with its source and snippet.
    pub(super) fn hit(&self, plan: &Plan, s: &Scored, citation: usize) -> Hit {
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
        let marks = snippet::marks(&s.passage.tokens, &|t| matched.contains(t));
        let section = Some(field_str(doc, f.section).to_string()).filter(|s| !s.is_empty());
        let credit = Some(field_str(doc, f.credit).to_string()).filter(|s| !s.is_empty());
        Hit {
            citation,
            id: field_str(doc, f.id).to_string(),
            source: source_ref(source, source_id),
            section,
            snippet,
            marks,
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
