//! `attache serve`: the one place the bot runs. It owns the async runtime, the signals
//! and shutdown, and every part of a serving process:
//!
//! - the **Discord client** ([`crate::discord::client`]), which answers;
//! - the **poller**, which switches to index generations built or rolled back by another
//!   process (or `attache index`) within `index.poll_interval`;
//! - the **watcher** (`index.watch`), which rebuilds when the sources change;
//! - the **metrics and health endpoint** (`metrics.listen`);
//! - the **storage** ([`crate::store`]) and its retention, every minute.
//!
//! Each part logs its own failures and reports to `/healthz` ([`super::health`]). On
//! SIGINT or SIGTERM they stop in this order: stop taking questions, finish those in
//! flight (up to `discord.shutdown_grace`), stop the background parts, close the gateway.

use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tokio::sync::watch;
use tracing::{info, warn};

use super::health::{self, Health};
use super::watch::watch as watch_sources;
use super::LiveEngine;
use crate::config::Settings;
use crate::core::index::BuildProgress;
use crate::discord;
use crate::store::{Location, Storage, PRUNE_EVERY};

/// The poller never looks more often than this, whatever `index.poll_interval` says: one
/// small file read each time, but a busy loop helps nobody.
const MIN_POLL_INTERVAL: Duration = Duration::from_millis(100);

/// How long shutdown waits for each background part to stop after being told to.
const BACKGROUND_STOP: Duration = Duration::from_secs(5);

/// Settings that make serving impossible, found before anything starts (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct Misconfigured(#[from] discord::TokenError);

/// Check the settings, open (or build) the index, start the runtime and serve until
/// SIGINT or SIGTERM. Blocking: the front end calls it from `main`'s thread.
pub fn serve(
    mut settings: Settings,
    config_dir: &Path,
    progress: &dyn BuildProgress,
) -> anyhow::Result<()> {
    // A missing or malformed token is reported before anything else happens.
    discord::client::token(&settings.discord).map_err(Misconfigured)?;
    match (&settings.storage.voter_secret, &settings.storage.location) {
        (Some(_), _) => {}
        // Processes on several machines share the database: a secret made up here would
        // differ from theirs, and one member would count as several voters.
        (None, Location::Postgres(_)) => warn!(
            "votes on answers are off: with storage.url, set storage.voter_secret (ATTACHE__STORAGE__VOTER_SECRET), the same long random string in every process"
        ),
        (None, Location::Sqlite(_)) => match crate::config::remember_voter_secret(config_dir) {
            Ok(secret) => settings.storage.voter_secret = Some(secret),
            Err(e) => warn!(error = %e, "votes on answers are off"),
        },
    }
    let live = Arc::new(LiveEngine::open(settings, progress)?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(run(live, shutdown_signal()))
}

/// Serve from `live` until `shutdown` completes (or the gateway closes on its own), then
/// stop every part in order.
pub async fn run(
    live: Arc<LiveEngine>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let settings = live.settings().clone();
    let health = Arc::new(Health::new(live.clone()));
    let (stop, stopping) = watch::channel(false);

    let endpoint = match settings.metrics_listen {
        Some(addr) => {
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| anyhow::anyhow!("cannot listen on metrics.listen {addr}: {e}"))?;
            Some(tokio::spawn(health::serve(
                listener,
                live.metrics().clone(),
                health.clone(),
                stopped(stopping.clone()),
            )))
        }
        None => None,
    };
    let poller = tokio::spawn(poll_generations(
        live.clone(),
        health.clone(),
        settings.index.poll_interval,
        stopping.clone(),
    ));
    let watcher = if settings.index.read_only {
        if settings.index.watch {
            warn!("index.watch is ignored: this process only reads the index (index.read_only)");
        }
        health.ok("watcher", "off (index.read_only)");
        None
    } else if settings.index.watch {
        Some(watch_sources(live.clone(), health.clone())?)
    } else {
        health.ok("watcher", "off (index.watch)");
        None
    };

    let storage = Arc::new(Storage::new(settings.storage.clone()));
    let reports = health.clone();
    storage.observe(move |state| match state {
        Ok(what) => reports.ok("storage", &what),
        Err(why) => reports.failing("storage", &why),
    });
    // Opened now so `/healthz` tells at once; a failure is logged and retried on use.
    let _ = storage.open().await;
    let retention = tokio::spawn(keep_storage(storage.clone(), stopping.clone()));
    // `index.refresh_every`: pages added from a link fetched again, in a process that
    // writes the index only.
    let refresher = match (settings.index.refresh_every, settings.index.read_only) {
        (Some(every), false) => Some(tokio::spawn(super::links::keep_fresh(
            live.clone(),
            every,
            stopping.clone(),
        ))),
        (Some(_), true) => {
            warn!("index.refresh_every is ignored: this process only reads the index (index.read_only)");
            None
        }
        (None, _) => None,
    };

    let client = discord::client::Client::new(live.clone(), health.clone(), storage).await?;
    let discord = client.handle();
    let mut gateway = tokio::spawn(client.run());
    let closed_by_discord = tokio::select! {
        () = shutdown => None,
        // The gateway closed on its own (Discord refused the token, say): the same
        // ordered stop as on a signal, so replies in flight and the background parts
        // finish before the process ends.
        ended = &mut gateway => {
            warn!("the Discord gateway closed on its own; shutting down in order");
            Some(ended)
        }
    };

    info!("shutting down: no new questions; waiting for those in flight");
    discord.stop_taking_questions();
    let grace = settings.discord.shutdown_grace;
    if !discord.finish_in_flight(grace).await {
        warn!(grace = ?grace, "questions still in flight after the grace period; closing anyway");
    }
    let _ = stop.send(true);
    drop(watcher);
    // A poll may be opening and verifying a large generation: not worth waiting long for.
    if tokio::time::timeout(BACKGROUND_STOP, retention)
        .await
        .is_err()
    {
        warn!("the storage retention did not stop in time; leaving it");
    }
    if let Some(refresher) = refresher {
        // A refresh in the middle of a rebuild finishes it or undoes it; not worth waiting.
        if tokio::time::timeout(BACKGROUND_STOP, refresher)
            .await
            .is_err()
        {
            warn!("the scheduled refresh did not stop in time; leaving it");
        }
    }
    if tokio::time::timeout(BACKGROUND_STOP, poller).await.is_err() {
        warn!("the generation poller did not stop in time; leaving it");
    }
    if let Some(endpoint) = endpoint {
        if tokio::time::timeout(BACKGROUND_STOP, endpoint)
            .await
            .is_err()
        {
            warn!("the health endpoint did not stop in time; leaving it");
        }
    }
    match closed_by_discord {
        Some(ended) => ended.context("the Discord client task failed")?,
        None => {
            discord.close_gateway().await;
            gateway.await.context("the Discord client task failed")?
        }
    }
}

