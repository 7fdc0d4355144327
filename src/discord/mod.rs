//! The Discord front end: serenity for the connection, poise for the slash commands. It
//! is thin on purpose: parse what Discord sends, ask the engine (off the async runtime),
//! render, reply. Nothing here decides what an answer is.
//!
//! - [`commands`]: `/ask`, `/source`, `/sources`, `/help`, `/reindex`;
//! - [`events`]: mentions, DMs and answer channels; buttons;
//! - [`render`] and [`limits`]: answers as embeds inside Discord's limits;
//! - [`respond`]: replies, deferred when slow, never mentioning anyone;
//! - [`buttons`]: what a button does, carried in its custom id;
//! - [`guard`]: cooldown, concurrency cap, moderator check.

pub mod buttons;
mod commands;
mod events;
pub mod guard;
pub mod limits;
pub mod render;
mod respond;

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use serenity::all::{ClientBuilder, GatewayIntents, GuildId, HttpBuilder, UserId};
use tokio::sync::Semaphore;
use tracing::{info, warn};

use crate::app::Library;
use crate::config::{DiscordSettings, Secret, Shards};
use crate::core::gaps::Gaps;
use crate::core::lang::Lang;
use crate::core::search::{AskError, Response};
use crate::metrics::Metrics;
use buttons::QuestionStore;
use guard::{Cooldowns, Refusal};

pub type Error = anyhow::Error;
pub type Context<'a> = poise::Context<'a, Data, Error>;
pub type Data = Arc<State>;

/// A token problem, found before connecting; the token itself is never shown.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("no Discord bot token: set DISCORD_TOKEN, or discord.token in config/local.toml (see README, \"Discord set-up\")")]
    Missing,
    #[error("the Discord bot token from {origin} is malformed (expected three dot-separated parts, as the Developer Portal shows it)")]
    Malformed { origin: String },
}

/// The configured token, checked for shape.
pub fn token(settings: &DiscordSettings) -> Result<Secret, TokenError> {
    let token = settings.token.clone().ok_or(TokenError::Missing)?;
    serenity::utils::validate_token(token.expose()).map_err(|_| TokenError::Malformed {
        origin: settings.token_origin.clone(),
    })?;
    Ok(token)
}

/// The gateway intents each way of asking needs. Slash commands and buttons need none;
/// mentions and DMs need the (non-privileged) message intents, whose events carry the
/// content of messages that mention the bot and of DMs; answer channels need the
/// privileged Message Content intent to read every message.
pub fn intents(settings: &DiscordSettings) -> GatewayIntents {
    let mut intents =
        GatewayIntents::GUILDS | GatewayIntents::GUILD_MESSAGES | GatewayIntents::DIRECT_MESSAGES;
    if !settings.answer_channel_ids.is_empty() {
        intents |= GatewayIntents::MESSAGE_CONTENT;
    }
    intents
}

/// The question in what a member typed: Discord mention syntax (`<@id>`, `<@&id>`,
/// `<#id>`, `@everyone`, `@here`) is addressing, not content, so it is left out of the
/// search (and so never echoed); whitespace is collapsed.
pub fn question_text(raw: &str) -> String {
    static MENTION: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"<(?:@[!&]?|#)\d+>|(?:^|\s)@(?:everyone|here)\b")
            .expect("mention pattern")
    });
    MENTION
        .replace_all(raw, " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Everything the handlers share.
pub struct State {
    pub library: Arc<Library>,
    pub settings: DiscordSettings,
    /// Set from READY; messages that mention this user are questions.
    pub bot_id: OnceLock<UserId>,
    pub questions: QuestionStore,
    cooldowns: Cooldowns,
    /// One permit per question being answered.
    slots: Arc<Semaphore>,
    draining: AtomicBool,
    /// Recent questions that found nothing (`/unanswered`).
    pub gaps: Gaps,
    pub metrics: Arc<Metrics>,
    /// Whether a READY was seen: later ones are reconnections.
    seen_ready: AtomicBool,
}

/// How a question arrived, for the logs.
#[derive(Debug, Clone, Copy)]
pub enum Via {
    Slash,
    Mention,
    DirectMessage,
    Channel,
    Button,
}

impl Via {
    /// The `via` label of the questions metric.
    pub fn label(self) -> &'static str {
        match self {
            Via::Slash => "slash",
            Via::Mention => "mention",
            Via::DirectMessage => "dm",
            Via::Channel => "channel",
            Via::Button => "button",
        }
    }
}

impl State {
    pub fn new(library: Arc<Library>) -> State {
        let settings = library.settings().discord.clone();
        State {
            cooldowns: Cooldowns::new(settings.cooldown),
            slots: Arc::new(Semaphore::new(settings.max_concurrent)),
            questions: QuestionStore::new(10_000),
            bot_id: OnceLock::new(),
            draining: AtomicBool::new(false),
            gaps: Gaps::new(500),
            metrics: library.metrics().clone(),
            seen_ready: AtomicBool::new(false),
            library,
            settings,
        }
    }

    fn top_k(&self) -> usize {
        self.library.settings().search.top_k
    }

