//! What members do with an answer: vote 👍 or 👎 (one vote each, changeable,
//! acknowledged privately; 👎 opens a box for what was wrong), share a private answer
//! to the channel, remove a public one (its asker or a moderator). Who asked is read
//! from Discord when the button is clicked (the reply's interaction, or the message it
//! answers), never stored.

use serenity::all::{ComponentInteraction, Http, MessageFlags, ModalInteraction, UserId};
use tracing::{info, warn};

use super::guard;
use super::send::{Mode, Sender};
use super::state::{question_text, State, Via};
use super::views::{answer, feedback as view, Reply};
use crate::core::lang::Lang;
use crate::render::feedback::{of, FeedbackWords};
use crate::render::words;
use crate::store::{StoreError, Voted};

const PRIVATE: Mode = Mode::New { ephemeral: true };

/// How long a 👎 waits for the same member's vote before it, before its box opens.
const TURN_WAIT: std::time::Duration = std::time::Duration::from_millis(500);

fn lang_of(locale: &str) -> Lang {
    Lang::from_locale(locale).unwrap_or_default()
}

/// What a member reads after a vote or a note, by what the storage said.
fn acknowledgement(
    state: &State,
    what: &str,
    result: Result<Voted, StoreError>,
    w: &'static FeedbackWords,
    recorded: impl FnOnce(Voted) -> &'static str,
) -> &'static str {
    match result {
        Err(StoreError::Unavailable(_)) => {
            state.metrics.vote(what, "unavailable");
            w.unavailable
        }
        Ok(Voted::UnknownAnswer) => {
            state.metrics.vote(what, "unknown_answer");
            w.too_old_to_rate
        }
        Ok(voted) => {
            state.metrics.vote(what, "recorded");
            recorded(voted)
        }
    }
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
        return sender.send(PRIVATE, &Reply::text(w.votes_off)).await;
    };
    if let Err(refusal) = state.vote_cooldown(click.user.id) {
        state.metrics.vote(label, "cooldown");
        return sender.send(PRIVATE, &Reply::text(refusal.text(lang))).await;
    }
    let voter = voter.of(click.user.id.get());
    if !helpful {
        // The box must be Discord's first response, within its 3 seconds: it opens at
        // once, and the vote is recorded meanwhile (its outcome is said when the box
        // comes back; a box closed unanswered leaves the vote, logged if it failed).
        let (storage, key_owned, busy) = (state.storage.clone(), key.to_string(), state.busy());
        let metrics = state.metrics.clone();
        // Wait for this member's vote before, briefly: the box cannot wait long.
        let order = state.vote_order.clone();
        let turn = tokio::time::timeout(TURN_WAIT, order.turn(&voter))
            .await
            .ok();
        tokio::spawn(async move {
            let _busy = busy;
            let _turn = match turn {
                Some(turn) => turn,
                None => order.turn(&voter).await,
            };
            match storage.vote(&key_owned, &voter, false).await {
                Ok(Voted::UnknownAnswer) => metrics.vote("down", "unknown_answer"),
                Ok(_) => metrics.vote("down", "recorded"),
                Err(e) => {
                    metrics.vote("down", "unavailable");
                    warn!(error = %e, "a vote down was not recorded");
                }
            }
        });
        return sender
            .modal(view::comment_box(key, lang, &state.questions))
            .await;
    }
    let job = async {
        let _turn = state.vote_order.turn(&voter).await;
        let result = state.storage.vote(key, &voter, true).await;
        Reply::text(acknowledgement(
            state,
            label,
            result,
            w,
            |voted| match voted {
                Voted::Same => w.already_helpful,
                Voted::Changed => w.now_helpful,
                _ => w.thanks_helpful,
            },
        ))
    };
    sender
        .send_when_ready(PRIVATE, state.settings.defer_after, job)
        .await
        .map(|_| ())
}

/// The box after 👎 came back: its note goes with the vote (mention syntax left out, so
/// no one's id is kept; cut to the box's length).
pub async fn comment(
    state: &State,
    sender: &Sender<'_>,
    submitted: &ModalInteraction,
    key: &str,
    lang: Lang,
) -> serenity::Result<()> {
    let w = of(lang);
    let typed = submitted
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
        .unwrap_or_default();
    // Discord holds the box to its length; anything longer was not sent by Discord.
    let bounded: String = typed.chars().take(view::COMMENT_CHARS).collect();
    let note = question_text(&bounded);
    let Some(voter) = &state.voter else {
        state.metrics.vote("comment", "unavailable");
        return sender.send(PRIVATE, &Reply::text(w.votes_off)).await;
    };
    let voter = voter.of(submitted.user.id.get());
    let job = async {
        let _turn = state.vote_order.turn(&voter).await;
        let result = state.storage.comment(key, &voter, &note).await;
        Reply::text(acknowledgement(state, "comment", result, w, |_| {
            if note.is_empty() {
                w.thanks_not_helpful
            } else {
                w.thanks_comment
            }
        }))
    };
    sender
        .send_when_ready(PRIVATE, state.settings.defer_after, job)
        .await
        .map(|_| ())
}

/// "Share to channel" under a private answer: the same question answered publicly,
/// credited to whoever shared it (a mention that pings no one: allowed mentions are
/// empty). Held to the question cooldown: a share costs a search.
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
    let admitted = state
        .live
        .engine()
        .validate(&question)
        .map_err(guard::Refusal::from)
        .and_then(|()| state.cooldown(click.user.id));
    if let Err(refusal) = admitted {
        return sender.send(PRIVATE, &Reply::text(refusal.text(lang))).await;
    }
    let who = click.user.id;
    let job = state.answered(question, Via::Button, lang, true, |r, lang, buttons| {
        let mut reply = answer::answer_with(r, lang, buttons);
        reply.content = Some(words::fill(
            of(lang).shared_by,
            &[("who", &format!("<@{who}>"))],
        ));
        reply
    });
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

/// 🗑️ under a public answer: removed when the clicker asked it or moderates. Logged
/// without the member's id (a moderator's removal names the moderator).
pub async fn delete(
    state: &State,
    sender: &Sender<'_>,
    http: &Http,
    click: &ComponentInteraction,
) -> serenity::Result<()> {
    let lang = lang_of(&click.locale);
    let w = of(lang);
    let asker = asker_of(&click.message);
    let moderator = guard::is_moderator(click.member.as_ref(), &state.settings.moderator_role_ids);
    if asker != Some(click.user.id) && !moderator {
        info!("refused: removing an answer someone else asked for");
        return sender.send(PRIVATE, &Reply::text(w.not_yours)).await;
    }
    let removed = click
        .message
        .channel_id
        .delete_message(http, click.message.id)
        .await;
    let text = match removed {
        Ok(()) if moderator && asker != Some(click.user.id) => {
            info!(moderator = %super::commands::who(&click.user), "answer removed by a moderator");
            w.removed
        }
        Ok(()) => {
            info!("answer removed by its asker");
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
                .send(PRIVATE, &Reply::text(guard::Refusal::Failed.text(lang)))
                .await;
        }
    };
    sender.send(PRIVATE, &Reply::text(text)).await
}
