//! The buttons under an answer, end to end: "Show passages" shows the passages whole
//! with the pages backing them (the clicker's own copy, then paged in place), and
//! buttons keep working after a restart or say they expired.

use testkit::bot::Bot;
use testkit::local_discord::payloads::{Who, ASKER};

use crate::util::checkout;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_passages_shows_them_whole_privately_and_pages_in_place() {
    let bot = Bot::start(&checkout()).await;
    let who = Who::member(ASKER);
    let first = bot
        .ask(&who, "What did the delegations agree in Istanbul?")
        .await;

    // On a public answer, "Show passages" gives the clicker their own copy: the passages
    // whole, the question's words in bold, with the pages backing them.
    let shown = bot
        .click(&who, &first, &first.button("Show passages"))
        .await;
    assert!(shown.ephemeral(), "shown only to the clicker");
    assert_eq!(shown.reply.body["type"], 4);
    assert!(shown.text().contains("Passages 1–3 of"), "{}", shown.text());
    let embeds = shown.reply.message()["embeds"].as_array().unwrap().clone();
    assert_eq!(embeds.len(), 3, "one embed per passage shown");
    assert!(shown.text().contains("Backed by"), "{}", shown.text());
    assert!(
        shown.text().contains("**"),
        "matched words in bold: {}",
        shown.text()
    );
    // That it points to `/source show`: see regression.rs.

    // On that private copy, "Next" turns the page in place, numbering on.
    let next = bot.click(&who, &shown, &shown.button("Next ▶")).await;
    assert_eq!(
        next.reply.body["type"], 7,
        "an ephemeral page updates in place"
    );
    assert!(next.text().contains("Passages 4–"), "{}", next.text());
    assert!(next.text().contains("[4]"), "{}", next.text());

    // A button whose question was forgotten (a restart) says so.
    let stale = bot.click(&who, &first, "a1:q:3:#deadbeef").await;
    assert!(
        stale.ephemeral() && stale.text().contains("expired"),
        "{}",
        stale.text()
    );
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
    let more = bot
        .click(&who, &short, &short.button("Show passages"))
        .await;
    assert!(
        more.text().contains("Passages 1–3"),
        "a short question's button still works: {}",
        more.text()
    );
    // A question too long for its button is kept in the database: its button works
    // after a restart too.
    let kept = bot.click(&who, &long, &long.button("Show passages")).await;
    assert!(kept.text().contains("Passages 1–"), "{}", kept.text());
    // Only a question the database no longer has (retention, or lost) expires, saying so.
    let forgotten = bot.click(&who, &long, "a1:q:0:#123456789abcdef").await;
    assert!(
        forgotten.ephemeral() && forgotten.text().contains("expired"),
        "{}",
        forgotten.text()
    );
    bot.check();
}
