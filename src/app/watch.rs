//! Rebuilding when the sources change (`index.watch`): once per burst of changes, after
//! `index.watch_debounce` without further change, on the watcher's own thread.
//!
//! Hand-written on top of `notify` because the debouncer crates either drop the event
//! kinds (and a rebuild's own reads of the sources would then trigger the next rebuild)
//! or debounce per file rather than per burst.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;

use notify::{EventKind, RecursiveMode, Watcher};
use tracing::{info, warn};

use super::health::Health;
use super::{AppError, LiveEngine};

/// Keeps the watch running; dropping it stops watching (a rebuild under way finishes).
pub struct SourceWatcher {
    _watcher: notify::RecommendedWatcher,
}

/// Watch `live`'s sources and rebuild it when they change. Its failures are logged and
/// shown under `watcher` in `/healthz`.
pub fn watch(live: Arc<LiveEngine>, health: Arc<Health>) -> Result<SourceWatcher, AppError> {
    let (tx, rx) = mpsc::channel::<()>();
    let notify_health = health.clone();
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
            Err(e) => {
                warn!(error = %e, "watching the sources failed");
                notify_health.failing("watcher", &format!("watching the sources failed: {e}"));
            }
        })
        .map_err(|e| AppError::Watch(e.to_string()))?;
    let sources = live.settings().index.sources.clone();
    watcher
        .watch(&sources, RecursiveMode::Recursive)
        .map_err(|e| AppError::Watch(e.to_string()))?;
    let quiet = live.settings().index.watch_debounce;
    health.ok("watcher", "watching the sources");
    std::thread::Builder::new()
        .name("attache-watch".into())
        .spawn(move || {
            // Ends when the watcher (and so the sender) is dropped.
            while rx.recv().is_ok() {
                let mut changes = 1;
                loop {
                    match rx.recv_timeout(quiet) {
                        Ok(()) => changes += 1,
                        Err(RecvTimeoutError::Timeout) => break,
                        Err(RecvTimeoutError::Disconnected) => return,
                    }
                }
                info!(changes, "the sources changed; reindexing");
                match live.reindex(&(), "watch") {
                    Ok(m) => health.ok(
                        "watcher",
                        &format!("watching the sources; rebuilt generation {}", m.generation),
                    ),
                    // The watch itself works: a bad source is the moderators' to fix,
                    // and the previous generation keeps serving.
                    Err(e) => {
                        warn!(error = %e, "reindex after a change of sources failed; the previous generation keeps serving");
                        health.ok(
                            "watcher",
                            "watching the sources; the last rebuild failed (see the logs)",
                        );
                    }
                }
            }
        })
        .map_err(|e| AppError::Watch(e.to_string()))?;
    info!(path = %sources.display(), "watching the sources");
    Ok(SourceWatcher { _watcher: watcher })
}
