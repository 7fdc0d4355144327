//! The raw configuration: every key of `config/default.toml`, as the layers give it,
//! before validation. Unknown keys are refused here (`deny_unknown_fields`).

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSettings {
    pub(super) index: RawIndex,
    pub(super) search: RawSearch,
    pub(super) semantic: RawSemantic,
    pub(super) discord: RawDiscord,
    pub(super) metrics: RawMetrics,
    pub(super) log: RawLog,
    pub(super) storage: RawStorage,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStorage {
    pub(super) path: String,
    pub(super) url: String,
    pub(super) voter_secret: String,
    pub(super) keep: String,
    pub(super) max_votes: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMetrics {
    pub(super) listen: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDiscord {
    pub(super) token: String,
    pub(super) api_url: String,
    #[serde(deserialize_with = "one_or_many")]
    pub(super) guild_ids: Vec<u64>,
    #[serde(deserialize_with = "one_or_many")]
    pub(super) moderator_role_ids: Vec<u64>,
    #[serde(deserialize_with = "one_or_many")]
    pub(super) answer_channel_ids: Vec<u64>,
    #[serde(deserialize_with = "one_or_many")]
    pub(super) forum_channel_ids: Vec<u64>,
    pub(super) forum_answered_tag: String,
    pub(super) forum_unanswered_tag: String,
    pub(super) cooldown: String,
    pub(super) max_concurrent: u64,
    pub(super) defer_after: String,
    pub(super) shutdown_grace: String,
    pub(super) shard_total: u64,
    pub(super) shards: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawIndex {
    pub(super) read_only: bool,
    pub(super) first_build_wait: String,
    pub(super) sources: String,
    pub(super) dir: String,
    pub(super) synonyms: String,
    pub(super) writer_memory_mb: u64,
    pub(super) auto_build: bool,
    pub(super) poll_interval: String,
    pub(super) watch: bool,
    pub(super) watch_debounce: String,
    pub(super) max_upload_kb: u64,
    pub(super) fetch_allow: Vec<String>,
    pub(super) max_fetch_kb: u64,
    pub(super) fetch_timeout: String,
    pub(super) refresh_every: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSearch {
    pub(super) top_k: u64,
    pub(super) candidates: u64,
    pub(super) max_question_chars: u64,
    pub(super) min_coverage: f64,
    pub(super) min_passage_coverage: f64,
    pub(super) relative_score_floor: f64,
    pub(super) synonym_weight: f64,
    pub(super) spelling_weight: f64,
    pub(super) variant_weight: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSemantic {
    pub(super) enabled: bool,
    pub(super) max_passages: u64,
    pub(super) threads: u64,
    pub(super) vector_cache: String,
    pub(super) question_cache: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLog {
    pub(super) level: String,
    pub(super) questions: bool,
}

/// A list of ids, or one id: `ATTACHE__DISCORD__GUILD_IDS=123` arrives as a number,
/// `…=123,456` as a list.
pub(super) fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u64>, D::Error> {
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
