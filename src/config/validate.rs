//! The second stage: raw values to typed settings, each error naming the key and the
//! layer its value came from.

use std::path::Path;
use std::time::Duration;

use config::Value;

use super::layers::Layer;
use super::raw::RawSettings;
use super::*;
use crate::store::{Location, StorageSettings};

/// `total` 0 and no range: automatic. Otherwise `range` is "first-last" or "n" (empty:
/// all of `total`), inside `0..total`.
pub(super) fn shards(total: u64, range: &str) -> Result<Shards, String> {
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

pub(super) fn validate(
    raw: RawSettings,
    base: &Path,
    layers: &[Layer],
) -> Result<Settings, ConfigError> {
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
    // Addresses and ports (IPv6 in brackets); never names, which may resolve anywhere.
    let fetch_allow = |pairs: &[String]| -> Result<Vec<std::net::SocketAddr>, ConfigError> {
        pairs
            .iter()
            .map(|p| {
                p.trim().parse().map_err(|_| {
                    invalid(
                        "index.fetch_allow",
                        format!(
                            "`{}` is not an address and port like \"127.0.0.1:8080\" or \"[::1]:8080\" (names are not allowed)",
                            p.trim()
                        ),
                    )
                })
            })
            .collect()
    };
    let st = &raw.storage;
    let storage =
        StorageSettings {
            location: match st.url.trim() {
                "" => Location::Sqlite(path("storage.path", &st.path)?),
                url if url.starts_with("postgres://")
                    || url.starts_with("postgresql://")
                    || url.contains('=') =>
                {
                    Location::Postgres(Secret(url.to_string()))
                }
                _ => {
                    return Err(invalid(
                        "storage.url",
                        "is not a PostgreSQL connection string (postgres://… or host=… dbname=…)"
                            .into(),
                    ))
                }
            },
            keep: duration("storage.keep", &st.keep)?,
            max_votes: range_u("storage.max_votes", st.max_votes, 1, 100_000_000)? as u64,
            voter_secret: match st.voter_secret.trim() {
                "" => None,
                s if s.len() < 16 => return Err(invalid(
                    "storage.voter_secret",
                    "is too short (at least 16 characters; leave it empty to have one generated)"
                        .into(),
                )),
                s => Some(Secret(s.to_string())),
            },
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
        forum_channel_ids: d.forum_channel_ids.clone(),
        forum_answered_tag: d.forum_answered_tag.trim().to_string(),
        forum_unanswered_tag: d.forum_unanswered_tag.trim().to_string(),
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
            read_only: raw.index.read_only,
            first_build_wait: duration("index.first_build_wait", &raw.index.first_build_wait)?,
            poll_interval: duration("index.poll_interval", &raw.index.poll_interval)?,
            watch: raw.index.watch,
            watch_debounce: duration("index.watch_debounce", &raw.index.watch_debounce)?,
            max_upload_bytes: range_u("index.max_upload_kb", raw.index.max_upload_kb, 1, 102_400)?
                * 1024,
            fetch_allow: fetch_allow(&raw.index.fetch_allow)?,
            max_fetch_bytes: range_u("index.max_fetch_kb", raw.index.max_fetch_kb, 16, 65_536)?
                * 1024,
            fetch_timeout: duration("index.fetch_timeout", &raw.index.fetch_timeout)?,
            refresh_every: match raw.index.refresh_every.trim() {
                "" | "off" => None,
                every => Some(duration("index.refresh_every", every)?),
            },
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
        storage,
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
