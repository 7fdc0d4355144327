//! Configuration in two stages: layered raw values (the `config` crate), then validated,
//! typed settings. The loader takes its folder and environment as arguments so tests can
//! drive it without touching the process environment.
//!
//! Layers, later ones winning: `default.toml` (also built into the binary), then
//! `$ATTACHE_ENV.toml`, then `local.toml` (git-ignored), then `ATTACHE__SECTION__KEY`
//! environment variables. Every error names the key and the layer it came from.

mod layers;
mod raw;
mod secret;
mod validate;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::core::query::PlanOptions;
use crate::core::search::SearchSettings;

pub use secret::{remember_voter_secret, SecretError};

/// The built-in defaults; the same text as `config/default.toml`.
pub const DEFAULTS: &str = include_str!("../../config/default.toml");

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("unknown configuration key `{key}` in {origin}")]
    UnknownKey { key: String, origin: String },
    #[error("configuration key `{key}` (from {origin}) {problem}")]
    Invalid {
        key: String,
        origin: String,
        problem: String,
    },
    #[error("configuration: {0}")]
    Load(#[from] config::ConfigError),
}

#[derive(Debug, Clone)]
pub struct IndexSettings {
    pub sources: PathBuf,
    pub dir: PathBuf,
    pub synonyms: PathBuf,
    pub writer_memory_bytes: usize,
    pub auto_build: bool,
    /// A replica: this process only reads the index, never writes to `dir`.
    pub read_only: bool,
    /// How long to wait at start for a first generation someone else builds.
    pub first_build_wait: Duration,
    /// How often a serving bot checks whether another process changed the current
    /// generation (`attache index`, a rollback, another replica's build).
    pub poll_interval: Duration,
    /// Rebuild by itself when the sources directory changes.
    pub watch: bool,
    /// Quiet time after the last change before that rebuild starts.
    pub watch_debounce: Duration,
    /// Largest source file a moderator may upload.
    pub max_upload_bytes: usize,
    /// Sources from a link: the only `host:port` pairs exempt from the public-address
    /// rule, the largest page read, the time a whole fetch may take, and how often the
    /// pages are fetched again (`None`: never by itself).
    pub fetch_allow: Vec<std::net::SocketAddr>,
    pub max_fetch_bytes: usize,
    pub fetch_timeout: Duration,
    pub refresh_every: Option<Duration>,
}

/// Semantic search (see `[semantic]` in `config/default.toml`).
#[derive(Debug, Clone)]
pub struct SemanticSettings {
    /// On in the configuration (a build without the `semantic` feature ignores it).
    pub enabled: bool,
    /// Above this many passages a generation is built without vectors.
    pub max_passages: usize,
    /// Threads the model may use; `None`: every core for a one-off command, half of
    /// them while serving (as index builds do).
    pub threads: Option<usize>,
    /// A file of vectors shared between builds.
    pub vector_cache: Option<PathBuf>,
    /// Question vectors kept in memory.
    pub question_cache: usize,
}

/// A secret that never appears in `Debug` output, logs or error messages.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Secret {
        Secret(value)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Which gateway shards this process runs (`discord.shard_total`, `discord.shards`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shards {
    /// As many as Discord recommends (`/gateway/bot`), all in this process.
    Auto,
    /// Shards `first..=last` of `total`; the other processes run the rest.
    Range { first: u32, last: u32, total: u32 },
}

/// The Discord front end's settings (`[discord]`).
#[derive(Debug, Clone)]
pub struct DiscordSettings {
    /// From `ATTACHE__DISCORD__TOKEN`, `DISCORD_TOKEN` or a config file, in that order.
    pub token: Option<Secret>,
    /// Where the token came from, to name it in errors without showing it.
    pub token_origin: String,
    /// Base URL of Discord's REST API (an HTTP proxy, or a local Discord in tests).
    pub api_url: Option<String>,
    /// Register commands in these guilds (instant) instead of globally (up to an hour).
    pub guild_ids: Vec<u64>,
    /// Members with one of these roles may run moderator commands, besides Manage Server.
    pub moderator_role_ids: Vec<u64>,
    /// Every message in these channels is taken as a question (needs Message Content).
    pub answer_channel_ids: Vec<u64>,
    /// Every new post in these forum channels gets one answer (needs Message Content).
    pub forum_channel_ids: Vec<u64>,
    /// The forum tag (by name) put on a post that was answered; empty: none.
    pub forum_answered_tag: String,
    /// The forum tag put on a post where nothing was found; empty: none.
    pub forum_unanswered_tag: String,
    /// Time a member waits between questions.
    pub cooldown: Duration,
    /// Questions answered at once; more get a polite "busy" reply.
    pub max_concurrent: usize,
    /// An answer not ready by then is deferred ("thinking…") and completed later.
    pub defer_after: Duration,
    /// On SIGINT/SIGTERM, how long questions in flight may take to finish.
    pub shutdown_grace: Duration,
    pub shards: Shards,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub index: IndexSettings,
    pub search: SearchSettings,
    pub semantic: SemanticSettings,
    pub discord: DiscordSettings,
    pub storage: crate::store::StorageSettings,
    /// Where `/healthz` and `/metrics` are served (`metrics.listen`); off when `None`.
    pub metrics_listen: Option<std::net::SocketAddr>,
    /// Tracing filter used when `RUST_LOG` is not set; empty for the command's own default.
    pub log_level: String,
    /// Put each question's text in its log line (off: members' words stay out of logs).
    pub log_questions: bool,
}

impl Settings {
    /// Load settings from the folder `dir` (usually `config/`) and the environment `env`.
    /// Relative paths in the settings are resolved against `dir`'s parent folder.
    pub fn load(dir: &Path, env: &HashMap<String, String>) -> Result<Settings, ConfigError> {
        let layers = layers::layers(dir, env)?;
        let raw = layers::merge(&layers)?;
        let base = dir.parent().map(Path::to_path_buf).unwrap_or_default();
        validate::validate(raw, &base, &layers)
    }
}

#[cfg(test)]
mod tests;
