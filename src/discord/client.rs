//! The Discord client: the token check, the gateway intents, and serenity's client with
//! poise's framework on top, built from the engine that answers now. [`crate::app::serve`]
//! starts it as one of its parts and stops it in order through [`Handle`].

use std::sync::Arc;
use std::time::Duration;

use serenity::all::{ClientBuilder, CreateCommand, GatewayIntents, HttpBuilder, ShardManager};
use tracing::info;

use super::state::State;
use super::{commands, errors, events, register, send, Data, Error};
use crate::app::health::Health;
use crate::app::LiveEngine;
use crate::config::{DiscordSettings, Secret, Shards};
use crate::store::Storage;

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
/// content of messages that mention the bot and of DMs; answer channels and forum
/// channels need the privileged Message Content intent to read every message (a forum
/// post's first message is read over REST, which the intent governs too). New forum
/// posts arrive with GUILDS.
pub fn intents(settings: &DiscordSettings) -> GatewayIntents {
    let mut intents =
        GatewayIntents::GUILDS | GatewayIntents::GUILD_MESSAGES | GatewayIntents::DIRECT_MESSAGES;
    if !settings.answer_channel_ids.is_empty() || !settings.forum_channel_ids.is_empty() {
        intents |= GatewayIntents::MESSAGE_CONTENT;
    }
    intents
}

/// The commands as Discord registers them: poise's own registration, and the message
/// menu entry's name in every language it has (poise leaves context menu names
/// unlocalized).
fn registration(commands: &[poise::Command<Data, Error>]) -> Vec<CreateCommand> {
    let mut out = Vec::new();
    for c in commands {
        out.extend(c.create_as_slash_command());
        if let Some(mut menu) = c.create_as_context_menu_command() {
            for (lang, name) in c.name_localizations.iter() {
                menu = menu.name_localized(lang.as_ref(), name.as_ref());
            }
            out.push(menu);
        }
    }
    out
}

/// The bot, connected to nothing yet.
pub struct Client {
    client: serenity::Client,
    state: Arc<State>,
    shards: Shards,
}

/// Stops a running [`Client`] in order: questions first, then the gateway.
#[derive(Clone)]
pub struct Handle {
    state: Arc<State>,
    shards: Arc<ShardManager>,
}

impl Client {
    /// Build the client for `live`, reporting the gateway's state to `health`. Fails
    /// only on a token problem.
    pub async fn new(
        live: Arc<LiveEngine>,
        health: Arc<Health>,
        storage: Arc<Storage>,
    ) -> anyhow::Result<Client> {
        let settings = live.settings().discord.clone();
        let token = token(&settings)?;
        health.failing("gateway", "connecting");
        let state = Arc::new(State::new(live, health.clone(), storage));

        let mut http =
            HttpBuilder::new(token.expose()).default_allowed_mentions(send::no_mentions());
        if let Some(url) = &settings.api_url {
            // serenity's own rate limiter talks to discord.com directly, so with a proxy
            // the proxy owns rate limiting.
            http = http.proxy(url.clone()).ratelimiter_disabled(true);
        }
        let http = http.build();

        let setup_state = state.clone();
        let setup_health = health.clone();
        let guild_ids = settings.guild_ids.clone();
        let framework = poise::Framework::builder()
            .options(poise::FrameworkOptions {
                commands: commands::all(),
                on_error: |e| Box::pin(errors::on_error(e)),
                event_handler: |framework, event| Box::pin(events::handle(framework, event)),
                allowed_mentions: Some(send::no_mentions()),
                // Owners get no special treatment: moderator rights come from Discord.
                initialize_owners: false,
                ..Default::default()
            })
            .setup(move |ctx, ready, framework| {
                Box::pin(async move {
                    let _ = setup_state.bot_id.set(ready.user.id);
                    // poise consumes the first READY to run this setup, and holds every
                    // event until it returns: it returns at once, and the commands are
                    // registered beside the answering (the ones of an earlier start are
                    // still on Discord), retried until Discord takes them.
                    setup_state.gateway(true, true);
                    let commands = &framework.options().commands;
                    info!(user = %ready.user.name, guilds = ready.guilds.len(), commands = commands.len(), "connected to Discord");
                    tokio::spawn(register::register_until_done(
                        ctx.http.clone(),
                        ready.application.id,
                        guild_ids,
                        registration(commands),
                        setup_health,
                    ));
                    Ok(setup_state)
                })
            })
            .build();

        let client = ClientBuilder::new_with_http(http, intents(&settings))
            .framework(framework)
            .await?;
        Ok(Client {
            client,
            state,
            shards: settings.shards,
        })
    }

    pub fn handle(&self) -> Handle {
        Handle {
            state: self.state.clone(),
            shards: self.client.shard_manager.clone(),
        }
    }

    /// Connect the gateway shards and answer until [`Handle::close_gateway`].
    pub async fn run(mut self) -> anyhow::Result<()> {
        match self.shards {
            Shards::Auto => self.client.start_autosharded().await?,
            // serenity's range end is inclusive, as ours is.
            Shards::Range { first, last, total } => {
                info!(first, last, total, "running gateway shards");
                self.client.start_shard_range(first..last, total).await?
            }
        }
        info!("disconnected from Discord");
        Ok(())
    }
}

impl Handle {
    /// New questions are refused politely from now on ("attache is restarting").
    pub fn stop_taking_questions(&self) {
        self.state.stop_taking_questions();
    }

    /// Wait for the questions being answered, for at most `grace`; whether they all
    /// finished.
    pub async fn finish_in_flight(&self, grace: Duration) -> bool {
        self.state.finish_in_flight(grace).await
    }

    /// Close every gateway connection; [`Client::run`] then returns.
    pub async fn close_gateway(&self) {
        self.shards.shutdown_all().await;
    }
}
