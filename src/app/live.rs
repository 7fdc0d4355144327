//! The engine that answers now ([`LiveEngine`]): replaced whole when the current index
//! generation changes, by a rebuild here, a rollback, or another process (picked up by
//! [`LiveEngine::refresh`]); and the source changes moderators make, each undone when
//! the rebuild after it fails.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;
use tracing::{info, warn};

use super::build;
use super::engine::engine;
use super::metrics::Metrics;
use super::AppError;
use crate::config::Settings;
use crate::core::corpus::manage::{self, ManageError};
use crate::core::index::{self, BuildProgress, IndexError, Manifest};
use crate::core::search::Engine;

/// The engine that answers now, replaced whole when the current generation changes. A
/// question holds the `Arc` of the engine it started on, so a swap never disturbs one in
/// flight, and a failed reindex leaves the current engine serving.
pub struct LiveEngine {
    settings: Settings,
    engine: ArcSwap<Engine>,
    /// Serialises swaps, so a refresh and a reindex never race each other backwards.
    swapping: Mutex<()>,
    metrics: Arc<Metrics>,
    /// Why the engine serving is not what a healthy index would give (a fallback from a
    /// damaged generation, or sources newer than the generation on a replica); cleared
    /// when a healthy generation takes over.
    degraded: Mutex<Option<String>>,
    /// A current generation found damaged: not opened again (the poller would otherwise
    /// try it, and fail, every `index.poll_interval`).
    damaged: Mutex<Option<(u64, String)>>,
}

impl LiveEngine {
    /// Open the current generation (building it first when it is missing or stale and
    /// `index.auto_build` allows). A process that only reads the index writes nothing to
    /// its directory: what a crashed build left behind is cleaned up by the next build.
    pub fn open(settings: Settings, progress: &dyn BuildProgress) -> Result<LiveEngine, AppError> {
        let opened = build::open_serving(&settings, progress)?;
        let metrics = Arc::new(Metrics::new());
        metrics
            .generation
            .set(opened.engine.index().manifest.generation as i64);
        if opened.degraded.is_some() {
            metrics.index_fallbacks.inc();
        }
        Ok(LiveEngine {
            settings,
            engine: ArcSwap::from_pointee(opened.engine),
            swapping: Mutex::new(()),
            metrics,
            degraded: Mutex::new(opened.degraded),
            damaged: Mutex::new(opened.damaged),
        })
    }

    /// What this process counts (rebuilds here; front ends add their own).
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Why the engine serving is degraded, when it is.
    pub fn degraded(&self) -> Option<String> {
        self.degraded.lock().expect("degraded lock").clone()
    }

    /// Refuse to write when this process only reads the index.
    fn writable(&self) -> Result<(), AppError> {
        if self.settings.index.read_only {
            return Err(AppError::ReadOnly);
        }
        Ok(())
    }

    /// The engine serving now; keep it for the whole of one question.
    pub fn engine(&self) -> Arc<Engine> {
        self.engine.load_full()
    }

    /// Rebuild from the sources and switch to the new generation. Blocking: call it off
    /// the async runtime. On error the current engine keeps serving.
    pub fn reindex(&self, progress: &dyn BuildProgress, by: &str) -> Result<Manifest, AppError> {
        self.writable()?;
        let started = std::time::Instant::now();
        let result = build::reindex(&self.settings, progress, by, index::build_threads(true));
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
        self.writable()?;
        let (name, text, sources) =
            manage::check_upload(filename, bytes, self.settings.index.max_upload_bytes)?;
        let path = manage::place(&self.settings.index.sources, &name);
        let change = manage::write(&path, &text)?;
        info!(path = %path.display(), sources = sources.len(), by, "source file stored; reindexing");
        self.reindex_or_undo(change, by)
    }

    /// Replace the source file `relative` (in the sources folder) with `text` and
    /// reindex; when the reindex fails, the file is put back as it was (a refresh).
    pub fn replace_source(
        &self,
        relative: &str,
        text: &str,
        by: &str,
    ) -> Result<Manifest, AppError> {
        self.writable()?;
        let path = self.settings.index.sources.join(relative);
        // A source removed while its page was being fetched stays removed.
        if !path.exists() {
            return Err(ManageError::NoSuchSource(relative.to_string()).into());
        }
        let change = manage::write(&path, text)?;
        info!(path = %path.display(), by, "source file replaced; reindexing");
        self.reindex_or_undo(change, by).map(|(_, m)| m)
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
        self.writable()?;
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
        self.writable()?;
        let lock = index::lock(&self.settings.index.dir, by)?;
        lock.clean_up();
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
        let serving = self.engine.load().index().manifest.clone();
        let Some(current) = index::current_manifest(&self.settings.index.dir) else {
            return Ok(None);
        };
        // A generation is known by its number and when it was built: numbers are used
        // again after a rollback removes the newest generation.
        let identity = (current.generation, current.built_at.clone());
        let mut damaged = self.damaged.lock().expect("damaged lock");
        if identity == (serving.generation, serving.built_at.clone()) {
            // A writer rolled back to what serves here: nothing is stepped around now.
            if damaged.take().is_some() {
                *self.degraded.lock().expect("degraded lock") = None;
            }
            return Ok(None);
        }
        if damaged.as_ref() == Some(&identity) {
            return Ok(None);
        }
        drop(damaged);
        let serving = serving.generation;
        let open = match index::open(&self.settings.index.dir) {
            Ok(open) => open,
            // Found damaged: the generation serving goes on; a writer's next build, or
            // rollback, replaces it.
            Err(IndexError::Damaged { path, reason }) => {
                let why = format!(
                    "answering from index generation {serving}: generation {} is damaged ({reason})",
                    current.generation
                );
                warn!(generation = %path.display(), "{why}");
                *self.damaged.lock().expect("damaged lock") = Some(identity);
                *self.degraded.lock().expect("degraded lock") = Some(why);
                self.metrics.index_fallbacks.inc();
                return Ok(None);
            }
            Err(e) => return Err(e.into()),
        };
        let engine = engine(&self.settings, open, build::synonyms(&self.settings)?)?;
        let generation = engine.index().manifest.generation;
        self.engine.store(Arc::new(engine));
        self.metrics.generation.set(generation as i64);
        *self.degraded.lock().expect("degraded lock") = None;
        info!(
            generation,
            previous = serving,
            "now answering from another index generation"
        );
        Ok(Some(generation))
    }
}
