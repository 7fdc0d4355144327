//! New forum posts, end to end through the local Discord: one answer as the first reply
//! (title and first message together are the question), the configured tag put on the
//! post, never a second answer in the same thread (also across a restart), and a later
//! mention in the thread answered as anywhere else.

use std::time::Duration;

use serde_json::Value;
use testkit::bot::Bot;
use testkit::local_discord::payloads::{self, Who, ASKER};
use testkit::local_discord::{bot_user, BOT_ID};

use crate::util::checkout;

const FORUM: u64 = 1_300_000_000_000_000_500;
const ANSWERED: u64 = 1_700_000_000_000_000_001;
const NEEDS_HUMAN: u64 = 1_700_000_000_000_000_002;

async fn forum_bot() -> Bot {
    let bot = Bot::start_with(
        &checkout(),
        &[("ATTACHE__DISCORD__FORUM_CHANNEL_IDS", &FORUM.to_string())],
    )
    .await;
    bot.discord.add_channel(payloads::forum_channel(
        FORUM,
        "ask-about-the-talks",
        &[
            (ANSWERED, "Answered"),
            (NEEDS_HUMAN, "needs-human"),
            (1_700_000_000_000_000_003, "other"),
        ],
    ));
    bot
}

/// The bot's messages in `thread`.
fn answers_in(bot: &Bot, thread: u64) -> Vec<Value> {
    bot.discord
        .messages_in(thread)
        .into_iter()
        .filter(|m| m["author"]["id"].as_str() == Some(BOT_ID.to_string().as_str()))
        .collect()
}

/// Post in the forum (the thread's event first, then its first message, as Discord
/// sends them); wait for the bot's answer in the thread. The thread's id.
async fn post(bot: &Bot, title: &str, text: &str, who: &Who) -> (u64, Value) {
    let (thread, starter) = payloads::forum_post(&bot.discord, FORUM, title, text, who);
    let id: u64 = thread["id"].as_str().unwrap().parse().unwrap();
    let mark = bot.discord.mark();
    bot.discord.dispatch("THREAD_CREATE", thread);
    bot.discord.dispatch("MESSAGE_CREATE", starter);
    let reply = bot
        .discord
        .wait_for(mark, "the answer in the forum post", |r| {
            r.method == "POST" && r.path == format!("/channels/{id}/messages") && r.status < 300
        })
        .await;
    (id, reply.body.clone())
}

async fn tags_of(bot: &Bot, thread: u64) -> Vec<String> {
    // Tagging follows the answer.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let tags: Vec<String> = bot.discord.channel(thread).unwrap()["applied_tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_string())
            .collect();
        if !tags.is_empty() || std::time::Instant::now() > deadline {
            return tags;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forum_post_is_answered_once_and_tagged_also_across_a_restart() {
    let mut bot = forum_bot().await;
    let asker = Who::member(ASKER);
    let (thread, reply) = post(
        &bot,
        "Prisoner exchange",
        "How many prisoners will be exchanged?",
        &asker,
    )
    .await;
    let text = reply["embeds"][0]["description"].as_str().unwrap();
    assert!(text.contains("1,200"), "{text}");
    assert_eq!(
        reply["message_reference"]["message_id"],
        thread.to_string(),
        "the answer replies to the post's first message"
    );
    assert_eq!(tags_of(&bot, thread).await, [ANSWERED.to_string()]);

    // Nothing found: tagged for a human, and the reply invites one, naming no one.
    let (other, reply) = post(
        &bot,
        "Football",
        "Who won the 2022 World Cup final?",
        &asker,
    )
    .await;
    let text = reply["embeds"][0]["description"].as_str().unwrap();
    assert!(text.contains("human answer"), "{text}");
    assert_eq!(tags_of(&bot, other).await, [NEEDS_HUMAN.to_string()]);

    // The same thread again (a replayed event), after a restart too: no second answer.
    bot.restart().await;
    bot.discord
        .add_channel(payloads::forum_channel(FORUM, "ask-about-the-talks", &[]));
    let thread_again = bot.discord.channel(thread).unwrap();
    bot.discord.dispatch("THREAD_CREATE", thread_again);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(answers_in(&bot, thread).len(), 1, "answered once");

    // A mention in the thread is a question like anywhere else.
    let mention = payloads::message_in(
        &bot.discord,
        thread,
        "<@1100000000000000001> who led the Ukrainian delegation?",
        &Who::member(ASKER + 1),
        &[bot_user()],
    );
    let mark = bot.discord.mark();
    bot.discord.dispatch("MESSAGE_CREATE", mention);
    let again = bot
        .discord
        .wait_for(mark, "the answer to the mention", |r| {
            r.method == "POST" && r.path == format!("/channels/{thread}/messages")
        })
        .await;
    assert!(again.text().contains("Umerov"), "{}", again.text());
    bot.check();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_post_is_answered_from_its_beginning_and_other_forums_are_left_alone() {
    let bot = forum_bot().await;
    let asker = Who::member(ASKER);
    let long = format!(
        "How many prisoners will be exchanged? {}",
        "Some background that goes on and on. ".repeat(200)
    );
    let (_, reply) = post(&bot, &"Exchange ".repeat(11), &long, &asker).await;
    // Cut to the question limit and searched, not refused as too long.
    assert!(reply["embeds"][0]["description"].is_string(), "{reply}");
    assert!(
        !reply.to_string().contains("too long"),
        "a long post is not refused: {reply}"
    );

    // A post in a forum that is not configured gets nothing.
    let (thread, starter) = payloads::forum_post(
        &bot.discord,
        FORUM + 1,
        "Hello",
        "How many prisoners?",
        &asker,
    );
    let id: u64 = thread["id"].as_str().unwrap().parse().unwrap();
    bot.discord.dispatch("THREAD_CREATE", thread);
    bot.discord.dispatch("MESSAGE_CREATE", starter);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(answers_in(&bot, id).is_empty());
    bot.check();
}
