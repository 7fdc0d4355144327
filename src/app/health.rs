//! What operators watch, over HTTP on `metrics.listen` (off by default):
//!
//! - `GET /healthz`: 200 `ready` when the Discord gateway is connected and an index
//!   generation is loaded; 200 `degraded: …` when it answers from a fallback (a damaged
//!   current generation stepped around, or sources newer than the generation on a
//!   replica), with the reason; 503 `not ready: …` (with the reason) otherwise; then one line
//!   per part that `serve` runs (`gateway`, `commands`, `index`, `poller`, `watcher`,
//!   `metrics`, `storage`; a failing storage or command registration also makes the
//!   first line `degraded`),
//!   `ok` or `failing`, with what it last did;
//! - `GET /metrics`: the Prometheus text format ([`super::metrics`]).
//!
//! Each part reports here itself, as it runs; only the gateway and the index decide
//! readiness: a failing poller or watcher leaves the process answering from what it has.

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use tracing::{info, warn};

use super::metrics::Metrics;
use super::LiveEngine;

/// How each part of a serving process is doing.
pub struct Health {
    live: Arc<LiveEngine>,
    parts: Mutex<BTreeMap<&'static str, Part>>,
}

#[derive(Debug, Clone)]
struct Part {
    ok: bool,
    detail: String,
}

impl Health {
    pub fn new(live: Arc<LiveEngine>) -> Health {
        Health {
            live,
            parts: Mutex::new(BTreeMap::new()),
        }
    }

    /// `part` works; `detail` says what it last did.
    pub fn ok(&self, part: &'static str, detail: &str) {
        self.set(part, true, detail);
    }

    /// `part` does not work now; `detail` says why.
    pub fn failing(&self, part: &'static str, detail: &str) {
        self.set(part, false, detail);
    }

    fn set(&self, part: &'static str, ok: bool, detail: &str) {
        let mut parts = self.parts.lock().expect("health lock");
        parts.insert(
            part,
            Part {
                ok,
                detail: detail.to_string(),
            },
        );
    }

    /// Whether the process can answer, and the report `/healthz` shows.
    pub fn report(&self) -> (bool, String) {
        let mut parts = self.parts.lock().expect("health lock").clone();
        let manifest = self.live.engine().index().manifest.clone();
        let loaded = manifest.passages > 0;
        parts.insert(
            "index",
            Part {
                ok: loaded,
                detail: format!(
                    "generation {}, {} passages",
                    manifest.generation, manifest.passages
                ),
            },
        );
        let connected = parts.get("gateway").is_some_and(|p| p.ok);
        // Answers go on without the storage; what needs it says it is unavailable.
        let storage = parts
            .get("storage")
            .filter(|p| !p.ok)
            .map(|p| format!("storage unavailable: {}", p.detail));
        // Answers go on while the commands are not registered (an earlier start's are
        // still on Discord), but a new or changed command is not offered yet.
        let commands = parts
            .get("commands")
            .filter(|p| !p.ok)
            .map(|p| format!("commands not registered: {}", p.detail));
        let head = match (
            connected,
            loaded,
            self.live.degraded().or(storage).or(commands),
        ) {
            (true, true, None) => "ready".to_string(),
            // Answering, from a fallback: ready for traffic, and the reason to act.
            (true, true, Some(why)) => format!("degraded: {why}"),
            (false, _, _) => "not ready: the Discord gateway is not connected".to_string(),
            (_, false, _) => "not ready: no index generation is loaded".to_string(),
        };
        let mut body = format!("{head}\n");
        for (name, part) in &parts {
            let state = if part.ok { "ok" } else { "failing" };
            body.push_str(&format!("{name}: {state}: {}\n", part.detail));
        }
        (connected && loaded, body)
    }
}

/// Serve `/healthz` and `/metrics` on `listener` until `stop` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    metrics: Arc<Metrics>,
    health: Arc<Health>,
    stop: impl Future<Output = ()> + Send + 'static,
) {
    let addr: Option<SocketAddr> = listener.local_addr().ok();
    info!(addr = ?addr, "metrics and health endpoint listening");
    health.ok(
        "metrics",
        &addr.map_or_else(|| "listening".into(), |a| format!("listening on {a}")),
    );
    let app = axum::Router::new()
        .route("/healthz", axum::routing::get(healthz))
        .route("/metrics", axum::routing::get(prometheus))
        .with_state((metrics, health.clone()));
    if let Err(e) = axum::serve(listener, app)
        .with_graceful_shutdown(stop)
        .await
    {
        warn!(error = %e, "the metrics endpoint stopped");
        health.failing("metrics", &format!("stopped: {e}"));
    }
}

type Shared = (Arc<Metrics>, Arc<Health>);

async fn healthz(State((_, health)): State<Shared>) -> impl IntoResponse {
    let (ready, body) = health.report();
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, body)
}

async fn prometheus(State((metrics, _)): State<Shared>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        metrics.encode(),
    )
}
