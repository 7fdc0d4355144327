//! Request bodies checked against Discord's published OpenAPI description of its v10 HTTP
//! API (the repository's `tests/fixtures/discord/openapi.json`, a copy of discord/discord-api-spec
//! `specs/openapi.json`, snapshot of 2026-07-18), with its own length limits and types.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{json, Value};

use super::Request;

/// Where a repository keeps its copy of Discord's OpenAPI description.
pub const SPEC: &str = "tests/fixtures/discord/openapi.json";

/// Discord's OpenAPI description as read from one repository, and the body validators
/// compiled from it so far (compiling one takes a while; tests check many requests).
struct Spec {
    spec: Value,
    validators: Mutex<HashMap<(String, String), Arc<jsonschema::Validator>>>,
}

/// The spec of the repository at `repo`, read once per process.
fn spec_of(repo: &Path) -> Arc<Spec> {
    static SPECS: OnceLock<Mutex<HashMap<PathBuf, Arc<Spec>>>> = OnceLock::new();
    let mut specs = SPECS.get_or_init(Default::default).lock().unwrap();
    specs
        .entry(repo.to_path_buf())
        .or_insert_with(|| Arc::new(Spec::read(&repo.join(SPEC))))
        .clone()
}

impl Spec {
    fn read(path: &Path) -> Spec {
        let bytes = std::fs::read(path)
            .unwrap_or_else(|e| panic!("Discord's OpenAPI description {}: {e}", path.display()));
        let mut spec: Value = serde_json::from_slice(&bytes).unwrap();
        // The first place the snapshot disagrees with Discord's documentation and with Discord
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
        // The second: an upload's `attachments[].id` is the index of its `files[n]` part.
        // The spec types it as a snowflake string only; Discord's own documentation of
        // uploads ("Uploading Files") sends it as the number `0`, and serenity sends a
        // number. Accept a whole number too.
        let id = &mut spec["components"]["schemas"]["MessageAttachmentRequest"]["properties"]["id"];
        let snowflake = id.clone();
        *id = json!({ "oneOf": [snowflake, { "type": "integer", "minimum": 0 }] });
        // `PATCH /channels/{channel_id}` takes the update of a DM, a group DM, a guild
        // channel or a thread, and the spec says so with `anyOf` over four schemas that
        // each allow any other key: as it stands, any object with a short `name` would pass
        // (six tags on a thread, say, through the DM's schema). Discord reads the body as
        // the one for the channel's kind, so: one of the four, with only its keys.
        let pointer =
            "/paths/~1channels~1{channel_id}/patch/requestBody/content/application~1json/schema";
        let strict: Option<Vec<Value>> = spec.pointer(pointer).and_then(|body| {
            let variants = body["anyOf"].as_array()?;
            let strict = variants.iter().map(|v| {
                let name = v["$ref"]
                    .as_str()
                    .and_then(|r| r.strip_prefix("#/components/schemas/"))
                    .unwrap_or_default();
                let keys: Vec<&String> = spec["components"]["schemas"][name]["properties"]
                    .as_object()
                    .map(|p| p.keys().collect())
                    .unwrap_or_default();
                json!({ "allOf": [v], "propertyNames": { "enum": keys } })
            });
            Some(strict.collect())
        });
        if let (Some(strict), Some(body)) = (strict, spec.pointer_mut(pointer)) {
            body["anyOf"] = Value::Array(strict);
        }
        Spec {
            spec,
            validators: Mutex::default(),
        }
    }

    /// The spec's path template that `path` matches, e.g. `/channels/{channel_id}/messages`;
    /// the most specific one when several do (`…/messages/@original` before
    /// `…/messages/{message_id}`).
    fn template(&self, path: &str) -> Option<&str> {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        let parameter = |t: &str| t.starts_with('{') && t.ends_with('}');
        self.spec["paths"]
            .as_object()?
            .keys()
            .map(String::as_str)
            .filter(|t| {
                let ts: Vec<&str> = t.trim_matches('/').split('/').collect();
                ts.len() == segments.len()
                    && ts
                        .iter()
                        .zip(&segments)
                        .all(|(t, s)| parameter(t) || t == s)
            })
            .min_by_key(|t| t.split('/').filter(|t| parameter(t)).count())
    }

