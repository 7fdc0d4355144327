//! The engine policy: what an opened index generation is answered with. Semantic search
//! joins when the generation has sentence vectors and this build and configuration have
//! the model; questions are embedded with half the cores, so concurrent questions share
//! the machine.

use tracing::{info, warn};

use super::AppError;
use crate::config::Settings;
use crate::core::embed;
use crate::core::index::{self, IndexError};
use crate::core::search::semantic::{self, Semantic};
use crate::core::search::Engine;
use crate::core::synonyms::Synonyms;

/// Whether a generation of `passages` should have sentence vectors.
pub(super) fn wants_vectors(settings: &Settings, passages: usize) -> bool {
    settings.semantic.enabled
        && cfg!(feature = "semantic")
        && passages <= settings.semantic.max_passages
}

/// An engine over an opened generation, with semantic search when the generation has
/// vectors and this build and configuration have the model.
pub fn engine(
    settings: &Settings,
    open: index::OpenIndex,
    synonyms: Synonyms,
) -> Result<Engine, AppError> {
    let vectors = if settings.semantic.enabled && cfg!(feature = "semantic") {
        index::vectors::SentenceVectors::load(&open.dir, embed::MODEL_ID)?
    } else {
        None
    };
    let embed = vectors.as_ref().and_then(|_| query_embedder(settings));
    let semantic = match (vectors, embed) {
        (Some(v), Some(embed)) => {
            let searcher = open.reader.searcher();
            Some(
                Semantic::new(
                    v,
                    &searcher,
                    open.fields.id,
                    embed,
                    settings.semantic.question_cache,
                )
                .map_err(|e| IndexError::Damaged {
                    path: open.dir.clone(),
                    reason: e.to_string(),
                })?,
            )
        }
        _ => None,
    };
    let engine = Engine::new(open, synonyms, settings.search.clone());
    Ok(match semantic {
        Some(s) => engine.with_semantic(s),
        None => engine,
    })
}

/// Embeds a generation's sentences, when semantic search is on and the corpus is small
/// enough for it.
pub(super) type PassageEmbed = Box<dyn Fn(&[&str]) -> Result<Vec<f32>, String> + Sync>;

pub(super) fn passage_embedder(
    settings: &Settings,
    passages: usize,
    threads: usize,
) -> Option<PassageEmbed> {
    if !wants_vectors(settings, passages) {
        if settings.semantic.enabled && cfg!(feature = "semantic") {
            info!(
                passages,
                max_passages = settings.semantic.max_passages,
                "semantic search is off for this corpus: it has more passages than semantic.max_passages; answers are lexical"
            );
        }
        return None;
    }
    let threads = settings.semantic.threads.unwrap_or(threads);
    #[cfg(feature = "semantic")]
    {
        Some(Box::new(move |texts: &[&str]| {
            let e = embed::Embedder::shared().map_err(|e| e.to_string())?;
            e.passages(texts, threads).map_err(|e| e.to_string())
        }))
    }
    #[cfg(not(feature = "semantic"))]
    {
        let _ = threads;
        None
    }
}

/// Embeds questions: with half the cores (as a serving process builds with), so that
/// concurrent questions share the machine rather than each taking all of it.
fn query_embedder(settings: &Settings) -> Option<Box<semantic::EmbedQuery>> {
    let threads = settings
        .semantic
        .threads
        .unwrap_or_else(|| index::build_threads(true));
    #[cfg(feature = "semantic")]
    {
        // Load the model now, not on the first question (parsing it takes ~50 ms).
        if let Err(error) = embed::Embedder::shared() {
            warn!(%error, "semantic search is off: the model could not be loaded");
            return None;
        }
        Some(Box::new(move |q: &str| {
            let e = embed::Embedder::shared().map_err(|e| e.to_string())?;
            e.query(q, threads).map_err(|e| e.to_string())
        }))
    }
    #[cfg(not(feature = "semantic"))]
    {
        let _ = threads;
        None
    }
}