/// Completes once `stopping` turns true.
async fn stopped(mut stopping: watch::Receiver<bool>) {
    let _ = stopping.wait_for(|&s| s).await;
}

/// Apply the storage's retention every [`PRUNE_EVERY`], off the request path, until
/// `stopping`; its round trip first also keeps `/healthz` true when nothing else uses
/// the storage.
async fn keep_storage(storage: Arc<Storage>, stopping: watch::Receiver<bool>) {
    let stop = stopped(stopping);
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => return,
            () = tokio::time::sleep(PRUNE_EVERY) => {}
        }
        if storage.check().await.is_ok() {
            if let Err(e) = storage.prune().await {
                warn!(error = %e, "applying the storage retention failed");
            }
        }
    }
}

/// Switch to generations made elsewhere, every `every`, until `stopping`.
async fn poll_generations(
    live: Arc<LiveEngine>,
    health: Arc<Health>,
    every: Duration,
    stopping: watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(every.max(MIN_POLL_INTERVAL));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let stop = stopped(stopping);
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => return,
            _ = tick.tick() => {}
        }
        let refreshing = live.clone();
        match tokio::task::spawn_blocking(move || refreshing.refresh()).await {
            Ok(Ok(_)) => health.ok("poller", "following the current generation"),
            Ok(Err(e)) => {
                warn!(error = %e, "cannot open the current index generation; still answering from the previous one");
                health.failing(
                    "poller",
                    &format!("cannot open the current generation: {e}"),
                );
            }
            Err(e) => {
                warn!(error = %e, "index refresh task failed");
                health.failing("poller", "the refresh task failed");
            }
        }
    }
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM (what `docker stop` and systemd send).
pub async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(
            tokio::signal::unix::SignalKind::terminate(),
        ) {
            Ok(s) => s,
            Err(e) => {
                warn!(error = %e, "cannot listen for SIGTERM; only Ctrl-C stops the bot cleanly");
                let _ = interrupt.await;
                return;
            }
        };
        tokio::select! {
            _ = interrupt => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}
