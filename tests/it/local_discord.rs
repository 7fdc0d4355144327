//! The local Discord's own check: request bodies Discord would reject (too long, wrong
//! shape) are caught by it, and fine ones pass; every end-to-end test relies on it.

use serde_json::json;
use testkit::local_discord::{schema, Request};

use crate::util::repo;

#[test]
fn the_schema_check_catches_what_discord_would_reject() {
    // (The spec allows 4000 characters of channel message content; the bot's own limit
    // of 2000 is checked separately, in `testkit::bot::assert_within_limits`.)
    let too_long = Request {
        method: "POST".into(),
        path: "/channels/1/messages".into(),
        body: json!({ "content": "x".repeat(4001) }),
        authorization: None,
        status: 200,
        at: std::time::Instant::now(),
    };
    let bad_embed = Request {
        method: "POST".into(),
        path: "/interactions/1/tok/callback".into(),
        body: json!({ "type": 4, "data": { "embeds": [{ "title": "t".repeat(300) }] } }),
        authorization: None,
        status: 200,
        at: std::time::Instant::now(),
    };
    let fine = Request {
        method: "POST".into(),
        path: "/channels/1/messages".into(),
        body: json!({ "content": "hello" }),
        authorization: None,
        status: 200,
        at: std::time::Instant::now(),
    };
    assert_eq!(schema::problems(&repo(), &[too_long]).len(), 1);
    assert!(!schema::problems(&repo(), &[bad_embed]).is_empty());
    assert!(schema::problems(&repo(), &[fine]).is_empty());
}
