//! What members do with an answer, end to end through the local Discord: 👍 and 👎
//! (one vote each, changeable, acknowledged privately; 👎 opens the "What was wrong?"
//! box), votes kept across a restart and a SIGKILL, voters never stored by id, share a
//! private answer, remove a public one (its asker or a moderator only), `/feedback`;
//! and two bot processes sharing one PostgreSQL server.

use std::time::Duration;

use serde_json::{json, Value};
use testkit::bot::{Answer, Bot};
use testkit::local_discord::payloads::{self, Who, ASKER};
use testkit::local_discord::CHANNEL_ID;
use testkit::postgres::Postgres;

use crate::util::checkout;

const QUESTION: &str = "How many prisoners will be exchanged?";

/// The button labelled `label` under `a`.
fn id_of(a: &Answer, label: &str) -> String {
    a.button(label)
}

/// The message `a` became, as a click on it carries it, made by `asker`'s command (the
/// interaction metadata Discord adds), and known to the local Discord.
fn posted_by_command(bot: &Bot, a: &Answer, asker: &Who) -> Value {
    let mut m = payloads::message_from(&bot.discord, &a.reply, asker);
    m["interaction_metadata"] = json!({
        "id": bot.discord.id().to_string(), "type": 2, "user": asker.user(),
        "authorizing_integration_owners": {}, "name": "ask", "command_type": 1,
    });
    bot.discord.add_message(m.clone());
    m
}

async fn click_on(bot: &Bot, who: &Who, message: &Value, custom_id: &str) -> Answer {
    bot.interact(payloads::click(
        &bot.discord,
        custom_id,
        message.clone(),
        who,
    ))
    .await
}

/// Every byte of the SQLite database (and its write-ahead log) of `bot`'s project.
fn database_bytes(bot: &Bot) -> Vec<u8> {
    let mut all = Vec::new();
    for name in ["attache.sqlite3", "attache.sqlite3-wal"] {
        if let Ok(b) = std::fs::read(bot.project.path(&format!("data/{name}"))) {
            all.extend(b);
        }
    }
    all
}

