//! Building: whether the current index generation still matches the sources
//! ([`freshness`]), rebuilding it safely ([`reindex`]: lock, clean up after crashed
//! builds, stage, check, install), and the engine every front end starts from
//! ([`open_engine`]: build on first use, rebuild when stale).

use tracing::{info, warn};

use super::engine::{engine, passage_embedder, wants_vectors};
use super::AppError;
use crate::config::Settings;
use crate::core::corpus::{self, CorpusErrors};
use crate::core::embed;
use crate::core::index::{
    self, BuildOptions, BuildProgress, IndexError, Manifest, Phase, Staged, SCHEMA_VERSION,
};
use crate::core::query::Analyzers;
use crate::core::search::Engine;
use crate::core::synonyms::Synonyms;

/// Whether the current index generation was built from the current sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Freshness {
    Fresh,
    Missing,
    /// Built from other sources, or with another schema version, or without the
    /// sentence vectors semantic search needs (by a release before it, or while it was
    /// off).
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
        Some(m) if m.schema_version != SCHEMA_VERSION || m.sources_hash != hash => Freshness::Stale,
        Some(m) if m.vectors.is_none() && wants_vectors(settings, m.passages) => Freshness::Stale,
        Some(_) => Freshness::Fresh,
    };
    Ok((state, hash))
}

/// Load and validate every source, build a new index generation from them, check it,
/// and make it current. `by` says who asked (for the status others see and the logs).
/// On any error nothing changes: the previous generation stays current.
pub fn reindex(
    settings: &Settings,
    progress: &dyn BuildProgress,
    by: &str,
    threads: usize,
) -> Result<Manifest, AppError> {
    if settings.index.read_only {
        return Err(AppError::ReadOnly);
    }
    let lock = index::lock(&settings.index.dir, by)?;
    lock.clean_up();
    progress.phase(Phase::Parsing);
    let hash =
        index::sources_hash(&settings.index.sources).map_err(|source| AppError::SourcesIo {
            path: settings.index.sources.clone(),
            source,
        })?;
    let corpus = corpus::load_dir_strict(&settings.index.sources)?;
    let embed = passage_embedder(settings, corpus.passages.len(), threads);
    let options = BuildOptions {
        sources_hash: hash,
        memory_budget_bytes: settings.index.writer_memory_bytes,
        threads,
        progress,
        vectors: embed.as_ref().map(|embed| index::vectors::EmbedOptions {
            model: embed::MODEL_ID,
            embed: embed.as_ref(),
            cache_file: settings.semantic.vector_cache.clone(),
        }),
    };
    let staged = index::stage(&corpus, &lock, options)?;
    lock.set(Phase::Checking);
    progress.phase(Phase::Checking);
    smoke_test(settings, &staged)?;
    let manifest = index::install(&lock, staged, progress)?;
    info!(
        generation = manifest.generation,
        sources = manifest.sources,
        passages = manifest.passages,
        seconds = manifest.build_seconds,
        sentences = manifest.vectors.map(|v| v.sentences),
        embedded = manifest.vectors.map(|v| v.embedded),
        by,
        "index built"
    );
    Ok(manifest)
}

/// A staged generation must open, hold every passage, and answer a question before it
/// may serve: the title of its first source, asked as a question, must find passages.
fn smoke_test(settings: &Settings, staged: &Staged) -> Result<(), AppError> {
    let failed = |reason: String| IndexError::Damaged {
        path: staged.dir().to_path_buf(),
        reason,
    };
    let open = index::open_generation(staged.dir().to_path_buf())?;
    let docs = open.reader.searcher().num_docs();
    if docs == 0 || docs != staged.manifest.passages as u64 {
        return Err(failed(format!(
            "it holds {docs} passages instead of {}",
            staged.manifest.passages
        ))
        .into());
    }
    // A title of one word may be too common a word to find anything; two or more
    // words name the source.
    const TITLE_WORDS: usize = 2;
    let question = open
        .catalog
        .iter()
        .map(|s| s.title.clone())
        .find(|t| t.split_whitespace().count() >= TITLE_WORDS)
        .or_else(|| open.catalog.first().map(|s| s.title.clone()))
        .unwrap_or_default();
    let engine = engine(settings, open, Synonyms::default())?;
    let answered = engine
        .ask(&question, 1, 0)
        .map_err(|e| failed(format!("the question “{question}” failed: {e}")))?;
    if answered.passages.is_empty() {
        return Err(failed(format!("the question “{question}” found nothing")).into());
    }
    Ok(())
}

/// The synonym groups from `index.synonyms` (none if the file does not exist).
pub fn synonyms(settings: &Settings) -> Result<Synonyms, AppError> {
    Synonyms::load(&settings.index.synonyms, &mut Analyzers::new().english)
        .map_err(|e| AppError::Sources(CorpusErrors(e)))
}

/// How often a process without an index looks again while another builds the first.
const FIRST_GENERATION_POLL: std::time::Duration = std::time::Duration::from_millis(100);

/// Wait until a generation is current, while another process builds the first one (or,
/// on a replica, until a writer publishes one), for at most `index.first_build_wait`.
/// Only looks: it takes no lock and writes nothing.
fn wait_for_first_generation(settings: &Settings) -> Result<(), AppError> {
    let started = std::time::Instant::now();
    let root = &settings.index.dir;
    while index::current_manifest(root).is_none() {
        if !settings.index.read_only && !index::build_running(root) {
            // Nobody builds: the open that follows says what is missing.
            return Ok(());
        }
        if started.elapsed() >= settings.index.first_build_wait {
            return Err(AppError::NoFirstGeneration {
                path: root.clone(),
                waited: settings.index.first_build_wait,
            });
        }
        std::thread::sleep(FIRST_GENERATION_POLL);
    }
    Ok(())
}

