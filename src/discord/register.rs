//! Registering the commands on Discord, apart from answering: the commands registered at
//! an earlier start are still on Discord, so members' `/ask`, buttons and menu commands
//! are answered from the first READY whether or not this has succeeded yet.
//!
//! One `PUT …/commands` per target (global, or each configured guild), retried with a
//! bounded backoff until every target took it: Discord's API answers 5xx now and then,
//! and a 429's `retry_after` (body) or `Retry-After` (header) is waited for. The request
//! is made here rather than with serenity's `set_global_commands` for two reasons:
//! serenity's error for a 429 drops `retry_after`, and serenity reads the 2xx body as
//! commands, so a body it cannot read would count as a failure and be retried forever,
//! though Discord took the commands. A 2xx is registered, whatever its body (logged).
//!
//! `/healthz` shows it: `commands: ok: N registered`, or `commands: failing: <reason>,
//! next try in 30s` (the first line then says degraded).

use std::sync::Arc;
use std::time::Duration;

use serenity::all::{ApplicationId, CreateCommand, GuildId};
use serenity::http::{Http, LightMethod, Request, Route};
use tracing::{info, warn};

use crate::app::health::Health;

/// The health part this reports as.
pub const PART: &str = "commands";

/// The first wait after a failure; it doubles up to [`MAX_WAIT`].
const FIRST_WAIT: Duration = Duration::from_secs(1);
/// The longest wait between two tries (a 429 may ask for longer, and gets it).
const MAX_WAIT: Duration = Duration::from_secs(60);
/// How long one try may take.
const TRY_TIMEOUT: Duration = Duration::from_secs(30);

/// Where the commands go: every guild (global) or one guild.
#[derive(Debug, Clone, Copy)]
enum Target {
    Global,
    Guild(GuildId),
}

/// One try's outcome, when it failed.
#[derive(Debug)]
struct Failure {
    reason: String,
    /// What Discord asked to wait (a 429), if it said.
    retry_after: Option<Duration>,
}

/// Register `commands` for `application` (on each of `guild_ids`, or globally when there
/// are none) until every target took them, reporting to `health`. Runs until done.
pub async fn register_until_done(
    http: Arc<Http>,
    application: ApplicationId,
    guild_ids: Vec<u64>,
    commands: Vec<CreateCommand>,
    health: Arc<Health>,
) {
    let body = match serde_json::to_vec(&commands) {
        Ok(body) => body,
        Err(e) => {
            // Our own builders: cannot fail in practice, and retrying would not help.
            warn!(error = %e, "the commands could not be encoded for Discord");
            health.failing(PART, &format!("cannot encode the commands: {e}"));
            return;
        }
    };
    let targets: Vec<Target> = if guild_ids.is_empty() {
        vec![Target::Global]
    } else {
        guild_ids
            .iter()
            .map(|id| Target::Guild(GuildId::new(*id)))
            .collect()
    };
    let client = match reqwest::Client::builder().timeout(TRY_TIMEOUT).build() {
        Ok(c) => c,
        Err(e) => {
            warn!(error = %e, "no HTTP client for the command registration");
            health.failing(PART, &format!("no HTTP client: {e}"));
            return;
        }
    };
    let mut wait = FIRST_WAIT;
    let mut failures = 0u32;
    for target in targets {
        loop {
            match put(&client, &http, application, target, &body).await {
                Ok(()) => break,
                Err(failure) => {
                    failures += 1;
                    let next = next_wait(wait, failure.retry_after);
                    warn!(
                        target = ?target,
                        reason = %failure.reason,
                        failures,
                        next_try_s = next.as_secs_f64(),
                        "could not register the commands on Discord; answering goes on, retrying"
                    );
                    health.failing(
                        PART,
                        &format!(
                            "{}, next try in {}",
                            failure.reason,
                            humantime::format_duration(round_to_seconds(next))
                        ),
                    );
                    tokio::time::sleep(next).await;
                    wait = (wait * 2).min(MAX_WAIT);
                }
            }
        }
    }
    info!(
        commands = commands.len(),
        failures, "commands registered on Discord"
    );
    health.ok(PART, &format!("{} registered", commands.len()));
}

/// How long to wait after a failure: the backoff, or longer if Discord asked.
fn next_wait(backoff: Duration, retry_after: Option<Duration>) -> Duration {
    match retry_after {
        Some(asked) => asked.max(backoff.min(MAX_WAIT)),
        None => backoff.min(MAX_WAIT),
    }
}

fn round_to_seconds(d: Duration) -> Duration {
    Duration::from_secs(d.as_secs_f64().ceil().max(1.0) as u64)
}

/// One `PUT` of every command to `target`.
async fn put(
    client: &reqwest::Client,
    http: &Http,
    application: ApplicationId,
    target: Target,
    body: &[u8],
) -> Result<(), Failure> {
    let route = match target {
        Target::Global => Route::Commands {
            application_id: application,
        },
        Target::Guild(guild_id) => Route::GuildCommands {
            application_id: application,
            guild_id,
        },
    };
    // serenity's own request: its URL (through `discord.api_url` when set), headers and
    // token, sent by this client so the whole answer can be read.
    let request = Request::new(route, LightMethod::Put)
        .body(Some(body.to_vec()))
        .build(client, http.token(), http.proxy.as_deref())
        .map_err(|e| Failure {
            reason: format!("cannot build the request: {e}"),
            retry_after: None,
        })?;
    let response = request.send().await.map_err(|e| Failure {
        reason: if e.is_timeout() {
            "Discord did not answer in time".to_string()
        } else {
            format!("cannot reach Discord: {}", e.without_url())
        },
        retry_after: None,
    })?;
    let status = response.status();
    let header_wait = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok());
    let text = response.text().await.unwrap_or_default();
    if status.is_success() {
        // Discord took the commands; what it says back is only an echo of them.
        if serde_json::from_str::<Vec<serenity::all::Command>>(&text).is_err() {
            warn!(
                status = status.as_u16(),
                target = ?target,
                "Discord took the commands but its answer could not be read; counted as registered"
            );
        }
        return Ok(());
    }
    let json: Option<serde_json::Value> = serde_json::from_str(&text).ok();
    let body_wait = json
        .as_ref()
        .and_then(|j| j.get("retry_after"))
        .and_then(serde_json::Value::as_f64);
    let retry_after = body_wait
        .or(header_wait)
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(|s| Duration::from_secs_f64(s.min(3600.0)));
    let message = json
        .as_ref()
        .and_then(|j| j.get("message"))
        .and_then(serde_json::Value::as_str)
        .map(|m| format!(" ({})", m.chars().take(120).collect::<String>()))
        .unwrap_or_default();
    Err(Failure {
        reason: format!("Discord answered HTTP {}{message}", status.as_u16()),
        retry_after,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_up_to_a_minute_and_a_429_may_ask_for_longer() {
        assert_eq!(
            next_wait(Duration::from_secs(2), None),
            Duration::from_secs(2)
        );
        assert_eq!(next_wait(Duration::from_secs(600), None), MAX_WAIT);
        assert_eq!(
            next_wait(Duration::from_secs(1), Some(Duration::from_secs(5))),
            Duration::from_secs(5)
        );
        assert_eq!(
            next_wait(Duration::from_secs(4), Some(Duration::from_millis(200))),
            Duration::from_secs(4)
        );
    }
}
