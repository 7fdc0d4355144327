//! Questions that do not come as slash commands (mentions, DMs, answer channels, new
//! forum posts: [`super::forum`]), clicks on the buttons under replies (votes, sharing
//! and removing: [`super::feedback`]), the box after 👎, and the gateway's comings and
//! goings.

use serenity::all::{
    ComponentInteraction, FullEvent, Http, Interaction, Message, MessageFlags, ModalInteraction,
};
use tracing::debug;

use super::buttons::{self, Action};
use super::guard::Refusal;
use super::send::{Mode, Sender, To};
use super::state::{Asked, State, Via};
use super::views::{answer, help, moderation, passages, sources, Reply};
use super::{commands, Data, Error};
use crate::core::lang::Lang;

pub async fn handle(
    framework: poise::FrameworkContext<'_, Data, Error>,
    event: &FullEvent,
) -> Result<(), Error> {
    let state = framework.user_data;
    let http = &framework.serenity_context.http;
    match event {
        FullEvent::Message { new_message } => {
            let _busy = state.busy();
            on_message(state, http, new_message).await
        }
        FullEvent::Ready { .. } => {
            state.gateway(true, true);
            Ok(())
        }
        FullEvent::Resume { .. } => {
            state.gateway(true, false);
            Ok(())
        }
        FullEvent::ShardStageUpdate { event } => {
            if event.new != serenity::all::ConnectionStage::Connected {
                state.gateway(false, false);
            }
            Ok(())
        }
        FullEvent::InteractionCreate {
            interaction: Interaction::Component(click),
        } => {
            let _busy = state.busy();
            on_click(state, http, click).await
        }
        FullEvent::InteractionCreate {
            interaction: Interaction::Modal(submitted),
        } => {
            let _busy = state.busy();
            on_modal(state, http, submitted).await
        }
        FullEvent::ThreadCreate { thread } => {
            let _busy = state.busy();
            super::forum::on_new_thread(state, http, thread).await
        }
        _ => Ok(()),
    }
}

/// The question in a message, if the message is one the bot should answer: a DM, a
/// message mentioning the bot, or any message in an answer channel. Mentions are left
/// out of the question ([`question_text`]).
fn question_in(state: &State, msg: &Message) -> Option<Via> {
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
    Some(via)
}

#[tracing::instrument(skip_all, fields(via))]
async fn on_message(state: &State, http: &Http, msg: &Message) -> Result<(), Error> {
    let Some(via) = question_in(state, msg) else {
        return Ok(());
    };
    // A forum post's first message (its id is the thread's) mentioning the bot: the post
    // is answered once, by whichever of this and the new-thread event comes first.
    if msg.id.get() == msg.channel_id.get() && !super::forum::claim(state, msg.channel_id).await {
        return Ok(());
    }
    tracing::Span::current().record("via", via.label());
    let sender = Sender::new(http, &state.questions, To::Message(msg));
    // Messages carry no locale: the question's own language decides.
    let asked = Asked::new(msg.author.id, &msg.content, via, None);
    let lang = asked.lang;
    // A message gets a message back: refusals too are public (only interactions can
    // answer privately).
    let public = Mode::New { ephemeral: false };
    if asked.question.is_empty() {
        let help = help::help(
            state.live.settings().search.max_question_chars,
            !state.settings.answer_channel_ids.is_empty(),
            lang,
        );
        sender.send(public, &help).await?;
        return Ok(());
    }
    state
        .answer(&sender, asked, public, public, answer::answer_with)
        .await?;
    Ok(())
}

/// What a click asks for, for the logs: never the question it carries.
fn action_name(action: &Action) -> &'static str {
    match action {
        Action::Passages { .. } => "passages",
        Action::SourcePage { .. } => "source_page",
        Action::Catalog { .. } => "catalog",
        Action::Remove { .. } => "remove",
        Action::Cancel => "cancel",
        Action::Vote { helpful: true, .. } => "vote_up",
        Action::Vote { helpful: false, .. } => "vote_down",
        Action::Comment { .. } => "comment",
        Action::Share { .. } => "share",
        Action::Delete => "delete",
        Action::AddPage { .. } => "add_page",
        Action::DropPage { .. } => "drop_page",
    }
}

