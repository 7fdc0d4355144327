//! The buttons under an answer, end to end: "More results" pages (the clicker's own
//! page, then turned in place), "Sources" shows the passages whole, and buttons keep
//! working after a restart or say they expired.

use testkit::bot::Bot;
use testkit::local_discord::payloads::{Who, ASKER};

use crate::util::checkout;

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
    // That it points to `/source show`: see regression.rs.

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