/// An engine to answer with, and why it is not what a healthy index would give, if it
/// is not: answering from an older generation because the current one is damaged, or
/// from a generation older than the sources.
pub struct Opened {
    pub engine: Engine,
    pub degraded: Option<String>,
    /// A damaged generation stepped around (its number and when it was built), not to
    /// be opened again.
    pub damaged: Option<(u64, String)>,
}

/// An engine over the current index, building or rebuilding it first when it is missing
/// or stale (and `index.auto_build` allows). When a rebuild fails (a bad source file) and
/// an older generation exists, that generation keeps serving and the errors are logged.
/// Degraded states are logged; [`open_serving`] also returns them.
pub fn open_engine(settings: &Settings, progress: &dyn BuildProgress) -> Result<Engine, AppError> {
    Ok(open_serving(settings, progress)?.engine)
}

/// [`open_engine`], saying whether it answers degraded. A process that only reads
/// (`index.read_only`) builds nothing and writes nothing; a damaged current generation
/// is healed by a writer (rebuilt from the sources, or rolled back when that fails)
/// and stepped around by a reader (the previous generation serves).
pub fn open_serving(settings: &Settings, progress: &dyn BuildProgress) -> Result<Opened, AppError> {
    let synonyms = synonyms(settings)?;
    let (state, _) = freshness(settings)?;
    let read_only = settings.index.read_only;
    let mut degraded = None;
    let mut damaged = None;
    match state {
        Freshness::Fresh => {}
        Freshness::Missing if read_only => wait_for_first_generation(settings)?,
        Freshness::Stale if read_only => {
            let generation = index::current_manifest(&settings.index.dir).map(|m| m.generation);
            let reason = format!(
                "the sources are newer than index generation {}, which this replica (index.read_only) answers from until a writer publishes a new one",
                generation.unwrap_or_default()
            );
            warn!("{reason}");
            degraded = Some(reason);
        }
        _ if settings.index.auto_build => {
            info!(state = ?state, "building the index from the sources");
            match reindex(
                settings,
                progress,
                "auto-build",
                index::build_threads(false),
            ) {
                Ok(_) => {}
                // Another process is rebuilding: serve what is current meanwhile.
                Err(AppError::Index(IndexError::Busy { status })) if state == Freshness::Stale => {
                    info!(status = ?status, "another process is rebuilding the index; answering from the current generation");
                }
                Err(e) if state == Freshness::Stale => {
                    warn!(error = %e, "the sources changed but cannot be indexed; answering from the previous index");
                }
                // No index yet and another process is building the first one (replicas
                // starting together on shared storage): wait for it.
                Err(AppError::Index(IndexError::Busy { status })) => {
                    info!(status = ?status, "another process is building the index; waiting for it");
                    wait_for_first_generation(settings)?;
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
    let open = match index::open(&settings.index.dir) {
        Ok(open) => open,
        Err(IndexError::Damaged { path, reason }) => {
            let (open, why) = step_around_damage(settings, progress, &path, &reason)?;
            damaged = index::generation_of(&path);
            if why.is_some() {
                degraded = why;
            }
            open
        }
        Err(e) => return Err(e.into()),
    };
    Ok(Opened {
        engine: engine(settings, open, synonyms)?,
        degraded,
        damaged,
    })
}

/// The current generation in `dir` is damaged (`reason`). A writer marks it, rebuilds
/// from the sources (fast, and fresher than any older generation) when `index.auto_build`
/// allows, and rolls back when that fails; a reader opens the previous generation. The
/// opened generation, and why it answers degraded when it does; the damage, in one
/// sentence, when nothing opens.
fn step_around_damage(
    settings: &Settings,
    progress: &dyn BuildProgress,
    dir: &std::path::Path,
    reason: &str,
) -> Result<(index::OpenIndex, Option<String>), AppError> {
    let root = &settings.index.dir;
    let damaged = || IndexError::Damaged {
        path: dir.to_path_buf(),
        reason: reason.to_string(),
    };
    let name = dir.display();
    warn!(generation = %name, reason, "the current index generation is damaged");
    let number = index::number(dir).ok_or_else(damaged)?;
    if !settings.index.read_only {
        if let Ok(lock) = index::lock(root, "damage") {
            if let Err(e) = index::mark_damaged(&lock, dir, reason) {
                warn!(error = %e, "could not mark the damaged generation");
            }
            drop(lock);
            if settings.index.auto_build {
                match reindex(settings, progress, "damage", index::build_threads(false)) {
                    Ok(m) => {
                        info!(
                            generation = m.generation,
                            "rebuilt the index from the sources in place of a damaged generation"
                        );
                        return Ok((index::open(root)?, None));
                    }
                    Err(e) => {
                        warn!(error = %e, "cannot rebuild in place of the damaged generation; rolling back")
                    }
                }
            }
            // Another process may have taken the lock meanwhile: then read, as a reader.
            if let Ok(lock) = index::lock(root, "damage") {
                let manifest = index::rollback(&lock).map_err(|_| damaged())?;
                drop(lock);
                let why = format!(
                    "answering from index generation {}: generation {number} is damaged ({reason}) and could not be rebuilt",
                    manifest.generation
                );
                warn!("{why}");
                return Ok((index::open(root)?, Some(why)));
            }
        }
    }
    let open = index::fallback(root, number).ok_or_else(damaged)?;
    let why = format!(
        "answering from index generation {}: generation {number} is damaged ({reason})",
        open.manifest.generation
    );
    warn!("{why}");
    Ok((open, Some(why)))
}
