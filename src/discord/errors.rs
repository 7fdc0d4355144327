//! When a command, a click or an event fails: the failure is logged with what it was
//! about (never the question or who asked), a failed request to Discord is counted by
//! its status, and the member gets a short private apology, sent like every other reply
//! (see [`super::send`]) unless it was Discord itself that refused.

use tracing::warn;

use super::guard::Refusal;
use super::send::{Mode, Sender};
use super::views::Reply;
use super::{Context, Data, Error};
use crate::app::metrics::Metrics;
use crate::core::lang::Lang;

/// Count a failed request to Discord by its HTTP status; whether `error` was one.
pub fn record_discord_error(metrics: &Metrics, error: &Error) -> bool {
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

/// A private reply to the member whose command failed; a failure to send it is logged.
async fn apologise(ctx: Context<'_>, text: &str) {
    let Some(sender) = Sender::command(&ctx) else {
        return;
    };
    if let Err(e) = sender
        .send(Mode::New { ephemeral: true }, &Reply::text(text))
        .await
    {
        warn!(command = %ctx.command().name, error = %e, "could not tell the member about a failure");
        record_discord_error(&ctx.data().metrics, &e.into());
    }
}

fn lang_of(ctx: Context<'_>) -> Lang {
    ctx.locale().and_then(Lang::from_locale).unwrap_or_default()
}

/// Options that do not fit the command (a client or payload Discord would not send).
const UNREADABLE_OPTIONS: &str = "I could not read that command's options; please try again.";

/// poise's error hook: every failure it reports ends here.
pub async fn on_error(error: poise::FrameworkError<'_, Data, Error>) {
    use poise::FrameworkError as E;
    match error {
        E::GuildOnly { ctx, .. } => {
            apologise(
                ctx,
                "This command works only in a server, not in direct messages.",
            )
            .await
        }
        E::Command { error, ctx, .. } => {
            warn!(command = %ctx.command().name, error = %format!("{error:#}"), "command failed");
            // When Discord itself refused (an expired interaction, an outage), another
            // request for the apology would fail the same way: log and stop.
            if !record_discord_error(&ctx.data().metrics, &error) {
                apologise(ctx, &Refusal::Failed.text(lang_of(ctx))).await;
            }
        }
        E::ArgumentParse { error, ctx, .. } => {
            warn!(command = %ctx.command().name, error = %error, "could not read the command's options");
            apologise(ctx, UNREADABLE_OPTIONS).await;
        }
        E::CommandStructureMismatch {
            description, ctx, ..
        } => {
            warn!(command = %ctx.command().name, problem = description, "could not read the command's options");
            apologise(poise::Context::Application(ctx), UNREADABLE_OPTIONS).await;
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
        E::Setup { error, .. } => {
            warn!(error = %format!("{error:#}"), "could not set up the commands on Discord");
        }
        // Checks this bot does not configure (cooldowns, permissions, owners, NSFW…),
        // and panics: logged, and the member gets the general apology.
        other => {
            warn!(error = %other, "command refused by the framework");
            if let Some(ctx) = other.ctx() {
                apologise(ctx, &Refusal::Failed.text(lang_of(ctx))).await;
            }
        }
    }
}