#[tracing::instrument(skip_all, fields(action))]
async fn on_click(state: &State, http: &Http, click: &ComponentInteraction) -> Result<(), Error> {
    let sender = Sender::new(http, &state.questions, To::Component(click));
    let private = Mode::New { ephemeral: true };
    let action = match buttons::decode_stored(&click.data.custom_id, &state.questions).await {
        Ok(a) => a,
        Err(expired) => {
            debug!(custom_id = %click.data.custom_id, "button could not be decoded");
            let lang = Lang::from_locale(&click.locale).unwrap_or_default();
            sender
                .send(private, &Reply::text(expired.text(lang)))
                .await?;
            return Ok(());
        }
    };
    tracing::Span::current().record("action", action_name(&action));
    if state.draining() {
        let lang = Lang::from_locale(&click.locale).unwrap_or_default();
        sender
            .send(private, &Reply::text(Refusal::ShuttingDown.text(lang)))
            .await?;
        return Ok(());
    }
    // Someone else's public answer stays as it is; the clicker gets their own copy.
    // On a private reply (only the clicker sees it) the page changes in place.
    let in_place = click
        .message
        .flags
        .is_some_and(|f| f.contains(MessageFlags::EPHEMERAL));
    let paging = if in_place { Mode::Update } else { private };
    let defer_after = state.settings.defer_after;
    match action {
        Action::Passages { offset, question } => {
            let lang = Lang::for_reply(&question, Some(&click.locale));
            let per_page = state.top_k();
            let job = state.reply(question, offset, Via::Button, lang, |r, lang| {
                passages::passages(r, offset, per_page, lang)
            });
            sender.send_when_ready(paging, defer_after, job).await?;
        }
        Action::SourcePage { id, page } => {
            let engine = state.live.engine();
            let index = engine.index();
            let reply = match index.source(&id) {
                Some(s) => sources::source(s, &index.passages_of(&id)?, page),
                None => sources::source_gone(),
            };
            sender.send(paging, &reply).await?;
        }
        Action::Remove { id } => {
            if !commands::clicked_by_moderator(state, &sender, click, "remove sources").await? {
                return Ok(());
            }
            let by = commands::who(&click.user);
            let live = state.live.clone();
            let job = async {
                let (remove_by, remove_id) = (by.clone(), id.clone());
                let started = std::time::Instant::now();
                let removal = move || live.remove_source(&remove_id, &remove_by);
                match commands::blocking("source removal", removal).await {
                    Ok(Ok((path, m))) => {
                        tracing::info!(by, id, path = %path.display(), "source removed");
                        moderation::removed(&id, &m)
                    }
                    Ok(Err(e)) => commands::reindex_reply(state, Err(e), &by, started),
                    Err(apology) => apology,
                }
            };
            sender
                .send_when_ready(Mode::Update, defer_after, job)
                .await?;
        }
        Action::Cancel => {
            sender
                .send(Mode::Update, &moderation::nothing_removed())
                .await?;
        }
        Action::Vote { key, helpful } => {
            super::feedback::vote(state, &sender, click, &key, helpful).await?;
        }
        Action::Share { question } => {
            super::feedback::share(state, &sender, click, question).await?;
        }
        Action::Delete => {
            super::feedback::delete(state, &sender, http, click).await?;
        }
        // A box's id on a button: forged.
        Action::Comment { .. } => {
            let lang = Lang::from_locale(&click.locale).unwrap_or_default();
            sender
                .send(private, &Reply::text(buttons::Expired::Unknown.text(lang)))
                .await?;
        }
        Action::Catalog { page } => {
            let engine = state.live.engine();
            sender
                .send(paging, &sources::catalog(engine.index(), page))
                .await?;
        }
        Action::AddPage { key } => {
            commands::add_page(state, &sender, click, &key).await?;
        }
        Action::DropPage { key } => {
            commands::drop_page(state, &sender, click, &key).await?;
        }
    }
    Ok(())
}

/// The box after 👎 sent back: its note is kept with the vote.
#[tracing::instrument(skip_all)]
async fn on_modal(state: &State, http: &Http, submitted: &ModalInteraction) -> Result<(), Error> {
    let sender = Sender::new(http, &state.questions, To::Modal(submitted));
    let lang = Lang::from_locale(&submitted.locale).unwrap_or_default();
    match buttons::decode(&submitted.data.custom_id, &state.questions) {
        Ok(Action::Comment { key }) => {
            super::feedback::comment(state, &sender, submitted, &key, lang).await?;
        }
        _ => {
            debug!(custom_id = %submitted.data.custom_id, "a box could not be decoded");
            sender
                .send(
                    Mode::New { ephemeral: true },
                    &Reply::text(buttons::Expired::Unknown.text(lang)),
                )
                .await?;
        }
    }
    Ok(())
}