    /// The checks a new question passes before it costs anything: not shutting down,
    /// not too long as typed, not empty once mentions are left out ([`question_text`],
    /// which gives `question`), the asker's cooldown over.
    pub fn admit(
        &self,
        user: UserId,
        typed: &str,
        question: &str,
        via: Via,
    ) -> Result<(), Refusal> {
        let result = self.checks(user, typed, question);
        if result.is_err() {
            self.metrics.question(via.label(), "refused");
        }
        result
    }

    fn checks(&self, user: UserId, typed: &str, question: &str) -> Result<(), Refusal> {
        if self.draining.load(Ordering::SeqCst) {
            return Err(Refusal::ShuttingDown);
        }
        let engine = self.library.engine();
        engine.validate(typed)?;
        engine.validate(question)?;
        self.cooldowns.check(user)
    }

    /// The reply to a question: `render` of the answer, or the refusal as the asker
    /// reads it, in `lang` (see [`Lang::for_reply`]).
    pub async fn reply(
        &self,
        question: String,
        offset: usize,
        via: Via,
        lang: Lang,
        render: impl FnOnce(&Response, Lang) -> render::Reply,
    ) -> render::Reply {
        match self.ask(question, offset, via).await {
            Ok(r) => render(&r, lang),
            Err(refusal) => render::Reply::text(refusal.text(lang)),
        }
    }

    /// Answer on a blocking thread, holding one of the concurrency slots.
    pub async fn ask(
        &self,
        question: String,
        offset: usize,
        via: Via,
    ) -> Result<Response, Refusal> {
        let Ok(permit) = self.slots.clone().try_acquire_owned() else {
            self.metrics.question(via.label(), "refused");
            return Err(Refusal::Busy);
        };
        let engine = self.library.engine();
        let top_k = self.top_k();
        let started = Instant::now();
        let result = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            engine.ask(&question, top_k, offset)
        })
        .await;
        let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
        self.metrics.answer_seconds.observe(latency_ms / 1000.0);
        let outcome = match &result {
            Ok(Ok(r)) if r.passages.is_empty() => "nothing_found",
            Ok(Ok(_)) => "answered",
            Ok(Err(AskError::Question(_))) => "refused",
            _ => "failed",
        };
        self.metrics.question(via.label(), outcome);
        match result {
            Ok(Ok(r)) => {
                // A new question that found nothing is a gap in the sources (a later
                // page of results running out is not).
                if r.passages.is_empty() && offset == 0 && !matches!(via, Via::Button) {
                    self.gaps.record(&r.question);
                }
                let question = self
                    .library
                    .settings()
                    .log_questions
                    .then_some(r.question.as_str());
                info!(target: "attache::answer", via = ?via, latency_ms, passages = r.passages.len(), answered = !r.passages.is_empty(), generation = r.generation, question, "question answered");
                Ok(r)
            }
            Ok(Err(AskError::Question(e))) => Err(e.into()),
            Ok(Err(e)) => {
                warn!(via = ?via, error = %e, "search failed");
                Err(Refusal::Failed)
            }
            Err(e) => {
                warn!(via = ?via, error = %e, "the search task failed");
                Err(Refusal::Failed)
            }
        }
    }
}

/// Count a failed request to Discord by its HTTP status; whether `error` was one.
fn record_discord_error(metrics: &Metrics, error: &Error) -> bool {
    use serenity::all::HttpError;
    for cause in error.chain() {
        if let Some(e) = cause.downcast_ref::<serenity::Error>() {
            match e {
                serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) => {
                    metrics.discord_error(Some(r.status_code.as_u16()))
                }
                serenity::Error::Http(_) => metrics.discord_error(None),
                _ => return false,
            }
            return true;
        }
    }
    false
}

async fn on_error(error: poise::FrameworkError<'_, Data, Error>) {
    use poise::FrameworkError as E;
    let private = |text: &str| poise::CreateReply::default().content(text).ephemeral(true);
    match error {
        E::GuildOnly { ctx, .. } => {
            let _ = ctx
                .send(private(
                    "This command works only in a server, not in direct messages.",
                ))
                .await;
        }
        E::Command { error, ctx, .. } => {
            warn!(command = %ctx.command().name, error = %format!("{error:#}"), "command failed");
            // When Discord itself refused (an expired interaction, an outage), another
            // request for the apology would fail the same way: log and stop.
            if !record_discord_error(&ctx.data().metrics, &error) {
                let lang = ctx.locale().and_then(Lang::from_locale).unwrap_or_default();
                let _ = ctx.send(private(&Refusal::Failed.text(lang))).await;
            }
        }
        E::ArgumentParse { error, ctx, .. } => {
            warn!(command = %ctx.command().name, error = %error, "could not read the command's options");
            let _ = ctx
                .send(private(
                    "I could not read that command's options; please try again.",
                ))
                .await;
        }
        // Options that do not fit the command (a client or payload Discord would not
        // send): refused politely, logged.
        E::CommandStructureMismatch {
            description, ctx, ..
        } => {
            warn!(command = %ctx.command().name, problem = description, "could not read the command's options");
            let _ = poise::Context::Application(ctx)
                .send(private(
                    "I could not read that command's options; please try again.",
                ))
                .await;
        }
        E::UnknownInteraction { interaction, .. } => {
            warn!(command = %interaction.data.name, "ignored an interaction for a command this bot does not have");
        }
        E::EventHandler {
            error,
            framework,
            event,
            ..
        } => {
            warn!(event = event.snake_case_name(), error = %format!("{error:#}"), "event handler failed");
            let _ = record_discord_error(&framework.user_data.metrics, &error);
        }
        other => {
            if let Err(e) = poise::builtins::on_error(other).await {
                warn!(error = %e, "while handling an error");
            }
        }
    }
}

