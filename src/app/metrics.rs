//! What operators count: Prometheus metrics (questions, answer times, rebuilds, gateway
//! reconnects, failed requests to Discord, the generation answering). Front-end neutral:
//! the Discord layer and the rebuilds record into [`Metrics`]; [`super::health`] serves
//! them on `metrics.listen`.

use std::sync::atomic::{AtomicBool, Ordering};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use tracing::warn;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct QuestionLabels {
    /// slash, mention, dm, channel, button
    pub via: String,
    /// answered, nothing_found, refused, failed
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct VoteLabels {
    /// up, down, comment
    pub vote: String,
    /// recorded, unavailable, unknown_answer, cooldown
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResultLabels {
    pub result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StatusLabels {
    /// The HTTP status Discord answered, or "transport" when there was no answer.
    pub status: String,
}

/// Answer-time buckets (first, factor, count): 0.1 ms (a cached lexical answer) to about
/// 6 s (far past Discord's 3-second deadline), a factor of 2.5 apart.
const ANSWER_BUCKETS: (f64, f64, u16) = (0.0001, 2.5, 12);

/// Rebuild-time buckets: 50 ms (a handful of records) to about 100 s (a large corpus
/// embedded from scratch), doubling.
const REINDEX_BUCKETS: (f64, f64, u16) = (0.05, 2.0, 12);

pub struct Metrics {
    registry: Registry,
    pub questions: Family<QuestionLabels, Counter>,
    /// Seconds from a question's arrival to its answer being ready.
    pub answer_seconds: Histogram,
    pub reindexes: Family<ResultLabels, Counter>,
    pub reindex_seconds: Histogram,
    pub gateway_reconnects: Counter,
    pub discord_errors: Family<StatusLabels, Counter>,
    pub generation: Gauge,
    /// Times a damaged or out-of-date generation made this process answer degraded.
    pub index_fallbacks: Counter,
    /// Votes on answers and notes after 👎, by outcome.
    pub votes: Family<VoteLabels, Counter>,
    gateway_connected: AtomicBool,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("attache");
        let questions = Family::<QuestionLabels, Counter>::default();
        let (start, factor, count) = ANSWER_BUCKETS;
        let answer_seconds = Histogram::new(exponential_buckets(start, factor, count));
        let reindexes = Family::<ResultLabels, Counter>::default();
        let (start, factor, count) = REINDEX_BUCKETS;
        let reindex_seconds = Histogram::new(exponential_buckets(start, factor, count));
        let gateway_reconnects = Counter::default();
        let discord_errors = Family::<StatusLabels, Counter>::default();
        let generation = Gauge::default();
        let index_fallbacks = Counter::default();
        let votes = Family::<VoteLabels, Counter>::default();
        registry.register(
            "votes",
            "Votes on answers (up, down) and notes after a vote down (comment), by outcome",
            votes.clone(),
        );
        registry.register(
            "questions",
            "Questions, by how they came and how they ended",
            questions.clone(),
        );
        registry.register(
            "answer_seconds",
            "Time to answer a question",
            answer_seconds.clone(),
        );
        registry.register("reindexes", "Index rebuilds, by result", reindexes.clone());
        registry.register(
            "reindex_seconds",
            "Time a successful rebuild took",
            reindex_seconds.clone(),
        );
        registry.register(
            "gateway_reconnects",
            "Gateway connections after the first",
            gateway_reconnects.clone(),
        );
        registry.register(
            "discord_errors",
            "Failed requests to Discord, by HTTP status",
            discord_errors.clone(),
        );
        registry.register(
            "index_generation",
            "The index generation answering",
            generation.clone(),
        );
        registry.register(
            "index_fallbacks",
            "Times this process answered degraded: from an older generation than a damaged current one, or from a generation older than the sources on a replica",
            index_fallbacks.clone(),
        );
        Metrics {
            registry,
            index_fallbacks,
            votes,
            questions,
            answer_seconds,
            reindexes,
            reindex_seconds,
            gateway_reconnects,
            discord_errors,
            generation,
            gateway_connected: AtomicBool::new(false),
        }
    }

    pub fn vote(&self, vote: &str, outcome: &str) {
        self.votes
            .get_or_create(&VoteLabels {
                vote: vote.into(),
                outcome: outcome.into(),
            })
            .inc();
    }

    pub fn question(&self, via: &str, outcome: &str) {
        self.questions
            .get_or_create(&QuestionLabels {
                via: via.into(),
                outcome: outcome.into(),
            })
            .inc();
    }

    pub fn reindex(&self, ok: bool, seconds: f64) {
        let result = if ok { "ok" } else { "failed" };
        self.reindexes
            .get_or_create(&ResultLabels {
                result: result.into(),
            })
            .inc();
        if ok {
            self.reindex_seconds.observe(seconds);
        }
    }

    pub fn discord_error(&self, status: Option<u16>) {
        let status = status.map_or_else(|| "transport".to_string(), |s| s.to_string());
        self.discord_errors
            .get_or_create(&StatusLabels { status })
            .inc();
    }

    /// The gateway connected (`true`) or dropped (`false`); a connection after the first
    /// counts as a reconnect.
    pub fn gateway(&self, connected: bool, first: bool) {
        let was = self.gateway_connected.swap(connected, Ordering::SeqCst);
        if connected && !was && !first {
            self.gateway_reconnects.inc();
        }
    }

    pub fn encode(&self) -> String {
        let mut out = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            warn!(error = %e, "cannot encode the metrics");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_show_in_the_prometheus_text() {
        let m = Metrics::new();
        m.question("slash", "answered");
        m.question("slash", "answered");
        m.question("mention", "nothing_found");
        m.answer_seconds.observe(0.0004);
        m.discord_error(Some(429));
        m.gateway(true, true);
        m.gateway(false, false);
        m.gateway(true, false);
        let text = m.encode();
        assert!(
            text.contains(r#"attache_questions_total{via="slash",outcome="answered"} 2"#),
            "{text}"
        );
        assert!(
            text.contains(r#"attache_discord_errors_total{status="429"} 1"#),
            "{text}"
        );
        assert!(
            text.contains("attache_gateway_reconnects_total 1"),
            "{text}"
        );
        assert!(text.contains("attache_answer_seconds_count 1"), "{text}");
    }
}
