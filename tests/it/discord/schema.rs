//! Request bodies checked against Discord's published OpenAPI description of its v10 HTTP
//! API (`tests/fixtures/discord/openapi.json`, a copy of discord/discord-api-spec
//! `specs/openapi.json`, snapshot of 2026-07-18), with its own length limits and types.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{json, Value};

use super::Request;

fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/discord/openapi.json"
        );
        let mut spec: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        // The one place the snapshot disagrees with Discord's documentation and with Discord
        // itself: `default_member_permissions` is documented as "?string" (a bit set as a
        // decimal string), Discord answers with a string (see `ApplicationCommandResponse`
        // in this very file), and serenity and discord.js send one; the request schemas
        // say integer only. Accept both forms, with the same bounds.
        for name in [
            "ApplicationCommandCreateRequest",
            "ApplicationCommandUpdateRequest",
            "ApplicationCommandPatchRequestPartial",
        ] {
            let property = &mut spec["components"]["schemas"][name]["properties"]
                ["default_member_permissions"];
            let integer = property.clone();
            *property =
                json!({ "oneOf": [integer, { "type": "string", "pattern": "^[0-9]{1,17}$" }] });
        }
        spec
    })
}

/// The spec's path template that `path` matches, e.g. `/channels/{channel_id}/messages`.
fn template(path: &str) -> Option<&'static str> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    spec()["paths"]
        .as_object()?
        .keys()
        .map(String::as_str)
        .find(|t| {
            let ts: Vec<&str> = t.trim_matches('/').split('/').collect();
            ts.len() == segments.len()
                && ts
                    .iter()
                    .zip(&segments)
                    .all(|(t, s)| (t.starts_with('{') && t.ends_with('}')) || t == s)
        })
}

type Validators = Mutex<HashMap<(String, String), Arc<jsonschema::Validator>>>;

fn validator(template: &str, method: &str) -> Option<Arc<jsonschema::Validator>> {
    static CACHE: OnceLock<Validators> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let key = (template.to_string(), method.to_string());
    if let Some(v) = cache.lock().unwrap().get(&key) {
        return Some(v.clone());
    }
    let schema = spec()["paths"][template][method]["requestBody"]["content"]["application/json"]
        ["schema"]
        .clone();
    if schema.is_null() {
        return None;
    }
    // The body's schema at the root, with the spec's components beside it so that its
    // `#/components/schemas/…` references resolve.
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": "#/$defs/body",
        "$defs": { "body": schema },
        "components": spec()["components"].clone(),
    });
    let v = Arc::new(
        jsonschema::draft202012::new(&root)
            .unwrap_or_else(|e| panic!("schema for {method} {template}: {e}")),
    );
    cache.lock().unwrap().insert(key, v.clone());
    Some(v)
}

/// Every problem with the bodies of `requests`, as readable lines; empty when all valid.
pub fn problems(requests: &[Request]) -> Vec<String> {
    let mut out = Vec::new();
    for r in requests {
        let method = r.method.to_lowercase();
        let Some(t) = template(&r.path) else {
            out.push(format!("{} {}: not a Discord API path", r.method, r.path));
            continue;
        };
        if !spec()["paths"][t][&method].is_object() {
            out.push(format!(
                "{} {}: Discord has no such method on {t}",
                r.method, r.path
            ));
            continue;
        }
        if r.body.is_null() {
            continue;
        }
        match validator(t, &method) {
            Some(v) => {
                for e in v.iter_errors(&r.body) {
                    out.push(format!(
                        "{} {}: {} at {}",
                        r.method,
                        r.path,
                        e,
                        e.instance_path()
                    ));
                }
            }
            None => out.push(format!(
                "{} {}: sent a body where Discord expects none",
                r.method, r.path
            )),
        }
    }
    out
}

#[test]
fn the_schema_check_catches_what_discord_would_reject() {
    // (The spec allows 4000 characters of channel message content; the bot's own limit
    // of 2000 is checked separately, in `bot::assert_within_limits`.)
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
    assert_eq!(problems(&[too_long]).len(), 1);
    assert!(!problems(&[bad_embed]).is_empty());
    assert!(problems(&[fine]).is_empty());
}
