//! Wiring: from settings to a ready engine. Front ends (the CLI, the Discord bot) get
//! their engine here and nowhere else, so "build on first use, rebuild when stale"
//! behaves the same everywhere.

use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;
use tracing::{info, warn};

use crate::config::Settings;
use crate::core::corpus::{self, CorpusErrors};
use crate::core::index::{self, BuildOptions, BuildProgress, IndexError, Manifest, SCHEMA_VERSION};
use crate::core::query::Analyzers;
use crate::core::search::Engine;
use crate::core::synonyms::Synonyms;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Sources(#[from] CorpusErrors),
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error("cannot read the sources at {path}: {source}")]
    SourcesIo {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("the index at {0} is out of date and index.auto_build is off; run `attache index`")]
    Stale(std::path::PathBuf),
}

/// Whether the current index generation was built from the current sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Freshness {
    Fresh,
    Missing,
    /// Built from other sources, or with another schema version.
    Stale,
}

pub fn freshness(settings: &Settings) -> Result<(Freshness, String), AppError> {
    let hash =
        index::sources_hash(&settings.index.sources).map_err(|source| AppError::SourcesIo {
            path: settings.index.sources.clone(),
            source,
        })?;
    let state = match index::current_manifest(&settings.index.dir) {
        None => Freshness::Missing,
        Some(m) if m.schema_version == SCHEMA_VERSION && m.sources_hash == hash => Freshness::Fresh,
        Some(_) => Freshness::Stale,
    };
    Ok((state, hash))
}

/// Load and validate every source, then build a new index generation from them. On
/// any error nothing changes: the previous generation stays current.
pub fn reindex(settings: &Settings, progress: &dyn BuildProgress) -> Result<Manifest, AppError> {
    let hash =
        index::sources_hash(&settings.index.sources).map_err(|source| AppError::SourcesIo {
            path: settings.index.sources.clone(),
            source,
        })?;
    let corpus = corpus::load_dir_strict(&settings.index.sources)?;
    let manifest = index::build(
        &corpus,
        &settings.index.dir,
        BuildOptions {
            sources_hash: hash,
            memory_budget_bytes: settings.index.writer_memory_bytes,
            progress,
        },
    )?;
    info!(
        generation = manifest.generation,
        sources = manifest.sources,
        passages = manifest.passages,
        seconds = manifest.build_seconds,
        "index built"
    );
    Ok(manifest)
}

/// The synonym groups from `index.synonyms` (none if the file does not exist).
pub fn synonyms(settings: &Settings) -> Result<Synonyms, AppError> {
    Synonyms::load(&settings.index.synonyms, &mut Analyzers::new().english)
        .map_err(|e| AppError::Sources(CorpusErrors(e)))
}

/// An engine over the current index, building or rebuilding it first when it is missing
/// or stale (and `index.auto_build` allows). When a rebuild fails (a bad source file) and
/// an older generation exists, that generation keeps serving and the errors are logged.
pub fn open_engine(settings: &Settings, progress: &dyn BuildProgress) -> Result<Engine, AppError> {
    let synonyms = synonyms(settings)?;
    let (state, _) = freshness(settings)?;
    match state {
        Freshness::Fresh => {}
        _ if settings.index.auto_build => {
            info!(state = ?state, "building the index from the sources");
            match reindex(settings, progress) {
                Ok(_) => {}
                Err(e) if state == Freshness::Stale => {
                    warn!(error = %e, "the sources changed but cannot be indexed; answering from the previous index");
                }
                Err(e) => return Err(e),
            }
        }
        Freshness::Missing => {
            return Err(IndexError::Missing {
                path: settings.index.dir.clone(),
            }
            .into())
        }
        Freshness::Stale => return Err(AppError::Stale(settings.index.dir.clone())),
    }
    let open = index::open(&settings.index.dir)?;
    Ok(Engine::new(open, synonyms, settings.search.clone()))
}

/// Why a reindex asked for while serving did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ReindexError {
    #[error("a reindex is already running")]
    Busy,
    #[error(transparent)]
    Failed(#[from] AppError),
}

/// The engine that answers now, replaced whole when a reindex succeeds. A question holds
/// the `Arc` of the engine it started on, so a swap never disturbs one in flight, and a
/// failed reindex leaves the current engine serving.
pub struct Library {
    settings: Settings,
    engine: ArcSwap<Engine>,
    /// One rebuild at a time within this process.
    rebuilding: Mutex<()>,
}

impl Library {
    pub fn open(settings: Settings, progress: &dyn BuildProgress) -> Result<Library, AppError> {
        let engine = open_engine(&settings, progress)?;
        Ok(Library {
            settings,
            engine: ArcSwap::from_pointee(engine),
            rebuilding: Mutex::new(()),
        })
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The engine serving now; keep it for the whole of one question.
    pub fn engine(&self) -> Arc<Engine> {
        self.engine.load_full()
    }

    /// Rebuild from the sources and switch to the new generation. Blocking: call it off
    /// the async runtime. On error the current engine keeps serving.
    pub fn reindex(&self, progress: &dyn BuildProgress) -> Result<Manifest, ReindexError> {
        let _guard = self.rebuilding.try_lock().map_err(|_| ReindexError::Busy)?;
        let manifest = reindex(&self.settings, progress)?;
        let engine = Engine::new(
            index::open(&self.settings.index.dir).map_err(AppError::from)?,
            synonyms(&self.settings)?,
            self.settings.search.clone(),
        );
        self.engine.store(Arc::new(engine));
        info!(
            generation = manifest.generation,
            "now answering from the new generation"
        );
        Ok(manifest)
    }
}
