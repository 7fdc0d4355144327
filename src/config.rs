//! Configuration in two stages: layered raw values (the `config` crate), then validated,
//! typed settings. The loader takes its folder and environment as arguments so tests can
//! drive it without touching the process environment.
//!
//! Layers, later ones winning: `default.toml` (also built into the binary), then
//! `$ATTACHE_ENV.toml`, then `local.toml` (git-ignored), then `ATTACHE__SECTION__KEY`
//! environment variables. Every error names the key and the layer it came from.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use config::{Config, Environment, File, FileFormat, Map, Source, Value, ValueKind};
use serde::Deserialize;

use crate::core::query::PlanOptions;
use crate::core::search::SearchSettings;

/// The built-in defaults; the same text as `config/default.toml`.
pub const DEFAULTS: &str = include_str!("../config/default.toml");

const ENV_PREFIX: &str = "ATTACHE";

/// Keys whose environment variable is a comma-separated list.
const LIST_KEYS: [&str; 3] = [
    "discord.guild_ids",
    "discord.moderator_role_ids",
    "discord.answer_channel_ids",
];

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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    index: RawIndex,
    search: RawSearch,
    semantic: RawSemantic,
    discord: RawDiscord,
    metrics: RawMetrics,
    log: RawLog,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMetrics {
    listen: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDiscord {
    token: String,
    api_url: String,
    #[serde(deserialize_with = "one_or_many")]
    guild_ids: Vec<u64>,
    #[serde(deserialize_with = "one_or_many")]
    moderator_role_ids: Vec<u64>,
    #[serde(deserialize_with = "one_or_many")]
    answer_channel_ids: Vec<u64>,
    cooldown: String,
    max_concurrent: u64,
    defer_after: String,
    shutdown_grace: String,
    shard_total: u64,
    shards: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIndex {
    sources: String,
    dir: String,
    synonyms: String,
    writer_memory_mb: u64,
    auto_build: bool,
    poll_interval: String,
    watch: bool,
    watch_debounce: String,
    max_upload_kb: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSearch {
    top_k: u64,
    candidates: u64,
    max_question_chars: u64,
    min_coverage: f64,
    min_passage_coverage: f64,
    relative_score_floor: f64,
    synonym_weight: f64,
    spelling_weight: f64,
    variant_weight: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSemantic {
    enabled: bool,
    max_passages: u64,
    threads: u64,
    vector_cache: String,
    question_cache: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLog {
    level: String,
    questions: bool,
}

/// Where the index and its sources live.
#[derive(Debug, Clone)]
pub struct IndexSettings {
    pub sources: PathBuf,
    pub dir: PathBuf,
    pub synonyms: PathBuf,
    pub writer_memory_bytes: usize,
    pub auto_build: bool,
    /// How often a serving bot checks whether another process changed the current
    /// generation (`attache index`, a rollback, another replica's build).
    pub poll_interval: Duration,
    /// Rebuild by itself when the sources directory changes.
    pub watch: bool,
    /// Quiet time after the last change before that rebuild starts.
    pub watch_debounce: Duration,
    /// Largest source file a moderator may upload.
    pub max_upload_bytes: usize,
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

/// A list of ids, or one id: `ATTACHE__DISCORD__GUILD_IDS=123` arrives as a number,
/// `…=123,456` as a list.
fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Number(u64),
        Text(String),
    }
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(Id),
        Many(Vec<Id>),
    }
    let ids = match OneOrMany::deserialize(d)? {
        OneOrMany::One(id) => vec![id],
        OneOrMany::Many(ids) => ids,
    };
    ids.into_iter()
        .map(|id| match id {
            Id::Number(n) => Ok(n),
            Id::Text(t) => t.trim().parse().map_err(|_| {
                serde::de::Error::custom(format!("`{t}` is not a Discord id (a number)"))
            }),
        })
        .collect()
}

/// A secret that never appears in `Debug` output, logs or error messages.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
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
    /// Where `/healthz` and `/metrics` are served (`metrics.listen`); off when `None`.
    pub metrics_listen: Option<std::net::SocketAddr>,
    /// Tracing filter used when `RUST_LOG` is not set; empty for the command's own default.
    pub log_level: String,
    /// Put each question's text in its log line (off: members' words stay out of logs).
    pub log_questions: bool,
}

/// One configuration layer, for naming where a value came from.
struct Layer {
    name: String,
    config: Config,
}

impl Settings {
    /// Load settings from the folder `dir` (usually `config/`) and the environment `env`.
    /// Relative paths in the settings are resolved against `dir`'s parent folder.
    pub fn load(dir: &Path, env: &HashMap<String, String>) -> Result<Settings, ConfigError> {
        let mut layers = Vec::new();
        let default_path = dir.join("default.toml");
        let defaults = Config::builder()
            .add_source(File::from_str(DEFAULTS, FileFormat::Toml))
            .build()?;
        layers.push(Layer {
            name: "the built-in defaults".into(),
            config: defaults,
        });
        if default_path.is_file() {
            layers.push(file_layer(&default_path)?);
        }
        if let Some(name) = env.get("ATTACHE_ENV").filter(|n| !n.is_empty()) {
            let path = dir.join(format!("{name}.toml"));
            if path.is_file() {
                layers.push(file_layer(&path)?);
            }
        }
        let local = dir.join("local.toml");
        if local.is_file() {
            layers.push(file_layer(&local)?);
        }
        // The name every Discord bot and hosting guide uses, below our own prefix.
        if let Some(token) = env.get("DISCORD_TOKEN").filter(|t| !t.trim().is_empty()) {
            let config = Config::builder()
                .set_override("discord.token", token.as_str())?
                .build()?;
            layers.push(Layer {
                name: "environment variable DISCORD_TOKEN".into(),
                config,
            });
        }
        let env_map: Map<String, String> =
            env.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let mut env_source = Environment::with_prefix(ENV_PREFIX)
            .prefix_separator("__")
            .separator("__")
            .try_parsing(true)
            .list_separator(",")
            .source(Some(env_map));
        for key in LIST_KEYS {
            env_source = env_source.with_list_parse_key(key);
        }
        layers.push(Layer {
            name: "environment variables (ATTACHE__…)".into(),
            config: Config::builder().add_source(env_source.clone()).build()?,
        });

        let allowed = keys(&layers[0].config)?;
        for layer in &layers[1..] {
            for key in keys(&layer.config)? {
                if !allowed.contains(&key) {
                    let origin = if layer.name.starts_with("environment") {
                        format!(
                            "environment variable {ENV_PREFIX}__{}",
                            key.replace('.', "__").to_uppercase()
                        )
                    } else {
                        layer.name.clone()
                    };
                    return Err(ConfigError::UnknownKey { key, origin });
                }
            }
        }

        let mut builder = Config::builder();
        for layer in &layers {
            builder = builder.add_source(layer.config.clone());
        }
        let raw: RawSettings = builder.build()?.try_deserialize()?;
        let base = dir.parent().map(Path::to_path_buf).unwrap_or_default();
        validate(raw, &base, &layers)
    }
}

fn file_layer(path: &Path) -> Result<Layer, ConfigError> {
    let config = Config::builder()
        .add_source(File::from(path).format(FileFormat::Toml))
        .build()?;
    Ok(Layer {
        name: path.display().to_string(),
        config,
    })
}

/// Every `section.key` a layer sets.
fn keys(config: &Config) -> Result<BTreeSet<String>, ConfigError> {
    fn walk(prefix: &str, table: &Map<String, Value>, out: &mut BTreeSet<String>) {
        for (k, v) in table {
            let key = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            match &v.kind {
                ValueKind::Table(t) if !t.is_empty() => walk(&key, t, out),
                _ => {
                    out.insert(key);
                }
            }
        }
    }
    let mut out = BTreeSet::new();
    walk("", &config.collect()?, &mut out);
    Ok(out)
}

/// `total` 0 and no range: automatic. Otherwise `range` is "first-last" or "n" (empty:
/// all of `total`), inside `0..total`.
fn shards(total: u64, range: &str) -> Result<Shards, String> {
    let range = range.trim();
    if total == 0 {
        return if range.is_empty() {
            Ok(Shards::Auto)
        } else {
            Err("needs discord.shard_total (the shard count of the whole bot)".into())
        };
    }
    let total = u32::try_from(total).map_err(|_| "discord.shard_total is too large".to_string())?;
    let (first, last) = if range.is_empty() {
        (0, total - 1)
    } else {
        let parse = |s: &str| {
            s.trim()
                .parse::<u32>()
                .map_err(|_| format!("must be like \"0-3\" or \"2\" (got `{range}`)"))
        };
        match range.split_once('-') {
            Some((a, b)) => (parse(a)?, parse(b)?),
            None => (parse(range)?, parse(range)?),
        }
    };
    if first > last || last >= total {
        return Err(format!(
            "`{range}` is not a range of shards within 0-{}",
            total - 1
        ));
    }
    Ok(Shards::Range { first, last, total })
}

fn validate(raw: RawSettings, base: &Path, layers: &[Layer]) -> Result<Settings, ConfigError> {
    let origin = |key: &str| {
        layers
            .iter()
            .rev()
            .find(|l| l.config.get::<Value>(key).is_ok())
            .map(|l| l.name.clone())
            .unwrap_or_else(|| "the built-in defaults".into())
    };
    let invalid = |key: &str, problem: String| ConfigError::Invalid {
        key: key.to_string(),
        origin: origin(key),
        problem,
    };
    let range_u = |key: &str, v: u64, lo: u64, hi: u64| {
        if (lo..=hi).contains(&v) {
            Ok(v as usize)
        } else {
            Err(invalid(
                key,
                format!("must be between {lo} and {hi} (got {v})"),
            ))
        }
    };
    let unit = |key: &str, v: f64| {
        if (0.0..=1.0).contains(&v) {
            Ok(v as f32)
        } else {
            Err(invalid(key, format!("must be between 0 and 1 (got {v})")))
        }
    };
    let path = |key: &str, v: &str| {
        if v.trim().is_empty() {
            Err(invalid(key, "must not be empty".into()))
        } else {
            let p = PathBuf::from(v);
            Ok(if p.is_absolute() { p } else { base.join(p) })
        }
    };
    let s = &raw.search;
    let top_k = range_u("search.top_k", s.top_k, 1, 25)?;
    let candidates = range_u("search.candidates", s.candidates, 1, 1000)?;
    if candidates < top_k {
        return Err(invalid(
            "search.candidates",
            format!("must be at least search.top_k ({top_k})"),
        ));
    }
    let duration = |key: &str, v: &str| {
        humantime::parse_duration(v.trim()).map_err(|e| {
            invalid(
                key,
                format!("is not a duration like \"3s\" or \"500ms\" ({e})"),
            )
        })
    };
    let d = &raw.discord;
    let token = Some(d.token.trim())
        .filter(|t| !t.is_empty())
        .map(|t| Secret(t.to_string()));
    let api_url = Some(d.api_url.trim().trim_end_matches('/'))
        .filter(|u| !u.is_empty())
        .map(str::to_string);
    if let Some(url) = &api_url {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(invalid(
                "discord.api_url",
                format!("must be an http:// or https:// URL (got `{url}`)"),
            ));
        }
    }
    let discord = DiscordSettings {
        token,
        token_origin: origin("discord.token"),
        api_url,
        guild_ids: d.guild_ids.clone(),
        moderator_role_ids: d.moderator_role_ids.clone(),
        answer_channel_ids: d.answer_channel_ids.clone(),
        cooldown: duration("discord.cooldown", &d.cooldown)?,
        max_concurrent: range_u("discord.max_concurrent", d.max_concurrent, 1, 4096)?,
        defer_after: duration("discord.defer_after", &d.defer_after)?,
        shutdown_grace: duration("discord.shutdown_grace", &d.shutdown_grace)?,
        shards: shards(d.shard_total, &d.shards)
            .map_err(|problem| invalid("discord.shards", problem))?,
    };
    if discord.defer_after > Duration::from_millis(2500) {
        return Err(invalid(
            "discord.defer_after",
            "must be under 2.5s: Discord drops interactions not answered within 3 seconds".into(),
        ));
    }
    if !raw.log.level.trim().is_empty()
        && tracing_subscriber::EnvFilter::try_new(&raw.log.level).is_err()
    {
        return Err(invalid(
            "log.level",
            format!("is not a valid level or filter (got `{}`)", raw.log.level),
        ));
    }
    Ok(Settings {
        index: IndexSettings {
            sources: path("index.sources", &raw.index.sources)?,
            dir: path("index.dir", &raw.index.dir)?,
            synonyms: path("index.synonyms", &raw.index.synonyms)?,
            writer_memory_bytes: range_u(
                "index.writer_memory_mb",
                raw.index.writer_memory_mb,
                15,
                16_384,
            )? * 1_000_000,
            auto_build: raw.index.auto_build,
            poll_interval: duration("index.poll_interval", &raw.index.poll_interval)?,
            watch: raw.index.watch,
            watch_debounce: duration("index.watch_debounce", &raw.index.watch_debounce)?,
            max_upload_bytes: range_u("index.max_upload_kb", raw.index.max_upload_kb, 1, 102_400)?
                * 1024,
        },
        search: SearchSettings {
            top_k,
            candidates,
            max_question_chars: range_u(
                "search.max_question_chars",
                s.max_question_chars,
                1,
                6000,
            )?,
            min_coverage: unit("search.min_coverage", s.min_coverage)?,
            min_passage_coverage: unit("search.min_passage_coverage", s.min_passage_coverage)?,
            relative_score_floor: unit("search.relative_score_floor", s.relative_score_floor)?,
            plan: PlanOptions {
                synonym_weight: unit("search.synonym_weight", s.synonym_weight)?,
                spelling_weight: unit("search.spelling_weight", s.spelling_weight)?,
                variant_weight: unit("search.variant_weight", s.variant_weight)?,
            },
        },
        semantic: SemanticSettings {
            enabled: raw.semantic.enabled,
            max_passages: range_u(
                "semantic.max_passages",
                raw.semantic.max_passages,
                0,
                10_000_000,
            )?,
            threads: match range_u("semantic.threads", raw.semantic.threads, 0, 256)? {
                0 => None,
                n => Some(n),
            },
            vector_cache: match raw.semantic.vector_cache.trim() {
                "" => None,
                p => Some(path("semantic.vector_cache", p)?),
            },
            question_cache: range_u(
                "semantic.question_cache",
                raw.semantic.question_cache,
                0,
                1_000_000,
            )?,
        },
        discord,
        metrics_listen: match raw.metrics.listen.trim() {
            "" => None,
            addr => Some(addr.parse().map_err(|_| {
                invalid(
                    "metrics.listen",
                    format!("is not an address like 127.0.0.1:9100 (got `{addr}`)"),
                )
            })?),
        },
        log_level: raw.log.level,
        log_questions: raw.log.questions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_load_and_paths_resolve_against_the_project() {
        let root = tempfile::tempdir().unwrap();
        let s = Settings::load(&root.path().join("config"), &env(&[])).unwrap();
        assert_eq!(s.search.top_k, 3);
        assert_eq!(s.index.sources, root.path().join("index/sources"));
    }

    #[test]
    fn local_file_and_environment_override_in_order() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("config");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("local.toml"),
            "[search]\ntop_k = 5\ncandidates = 50\n",
        )
        .unwrap();
        let s = Settings::load(&dir, &env(&[])).unwrap();
        assert_eq!((s.search.top_k, s.search.candidates), (5, 50));
        let s = Settings::load(&dir, &env(&[("ATTACHE__SEARCH__TOP_K", "7")])).unwrap();
        assert_eq!(s.search.top_k, 7);
    }

    #[test]
    fn unknown_keys_are_named_with_their_origin() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("config");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("local.toml"), "[search]\ntopk = 5\n").unwrap();
        let e = Settings::load(&dir, &env(&[])).unwrap_err().to_string();
        assert!(
            e.contains("`search.topk`") && e.contains("local.toml"),
            "{e}"
        );
        std::fs::remove_file(dir.join("local.toml")).unwrap();
        let e = Settings::load(&dir, &env(&[("ATTACHE__SEARCH__TOPK", "5")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("ATTACHE__SEARCH__TOPK"), "{e}");
    }

    #[test]
    fn the_token_comes_from_the_environment_and_never_shows() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("config");
        let s = Settings::load(&dir, &env(&[])).unwrap();
        assert!(s.discord.token.is_none());
        let s = Settings::load(&dir, &env(&[("DISCORD_TOKEN", "a.b.c")])).unwrap();
        assert_eq!(s.discord.token.as_ref().map(Secret::expose), Some("a.b.c"));
        assert!(s.discord.token_origin.contains("DISCORD_TOKEN"));
        assert!(
            !format!("{s:?}").contains("a.b.c"),
            "the token leaked into Debug output"
        );
        let s = Settings::load(
            &dir,
            &env(&[
                ("DISCORD_TOKEN", "a.b.c"),
                ("ATTACHE__DISCORD__TOKEN", "x.y.z"),
            ]),
        )
        .unwrap();
        assert_eq!(s.discord.token.as_ref().map(Secret::expose), Some("x.y.z"));
    }

    #[test]
    fn id_lists_come_from_files_and_comma_separated_variables() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("config");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("local.toml"), "[discord]\nguild_ids = [11, 12]\n").unwrap();
        let s = Settings::load(
            &dir,
            &env(&[("ATTACHE__DISCORD__MODERATOR_ROLE_IDS", "7,8")]),
        )
        .unwrap();
        assert_eq!(s.discord.guild_ids, vec![11, 12]);
        assert_eq!(s.discord.moderator_role_ids, vec![7, 8]);
        let s = Settings::load(
            &dir,
            &env(&[(
                "ATTACHE__DISCORD__ANSWER_CHANNEL_IDS",
                "1300000000000000001",
            )]),
        )
        .unwrap();
        assert_eq!(
            s.discord.answer_channel_ids,
            vec![1_300_000_000_000_000_001]
        );
        let e = Settings::load(&dir, &env(&[("ATTACHE__DISCORD__COOLDOWN", "soon")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("discord.cooldown"), "{e}");
    }

    #[test]
    fn shard_ranges_are_checked() {
        assert_eq!(shards(0, ""), Ok(Shards::Auto));
        assert_eq!(
            shards(4, ""),
            Ok(Shards::Range {
                first: 0,
                last: 3,
                total: 4
            })
        );
        assert_eq!(
            shards(4, "2-3"),
            Ok(Shards::Range {
                first: 2,
                last: 3,
                total: 4
            })
        );
        assert_eq!(
            shards(4, "1"),
            Ok(Shards::Range {
                first: 1,
                last: 1,
                total: 4
            })
        );
        assert!(
            shards(4, "3-4").is_err()
                && shards(0, "1").is_err()
                && shards(4, "x").is_err()
                && shards(4, "3-1").is_err()
        );
    }

    #[test]
    fn bad_values_are_named_with_their_origin() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("config");
        let e = Settings::load(&dir, &env(&[("ATTACHE__SEARCH__MIN_COVERAGE", "3")]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("search.min_coverage")
                && e.contains("environment")
                && e.contains("between 0 and 1"),
            "{e}"
        );
        let e = Settings::load(&dir, &env(&[("ATTACHE__SEARCH__TOP_K", "many")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("search.top_k"), "{e}");
    }
}