fn holds_user_id(bytes: &[u8], id: u64) -> bool {
    let text = id.to_string();
    let needles: [&[u8]; 3] = [text.as_bytes(), &id.to_be_bytes(), &id.to_le_bytes()];
    needles
        .iter()
        .any(|n| bytes.windows(n.len()).any(|w| w == *n))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn votes_are_private_one_per_member_changeable_and_survive_a_restart() {
    let mut bot = Bot::start(&checkout()).await;
    let asker = Who::member(ASKER);
    let other = Who::member(ASKER + 1);
    let a = bot.ask(&asker, QUESTION).await;
    let labels: Vec<String> = a.reply.buttons().into_iter().map(|b| b.0).collect();
    assert_eq!(
        labels[..4],
        ["Show passages", "👍", "👎", "🗑️"],
        "a public answer: read on, vote, or remove"
    );
    let up = id_of(&a, "👍");
    let down = id_of(&a, "👎");

    let first = bot.click(&asker, &a, &up).await;
    assert!(first.ephemeral(), "a vote is acknowledged privately");
    assert!(first.text().contains("helpful"), "{}", first.text());
    let again = bot.click(&asker, &a, &up).await;
    assert!(again.text().contains("already"), "{}", again.text());

    // 👎 opens the box; the vote counts even if the box is closed unanswered.
    let boxed = bot.click(&other, &a, &down).await;
    assert_eq!(
        boxed.reply.body["type"], 9,
        "a modal: {:?}",
        boxed.reply.body
    );
    let modal = &boxed.reply.body["data"];
    assert_eq!(modal["title"], "What was wrong with this answer?");
    let input = &modal["components"][0]["components"][0];
    assert_eq!(input["required"], false);
    assert!(input["max_length"].as_u64().unwrap() <= 4000);
    let modal_id = modal["custom_id"].as_str().unwrap().to_string();
    let message = payloads::message_from(&bot.discord, &a.reply, &other);
    let noted = bot
        .interact(payloads::modal_submit(
            &bot.discord,
            &modal_id,
            &[(
                "comment",
                "It says 1,200 but the **record** says 1,000 <@1>",
            )],
            Some(message),
            &other,
        ))
        .await;
    assert!(noted.ephemeral());
    assert!(noted.text().contains("moderators"), "{}", noted.text());

    // The asker changes their mind: one vote each, the latest counts.
    let changed = bot.click(&asker, &a, &down).await;
    assert_eq!(changed.reply.body["type"], 9);
    let back = bot.click(&asker, &a, &up).await;
    assert!(back.text().contains("Changed"), "{}", back.text());

    bot.restart().await;
    let report = bot
        .command(&Who::moderator(ASKER + 9), "feedback", &[])
        .await;
    assert!(report.ephemeral(), "moderators' lists are private");
    let text = report.text();
    assert!(text.contains(QUESTION), "{text}");
    assert!(text.contains("1,000"), "the note is shown: {text}");
    assert!(!text.contains("<@1>"), "a note never mentions: {text}");
    assert!(text.contains("1 of 2 helpful (50%)"), "{text}");

    // A member's id is nowhere in the database; only an HMAC of it.
    let bytes = database_bytes(&bot);
    assert!(!bytes.is_empty());
    for id in [ASKER, ASKER + 1] {
        assert!(
            !holds_user_id(&bytes, id),
            "user id {id} stored in the database"
        );
    }
    bot.check();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_bot_loses_no_committed_vote_and_starts_again_cleanly() {
    let mut bot = Bot::start(&checkout()).await;
    let a = bot.ask(&Who::member(ASKER), QUESTION).await;
    let up = id_of(&a, "👍");
    let mark = bot.discord.mark();
    // A stream of votes from many members, the bot killed in the middle of it.
    const STREAM: usize = 300;
    for i in 0..STREAM as u64 {
        let who = Who::member(ASKER + 100 + i);
        let message = payloads::message_from(&bot.discord, &a.reply, &who);
        bot.discord.dispatch(
            "INTERACTION_CREATE",
            payloads::click(&bot.discord, &up, message, &who),
        );
    }
    let acked = |bot: &Bot| {
        bot.discord.requests()[mark..]
            .iter()
            .filter(|r| r.path.ends_with("/callback") && r.text().contains("helpful"))
            .count()
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while acked(&bot) < 10 {
        assert!(std::time::Instant::now() < deadline, "{}", bot.log());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    bot.restart().await; // SIGKILL, then a new process on the same files
    let committed = acked(&bot);
    assert!(
        committed < STREAM,
        "killed in the middle: {committed} of {STREAM} acknowledged"
    );
    let db = rusqlite::Connection::open(bot.project.path("data/attache.sqlite3")).unwrap();
    let kept: i64 = db
        .query_row("SELECT count(*) FROM votes", [], |r| r.get(0))
        .unwrap();
    assert!(
        kept as usize >= committed,
        "{committed} votes were acknowledged, {kept} kept"
    );
    let check: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    // It answers and counts votes again.
    let b = bot.ask(&Who::member(ASKER + 1), QUESTION).await;
    assert!(b.text().contains("1,200"), "{}", b.text());
    let late = bot
        .click(&Who::member(ASKER + 999), &b, &id_of(&b, "👍"))
        .await;
    assert!(late.text().contains("helpful"), "{}", late.text());
    assert!(!bot.log().contains("panicked"), "{}", bot.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_member_who_asked_or_a_moderator_removes_an_answer() {
    let bot = Bot::start(&checkout()).await;
    let asker = Who::member(ASKER);
    let a = bot.ask(&asker, QUESTION).await;
    let message = posted_by_command(&bot, &a, &asker);
    let delete = id_of(&a, "🗑️");
    let path = format!(
        "/channels/{CHANNEL_ID}/messages/{}",
        message["id"].as_str().unwrap()
    );

    let refused = click_on(&bot, &Who::member(ASKER + 1), &message, &delete).await;
    assert!(refused.ephemeral());
    assert!(
        refused.text().contains("Only the member who asked"),
        "{}",
        refused.text()
    );
    let deletes = |bot: &Bot| {
        bot.discord
            .requests()
            .iter()
            .filter(|r| r.method == "DELETE" && r.path == path)
            .count()
    };
    assert_eq!(deletes(&bot), 0, "someone else's click removes nothing");

    let removed = click_on(&bot, &asker, &message, &delete).await;
    assert!(removed.ephemeral());
    assert!(removed.text().contains("removed"), "{}", removed.text());
    assert_eq!(deletes(&bot), 1);
    assert!(bot
        .discord
        .message(CHANNEL_ID, message["id"].as_str().unwrap().parse().unwrap())
        .is_none());

    // An answer to a mention: its asker is the author of the message it replies to; a
    // moderator may remove it too.
    let question = payloads::message(
        &bot.discord,
        "<@1100000000000000001> how many prisoners will be exchanged?",
        &asker,
        &[testkit::local_discord::bot_user()],
    );
    bot.discord.add_message(question.clone());
    let mark = bot.discord.mark();
    bot.discord.dispatch("MESSAGE_CREATE", question);
    let reply = bot
        .discord
        .wait_for(mark, "the answer to the mention", |r| {
            r.method == "POST" && r.path.ends_with("/messages") && r.status < 300
        })
        .await;
    let posted = bot.discord.messages_in(CHANNEL_ID);
    let answer = posted
        .iter()
        .rev()
        .find(|m| m["author"]["id"] == "1100000000000000001")
        .unwrap()
        .clone();
    assert!(answer["referenced_message"].is_object(), "{answer}");
    let delete = reply
        .buttons()
        .into_iter()
        .find(|(l, _, _)| l == "🗑️")
        .and_then(|(_, id, _)| id)
        .unwrap();
    let other = click_on(&bot, &Who::member(ASKER + 2), &answer, &delete).await;
    assert!(
        other.text().contains("Only the member who asked"),
        "{}",
        other.text()
    );
    let moderator = click_on(&bot, &Who::moderator(ASKER + 3), &answer, &delete).await;
    assert!(moderator.text().contains("removed"), "{}", moderator.text());
    bot.check();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_answer_is_shared_to_the_channel_credited_without_a_ping() {
    let bot = Bot::start(&checkout()).await;
    let asker = Who::member(ASKER);
    let private = bot
        .command(
            &asker,
            "ask",
            &[
                ("question", 3, json!(QUESTION)),
                ("private", 5, json!(true)),
            ],
        )
        .await;
    assert!(private.ephemeral());
    let labels: Vec<String> = private.reply.buttons().into_iter().map(|b| b.0).collect();
    assert!(
        labels.contains(&"Share to channel".to_string()),
        "{labels:?}"
    );
    assert!(
        !labels.contains(&"🗑️".to_string()),
        "a private answer is dismissed, not removed"
    );

    let shared = bot
        .click(&asker, &private, &id_of(&private, "Share to channel"))
        .await;
    assert!(!shared.ephemeral(), "shared for everyone");
    let content = shared.reply.message()["content"].as_str().unwrap();
    assert_eq!(content, format!("-# Shared by <@{ASKER}>"));
    assert!(shared.text().contains("1,200"), "{}", shared.text());
    let labels: Vec<String> = shared.reply.buttons().into_iter().map(|b| b.0).collect();
    assert!(labels.contains(&"🗑️".to_string()), "{labels:?}");

    let public = bot.ask(&asker, QUESTION).await;
    let message = payloads::message_from(&bot.discord, &public.reply, &asker);
    let forged = testkit::local_discord::payloads::click(
        &bot.discord,
        &id_of(&private, "Share to channel"),
        message,
        &asker,
    );
    let refused = bot.interact(forged).await;
    assert!(refused.ephemeral());
    assert!(
        refused.text().contains("already public"),
        "{}",
        refused.text()
    );
    bot.check(); // allowed mentions empty on the shared answer: no ping
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_its_database_file_damaged_the_bot_answers_and_says_what_is_wrong() {
    let project = testkit::project::Project::new(&checkout());
    std::fs::create_dir_all(project.path("data")).unwrap();
    let garbage = b"not a database\n".repeat(500);
    std::fs::write(project.path("data/attache.sqlite3"), &garbage).unwrap();
    let bot = Bot::start_on(project, &[("ATTACHE__METRICS__LISTEN", "127.0.0.1:0")]).await;
    let addr = crate::operations::metrics_addr(&bot.log());
    let (status, body) = crate::operations::http_get(&addr, "/healthz").await;
    assert_eq!(status, 200, "still answering: {body}");
    assert!(body.starts_with("degraded: storage unavailable:"), "{body}");
    assert!(
        body.contains("storage: failing:") && body.contains("attache.sqlite3"),
        "{body}"
    );

    let asker = Who::member(ASKER);
    let a = bot.ask(&asker, QUESTION).await;
    assert!(
        a.text().contains("1,200"),
        "questions are answered: {}",
        a.text()
    );
    let vote = bot.click(&asker, &a, &id_of(&a, "👍")).await;
    assert!(vote.ephemeral());
    assert!(vote.text().contains("unavailable"), "{}", vote.text());
    let unanswered = bot
        .command(&Who::moderator(ASKER + 9), "unanswered", &[])
        .await;
    assert!(
        unanswered.text().contains("unavailable"),
        "{}",
        unanswered.text()
    );
    assert_eq!(
        std::fs::read(bot.project.path("data/attache.sqlite3")).unwrap(),
        garbage,
        "the damaged file is left for the operator, not replaced"
    );
    assert!(bot.log().contains("storage unavailable"), "{}", bot.log());
    bot.check();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_bot_processes_share_one_postgresql_server() {
    let Some(mut pg) = Postgres::start() else {
        return;
    };
    let url = pg.url();
    let env = [
        ("ATTACHE__STORAGE__URL", url.as_str()),
        (
            "ATTACHE__STORAGE__VOTER_SECRET",
            "a secret both processes share, long enough",
        ),
    ];
    let one = Bot::start_with(
        &checkout(),
        &[env[0], env[1], ("ATTACHE__METRICS__LISTEN", "127.0.0.1:0")],
    )
    .await;
    let two = Bot::start_with(&checkout(), &env).await;
    let asker = Who::member(ASKER);
    let a = one.ask(&asker, QUESTION).await;
    let boxed = one.click(&asker, &a, &id_of(&a, "👎")).await;
    let modal_id = boxed.reply.body["data"]["custom_id"]
        .as_str()
        .unwrap()
        .to_string();
    let message = payloads::message_from(&one.discord, &a.reply, &asker);
    one.interact(payloads::modal_submit(
        &one.discord,
        &modal_id,
        &[("comment", "answers an older round")],
        Some(message),
        &asker,
    ))
    .await;

    // The other process sees it, and the same member's vote there replaces it.
    let report = two
        .command(&Who::moderator(ASKER + 9), "feedback", &[])
        .await;
    assert!(
        report.text().contains("answers an older round"),
        "{}",
        report.text()
    );
    let b = two.ask(&asker, QUESTION).await;
    let changed = two.click(&asker, &b, &id_of(&b, "👍")).await;
    assert!(
        changed.text().contains("Changed"),
        "one vote per member across processes: {}",
        changed.text()
    );

    // No member's id in any table.
    let dump = pg.psql(
        "SELECT concat_ws('|', key, question, passages) FROM answers \
         UNION ALL SELECT concat_ws('|', answer_key, voter, comment) FROM votes \
         UNION ALL SELECT question FROM gaps UNION ALL SELECT thread_id FROM answered_threads \
         UNION ALL SELECT question FROM long_questions",
    );
    assert!(dump.contains(QUESTION), "{dump}");
    assert!(!dump.contains(&ASKER.to_string()), "{dump}");

    // The server goes away: questions are still answered, votes refused politely.
    pg.stop();
    let c = one.ask(&Who::member(ASKER + 1), QUESTION).await;
    assert!(c.text().contains("1,200"), "{}", c.text());
    let refused = one
        .click(&Who::member(ASKER + 1), &c, &id_of(&c, "👍"))
        .await;
    assert!(refused.text().contains("unavailable"), "{}", refused.text());
    // And the operator is told what is wrong.
    let addr = crate::operations::metrics_addr(&one.log());
    let (status, body) = crate::operations::http_get(&addr, "/healthz").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.starts_with("degraded: storage unavailable"), "{body}");
    assert!(body.contains("storage: failing:"), "{body}");
    one.check();
    two.check();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_voting_or_sharing_many_times_a_second_waits_as_between_questions() {
    let bot = Bot::start_with(&checkout(), &[("ATTACHE__DISCORD__COOLDOWN", "60s")]).await;
    let asker = Who::member(ASKER);
    let a = bot.ask(&asker, QUESTION).await;
    let first = bot.click(&asker, &a, &id_of(&a, "👍")).await;
    assert!(first.text().contains("helpful"), "{}", first.text());
    for label in ["👍", "👎"] {
        let held = bot.click(&asker, &a, &id_of(&a, label)).await;
        assert!(held.ephemeral());
        assert!(
            held.text().contains("Please wait"),
            "{label}: {}",
            held.text()
        );
    }
    // Someone else votes at once.
    let other = bot
        .click(&Who::member(ASKER + 1), &a, &id_of(&a, "👍"))
        .await;
    assert!(other.text().contains("helpful"), "{}", other.text());
    // Sharing costs a search, as a question: held by the question cooldown.
    let sharer = Who::member(ASKER + 2);
    let private = bot
        .command(
            &sharer,
            "ask",
            &[
                ("question", 3, json!(QUESTION)),
                ("private", 5, json!(true)),
            ],
        )
        .await;
    let shared = bot
        .click(&sharer, &private, &id_of(&private, "Share to channel"))
        .await;
    assert!(shared.ephemeral(), "not posted: {}", shared.text());
    assert!(shared.text().contains("Please wait"), "{}", shared.text());
    bot.check();
}