    fn validator(&self, template: &str, method: &str) -> Option<Arc<jsonschema::Validator>> {
        let key = (template.to_string(), method.to_string());
        if let Some(v) = self.validators.lock().unwrap().get(&key) {
            return Some(v.clone());
        }
        let schema = self.spec["paths"][template][method]["requestBody"]["content"]
            ["application/json"]["schema"]
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
            "components": self.spec["components"].clone(),
        });
        let v = Arc::new(
            jsonschema::draft202012::new(&root)
                .unwrap_or_else(|e| panic!("schema for {method} {template}: {e}")),
        );
        self.validators.lock().unwrap().insert(key, v.clone());
        Some(v)
    }
}

/// Every problem with the bodies of `requests`, as readable lines; empty when all valid.
/// `repo` is the repository whose copy of the spec ([`SPEC`]) decides.
pub fn problems(repo: &Path, requests: &[Request]) -> Vec<String> {
    let spec = spec_of(repo);
    let mut out = Vec::new();
    for r in requests {
        let method = r.method.to_lowercase();
        let Some(t) = spec.template(&r.path) else {
            out.push(format!("{} {}: not a Discord API path", r.method, r.path));
            continue;
        };
        if !spec.spec["paths"][t][&method].is_object() {
            out.push(format!(
                "{} {}: Discord has no such method on {t}",
                r.method, r.path
            ));
            continue;
        }
        if r.body.is_null() {
            continue;
        }
        match spec.validator(t, &method) {
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
        // (An embed naming an attachment:// without a multipart upload is caught too.)
        for p in upload_problems(r, r.files.as_deref().unwrap_or_default()) {
            out.push(format!("{} {}: {p}", r.method, r.path));
        }
    }
    out
}

/// Discord's upload limit for a message in a server without boosts.
pub const UPLOAD_BYTES: usize = 10 * 1024 * 1024;

/// What Discord would refuse in a multipart upload beyond its `payload_json`'s schema:
/// file parts named `files[n]`, each with a filename and a type; each described by the
/// entry of `attachments` with its id and filename; together within the upload limit;
/// and every `attachment://` address in the embeds naming a file sent with them.
fn upload_problems(r: &Request, files: &[super::Upload]) -> Vec<String> {
    let mut out = Vec::new();
    let message = r.message();
    let described = message["attachments"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let id_of = |v: &Value| match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    };
    for f in files {
        let Some(n) = f
            .field
            .strip_prefix("files[")
            .and_then(|rest| rest.strip_suffix(']'))
            .and_then(|n| n.parse::<u64>().ok())
        else {
            out.push(format!("a part named `{}`, not files[n]", f.field));
            continue;
        };
        let Some(filename) = &f.filename else {
            out.push(format!("{} has no filename", f.field));
            continue;
        };
        if f.content_type.is_none() {
            out.push(format!("{} has no content type", f.field));
        }
        match described.iter().find(|a| id_of(&a["id"]) == Some(n)) {
            None => out.push(format!("{} is not described in attachments", f.field)),
            Some(a) if a["filename"].as_str() != Some(filename) => out.push(format!(
                "{} is {filename} but its attachment says {}",
                f.field, a["filename"]
            )),
            Some(_) => {}
        }
    }
    let total: usize = files.iter().map(|f| f.bytes.len()).sum();
    if total > UPLOAD_BYTES {
        out.push(format!("{total} bytes of files, over {UPLOAD_BYTES}"));
    }
    let names: Vec<&str> = files.iter().filter_map(|f| f.filename.as_deref()).collect();
    for embed in message["embeds"].as_array().into_iter().flatten() {
        for part in ["image", "thumbnail"] {
            if let Some(name) = embed[part]["url"]
                .as_str()
                .and_then(|u| u.strip_prefix("attachment://"))
            {
                if !names.contains(&name) {
                    out.push(format!(
                        "the embed's {part} names {name}, which was not sent"
                    ));
                }
            }
        }
    }
    out
}
