//! New posts in the forum channels of `discord.forum_channel_ids`: each gets one answer
//! as its first reply (the title and the first message together are the question, cut
//! to the question limit), and the configured tag that fits: answered, or nothing found
//! (whose reply invites a human, naming no one). Never a second answer in the same
//! thread, across restarts and processes: the thread is claimed in the storage first;
//! later questions there are mentions like anywhere else.
//!
//! The thread and its first message arrive as separate events, in either order; the
//! thread's event triggers the answer, and the message (whose id is the thread's) is
//! read over REST, which the Message Content intent governs.

use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use serenity::all::{ChannelId, EditThread, ForumTagId, GuildChannel, Http, Message, MessageId};
use tracing::{info, warn};

use super::send::{Mode, Sender, To};
use super::state::{question_text, Asked, State, Via};
use super::views::answer;
use super::Error;
use crate::render::feedback::of;

/// Reading the first message is tried this often, this far apart (it may not be
/// readable the instant the thread exists).
const READ_TRIES: usize = 3;
const READ_WAIT: Duration = Duration::from_millis(500);

/// Discord's limit of tags on one post.
const MAX_TAGS: usize = 5;

/// Claim the thread `id` for its one answer; `false` when it was answered already.
/// With the storage down it is answered anyway (said in the log): an answer too many
/// (the rare post whose first message also mentions the bot, answered by both events)
/// is better than none.
pub async fn claim(state: &State, id: ChannelId) -> bool {
    match state.storage.claim_thread(id.get()).await {
        Ok(first) => first,
        Err(e) => {
            warn!(thread = %id, error = %e, "cannot record that a forum post was answered; answering anyway");
            true
        }
    }
}

pub async fn on_new_thread(state: &State, http: &Http, thread: &GuildChannel) -> Result<(), Error> {
    let Some(forum) = thread.parent_id else {
        return Ok(());
    };
    if !state.settings.forum_channel_ids.contains(&forum.get()) || state.draining() {
        return Ok(());
    }
    if !claim(state, thread.id).await {
        return Ok(());
    }
    let Some(first) = first_message(http, thread.id).await else {
        warn!(thread = %thread.id, "a forum post's first message could not be read; not answered");
        release(state, thread.id).await;
        return Ok(());
    };
    if first.author.bot {
        return Ok(());
    }
    // Title and first message are the question, cut to the limit: a long post is
    // answered from its beginning, not refused.
    let max = state.live.settings().search.max_question_chars;
    let whole = question_text(&format!("{}\n{}", thread.name, first.content));
    let question: String = whole.chars().take(max).collect();
    let sender = Sender::new(http, &state.questions, To::Message(&first));
    // What came of it: still REFUSED (a refusal was sent instead), NOTHING or ANSWERED.
    let outcome = AtomicU8::new(REFUSED);
    let asked = Asked::new(first.author.id, &question, Via::Forum, None);
    let public = Mode::New { ephemeral: false };
    let sent = state
        .answer(&sender, asked, public, public, |r, lang, actions| {
            let found = if r.passages.is_empty() {
                NOTHING
            } else {
                ANSWERED
            };
            outcome.store(found, Ordering::SeqCst);
            let mut reply = answer::answer_with(r, lang, actions);
            if r.passages.is_empty() {
                if let Some(card) = reply.cards.first_mut() {
                    card.description.push_str("\n\n");
                    card.description.push_str(of(lang).forum_human);
                }
            }
            reply
        })
        .await;
    if let Err(e) = sent {
        release(state, thread.id).await;
        return Err(e.into());
    }
    let settings = &state.settings;
    let tag = match outcome.load(Ordering::SeqCst) {
        ANSWERED => &settings.forum_answered_tag,
        NOTHING => &settings.forum_unanswered_tag,
        // A refusal (busy, restarting) is no verdict on the post.
        _ => return Ok(()),
    };
    if !tag.is_empty() {
        if let Err(e) = add_tag(http, forum, thread, tag).await {
            warn!(thread = %thread.id, tag, error = %e, "tagging a forum post failed (does the bot have Manage Threads?)");
        }
    }
    info!(thread = %thread.id, answered = outcome.load(Ordering::SeqCst) == ANSWERED, "forum post answered");
    Ok(())
}

const REFUSED: u8 = 0;
const NOTHING: u8 = 1;
const ANSWERED: u8 = 2;

/// Give the claim on `thread` back: no answer went out.
async fn release(state: &State, thread: ChannelId) {
    if let Err(e) = state.storage.release_thread(thread.get()).await {
        warn!(thread = %thread, error = %e, "a forum post stays marked answered though it was not");
    }
}

async fn first_message(http: &Http, thread: ChannelId) -> Option<Message> {
    for attempt in 0..READ_TRIES {
        match http.get_message(thread, MessageId::new(thread.get())).await {
            Ok(m) => return Some(m),
            Err(e) if attempt + 1 == READ_TRIES => {
                warn!(thread = %thread, error = %e, "reading a forum post's first message failed");
            }
            Err(_) => tokio::time::sleep(READ_WAIT).await,
        }
    }
    None
}

/// Put the forum's tag named `name` (any case) on `thread`, beside the tags it has;
/// nothing when the forum has no such tag.
async fn add_tag(
    http: &Http,
    forum: ChannelId,
    thread: &GuildChannel,
    name: &str,
) -> serenity::Result<()> {
    let forum = forum.to_channel(http).await?;
    let Some(tag) = forum.guild().and_then(|f| {
        f.available_tags
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(name))
            .map(|t| t.id)
    }) else {
        return Ok(());
    };
    let mut tags: Vec<ForumTagId> = thread.applied_tags.clone();
    if tags.contains(&tag) || tags.len() >= MAX_TAGS {
        return Ok(());
    }
    tags.push(tag);
    thread
        .id
        .edit_thread(http, EditThread::new().applied_tags(tags))
        .await?;
    Ok(())
}
