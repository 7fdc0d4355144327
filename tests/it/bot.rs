//! The Discord bot end to end: the real `attache serve` process and its unmodified
//! serenity client, against the test kit's local Discord. Every test ends by
//! checking each request the bot made against Discord's published schemas and limits.

use std::time::Duration;

use serde_json::json;

use testkit::bot::Bot;
use testkit::local_discord::payloads::{self, Who, MANAGE_GUILD};
use testkit::local_discord::{bot_user, BOT_ID, CHANNEL_ID, GUILD_ID};
use testkit::project::{files_under, stderr};
use testkit::Project;

use crate::util::{checkout, repo, ProjectSettings};

const ASKER: u64 = 1_600_000_000_000_000_001;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slash_ask_answers_with_the_cited_passage_inside_discords_limits() {
    let bot = Bot::start(&checkout()).await;
    let who = Who::member(ASKER);
    let a = bot.ask(&who, "How many prisoners will be exchanged?").await;
    assert!(a.deferred.is_none(), "a fast answer is sent at once");
    assert_eq!(a.reply.body["type"], 4);
    assert!(!a.ephemeral(), "a normal answer is public");
    let text = a.text();
    assert!(text.contains("1,200"), "{text}");
    assert!(
        text.contains("index generation 1, indexed just now"),
        "the footer says which generation answered, and when it was built: {text}"
    );
    assert!(
        text.contains("[1]") && text.contains("Sources"),
        "citations are numbered and listed: {text}"
    );
    assert!(
        text.contains("istanbul-talks-2025-07-23"),
        "the cited source's id is shown: {text}"
    );
    let buttons = a.reply.buttons();
    assert!(
        buttons.iter().any(|(l, _, _)| l == "More results")
            && buttons.iter().any(|(l, _, _)| l == "Sources"),
        "{buttons:?}"
    );

    let private = bot
        .command(
            &who,
            "ask",
            &[
                ("question", 3, json!("Who led the Ukrainian delegation?")),
                ("private", 5, json!(true)),
            ],
        )
        .await;
    assert!(
        private.ephemeral(),
        "private: true shows the answer only to the asker"
    );
    assert!(private.text().contains("Umerov"), "{}", private.text());
    bot.check();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_answer_is_deferred_and_then_completed() {
    // Every answer counts as slow: the bot must acknowledge first, then edit the reply in.
    let bot = Bot::start_with(&checkout(), &[("ATTACHE__DISCORD__DEFER_AFTER", "0s")]).await;
    let a = bot
        .ask(&Who::member(ASKER), "How many prisoners will be exchanged?")
        .await;
    let deferral = a.deferred.as_ref().expect("deferred");
    assert_eq!(deferral.body["type"], 5);
    assert_eq!(a.reply.method, "PATCH");
    assert!(
        a.reply.path.ends_with("/messages/@original"),
        "{}",
        a.reply.path
    );
    assert!(a.text().contains("1,200"), "{}", a.text());
    bot.check();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_results_and_sources_buttons_follow_up_on_an_answer() {
    let bot = Bot::start(&checkout()).await;
    let who = Who::member(ASKER);
    let first = bot
        .ask(&who, "What did the delegations agree in Istanbul?")
        .await;
    assert!(first.text().contains("Results 1–3"), "{}", first.text());

    // On a public answer, "More results" gives the clicker their own next page.
    let more = bot.click(&who, &first, &first.button("More results")).await;
    assert!(
        more.ephemeral(),
        "the next page is shown only to the clicker"
    );
    assert_eq!(more.reply.body["type"], 4);
    assert!(more.text().contains("Results 4–"), "{}", more.text());
    assert!(
        more.text().contains("[4]"),
        "citations continue the numbering: {}",
        more.text()
    );

    // On that private page, the next click turns the page in place.
    if more
        .reply
        .buttons()
        .iter()
        .any(|(l, _, disabled)| l == "More results" && !disabled)
    {
        let again = bot.click(&who, &more, &more.button("More results")).await;
        assert_eq!(
            again.reply.body["type"], 7,
            "an ephemeral page updates in place"
        );
        assert!(again.text().contains("Results 7–"), "{}", again.text());
    }

    // "Sources": the whole passages with the pages backing them, only for the clicker.
    let sources = bot.click(&who, &first, &first.button("Sources")).await;
    assert!(sources.ephemeral());
    let embeds = sources.reply.message()["embeds"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(embeds.len(), 3, "one embed per passage shown");
    assert!(sources.text().contains("Backed by"), "{}", sources.text());
    assert!(
        sources.text().contains("/source show "),
        "{}",
        sources.text()
    );

    // A button whose question was forgotten (a restart) says so.
    let stale = bot.click(&who, &first, "a1:m:3:#deadbeef").await;
    assert!(
        stale.ephemeral() && stale.text().contains("expired"),
        "{}",
        stale.text()
    );
    bot.check();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mention_and_a_dm_get_answers_as_replies() {
    let bot = Bot::start(&checkout()).await;
    let who = Who::member(ASKER);
    // Chatter that does not mention the bot is left alone.
    bot.discord.dispatch(
        "MESSAGE_CREATE",
        payloads::message(
            &bot.discord,
            "How many prisoners will be exchanged?",
            &who,
            &[],
        ),
    );
    let reply = bot
        .say(
            &who,
            &format!("<@{BOT_ID}> How many prisoners will be exchanged?"),
            &[bot_user()],
        )
        .await;
    assert!(reply.text().contains("1,200"), "{}", reply.text());
    assert_eq!(
        reply.body["allowed_mentions"]["replied_user"],
        json!(false),
        "the reply does not ping the asker"
    );
    let dm = bot
        .say(&Who::in_dm(ASKER), "Where did the talks take place?", &[])
        .await;
    assert!(dm.text().contains("Istanbul"), "{}", dm.text());
    assert!(dm
        .path
        .contains(&Who::in_dm(ASKER).dm_channel().to_string()));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let channel_messages = bot
        .discord
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/messages"))
        .count();
    assert_eq!(
        channel_messages, 2,
        "exactly the mention and the DM were answered"
    );
    // Mentions and DMs work without the privileged Message Content intent.
    let intents = bot.discord.identifies()[0]["d"]["intents"]
        .as_u64()
        .unwrap();
    assert_eq!(intents & MESSAGE_CONTENT, 0, "intents {intents:#b}");
    assert_ne!(intents & GUILD_MESSAGES, 0);
    assert_ne!(intents & DIRECT_MESSAGES, 0);
    bot.check();
}

const GUILD_MESSAGES: u64 = 1 << 9;
const DIRECT_MESSAGES: u64 = 1 << 12;
const MESSAGE_CONTENT: u64 = 1 << 15;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_an_answer_channel_every_message_is_a_question() {
    let channel = CHANNEL_ID.to_string();
    let bot = Bot::start_with(
        &checkout(),
        &[("ATTACHE__DISCORD__ANSWER_CHANNEL_IDS", &channel)],
    )
    .await;
    let intents = bot.discord.identifies()[0]["d"]["intents"]
        .as_u64()
        .unwrap();
    assert_ne!(
        intents & MESSAGE_CONTENT,
        0,
        "reading every message needs Message Content"
    );
    let reply = bot
        .say(
            &Who::member(ASKER),
            "How many prisoners will be exchanged?",
            &[],
        )
        .await;
    assert!(reply.text().contains("1,200"), "{}", reply.text());
    bot.check();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buttons_keep_working_after_a_restart_or_say_they_expired() {
    let mut bot = Bot::start(&checkout()).await;
    let who = Who::member(ASKER);
    let short = bot
        .ask(&who, "What did the delegations agree in Istanbul?")
        .await;
    let long_question = format!(
        "{} what did the delegations agree in Istanbul?",
        "Please tell me, as precisely as the sources allow,"
    );
    let long = bot.ask(&who, &long_question).await;
    bot.restart().await;
    let more = bot.click(&who, &short, &short.button("More results")).await;
    assert!(
        more.text().contains("Results 4–"),
        "a short question's button still works: {}",
        more.text()
    );
    let expired = bot.click(&who, &long, &long.button("More results")).await;
    assert!(
        expired.ephemeral() && expired.text().contains("expired"),
        "{}",
        expired.text()
    );
    bot.check();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_without_an_answer_gets_a_friendly_nothing_found() {
    let bot = Bot::start(&checkout()).await;
    let a = bot
        .ask(
            &Who::member(ASKER),
            "What is the airspeed velocity of an unladen swallow?",
        )
        .await;
    let text = a.text();
    assert!(text.contains("Nothing found"), "{text}");
    assert!(
        text.contains("swallow"),
        "the words no source has are named: {text}"
    );
    assert!(text.contains("/sources"), "with a hint: {text}");
    assert!(
        a.reply.buttons().is_empty(),
        "no buttons to page through nothing"
    );
    bot.check();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mentions_and_markdown_in_a_question_ping_nobody_and_break_nothing() {
    let bot = Bot::start(&checkout()).await;
    let who = Who::member(ASKER);
    let q = "@everyone @here <@&1700000000000000001> <@1600000000000000009> **How many** prisoners ~~will~~ be `exchanged`? ||x|| > y";
    let a = bot.ask(&who, q).await;
    let title = a.reply.message()["embeds"][0]["title"]
        .as_str()
        .unwrap()
        .to_string();
    for raw in [
        "@everyone",
        "@here",
        "<@&",
        "<@1",
        "**How",
        "~~will",
        "`exchanged`",
        "||x||",
    ] {
        assert!(
            !title.contains(raw),
            "`{raw}` survives unescaped in {title}"
        );
    }
    assert!(
        a.text().contains("1,200"),
        "the question is still answered: {}",
        a.text()
    );
    let reply = bot
        .say(
            &who,
            &format!("<@{BOT_ID}> @everyone how many prisoners will be exchanged?"),
            &[bot_user()],
        )
        .await;
    assert!(!reply.text().contains("@everyone"));
    // Regression: the mention path once removed only the bot's own mention, so
    // "@everyone" was searched for and echoed (harmlessly escaped) in the title.
    let title = reply.message()["embeds"][0]["title"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        !title.contains("everyone"),
        "mentions are left out of the question: {title}"
    );
    bot.check(); // allowed_mentions is empty on every message
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_and_empty_questions_get_a_polite_private_error() {
    let bot = Bot::start(&checkout()).await;
    let who = Who::member(ASKER);
    let long = bot.ask(&who, &"why ".repeat(1250)).await;
    assert!(long.ephemeral(), "only the asker sees the refusal");
    assert!(
        long.text().contains("too long") && long.text().contains("5000"),
        "{}",
        long.text()
    );
    let empty = bot.ask(&who, "   ").await;
    assert!(
        empty.ephemeral() && empty.text().contains("empty"),
        "{}",
        empty.text()
    );
    let next = bot.ask(&who, "How many prisoners will be exchanged?").await;
    assert!(
        next.text().contains("1,200"),
        "the next question is answered: {}",
        next.text()
    );
    bot.check();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_waits_out_the_cooldown_and_others_are_not_held_up() {
    let bot = Bot::start_with(&checkout(), &[("ATTACHE__DISCORD__COOLDOWN", "60s")]).await;
    let first = bot
        .ask(&Who::member(ASKER), "How many prisoners will be exchanged?")
        .await;
    assert!(first.text().contains("1,200"));
    let again = bot
        .ask(&Who::member(ASKER), "Where did the talks take place?")
        .await;
    assert!(
        again.ephemeral() && again.text().contains("Please wait"),
        "{}",
        again.text()
    );
    let other = bot
        .ask(&Who::member(ASKER + 1), "Where did the talks take place?")
        .await;
    assert!(other.text().contains("Istanbul"), "{}", other.text());
    bot.check();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reindex_is_for_moderators_swaps_the_index_and_answers_continue() {
    let mod_role = 1_700_000_000_000_000_042_u64;
    let bot = Bot::start_with(
        &checkout(),
        &[(
            "ATTACHE__DISCORD__MODERATOR_ROLE_IDS",
            &mod_role.to_string(),
        )],
    )
    .await;

    let member = bot.command(&Who::member(ASKER), "reindex", &[]).await;
    assert!(
        member.ephemeral() && member.text().contains("Only moderators"),
        "{}",
        member.text()
    );
    let dm = bot.command(&Who::in_dm(ASKER), "reindex", &[]).await;
    assert!(
        dm.ephemeral() && dm.text().contains("only in a server"),
        "{}",
        dm.text()
    );

    // A new record, then /reindex by a member with Manage Server.
    std::fs::write(
        bot.project.path("index/sources/records/99-test.toml"),
        "section = \"Test\"\n\n[[records]]\nid = \"T1-01\"\ntitle = \"Zebra crossing agreement\"\ndate = \"2025-08-01\"\nbody = \"The delegations agreed to paint a zebra crossing outside the Ciragan Palace.\"\n\n[[records.sources]]\nurl = \"https://example.org/zebra\"\npublisher = \"Example\"\n",
    )
    .unwrap();
    let admin = Who {
        permissions: MANAGE_GUILD | payloads::VIEW_CHANNEL,
        ..Who::member(ASKER + 2)
    };
    let done = bot.command(&admin, "reindex", &[]).await;
    assert!(done.deferred.is_some(), "a reindex is deferred");
    assert!(done.ephemeral());
    assert!(
        done.text().contains("Reindexed") && done.text().contains("generation 2"),
        "{}",
        done.text()
    );
    // The moderator sees what the rebuild cost: every unchanged sentence's vector is
    // reused (the new one may come from the tests' shared cache).
    let text = done.text();
    let counts: Vec<usize> = text
        .split("Sentence vectors: ")
        .nth(1)
        .unwrap_or_else(|| panic!("{text}"))
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .take(2)
        .collect();
    assert!(
        counts.len() == 2 && counts[0] + counts[1] == 301 && counts[1] >= 300,
        "{text}"
    );
    let zebra = bot
        .ask(
            &Who::member(ASKER),
            "What did they agree to paint outside the palace?",
        )
        .await;
    assert!(
        zebra.text().contains("zebra crossing"),
        "the new generation answers: {}",
        zebra.text()
    );

    // A broken source: the moderator (by role) sees path:line, the old index keeps serving.
    std::fs::write(
        bot.project.path("index/sources/records/99-test.toml"),
        "[[records]]\nid = \"T1-01\"\ntitle = \n",
    )
    .unwrap();
    let by_role = Who {
        roles: vec![mod_role],
        ..Who::member(ASKER + 3)
    };
    let failed = bot.command(&by_role, "reindex", &[]).await;
    assert!(
        failed.text().contains("Reindex failed") && failed.text().contains("99-test.toml:"),
        "{}",
        failed.text()
    );
    assert!(failed.text().contains("generation 2"), "{}", failed.text());
    let still = bot
        .ask(
            &Who::member(ASKER),
            "What did they agree to paint outside the palace?",
        )
        .await;
    assert!(still.text().contains("zebra crossing"), "{}", still.text());

    let log = bot.log();
    assert!(
        log.contains("refused: not a moderator")
            && log.contains("moderator action requested")
            && log.contains("reindex done")
            && log.contains(&(ASKER + 2).to_string()),
        "{log}"
    );
    bot.check();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn source_autocomplete_pages_and_the_catalog() {
    let bot = Bot::start(&checkout()).await;
    let who = Who::member(ASKER);
    let choices = bot
        .interact(payloads::autocomplete(
            &bot.discord,
            "source",
            "show",
            "id",
            "R3",
            &who,
        ))
        .await;
    assert_eq!(choices.reply.body["type"], 8);
    let list = choices.reply.body["data"]["choices"]
        .as_array()
        .unwrap()
        .clone();
    assert!(
        !list.is_empty()
            && list
                .iter()
                .all(|c| c["value"].as_str().unwrap().starts_with("R3")),
        "{list:?}"
    );

    let article = bot
        .sub(
            &who,
            "source",
            "show",
            &[("id", 3, json!("istanbul-talks-2025-07-23"))],
        )
        .await;
    assert!(article.ephemeral());
    assert!(article.text().contains("page 1 of"), "{}", article.text());
    let next = bot.click(&who, &article, &article.button("Next ▶")).await;
    assert_eq!(next.reply.body["type"], 7, "pages turn in place");
    assert!(next.text().contains("page 2 of"), "{}", next.text());

    let unknown = bot
        .sub(&who, "source", "show", &[("id", 3, json!("no-such-thing"))])
        .await;
    assert!(
        unknown.text().contains("There is no source"),
        "{}",
        unknown.text()
    );

    let catalog = bot.command(&who, "sources", &[]).await;
    assert!(
        catalog.text().contains("passages") && catalog.text().contains("generation 1"),
        "{}",
        catalog.text()
    );
    assert!(
        catalog
            .text()
            .contains("Index generation 1, indexed just now"),
        "{}",
        catalog.text()
    );
    let help = bot.command(&who, "help", &[]).await;
    assert!(help.text().contains("/ask"), "{}", help.text());
    bot.check();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_registered_commands_are_the_ones_the_readme_documents() {
    let bot = Bot::start(&checkout()).await;
    let put = bot.registration();
    assert!(
        put.path.contains("/guilds/"),
        "with guild_ids set, commands register in those guilds: {}",
        put.path
    );
    let commands = put.body.as_array().unwrap();
    let names: Vec<&str> = commands
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "ask",
            "source",
            "sources",
            "help",
            "unanswered",
            "reindex",
            "rollback"
        ]
    );
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    for c in commands {
        let description = c["description"].as_str().unwrap();
        assert!(
            readme.contains(description),
            "README does not document /{}: {description}",
            c["name"]
        );
    }
    let by_name = |n: &str| commands.iter().find(|c| c["name"] == n).unwrap();
    let ask = &by_name("ask")["options"];
    assert_eq!(
        (
            ask[0]["name"].as_str(),
            ask[0]["type"].as_u64(),
            ask[0]["required"].as_bool()
        ),
        (Some("question"), Some(3), Some(true))
    );
    assert_eq!(
        (
            ask[1]["name"].as_str(),
            ask[1]["type"].as_u64(),
            ask[1]["required"].as_bool()
        ),
        (Some("private"), Some(5), Some(false))
    );
    let subs: Vec<&str> = by_name("source")["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(subs, ["show", "add", "remove"]);
    for o in by_name("source")["options"].as_array().unwrap() {
        assert!(
            readme.contains(o["description"].as_str().unwrap()),
            "README does not document /source {}",
            o["name"]
        );
    }
    assert_eq!(
        by_name("source")["options"][0]["options"][0]["autocomplete"],
        json!(true)
    );
    assert_eq!(
        by_name("source")["options"][1]["options"][0]["type"],
        json!(11),
        "add takes an attachment"
    );
    let rollback = by_name("rollback");
    assert_eq!(
        rollback["default_member_permissions"],
        json!(MANAGE_GUILD.to_string())
    );
    let reindex = by_name("reindex");
    assert_eq!(
        reindex["default_member_permissions"],
        json!(MANAGE_GUILD.to_string()),
        "hidden from members without Manage Server by default"
    );
    assert_eq!(reindex["contexts"], json!([0]), "offered in servers only");
    bot.check();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_and_disconnects_cleanly() {
    let mut bot = Bot::start(&checkout()).await;
    let a = bot
        .ask(&Who::member(ASKER), "How many prisoners will be exchanged?")
        .await;
    assert!(a.text().contains("1,200"));
    let status = std::process::Command::new("kill")
        .args(["-TERM", &bot.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = bot
        .wait_exit(Duration::from_secs(20))
        .expect("the bot exits after SIGTERM");
    assert!(exit.success(), "{exit:?}\n{}", bot.log());
    assert!(
        bot.log().contains("disconnected from Discord"),
        "{}",
        bot.log()
    );
    bot.check();
}

#[test]
fn serve_without_a_usable_token_says_so_and_exits_2() {
    let project = Project::new(&checkout());
    let out = project.run(&["serve"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("DISCORD_TOKEN") && err.lines().count() == 1,
        "{err}"
    );

    let secret = "not-a-token-but-secret-42";
    let out = project
        .attache(&["serve"])
        .env("DISCORD_TOKEN", secret)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("malformed") && err.contains("DISCORD_TOKEN"),
        "{err}"
    );
    assert!(
        !err.contains(secret),
        "the token must never be shown: {err}"
    );
}

fn admin() -> Who {
    Who {
        permissions: MANAGE_GUILD | payloads::VIEW_CHANNEL,
        ..Who::member(ASKER + 50)
    }
}

const KUMQUAT: &str = "section = \"Test\"\n\n[[records]]\nid = \"K-1\"\ntitle = \"Kumquat summit\"\nbody = \"The kumquat summit ended without a communique.\"\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generation_built_elsewhere_is_picked_up_and_rollback_goes_back() {
    let bot = Bot::start_with(&checkout(), &[("ATTACHE__INDEX__POLL_INTERVAL", "100ms")]).await;
    let who = Who::member(ASKER);
    std::fs::write(
        bot.project.path("index/sources/records/99-kumquat.toml"),
        KUMQUAT,
    )
    .unwrap();
    // `attache index` from a shell, against the directory the bot serves.
    let out = bot.project.run(&["index"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut answered = String::new();
    for _ in 0..50 {
        answered = bot
            .ask(&who, "How did the kumquat summit end?")
            .await
            .text();
        if answered.contains("communique") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        answered.contains("communique"),
        "the bot switched to the new generation: {answered}"
    );

    let member = bot.command(&who, "rollback", &[]).await;
    assert!(
        member.text().contains("Only moderators"),
        "{}",
        member.text()
    );
    let back = bot.command(&admin(), "rollback", &[]).await;
    assert!(
        back.text().contains("Rolled back") && back.text().contains("generation 1"),
        "{}",
        back.text()
    );
    let now = bot.ask(&who, "How did the kumquat summit end?").await;
    assert!(
        !now.text().contains("communique"),
        "answers come from the old generation at once: {}",
        now.text()
    );
    let again = bot.command(&admin(), "rollback", &[]).await;
    assert!(
        again.text().contains("no previous index generation"),
        "{}",
        again.text()
    );
    assert!(bot.log().contains("rolled back"), "{}", bot.log());
    bot.check();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_reindex_while_one_runs_is_told_what_is_running() {
    let bot = Bot::start(&checkout()).await;
    let settings = bot.project.settings();
    let held = attache::core::index::lock(&settings.index.dir, "cli").unwrap();
    held.set(attache::core::index::Phase::Writing);
    let busy = bot.command(&admin(), "reindex", &[]).await;
    assert!(
        busy.text().contains("already running")
            && busy.text().contains("writing passages")
            && busy.text().contains("by cli"),
        "{}",
        busy.text()
    );
    drop(held);
    let done = bot.command(&admin(), "reindex", &[]).await;
    assert!(done.text().contains("Reindexed"), "{}", done.text());
    bot.check();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_watch_on_a_burst_of_edits_gives_one_rebuild() {
    // A debounce far above any stall of a loaded machine, and edits written back to back:
    // the burst is one burst however slowly this machine runs.
    const DEBOUNCE: Duration = Duration::from_secs(2);
    let bot = Bot::start_with(
        &checkout(),
        &[
            ("ATTACHE__INDEX__WATCH", "true"),
            ("ATTACHE__INDEX__WATCH_DEBOUNCE", "2s"),
        ],
    )
    .await;
    let path = bot.project.path("index/sources/records/99-kumquat.toml");
    for i in 0..5 {
        std::fs::write(
            &path,
            KUMQUAT.replace(
                "without a communique",
                &format!("without a communique, draft {i}"),
            ),
        )
        .unwrap();
    }
    let who = Who::member(ASKER);
    let mut answered = String::new();
    for _ in 0..300 {
        answered = bot
            .ask(&who, "How did the kumquat summit end?")
            .await
            .text();
        if answered.contains("draft 4") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(answered.contains("draft 4"), "{answered}");
    // Long enough for a second rebuild to have started, had the burst been split.
    tokio::time::sleep(DEBOUNCE + Duration::from_millis(500)).await;
    let builds = bot
        .log()
        .lines()
        .filter(|l| l.contains("index built") && l.contains("\"watch\""))
        .count();
    assert_eq!(builds, 1, "one rebuild for the burst:\n{}", bot.log());
    bot.check();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moderators_add_and_remove_sources_from_discord() {
    let bot = Bot::start(&checkout()).await;
    let upload = |name: &str, bytes: &[u8]| {
        let (id, resolved) = payloads::attachment(&bot.discord, name, bytes);
        payloads::slash_sub(
            &bot.discord,
            "source",
            "add",
            &[("file", 11, json!(id))],
            Some(resolved),
            &admin(),
        )
    };
    // A member may not; a bad file is refused with its line; hostile names never land.
    let (id, resolved) = payloads::attachment(&bot.discord, "k.toml", KUMQUAT.as_bytes());
    let member = bot
        .interact(payloads::slash_sub(
            &bot.discord,
            "source",
            "add",
            &[("file", 11, json!(id))],
            Some(resolved),
            &Who::member(ASKER),
        ))
        .await;
    assert!(
        member.text().contains("Only moderators"),
        "{}",
        member.text()
    );
    let bad = bot
        .interact(upload("bad.toml", b"[[records]]\nid = \"B-1\"\ntitle = \n"))
        .await;
    assert!(bad.text().contains("bad.toml:3"), "{}", bad.text());
    let evil = bot
        .interact(upload("../../etc/passwd.toml", KUMQUAT.as_bytes()))
        .await;
    assert!(
        evil.text().contains("not a usable file name"),
        "{}",
        evil.text()
    );
    let binary = bot.interact(upload("bin.toml", b"\x00\x01\x02")).await;
    assert!(binary.text().contains("not text"), "{}", binary.text());
    let dup = bot
        .interact(upload(
            "dup.toml",
            b"[[records]]\nid = \"R3-05\"\ntitle = \"T\"\nbody = \"B\"\n",
        ))
        .await;
    assert!(
        dup.text().contains("Reindex failed") && dup.text().contains("R3-05"),
        "a duplicate id fails the reindex: {}",
        dup.text()
    );
    let files = files_under(&bot.project.path("index/sources"));
    assert!(
        !files.iter().any(|f| f.contains("bad.toml")
            || f.contains("passwd")
            || f.contains("bin.toml")
            || f.contains("dup.toml")),
        "{files:?}"
    );

    let added = bot
        .interact(upload("kumquat.toml", KUMQUAT.as_bytes()))
        .await;
    assert!(
        added.text().contains("Added") && added.text().contains("generation 2"),
        "{}",
        added.text()
    );
    assert!(bot
        .project
        .path("index/sources/records/kumquat.toml")
        .exists());
    let who = Who::member(ASKER);
    assert!(bot
        .ask(&who, "How did the kumquat summit end?")
        .await
        .text()
        .contains("communique"));

    // Remove: confirm first; cancel changes nothing; confirm removes and reindexes.
    let confirm = bot
        .sub(&admin(), "source", "remove", &[("id", 3, json!("K-1"))])
        .await;
    assert!(
        confirm.ephemeral() && confirm.text().contains("Remove this source?"),
        "{}",
        confirm.text()
    );
    let cancel = bot
        .click(&admin(), &confirm, &confirm.button("Cancel"))
        .await;
    assert!(
        cancel.text().contains("Nothing was removed"),
        "{}",
        cancel.text()
    );
    assert!(bot
        .ask(&who, "How did the kumquat summit end?")
        .await
        .text()
        .contains("communique"));
    let removed = bot
        .click(&admin(), &confirm, &confirm.button("Remove"))
        .await;
    assert!(
        removed.text().contains("Removed `K-1`"),
        "{}",
        removed.text()
    );
    assert!(!bot
        .ask(&who, "How did the kumquat summit end?")
        .await
        .text()
        .contains("communique"));
    assert!(
        !bot.project
            .path("index/sources/records/kumquat.toml")
            .exists(),
        "its only source gone, the file goes"
    );
    let log = bot.log();
    assert!(
        log.contains("source added") && log.contains("source removed"),
        "{log}"
    );
    bot.check();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn questions_keep_being_answered_while_moderators_reindex() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    let bot = Arc::new(Bot::start(&checkout()).await);
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..4)
        .map(|c| {
            let (bot, stop) = (bot.clone(), stop.clone());
            tokio::spawn(async move {
                let who = Who::member(ASKER + 100 + c);
                let mut answered = 0;
                while !stop.load(Ordering::SeqCst) {
                    let a = bot.ask(&who, "How many prisoners will be exchanged?").await;
                    assert!(
                        a.text().contains("1,200"),
                        "client {c}, answer {answered}: {}",
                        a.text()
                    );
                    answered += 1;
                }
                answered
            })
        })
        .collect();

    let record = bot.project.path("index/sources/records/99-version.toml");
    let bad = bot.project.path("index/sources/records/98-bad.toml");
    let version = |v: u32| {
        format!("section = \"Test\"\n\n[[records]]\nid = \"V-1\"\ntitle = \"Kumquat summit\"\nbody = \"The kumquat summit was held in edition {v}.\"\n")
    };
    let question = "Which edition was the kumquat summit?";
    for v in 1..=4u32 {
        std::fs::write(&record, version(v)).unwrap();
        let done = bot.command(&admin(), "reindex", &[]).await;
        assert!(done.text().contains("Reindexed"), "{}", done.text());
        // Right after the switch, answers come from the new content.
        let now = bot.ask(&admin(), question).await;
        assert!(
            now.text().contains(&format!("edition {v}")),
            "after reindex {v}: {}",
            now.text()
        );
        if v == 2 {
            std::fs::write(&bad, "[[records]]\nid = \"X-1\"\ntitle = \n").unwrap();
            let failed = bot.command(&admin(), "reindex", &[]).await;
            assert!(
                failed.text().contains("Reindex failed") && failed.text().contains("98-bad.toml:3"),
                "{}",
                failed.text()
            );
            let still = bot.ask(&admin(), question).await;
            assert!(
                still.text().contains("edition 2"),
                "a failed reindex changes nothing: {}",
                still.text()
            );
            std::fs::remove_file(&bad).unwrap();
        }
    }
    stop.store(true, Ordering::SeqCst);
    let mut total = 0;
    for c in clients {
        total += c.await.expect("no client failed");
    }
    assert!(
        total >= 20,
        "the clients kept asking throughout ({total} answers)"
    );
    eprintln!("{total} answers to 4 clients during 5 reindexes (one failing)");
    bot.check();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moderators_see_which_questions_found_nothing() {
    let bot = Bot::start(&checkout()).await;
    let who = Who::member(ASKER);
    bot.ask(&who, "Who won the 1966 football World Cup?").await;
    bot.ask(
        &Who::member(ASKER + 1),
        "who won the 1966 football world cup",
    )
    .await;
    bot.ask(&who, "What is the airspeed velocity of an unladen swallow?")
        .await;
    bot.ask(&who, "How many prisoners will be exchanged?").await;
    let member = bot.command(&who, "unanswered", &[]).await;
    assert!(
        member.text().contains("Only moderators"),
        "{}",
        member.text()
    );
    let gaps = bot.command(&admin(), "unanswered", &[]).await;
    let text = gaps.text();
    assert!(gaps.ephemeral());
    assert!(
        text.contains("**2×** who won the 1966 football world cup"),
        "{text}"
    );
    assert!(
        text.contains("**1×** what is the airspeed velocity"),
        "{text}"
    );
    assert!(
        !text.contains("prisoners"),
        "answered questions are not gaps: {text}"
    );
    assert!(
        !text.contains(&ASKER.to_string()),
        "who asked is not kept: {text}"
    );
    bot.check();
}

/// `GET path` on `addr`: the status code and the body.
async fn http_get(addr: &str, path: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_see_health_and_prometheus_metrics() {
    let bot = Bot::start_with(&checkout(), &[("ATTACHE__METRICS__LISTEN", "127.0.0.1:0")]).await;
    let log = bot.log();
    let addr = log
        .lines()
        .find(|l| l.contains("metrics and health endpoint listening"))
        .and_then(|l| l.split("Some(").nth(1))
        .and_then(|rest| rest.split(')').next())
        .expect("the log names the metrics address")
        .to_string();
    let (status, body) = http_get(&addr, "/healthz").await;
    assert_eq!(
        (status, body.trim()),
        (200, "ready"),
        "connected and loaded"
    );
    let who = Who::member(ASKER);
    bot.ask(&who, "How many prisoners will be exchanged?").await;
    bot.ask(&who, "What is the airspeed velocity of an unladen swallow?")
        .await;
    bot.ask(&who, "").await;
    bot.command(&admin(), "reindex", &[]).await;
    let (status, text) = http_get(&addr, "/metrics").await;
    assert_eq!(status, 200);
    for line in [
        r#"attache_questions_total{via="slash",outcome="answered"} 1"#,
        r#"attache_questions_total{via="slash",outcome="nothing_found"} 1"#,
        r#"attache_questions_total{via="slash",outcome="refused"} 1"#,
        r#"attache_reindexes_total{result="ok"} 1"#,
        "attache_answer_seconds_count 2",
        "attache_index_generation 2",
        "attache_gateway_reconnects_total 0",
    ] {
        assert!(text.contains(line), "missing `{line}` in:\n{text}");
    }
    // One line per answered question, without the question text.
    let log = bot.log();
    let answered: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("question answered"))
        .collect();
    assert_eq!(answered.len(), 2, "{answered:?}");
    assert!(
        answered.iter().all(|l| l.contains("latency_ms")
            && !l.contains("prisoners")
            && !l.contains("swallow")),
        "{answered:?}"
    );
    bot.check();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_split_the_gateway_shards_and_each_answers_its_guilds() {
    let bot = Bot::start_with(
        &checkout(),
        &[
            ("ATTACHE__DISCORD__SHARD_TOTAL", "2"),
            ("ATTACHE__DISCORD__SHARDS", "0"),
        ],
    )
    .await;
    let replica = bot.replica(&[("ATTACHE__DISCORD__SHARDS", "1")]).await;
    let mut shards: Vec<String> = bot
        .discord
        .identifies()
        .iter()
        .map(|i| i["d"]["shard"].to_string())
        .collect();
    shards.sort();
    assert_eq!(shards, ["[0,2]", "[1,2]"]);
    // Two guilds, one on each shard (Discord routes a guild by (id >> 22) % shards).
    let guild_on = |shard: u64| {
        (0..2u64)
            .map(|k| GUILD_ID + (k << 22))
            .find(|g| (g >> 22) % 2 == shard)
            .unwrap()
    };
    for shard in [0, 1] {
        let who = Who {
            guild: guild_on(shard),
            ..Who::member(ASKER + shard)
        };
        let a = bot.ask(&who, "How many prisoners will be exchanged?").await;
        assert!(a.text().contains("1,200"), "shard {shard}: {}", a.text());
    }
    let answered = |log: String| {
        log.lines()
            .filter(|l| l.contains("question answered"))
            .count()
    };
    assert_eq!(
        (answered(bot.log()), answered(replica.log())),
        (1, 1),
        "each process answered the guild on its shard"
    );
    bot.check();
}

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
    let limited =
        json!({ "message": "You are being rate limited.", "retry_after": 0.2, "global": false });
    bot.discord.fail_next("/callback", 2, 429, limited);
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn question_texts_reach_the_log_only_when_configured() {
    let bot = Bot::start_with(&checkout(), &[("ATTACHE__LOG__QUESTIONS", "true")]).await;
    bot.ask(&Who::member(ASKER), "Where did the talks take place?")
        .await;
    let log = bot.log();
    let line = log
        .lines()
        .find(|l| l.contains("question answered"))
        .expect("a line per answer");
    assert!(line.contains("Where did the talks take place?"), "{line}");
    bot.check();
}
