//! Questions that do not come as slash commands (mentions, DMs, answer channels) and
//! clicks on the buttons under replies.

use serenity::all::{ComponentInteraction, FullEvent, Interaction, Message, MessageFlags};
use tracing::debug;

use super::buttons::{self, Action};
use super::render::{self, Reply};
use super::respond::{self, Mode, Target};
use super::{Data, Error, State, Via};
use crate::core::lang::Lang;

pub async fn handle(
    framework: poise::FrameworkContext<'_, Data, Error>,
    event: &FullEvent,
) -> Result<(), Error> {
    let state = framework.user_data;
    let http = &framework.serenity_context.http;
    match event {
        FullEvent::Message { new_message } => on_message(state, http, new_message).await,
        FullEvent::Ready { .. } => {
            let first = !state
                .seen_ready
                .swap(true, std::sync::atomic::Ordering::SeqCst);
            state.metrics.gateway(true, first);
            Ok(())
        }
        FullEvent::Resume { .. } => {
            state.metrics.gateway(true, false);
            Ok(())
        }
        FullEvent::ShardStageUpdate { event } => {
            if event.new != serenity::all::ConnectionStage::Connected {
                state.metrics.gateway(false, false);
            }
            Ok(())
        }
        FullEvent::InteractionCreate {
            interaction: Interaction::Component(click),
        } => on_click(state, http, click).await,
        _ => Ok(()),
    }
}

/// The question in a message, if the message is one the bot should answer: a DM, a
/// message mentioning the bot, or any message in an answer channel. Mentions are left
/// out of the question ([`super::question_text`]).
fn question_in(state: &State, msg: &Message) -> Option<(String, Via)> {
    if msg.author.bot || msg.webhook_id.is_some() {
        return None;
    }
    let bot = *state.bot_id.get()?;
    let mentioned = msg.mentions.iter().any(|u| u.id == bot);
    let via = if msg.guild_id.is_none() {
        Via::DirectMessage
    } else if mentioned {
        Via::Mention
    } else if state
        .settings
        .answer_channel_ids
        .contains(&msg.channel_id.get())
    {
        Via::Channel
    } else {
        return None;
    };
    Some((super::question_text(&msg.content), via))
}

async fn on_message(state: &State, http: &serenity::all::Http, msg: &Message) -> Result<(), Error> {
    let Some((question, via)) = question_in(state, msg) else {
        return Ok(());
    };
    // Messages carry no locale: the question's own language decides.
    let lang = Lang::for_reply(&question, None);
    let reply = if question.is_empty() {
        render::help(
            state.library.settings().search.max_question_chars,
            !state.settings.answer_channel_ids.is_empty(),
            lang,
        )
    } else if let Err(refusal) = state.admit(msg.author.id, &msg.content, &question, via) {
        Reply::text(refusal.text(lang))
    } else {
        let job = state.reply(question, 0, via, lang, |r, lang| render::answer(r, 0, lang));
        tokio::pin!(job);
        // No deadline for messages, but show "attache is typing…" when it takes a while.
        tokio::select! {
            reply = &mut job => reply,
            _ = tokio::time::sleep(state.settings.defer_after) => {
                let _ = msg.channel_id.broadcast_typing(http).await;
                job.await
            }
        }
    };
    let message = respond::message_reply(&reply, &state.questions, msg);
    respond::retrying("message reply", || {
        msg.channel_id.send_message(http, message.clone())
    })
    .await?;
    Ok(())
}

async fn on_click(
    state: &State,
    http: &serenity::all::Http,
    click: &ComponentInteraction,
) -> Result<(), Error> {
    let target = Target::Component(click);
    let action = match buttons::decode(&click.data.custom_id, &state.questions) {
        Ok(a) => a,
        Err(expired) => {
            debug!(custom_id = %click.data.custom_id, "button could not be decoded");
            target
                .send(
                    http,
                    &state.questions,
                    Mode::New { ephemeral: true },
                    &Reply::text(
                        expired.text(Lang::from_locale(&click.locale).unwrap_or_default()),
                    ),
                )
                .await?;
            return Ok(());
        }
    };
    // Someone else's public answer stays as it is; the clicker gets their own copy.
    // On a private reply (only the clicker sees it) the page changes in place.
    let in_place = click
        .message
        .flags
        .is_some_and(|f| f.contains(MessageFlags::EPHEMERAL));
    let paging = if in_place {
        Mode::Update
    } else {
        Mode::New { ephemeral: true }
    };
    let defer_after = state.settings.defer_after;
    match action {
        Action::More { offset, question } => {
            let lang = Lang::for_reply(&question, Some(&click.locale));
            let job = state.reply(question, offset, Via::Button, lang, |r, lang| {
                render::answer(r, offset, lang)
            });
            target
                .send_when_ready(http, &state.questions, paging, defer_after, job)
                .await?;
        }
        Action::Sources { offset, question } => {
            let lang = Lang::for_reply(&question, Some(&click.locale));
            let job = state.reply(question, offset, Via::Button, lang, render::full_sources);
            target
                .send_when_ready(
                    http,
                    &state.questions,
                    Mode::New { ephemeral: true },
                    defer_after,
                    job,
                )
                .await?;
        }
        Action::SourcePage { id, page } => {
            let engine = state.library.engine();
            let index = engine.index();
            let reply = match index.source(&id) {
                Some(s) => render::source(s, &index.passages_of(&id)?, page),
                None => Reply::text("This source is no longer indexed. `/sources` lists what is."),
            };
            target.send(http, &state.questions, paging, &reply).await?;
        }
        Action::Remove { id } => {
            if !super::guard::is_moderator(
                click.member.as_ref(),
                &state.settings.moderator_role_ids,
            ) {
                let text = "Only moderators can remove sources.";
                target
                    .send(
                        http,
                        &state.questions,
                        Mode::New { ephemeral: true },
                        &Reply::text(text),
                    )
                    .await?;
                return Ok(());
            }
            let by = super::commands::who(&click.user);
            let library = state.library.clone();
            let job = async {
                let (remove_by, remove_id) = (by.clone(), id.clone());
                let started = std::time::Instant::now();
                match tokio::task::spawn_blocking(move || {
                    library.remove_source(&remove_id, &remove_by)
                })
                .await
                {
                    Ok(Ok((path, m))) => {
                        tracing::info!(by, id, path = %path.display(), "source removed");
                        render::source_changed(&format!("Removed `{id}`."), &m)
                    }
                    Ok(Err(e)) => super::commands::reindex_reply(state, Err(e), &by, started),
                    Err(e) => {
                        tracing::warn!(error = %e, "source removal task failed");
                        Reply::text(super::guard::Refusal::Failed.to_string())
                    }
                }
            };
            target
                .send_when_ready(http, &state.questions, Mode::Update, defer_after, job)
                .await?;
        }
        Action::Cancel => {
            target
                .send(
                    http,
                    &state.questions,
                    Mode::Update,
                    &Reply::text("Nothing was removed."),
                )
                .await?;
        }
        Action::Catalog { page } => {
            let engine = state.library.engine();
            target
                .send(
                    http,
                    &state.questions,
                    paging,
                    &render::catalog(engine.index(), page),
                )
                .await?;
        }
    }
    Ok(())
}
