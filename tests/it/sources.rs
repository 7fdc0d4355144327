//! Browsing the sources from Discord: `/source show` with autocomplete and pages, the
//! `/sources` catalog (delivered even when Discord rate-limits the reply), and `/help`.

use serde_json::json;
use testkit::bot::Bot;
use testkit::local_discord::payloads::{self, Who, ASKER};

use crate::util::checkout;

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
    // That it says when its generation was indexed: see regression.rs.
    let help = bot.command(&who, "help", &[]).await;
    assert!(help.text().contains("/ask"), "{}", help.text());
    bot.check();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_on_a_sources_reply_is_retried() {
    let bot = Bot::start(&checkout()).await;
    // Rate limited once: as for `/ask`, the reply is sent again after the wait Discord
    // asks for, and the member still gets the catalog, once.
    bot.discord.rate_limit_next("/callback", 1);
    let command = payloads::slash(&bot.discord, "sources", &[], &Who::member(ASKER));
    let token = command["token"].as_str().unwrap().to_string();
    let catalog = bot.interact(command).await;
    assert!(
        catalog.text().contains("passages") && catalog.text().contains("generation 1"),
        "{}",
        catalog.text()
    );
    let attempts: Vec<u16> = bot
        .discord
        .requests()
        .iter()
        .filter(|r| r.path.contains(&token) && r.path.ends_with("/callback"))
        .map(|r| r.status)
        .collect();
    assert_eq!(
        attempts,
        [429, 204],
        "the interaction callback retried, then delivered once"
    );
    bot.check();
}
