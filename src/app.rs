//! Wiring: from settings to a ready engine. Front ends (the CLI, the Discord bot) get
//! their engine here and nowhere else, so "build on first use, rebuild when stale"
//! behaves the same everywhere.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;
use tracing::{info, warn};

use crate::config::Settings;
use crate::core::corpus::manage::{self, ManageError};
use crate::core::corpus::{self, CorpusErrors};
use crate::core::embed;
use crate::core::index::{
    self, BuildOptions, BuildProgress, IndexError, Manifest, Phase, Staged, SCHEMA_VERSION,
};
use crate::core::query::Analyzers;
use crate::core::search::semantic::{self, Semantic};
use crate::core::search::Engine;
use crate::core::synonyms::Synonyms;
use crate::metrics::Metrics;

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
    #[error(transparent)]
    Manage(#[from] ManageError),
    #[error("cannot watch the sources: {0}")]
    Watch(String),
    #[error("the index at {0} is out of date and index.auto_build is off; run `attache index`")]
    Stale(std::path::PathBuf),
}

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

/// Whether a generation of `passages` should have sentence vectors.
fn wants_vectors(settings: &Settings, passages: usize) -> bool {
    settings.semantic.enabled
        && cfg!(feature = "semantic")
        && passages <= settings.semantic.max_passages
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
    let lock = index::lock(&settings.index.dir, by)?;
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
    let question = open
        .catalog
        .iter()
        .map(|s| s.title.clone())
        .find(|t| t.split_whitespace().count() >= 2)
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

/// Wait until a generation is current or nobody is building one (then the open that
/// follows reports what is missing).
fn wait_for_first_generation(settings: &Settings) {
    while index::current_manifest(&settings.index.dir).is_none() {
        match index::lock(&settings.index.dir, "waiting") {
            Ok(_) => return,
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(100)),
        }
    }
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
                    wait_for_first_generation(settings);
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
    engine(settings, open, synonyms)
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
type PassageEmbed = Box<dyn Fn(&[&str]) -> Result<Vec<f32>, String> + Sync>;

fn passage_embedder(settings: &Settings, passages: usize, threads: usize) -> Option<PassageEmbed> {
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

/// The engine that answers now, replaced whole when the current generation changes. A
/// question holds the `Arc` of the engine it started on, so a swap never disturbs one in
/// flight, and a failed reindex leaves the current engine serving.
pub struct Library {
    settings: Settings,
    engine: ArcSwap<Engine>,
    /// Serialises swaps, so a refresh and a reindex never race each other backwards.
    swapping: Mutex<()>,
    metrics: Arc<Metrics>,
}

impl Library {
    /// Open (building first if needed), after removing what a crashed build left behind.
    pub fn open(settings: Settings, progress: &dyn BuildProgress) -> Result<Library, AppError> {
        // Taking the lock cleans up; if another process holds it, it cleans up itself.
        if let Ok(lock) = index::lock(&settings.index.dir, "startup") {
            drop(lock);
        }
        let engine = open_engine(&settings, progress)?;
        let metrics = Arc::new(Metrics::new());
        metrics
            .generation
            .set(engine.index().manifest.generation as i64);
        Ok(Library {
            settings,
            engine: ArcSwap::from_pointee(engine),
            swapping: Mutex::new(()),
            metrics,
        })
    }

    /// What this process counts (rebuilds here; front ends add their own).
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
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
    pub fn reindex(&self, progress: &dyn BuildProgress, by: &str) -> Result<Manifest, AppError> {
        let started = std::time::Instant::now();
        let result = reindex(&self.settings, progress, by, index::build_threads(true));
        // A refusal because another build runs is not a failed rebuild.
        if !matches!(result, Err(AppError::Index(IndexError::Busy { .. }))) {
            self.metrics
                .reindex(result.is_ok(), started.elapsed().as_secs_f64());
        }
        let manifest = result?;
        self.refresh()?;
        Ok(manifest)
    }

    /// Store an uploaded source file (checked first) and reindex; when the reindex fails,
    /// the file is put back as it was, so the sources stay indexable.
    pub fn add_source(
        &self,
        filename: &str,
        bytes: &[u8],
        by: &str,
    ) -> Result<(PathBuf, Manifest), AppError> {
        let (name, text, sources) =
            manage::check_upload(filename, bytes, self.settings.index.max_upload_bytes)?;
        let path = manage::place(&self.settings.index.sources, &name);
        let change = manage::write(&path, &text)?;
        info!(path = %path.display(), sources = sources.len(), by, "source file stored; reindexing");
        self.reindex_or_undo(change, by)
    }

    /// Reindex after `change` to the sources; when that fails, undo the change, so the
    /// sources stay indexable.
    fn reindex_or_undo(
        &self,
        change: manage::Change,
        by: &str,
    ) -> Result<(PathBuf, Manifest), AppError> {
        match self.reindex(&(), by) {
            Ok(m) => Ok((change.path, m)),
            Err(e) => {
                if let Err(undo) = change.undo() {
                    warn!(error = %undo, "could not undo the source change");
                }
                Err(e)
            }
        }
    }

    /// Remove source `id` from the files and reindex; when the reindex fails, the file is
    /// put back as it was.
    pub fn remove_source(&self, id: &str, by: &str) -> Result<(PathBuf, Manifest), AppError> {
        let engine = self.engine();
        let source = engine
            .index()
            .source(id)
            .ok_or_else(|| ManageError::NoSuchSource(id.to_string()))?;
        let change = manage::remove(&self.settings.index.sources, source)?;
        info!(id, path = %change.path.display(), by, "source removed; reindexing");
        self.reindex_or_undo(change, by)
    }

    /// Make the previous generation current again and answer from it.
    pub fn rollback(&self, by: &str) -> Result<Manifest, AppError> {
        let lock = index::lock(&self.settings.index.dir, by)?;
        let manifest = index::rollback(&lock)?;
        drop(lock);
        warn!(
            generation = manifest.generation,
            by, "rolled back to the previous index generation"
        );
        self.refresh()?;
        Ok(manifest)
    }

    /// Switch to the current generation on disk if it is not the one serving (another
    /// process built or rolled back). Cheap when nothing changed: one small file read.
    /// Returns the new generation when it switched.
    pub fn refresh(&self) -> Result<Option<u64>, AppError> {
        let _guard = self.swapping.lock().expect("swap lock");
        let serving = self.engine.load().index().manifest.generation;
        let Some(current) = index::current_manifest(&self.settings.index.dir) else {
            return Ok(None);
        };
        if current.generation == serving {
            return Ok(None);
        }
        let engine = engine(
            &self.settings,
            index::open(&self.settings.index.dir)?,
            synonyms(&self.settings)?,
        )?;
        let generation = engine.index().manifest.generation;
        self.engine.store(Arc::new(engine));
        self.metrics.generation.set(generation as i64);
        info!(
            generation,
            previous = serving,
            "now answering from another index generation"
        );
        Ok(Some(generation))
    }

    /// Rebuild whenever the sources directory changes, once per burst of changes: the
    /// rebuild starts after `index.watch_debounce` without further change (`index.watch`).
    /// Rebuilds run on the watcher's own thread; the watcher stops when dropped.
    ///
    /// Hand-written on top of `notify` because the debouncer crates either drop the
    /// event kinds (and a rebuild's own reads of the sources would then trigger the next
    /// rebuild) or debounce per file rather than per burst.
    pub fn watch(self: Arc<Self>) -> Result<SourceWatcher, AppError> {
        use notify::{EventKind, RecursiveMode, Watcher};
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let mut watcher =
            notify::recommended_watcher(move |event: notify::Result<notify::Event>| match event {
                Ok(e)
                    if matches!(
                        e.kind,
                        EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_)
                    ) =>
                {
                    let _ = tx.send(());
                }
                Ok(_) => {}
                Err(e) => warn!(error = %e, "watching the sources failed"),
            })
            .map_err(|e| AppError::Watch(e.to_string()))?;
        let sources = self.settings.index.sources.clone();
        watcher
            .watch(&sources, RecursiveMode::Recursive)
            .map_err(|e| AppError::Watch(e.to_string()))?;
        let quiet = self.settings.index.watch_debounce;
        let library = self;
        std::thread::Builder::new()
            .name("attache-watch".into())
            .spawn(move || {
                // Ends when the watcher (and so the sender) is dropped.
                while rx.recv().is_ok() {
                    let mut changes = 1;
                    loop {
                        match rx.recv_timeout(quiet) {
                            Ok(()) => changes += 1,
                            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => break,
                            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
                        }
                    }
                    info!(changes, "the sources changed; reindexing");
                    if let Err(e) = library.reindex(&(), "watch") {
                        warn!(error = %e, "reindex after a change of sources failed; the previous generation keeps serving");
                    }
                }
            })
            .map_err(|e| AppError::Watch(e.to_string()))?;
        info!(path = %sources.display(), "watching the sources");
        Ok(SourceWatcher { _watcher: watcher })
    }
}

/// Keeps [`Library::watch`] running.
pub struct SourceWatcher {
    _watcher: notify::RecommendedWatcher,
}
