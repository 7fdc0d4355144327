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
        files: None,
    };
    let bad_embed = Request {
        method: "POST".into(),
        path: "/interactions/1/tok/callback".into(),
        body: json!({ "type": 4, "data": { "embeds": [{ "title": "t".repeat(300) }] } }),
        authorization: None,
        status: 200,
        at: std::time::Instant::now(),
        files: None,
    };
    let fine = Request {
        method: "POST".into(),
        path: "/channels/1/messages".into(),
        body: json!({ "content": "hello" }),
        authorization: None,
        status: 200,
        at: std::time::Instant::now(),
        files: None,
    };
    assert_eq!(schema::problems(&repo(), &[too_long]).len(), 1);
    assert!(!schema::problems(&repo(), &[bad_embed]).is_empty());
    assert!(schema::problems(&repo(), &[fine]).is_empty());
}

/// Uploads are checked as Discord reads them: each file part described in `attachments`
/// under its name, and an embed's `attachment://` address naming a file that was sent.
#[test]
fn the_upload_check_catches_a_file_discord_could_not_place() {
    use testkit::local_discord::Upload;
    let upload = |field: &str, filename: &str| Upload {
        field: field.into(),
        filename: Some(filename.into()),
        content_type: Some("image/png".into()),
        bytes: vec![0x89, b'P', b'N', b'G'],
    };
    let request = |image: &str, files: Vec<Upload>| Request {
        method: "POST".into(),
        path: "/interactions/1/tok/callback".into(),
        body: json!({ "type": 4, "data": {
            "embeds": [{ "title": "t", "image": { "url": image } }],
            "attachments": [{ "id": 0, "filename": "a.png", "description": "what it shows" }],
        } }),
        authorization: None,
        status: 200,
        at: std::time::Instant::now(),
        files: Some(files),
    };
    let fine = request("attachment://a.png", vec![upload("files[0]", "a.png")]);
    assert_eq!(schema::problems(&repo(), &[fine]), Vec::<String>::new());
    let elsewhere = request("attachment://b.png", vec![upload("files[0]", "a.png")]);
    assert_eq!(schema::problems(&repo(), &[elsewhere]).len(), 1);
    let undescribed = request("attachment://a.png", vec![upload("files[1]", "a.png")]);
    assert!(!schema::problems(&repo(), &[undescribed]).is_empty());
    let renamed = request("attachment://a.png", vec![upload("files[0]", "c.png")]);
    assert!(!schema::problems(&repo(), &[renamed]).is_empty());
    let mut not_sent = request("attachment://a.png", vec![]);
    not_sent.files = None;
    assert!(!schema::problems(&repo(), &[not_sent]).is_empty());
}
