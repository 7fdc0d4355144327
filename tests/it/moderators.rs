//! What moderators do from Discord besides reindexing: add and remove source files
//! (uploads checked before they land, removal confirmed), and see which questions found
//! nothing.

use serde_json::json;
use testkit::bot::Bot;
use testkit::local_discord::payloads::{self, Who, ASKER};
use testkit::project::files_under;

use crate::util::checkout;

/// A record no shipped source has: questions about it are answered only once it is indexed.
const KUMQUAT: &str = include_str!("../fixtures/kumquat-summit.toml");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moderators_add_and_remove_sources_from_discord() {
    let bot = Bot::start(&checkout()).await;
    let admin = Who::moderator(ASKER + 50);
    let upload = |name: &str, bytes: &[u8]| payloads::source_add(&bot.discord, name, bytes, &admin);
    // A member may not; a bad file is refused with its line; hostile names never land.
    let member = bot
        .interact(payloads::source_add(
            &bot.discord,
            "k.toml",
            KUMQUAT.as_bytes(),
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
        .sub(&admin, "source", "remove", &[("id", 3, json!("K-1"))])
        .await;
    assert!(
        confirm.ephemeral() && confirm.text().contains("Remove this source?"),
        "{}",
        confirm.text()
    );
    let cancel = bot.click(&admin, &confirm, &confirm.button("Cancel")).await;
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
    let removed = bot.click(&admin, &confirm, &confirm.button("Remove")).await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moderators_see_which_questions_found_nothing() {
    let bot = Bot::start(&checkout()).await;
    let admin = Who::moderator(ASKER + 50);
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
    let gaps = bot.command(&admin, "unanswered", &[]).await;
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
