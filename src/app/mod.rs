//! The wiring: from settings to an engine that answers, and the one place a serving
//! process runs. Front ends get their engine here and nowhere else, so "build on first
//! use, rebuild when stale" behaves the same everywhere.
//!
//! - [`build`]: freshness, rebuilding, and the engine a front end starts from;
//! - [`engine`]: what an opened generation is answered with (semantic search or not);
//! - [`live`]: [`LiveEngine`], the engine answering now, swapped whole on a new
//!   generation;
//! - [`watch`]: rebuilding when the sources change;
//! - [`serve`]: `attache serve`: the runtime, the signals, every part, their shutdown;
//! - [`health`] and [`metrics`]: what operators watch.

pub mod build;
pub mod engine;
pub mod health;
pub mod links;
pub mod live;
pub mod metrics;
pub mod serve;
pub mod watch;

pub use build::{freshness, open_engine, open_serving, reindex, synonyms, Freshness, Opened};
pub use engine::engine;
pub use live::LiveEngine;

use crate::core::corpus::manage::ManageError;
use crate::core::corpus::CorpusErrors;
use crate::core::index::IndexError;

/// What can go wrong in the wiring, each kind from its own layer.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A source file is malformed (every problem, as `path:line: …`).
    #[error(transparent)]
    Sources(#[from] CorpusErrors),
    /// The index could not be built, opened or switched.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// The sources folder could not be read.
    #[error("cannot read the sources at {path}: {source}")]
    SourcesIo {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    /// A source a moderator added or removed was refused or could not be written.
    #[error(transparent)]
    Manage(#[from] ManageError),
    /// The sources folder cannot be watched (`index.watch`).
    #[error("cannot watch the sources: {0}")]
    Watch(String),
    /// This process only reads the index (`index.read_only`), and was asked to write.
    #[error("this process only reads the index (index.read_only = true): rebuild, roll back and change sources where the index is written, with `attache index` or the bot that writes it")]
    ReadOnly,
    /// No generation appeared while another process was to build it.
    #[error("no index generation appeared at {} within {} (index.first_build_wait): is the process that builds it running? Run `attache index` there, or wait longer", path.display(), humantime::format_duration(*waited))]
    NoFirstGeneration {
        path: std::path::PathBuf,
        waited: std::time::Duration,
    },
    /// The index is older than the sources and may not be rebuilt here.
    #[error("the index at {0} is out of date and index.auto_build is off; run `attache index`")]
    Stale(std::path::PathBuf),
}
