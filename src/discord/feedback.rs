//! What members do with an answer: vote 👍 or 👎 (one vote each, changeable,
//! acknowledged privately; 👎 opens a box for what was wrong), share a private answer
//! to the channel, remove a public one (its asker or a moderator). Who asked is read
//! from Discord when the button is clicked (the reply's interaction, or the message it
//! answers), never stored.

use serenity::all::{ComponentInteraction, Http, MessageFlags, ModalInteraction, UserId};
use tracing::{info, warn};

use super::guard;
use super::send::{Mode, Sender};
use super::state::{State, Via};
use super::views::{answer, feedback as view, Reply};
use crate::core::lang::Lang;
use crate::render::feedback::of;
use crate::render::words;
use crate::store::{StoreError, Voted};

const PRIVATE: Mode = Mode::New { ephemeral: true };

fn lang_of(locale: &str) -> Lang {
    Lang::from_locale(locale).unwrap_or_default()
}

/// 👍 or 👎 on the answer kept as `key`.
pub async fn vote(
    state: &State,
    sender: &Sender<'_>,
    click: &ComponentInteraction,
    key: &str,
    helpful: bool,
) -> serenity::Result<()> {
    let lang = lang_of(&click.locale);
    let w = of(lang);
    let label = if helpful { "up" } else { "down" };
    let Some(voter) = &state.voter else {
        state.metrics.vote(label, "unavailable");
        return sender.send(PRIVATE, &Reply::text(w.unavailable)).await;
    };
    if let Err(refusal) = state.vote_cooldown(click.user.id) {
        state.metrics.vote(label, "cooldown");
        return sender.send(PRIVATE, &Reply::text(refusal.text(lang))).await;
    }
    let voted = state
        .storage
        .vote(key, &voter.of(click.user.id.get()), helpful)
        .await;
    let text = match voted {
        Err(StoreError::Unavailable(_)) => {
            state.metrics.vote(label, "unavailable");
            w.unavailable
        }
        Ok(Voted::UnknownAnswer) => {
            state.metrics.vote(label, "unknown_answer");
            w.too_old_to_rate
        }
        Ok(voted) => {
            state.metrics.vote(label, "recorded");
            match (helpful, voted) {
                // The box is the reply to a 👎; its note is optional.
                (false, _) => {
                    let modal = view::comment_box(key, lang, &state.questions);
                    return sender.modal(modal).await;
                }
                (true, Voted::Same) => w.already_helpful,
                (true, Voted::Changed) => w.now_helpful,
                (true, _) => w.thanks_helpful,
            }
        }
    };
    sender.send(PRIVATE, &Reply::text(text)).await
}

/// The box after 👎 came back: its note goes with the vote.
pub async fn comment(
    state: &State,
    sender: &Sender<'_>,
    submitted: &ModalInteraction,
    key: &str,
    lang: Lang,
) -> serenity::Result<()> {
    let w = of(lang);
    // Discord holds the box to its length; anything longer was not sent by Discord.
    let note: String = submitted
        .data
        .components
        .iter()
        .flat_map(|row| row.components.iter())
        .find_map(|c| match c {
            serenity::all::ActionRowComponent::InputText(t) if t.custom_id == "comment" => {
                t.value.clone()
            }
            _ => None,
        })
        .unwrap_or_default()
        .chars()
        .take(view::COMMENT_CHARS)
        .collect();
    let Some(voter) = &state.voter else {
        state.metrics.vote("comment", "unavailable");
        return sender.send(PRIVATE, &Reply::text(w.unavailable)).await;
    };
    let text = match state
        .storage
        .comment(key, &voter.of(submitted.user.id.get()), &note)
        .await
    {
        Err(_) => {
            state.metrics.vote("comment", "unavailable");
            w.unavailable
        }
        Ok(Voted::UnknownAnswer) => {
            state.metrics.vote("comment", "unknown_answer");
            w.too_old_to_rate
        }
        Ok(_) => {
            state.metrics.vote("comment", "recorded");
            if note.trim().is_empty() {
                w.thanks_not_helpful
            } else {
                w.thanks_comment
            }
        }
    };
    sender.send(PRIVATE, &Reply::text(text)).await
}

