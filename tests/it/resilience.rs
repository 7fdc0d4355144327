//! The bot carries on when Discord misbehaves: dropped connections, reconnect and
//! invalid-session requests, refused replies (retried, reported or dropped as each
//! deserves), and hostile or unreadable payloads.

use std::time::Duration;

use serde_json::json;
use testkit::bot::Bot;
use testkit::local_discord::payloads::{self, Who, ASKER};
use testkit::local_discord::{bot_user, BOT_ID};

use crate::util::checkout;

/// Wait until the bot has opened `n` gateway sessions in all (identified or resumed).
async fn wait_for_sessions(bot: &Bot, n: usize) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while bot.discord.identifies().len() + bot.discord.resumes().len() < n {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the bot did not reconnect:\n{}",
            bot.log()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_comes_back_after_a_drop_a_reconnect_and_an_invalid_session() {
    let bot = Bot::start(&checkout()).await;
    let who = Who::member(ASKER);
    let question = "How many prisoners will be exchanged?";
    assert!(bot.ask(&who, question).await.text().contains("1,200"));

    // The connection dies without a close frame: the bot resumes.
    bot.discord.drop_connection(0);
    wait_for_sessions(&bot, 2).await;
    assert_eq!(
        bot.discord.resumes().len(),
        1,
        "a dropped session is resumed, not identified again"
    );
    assert!(bot.ask(&who, question).await.text().contains("1,200"));

    // Discord asks for a reconnect (op 7): resume again.
    bot.discord.gateway_frame(0, json!({ "op": 7, "d": null }));
    wait_for_sessions(&bot, 3).await;
    assert!(bot.ask(&who, question).await.text().contains("1,200"));

    // The session is invalid and not resumable (op 9, false): identify afresh.
    let identified = bot.discord.identifies().len();
    bot.discord.gateway_frame(0, json!({ "op": 9, "d": false }));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while bot.discord.identifies().len() == identified {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no new IDENTIFY after op 9:\n{}",
            bot.log()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(bot.ask(&who, question).await.text().contains("1,200"));

    // Every interaction was answered exactly once: none twice after a reconnect.
    let mut callbacks = std::collections::HashMap::new();
    for r in bot
        .discord
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/callback"))
    {
        *callbacks.entry(r.path.clone()).or_insert(0) += 1;
    }
    assert_eq!(callbacks.len(), 4);
    assert!(callbacks.values().all(|&n| n == 1), "{callbacks:?}");
    bot.check();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_from_discord_are_retried_reported_or_dropped_as_they_deserve() {
    let bot = Bot::start(&checkout()).await;
    let who = Who::member(ASKER);
    let question = "How many prisoners will be exchanged?";
    let attempts = |token: &str| {
        bot.discord
            .requests()
            .iter()
            .filter(|r| r.path.contains(token))
            .map(|r| r.status)
            .collect::<Vec<_>>()
    };

    // Rate limited twice: the reply is sent again after a wait and arrives once.
    bot.discord.rate_limit_next("/callback", 2);
    let slash = payloads::slash(
        &bot.discord,
        "ask",
        &[("question", 3, json!(question))],
        &who,
    );
    let token = slash["token"].as_str().unwrap().to_string();
    let a = bot.interact(slash).await;
    assert!(a.text().contains("1,200"));
    assert_eq!(
        attempts(&token),
        [429, 429, 204],
        "retried, then delivered once"
    );

    // A 5xx on a message reply: retried with backoff.
    bot.discord.fail_next(
        "/messages",
        1,
        502,
        json!({ "message": "Bad Gateway", "code": 0 }),
    );
    let reply = bot
        .say(&who, &format!("<@{BOT_ID}> {question}"), &[bot_user()])
        .await;
    assert!(reply.text().contains("1,200"));

    // Discord keeps failing: after the retries, reported in the log; the bot carries on.
    bot.discord.fail_next(
        "/callback",
        4,
        503,
        json!({ "message": "Service Unavailable", "code": 0 }),
    );
    let doomed = payloads::slash(
        &bot.discord,
        "ask",
        &[("question", 3, json!(question))],
        &who,
    );
    let doomed_token = doomed["token"].as_str().unwrap().to_string();
    bot.discord.dispatch("INTERACTION_CREATE", doomed);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !bot.log().contains("command failed") {
        assert!(tokio::time::Instant::now() < deadline, "{}", bot.log());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        attempts(&doomed_token),
        [503, 503, 503, 503],
        "three retries, then given up"
    );

    // An expired interaction (404 Unknown interaction): logged, not retried.
    bot.discord.fail_next(
        "/callback",
        1,
        404,
        json!({ "message": "Unknown interaction", "code": 10062 }),
    );
    let expired = payloads::slash(
        &bot.discord,
        "ask",
        &[("question", 3, json!(question))],
        &who,
    );
    let expired_token = expired["token"].as_str().unwrap().to_string();
    bot.discord.dispatch("INTERACTION_CREATE", expired);
    while !bot.log().contains("Unknown interaction") {
        assert!(tokio::time::Instant::now() < deadline, "{}", bot.log());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        attempts(&expired_token),
        [404],
        "an expired interaction is not retried, nor apologised to"
    );

    assert!(
        bot.ask(&who, question).await.text().contains("1,200"),
        "and the next question is answered"
    );
    bot.check();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_payloads_are_ignored_or_refused_and_the_bot_carries_on() {
    let bot = Bot::start(&checkout()).await;
    let who = Who::member(ASKER);
    let question = "How many prisoners will be exchanged?";

    // Missing required fields: serenity cannot read it; it is logged and dropped.
    let mut broken = payloads::slash(
        &bot.discord,
        "ask",
        &[("question", 3, json!(question))],
        &who,
    );
    broken.as_object_mut().unwrap().remove("token");
    broken.as_object_mut().unwrap().remove("data");
    bot.discord.dispatch_raw("INTERACTION_CREATE", broken);
    // An event type this bot has never heard of.
    bot.discord
        .dispatch_raw("SOMETHING_NEW", json!({ "x": [1, 2, 3] }));

    // An option of an unknown type, and no options at all: a polite private reply.
    let odd = bot
        .interact(payloads::slash(
            &bot.discord,
            "ask",
            &[("question", 99, json!({ "nested": true }))],
            &who,
        ))
        .await;
    assert!(
        odd.ephemeral() && odd.text().contains("could not read"),
        "{}",
        odd.text()
    );
    let none = bot
        .interact(payloads::slash(&bot.discord, "ask", &[], &who))
        .await;
    assert!(
        none.ephemeral() && none.text().contains("could not read"),
        "{}",
        none.text()
    );
    // An unknown command.
    let unknown = payloads::slash(&bot.discord, "frobnicate", &[], &who);
    bot.discord.dispatch("INTERACTION_CREATE", unknown);

    // Oversize values: 100,000 characters in a slash option and in a mention.
    let huge = "a".repeat(100_000);
    let long = bot.ask(&who, &huge).await;
    assert!(
        long.ephemeral() && long.text().contains("too long"),
        "{}",
        long.text()
    );
    let reply = bot
        .say(&who, &format!("<@{BOT_ID}> {huge}"), &[bot_user()])
        .await;
    assert!(reply.text().contains("too long"), "{}", reply.text());

    assert!(
        bot.ask(&who, question).await.text().contains("1,200"),
        "still answering"
    );
    let log = bot.log();
    assert!(
        log.contains("unknown event"),
        "the unreadable payloads are logged: {log}"
    );
    assert!(
        log.contains("could not read the command's options"),
        "{log}"
    );
    bot.check();
}