/// Connect to Discord and answer until `shutdown` completes; then stop taking questions,
/// let those in flight finish (up to `discord.shutdown_grace`) and close the gateway.
pub async fn serve(
    library: Arc<Library>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let settings = library.settings().discord.clone();
    let token = token(&settings)?;
    let state = Arc::new(State::new(library));

    let mut http =
        HttpBuilder::new(token.expose()).default_allowed_mentions(respond::no_mentions());
    if let Some(url) = &settings.api_url {
        // serenity's own rate limiter talks to discord.com directly, so with a proxy the
        // proxy owns rate limiting.
        http = http.proxy(url.clone()).ratelimiter_disabled(true);
    }
    let http = http.build();

    let setup_state = state.clone();
    let guild_ids = settings.guild_ids.clone();
    let framework = poise::Framework::builder()
        .options(poise::FrameworkOptions {
            commands: commands::all(),
            on_error: |e| Box::pin(on_error(e)),
            event_handler: |framework, event| Box::pin(events::handle(framework, event)),
            allowed_mentions: Some(respond::no_mentions()),
            // Owners get no special treatment: moderator rights come from Discord.
            initialize_owners: false,
            ..Default::default()
        })
        .setup(move |ctx, ready, framework| {
            Box::pin(async move {
                let _ = setup_state.bot_id.set(ready.user.id);
                // poise consumes the first READY to run this setup.
                setup_state.seen_ready.store(true, Ordering::SeqCst);
                setup_state.metrics.gateway(true, true);
                let commands = &framework.options().commands;
                if guild_ids.is_empty() {
                    poise::builtins::register_globally(ctx, commands).await?;
                } else {
                    for id in &guild_ids {
                        poise::builtins::register_in_guild(ctx, commands, GuildId::new(*id)).await?;
                    }
                }
                info!(user = %ready.user.name, guilds = ready.guilds.len(), commands = commands.len(), "connected to Discord; commands registered");
                Ok(setup_state)
            })
        })
        .build();

    let mut client = ClientBuilder::new_with_http(http, intents(&settings))
        .framework(framework)
        .await?;
    // Generations built or rolled back by another process (or `attache index`) are
    // picked up within `index.poll_interval`.
    let polled = state.library.clone();
    let every = polled.settings().index.poll_interval;
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every.max(std::time::Duration::from_millis(100)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let library = polled.clone();
            match tokio::task::spawn_blocking(move || library.refresh()).await {
                Ok(Err(e)) => {
                    warn!(error = %e, "cannot open the current index generation; still answering from the previous one")
                }
                Err(e) => warn!(error = %e, "index refresh task failed"),
                Ok(Ok(_)) => {}
            }
        }
    });
    if let Some(addr) = state.library.settings().metrics_listen {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on metrics.listen {addr}: {e}"))?;
        let library = state.library.clone();
        let loaded = Arc::new(move || library.engine().index().manifest.passages > 0);
        tokio::spawn(crate::metrics::serve(
            listener,
            state.metrics.clone(),
            loaded,
        ));
    }
    let _watcher = if state.library.settings().index.watch {
        Some(state.library.clone().watch()?)
    } else {
        None
    };
    let shards = client.shard_manager.clone();
    let stopping = state.clone();
    let grace = settings.shutdown_grace;
    tokio::spawn(async move {
        shutdown.await;
        info!("shutting down: no new questions; waiting for those in flight");
        stopping.draining.store(true, Ordering::SeqCst);
        let all = u32::try_from(stopping.settings.max_concurrent).unwrap_or(u32::MAX);
        if tokio::time::timeout(grace, stopping.slots.acquire_many(all))
            .await
            .is_err()
        {
            warn!(grace = ?grace, "questions still in flight after the grace period; closing anyway");
        }
        shards.shutdown_all().await;
    });
    match settings.shards {
        Shards::Auto => client.start_autosharded().await?,
        // serenity's range end is inclusive, as ours is.
        Shards::Range { first, last, total } => {
            info!(first, last, total, "running gateway shards");
            client.start_shard_range(first..last, total).await?
        }
    }
    info!("disconnected from Discord");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_not_part_of_the_question() {
        assert_eq!(
            question_text("<@123> @everyone how   many <@&45> prisoners <#9>? @here"),
            "how many prisoners ?"
        );
        assert_eq!(question_text("mail me@here.org"), "mail me@here.org");
    }
}