/// "Share to channel" under a private answer: the same question answered publicly,
/// credited to whoever shared it (a mention that pings no one: allowed mentions are
/// empty).
pub async fn share(
    state: &State,
    sender: &Sender<'_>,
    click: &ComponentInteraction,
    question: String,
) -> serenity::Result<()> {
    let lang = Lang::for_reply(&question, Some(&click.locale));
    let ephemeral = click
        .message
        .flags
        .is_some_and(|f| f.contains(MessageFlags::EPHEMERAL));
    if !ephemeral {
        let w = of(lang);
        return sender
            .send(PRIVATE, &Reply::text(w.share_is_for_private))
            .await;
    }
    // The id can be forged: the question is held to the same limits as a typed one.
    if let Err(e) = state.live.engine().validate(&question) {
        let refusal = guard::Refusal::from(e);
        return sender.send(PRIVATE, &Reply::text(refusal.text(lang))).await;
    }
    let who = click.user.id;
    let job = async {
        let reply = state
            .reply(question, 0, Via::Button, lang, |r, lang| {
                let mut reply = answer::answer_with(r, lang, state.feedback(r, true, lang));
                reply.content = Some(words::fill(
                    of(lang).shared_by,
                    &[("who", &format!("<@{who}>"))],
                ));
                reply
            })
            .await;
        state.keep_answers().await;
        reply
    };
    sender
        .send_when_ready(
            Mode::New { ephemeral: false },
            state.settings.defer_after,
            job,
        )
        .await
        .map(|_| ())
}

/// Who asked the question a public answer answers, as Discord says it now: the member
/// whose command (or share) made the reply, else the author of the message it replies
/// to.
fn asker_of(message: &serenity::all::Message) -> Option<UserId> {
    use serenity::all::MessageInteractionMetadata as M;
    let by_interaction = message
        .interaction_metadata
        .as_deref()
        .and_then(|m| match m {
            M::Command(c) => Some(c.user.id),
            M::Component(c) => Some(c.user.id),
            M::ModalSubmit(c) => Some(c.user.id),
            _ => None,
        });
    by_interaction.or_else(|| message.referenced_message.as_ref().map(|m| m.author.id))
}

/// 🗑️ under a public answer: removed when the clicker asked it or moderates.
pub async fn delete(
    state: &State,
    sender: &Sender<'_>,
    http: &Http,
    click: &ComponentInteraction,
) -> serenity::Result<()> {
    let w = of(lang_of(&click.locale));
    let asker = asker_of(&click.message);
    let moderator = guard::is_moderator(click.member.as_ref(), &state.settings.moderator_role_ids);
    if asker != Some(click.user.id) && !moderator {
        info!(user = %click.user.id, "refused: removing an answer someone else asked for");
        return sender.send(PRIVATE, &Reply::text(w.not_yours)).await;
    }
    let removed = click
        .message
        .channel_id
        .delete_message(http, click.message.id)
        .await;
    let text = match removed {
        Ok(()) => {
            info!(user = %click.user.id, moderator, "answer removed");
            w.removed
        }
        Err(serenity::Error::Http(serenity::all::HttpError::UnsuccessfulRequest(r)))
            if r.status_code.as_u16() == 404 =>
        {
            w.already_removed
        }
        Err(e) => {
            warn!(error = %e, "removing an answer failed");
            return sender
                .send(
                    PRIVATE,
                    &Reply::text(guard::Refusal::Failed.text(lang_of(&click.locale))),
                )
                .await;
        }
    };
    sender.send(PRIVATE, &Reply::text(text)).await
}
