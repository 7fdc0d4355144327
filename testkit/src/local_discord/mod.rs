//! A local Discord for end-to-end tests: Discord's REST API (the parts the bot uses) and
//! its gateway, on 127.0.0.1 and ephemeral ports, good enough to drive the real,
//! unmodified serenity client inside the real `attache serve` process.
//!
//! It plays the gateway handshake (HELLO, IDENTIFY, READY, heartbeats), dispatches
//! events the tests build ([`payloads`]), parsing each into serenity's own model first so
//! a malformed payload fails the test instead of being dropped silently, and records
//! every REST request the bot makes, so tests assert on exactly what Discord would see.
//! [`schema`] checks each request body against Discord's published OpenAPI description.

pub mod payloads;
pub mod schema;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, Notify};
use tokio_tungstenite::tungstenite::Message as Frame;

pub const APP_ID: u64 = 1_100_000_000_000_000_001;
pub const BOT_ID: u64 = 1_100_000_000_000_000_001;
pub const GUILD_ID: u64 = 1_200_000_000_000_000_001;
pub const CHANNEL_ID: u64 = 1_300_000_000_000_000_001;
/// A well-formed token that only this local Discord accepts.
pub const TOKEN: &str = "MTEwMDAwMDAwMDAwMDAwMDAwMQ.GfAkEt.local-discord-test-token-0123456789";

/// One REST request the bot made.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Without the `/api/v10` prefix, e.g. `/channels/1/messages`.
    pub path: String,
    pub body: Value,
    pub authorization: Option<String>,
    /// What the local Discord answered.
    pub status: u16,
    /// When it arrived (the load benchmark times replies by it).
    pub at: std::time::Instant,
    /// The files of a multipart upload (its `payload_json` is `body`); `None` when the
    /// request was not multipart.
    pub files: Option<Vec<Upload>>,
}

/// One file part of a multipart request.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The form field, e.g. `files[0]`.
    pub field: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
}

/// The parts of a `multipart/form-data` body: `payload_json` parsed (or a string saying
/// what was wrong, which fails the schema check), and the other parts as files.
async fn multipart(boundary: String, body: Bytes) -> (Value, Vec<Upload>) {
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let mut form = multer::Multipart::new(stream, boundary);
    let mut payload = Value::String("a multipart body without payload_json".into());
    let mut files = Vec::new();
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                payload = Value::String(format!("a malformed multipart body: {e}"));
                break;
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        let filename = field.file_name().map(str::to_string);
        let content_type = field.content_type().map(|m| m.to_string());
        let bytes = field.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
        if name == "payload_json" {
            payload = serde_json::from_slice(&bytes)
                .unwrap_or_else(|e| Value::String(format!("payload_json is not JSON: {e}")));
        } else {
            files.push(Upload {
                field: name,
                filename,
                content_type,
                bytes,
            });
        }
    }
    (payload, files)
}

impl Request {
    /// The message data of an interaction callback, follow-up, edit or channel message.
    pub fn message(&self) -> &Value {
        if self.path.ends_with("/callback") {
            &self.body["data"]
        } else {
            &self.body
        }
    }

    pub fn is_ephemeral(&self) -> bool {
        self.message()["flags"]
            .as_u64()
            .is_some_and(|f| f & 64 != 0)
    }

    /// All embed text, for assertions on what a reader sees.
    pub fn text(&self) -> String {
        let m = self.message();
        let mut out = m["content"].as_str().unwrap_or_default().to_string();
        for e in m["embeds"].as_array().into_iter().flatten() {
            for key in ["title", "description"] {
                if let Some(s) = e[key].as_str() {
                    out.push('\n');
                    out.push_str(s);
                }
            }
            for f in e["fields"].as_array().into_iter().flatten() {
                out.push_str(&format!(
                    "\n{}\n{}",
                    f["name"].as_str().unwrap_or(""),
                    f["value"].as_str().unwrap_or("")
                ));
            }
            if let Some(s) = e["footer"]["text"].as_str() {
                out.push('\n');
                out.push_str(s);
            }
        }
        out
    }

    /// Custom ids of the buttons, in order.
    pub fn buttons(&self) -> Vec<(String, Option<String>, bool)> {
        let mut out = Vec::new();
        for row in self.message()["components"]
            .as_array()
            .into_iter()
            .flatten()
        {
            for b in row["components"].as_array().into_iter().flatten() {
                out.push((
                    b["label"].as_str().unwrap_or_default().to_string(),
                    b["custom_id"].as_str().map(str::to_string),
                    b["disabled"].as_bool().unwrap_or(false),
                ));
            }
        }
        out
    }
}

#[derive(Default)]
struct Shared {
    requests: Mutex<Vec<Request>>,
    changed: Notify,
    /// Frames for each connected gateway session, by shard; and the shard count.
    sessions: Mutex<HashMap<u64, mpsc::UnboundedSender<Value>>>,
    shard_total: AtomicU64,
    identifies: Mutex<Vec<Value>>,
    resumes: Mutex<Vec<Value>>,
    /// Answers to force: (path fragment, status, body, how many more times).
    failures: Mutex<Vec<(String, u16, Value, usize)>>,
    seq: AtomicU64,
    ids: AtomicU64,
    ws_url: Mutex<String>,
    /// Attachments on Discord's CDN: path → bytes.
    files: Mutex<HashMap<String, Vec<u8>>>,
    rest_url: Mutex<String>,
    /// The channels Discord knows, by id: seeded by tests ([`LocalDiscord::add_channel`]),
    /// learnt from the events dispatched, changed by the bot's `PATCH /channels/{id}`.
    channels: Mutex<HashMap<String, Value>>,
    /// The messages Discord knows, by (channel id, message id): seeded by tests, dispatched
    /// to the bot, or created by it (channel messages, interaction responses, follow-ups).
    messages: Mutex<HashMap<(String, String), Value>>,
    /// What the bot's interaction responses need to know of each interaction dispatched,
    /// by token: its channel, and the message of a clicked component.
    interactions: Mutex<HashMap<String, Value>>,
    /// The message each interaction's original response became, by token:
    /// (channel id, message id).
    originals: Mutex<HashMap<String, (String, String)>>,
    /// When each interaction was dispatched, by token, and how long its token lasts
    /// (Discord: 15 minutes; tests shorten it with [`LocalDiscord::expire_tokens_after`]).
    dispatched: Mutex<HashMap<String, std::time::Instant>>,
    token_lifetime: Mutex<Option<Duration>>,
}

/// The running local Discord.
pub struct LocalDiscord {
    pub rest_url: String,
    shared: Arc<Shared>,
}

impl LocalDiscord {
    pub async fn start() -> LocalDiscord {
        let shared = Arc::new(Shared {
            ids: AtomicU64::new(1_500_000_000_000_000_000),
            ..Shared::default()
        });
        // The guild's text channel, where members ask.
        shared
            .channels
            .lock()
            .unwrap()
            .insert(CHANNEL_ID.to_string(), text_channel());
        let rest = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let ws = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let rest_addr = rest.local_addr().unwrap();
        *shared.ws_url.lock().unwrap() = format!("ws://{}", ws.local_addr().unwrap());
        *shared.rest_url.lock().unwrap() = format!("http://{rest_addr}");
        let app = axum::Router::new()
            .fallback(rest_handler)
            .with_state(shared.clone());
        let rest = axum::serve::ListenerExt::tap_io(rest, |tcp| {
            let _ = tcp.set_nodelay(true);
        });
        tokio::spawn(async move { axum::serve(rest, app).await.unwrap() });
        tokio::spawn(gateway(ws, shared.clone()));
        LocalDiscord {
            rest_url: format!("http://{rest_addr}"),
            shared,
        }
    }

    pub fn requests(&self) -> Vec<Request> {
        self.shared.requests.lock().unwrap().clone()
    }

    /// The IDENTIFY payloads received so far.
    pub fn identifies(&self) -> Vec<Value> {
        self.shared.identifies.lock().unwrap().clone()
    }

    /// Wait until a request after the first `after` ones matches `pred`.
    pub async fn wait_for(
        &self,
        after: usize,
        what: &str,
        pred: impl Fn(&Request) -> bool,
    ) -> Request {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let changed = self.shared.changed.notified();
            if let Some(r) = self.requests().into_iter().skip(after).find(|r| pred(r)) {
                return r;
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                panic!(
                    "timed out waiting for {what}; requests so far: {:#?}",
                    self.requests()
                        .iter()
                        .map(|r| format!("{} {} → {}", r.method, r.path, r.status))
                        .collect::<Vec<_>>()
                );
            }
        }
    }

    /// Answer the next `times` requests whose path contains `fragment` with `status` and
    /// `body` instead (a 429, a 500, an expired interaction's 404…).
    pub fn fail_next(&self, fragment: &str, times: usize, status: u16, body: Value) {
        self.shared
            .failures
            .lock()
            .unwrap()
            .push((fragment.to_string(), status, body, times));
    }

    /// Answer the next `times` requests whose path contains `fragment` with a 429, as
    /// Discord's rate limiter does (asking to wait 0.2 s).
    pub fn rate_limit_next(&self, fragment: &str, times: usize) {
        let limited = json!({
            "message": "You are being rate limited.", "retry_after": 0.2, "global": false
        });
        self.fail_next(fragment, times, 429, limited);
    }

    /// The RESUME payloads received so far.
    pub fn resumes(&self) -> Vec<Value> {
        self.shared.resumes.lock().unwrap().clone()
    }

    /// Send shard `shard` a raw gateway frame (op 7 Reconnect, op 9 Invalid Session…).
    pub fn gateway_frame(&self, shard: u64, frame: Value) {
        self.control(shard, json!({ CONTROL: "frame", "frame": frame }));
    }

    /// Cut shard `shard`'s connection without a close frame, as a network failure does.
    pub fn drop_connection(&self, shard: u64) {
        self.control(shard, json!({ CONTROL: "drop" }));
    }

    /// Interaction tokens expire `after` their interaction was dispatched, as Discord's do
    /// after 15 minutes: replies through them are refused with 401 Invalid Webhook Token.
    pub fn expire_tokens_after(&self, after: Duration) {
        *self.shared.token_lifetime.lock().unwrap() = Some(after);
    }

    /// The direct-message channel opened with `user`, if the bot opened one.
    pub fn dm_channel(&self, user: u64) -> Option<u64> {
        self.shared
            .channels
            .lock()
            .unwrap()
            .values()
            .find(|c| c["type"] == 1 && c["recipients"][0]["id"] == user.to_string())
            .map(snowflake)
    }

    /// Close shard `shard`'s connection with close code `code` (4004: authentication
    /// failed, which a client must not resume or reconnect after).
    pub fn close_connection(&self, shard: u64, code: u16) {
        self.control(shard, json!({ CONTROL: "close", "code": code }));
    }

    fn control(&self, shard: u64, v: Value) {
        let session = self
            .shared
            .sessions
            .lock()
            .unwrap()
            .remove(&shard)
            .expect("a session");
        session.send(v).expect("session open");
    }

    /// How many requests so far: pass it to [`Self::wait_for`] to see only later ones.
    pub fn mark(&self) -> usize {
        self.shared.requests.lock().unwrap().len()
    }

    /// Send a gateway event to the bot. The payload must parse as serenity's model type,
    /// or the bot would drop it silently.
    pub fn dispatch(&self, event: &str, data: Value) {
        check_event(event, &data);
        self.dispatch_raw(event, data);
    }

    /// Send an event as it is, checked against nothing: for hostile payloads. (What it says
    /// of channels, messages and interactions is remembered all the same, as Discord would.)
    pub fn dispatch_raw(&self, event: &str, data: Value) {
        learn(&self.shared, event, &data);
        // As Discord routes: a guild's events to shard (guild_id >> 22) % shards, DMs to 0.
        let total = self.shared.shard_total.load(Ordering::SeqCst).max(1);
        let shard = data["guild_id"]
            .as_str()
            .and_then(|g| g.parse::<u64>().ok())
            .map_or(0, |g| (g >> 22) % total);
        let s = self.shared.seq.fetch_add(1, Ordering::SeqCst) + 1;
        let frame = json!({ "op": 0, "t": event, "s": s, "d": data });
        let sessions = self.shared.sessions.lock().unwrap();
        sessions
            .get(&shard)
            .unwrap_or_else(|| panic!("no gateway session for shard {shard}"))
            .send(frame)
            .expect("gateway session closed");
    }

    /// Make a channel known to Discord (a forum, a thread…), as serenity's `Channel` must
    /// parse it: `GET /channels/{id}` answers with it, `PATCH` changes it.
    pub fn add_channel(&self, channel: Value) {
        serde_json::from_value::<serenity::all::Channel>(channel.clone())
            .unwrap_or_else(|e| panic!("not a channel serenity reads: {e}\n{channel:#}"));
        let id = channel["id"].as_str().expect("a channel id").to_string();
        self.shared.channels.lock().unwrap().insert(id, channel);
    }

    /// Make a message known to Discord, as serenity's `Message` must parse it:
    /// `GET /channels/{c}/messages/{m}` answers with it, `DELETE` removes it.
    pub fn add_message(&self, message: Value) {
        serde_json::from_value::<serenity::all::Message>(message.clone())
            .unwrap_or_else(|e| panic!("not a message serenity reads: {e}\n{message:#}"));
        let key = message_key(&message).expect("a message with an id and a channel_id");
        self.shared.messages.lock().unwrap().insert(key, message);
    }

    /// A channel as Discord has it now (after the bot's changes), if it knows it.
    pub fn channel(&self, id: u64) -> Option<Value> {
        self.shared
            .channels
            .lock()
            .unwrap()
            .get(&id.to_string())
            .cloned()
    }

    /// The (channel id, message id) of the original response of the interaction with
    /// `token`, if Discord has it.
    pub fn original(&self, token: &str) -> Option<(String, String)> {
        let key = self.shared.originals.lock().unwrap().get(token).cloned()?;
        self.shared
            .messages
            .lock()
            .unwrap()
            .contains_key(&key)
            .then_some(key)
    }

    /// A message as Discord has it now, if it has it (not deleted).
    pub fn message(&self, channel: u64, id: u64) -> Option<Value> {
        self.shared
            .messages
            .lock()
            .unwrap()
            .get(&(channel.to_string(), id.to_string()))
            .cloned()
    }

    /// Every message Discord has in `channel`, oldest first.
    pub fn messages_in(&self, channel: u64) -> Vec<Value> {
        let channel = channel.to_string();
        let mut out: Vec<Value> = self
            .shared
            .messages
            .lock()
            .unwrap()
            .iter()
            .filter(|((c, _), _)| *c == channel)
            .map(|(_, m)| m.clone())
            .collect();
        out.sort_by_key(|m| snowflake(&m["id"]));
        out
    }

    /// Put a file on the local CDN; returns its URL, as an attachment's `url` gives it.
    pub fn host(&self, id: &str, filename: &str, bytes: &[u8]) -> String {
        let path = format!("/attachments/{CHANNEL_ID}/{id}/{filename}");
        self.shared
            .files
            .lock()
            .unwrap()
            .insert(path.clone(), bytes.to_vec());
        format!("{}{path}", self.shared.rest_url.lock().unwrap())
    }

    /// A fresh snowflake.
    pub fn id(&self) -> u64 {
        next_id(&self.shared)
    }
}

fn next_id(shared: &Shared) -> u64 {
    shared.ids.fetch_add(1, Ordering::SeqCst)
}

fn now() -> String {
    "2026-11-25T12:00:00.000000+00:00".to_string()
}

pub fn bot_user() -> Value {
    json!({ "id": BOT_ID.to_string(), "username": "attache", "discriminator": "0", "global_name": null, "avatar": null, "bot": true })
}

/// The application, as `GET /oauth2/applications/@me` returns it.
fn application() -> Value {
    let app = json!({
        "id": APP_ID.to_string(), "name": "attache", "icon": null, "description": "",
        "bot_public": true, "bot_require_code_grant": false, "verify_key": "0".repeat(64),
        "flags": 0, "owner": { "id": "1600000000000000100", "username": "owner", "discriminator": "0", "global_name": null, "avatar": null },
        "team": null,
    });
    serde_json::from_value::<serenity::all::CurrentApplicationInfo>(app.clone())
        .expect("a valid application object");
    app
}

/// The guild's text channel ([`CHANNEL_ID`]), as `GET /channels/{id}` returns it.
fn text_channel() -> Value {
    json!({
        "id": CHANNEL_ID.to_string(), "type": 0, "guild_id": GUILD_ID.to_string(),
        "name": "general", "position": 0, "permission_overwrites": [], "nsfw": false,
        "topic": null, "last_message_id": null, "rate_limit_per_user": 0, "parent_id": null,
        "flags": 0,
    })
}

/// A snowflake given as a string (or a number), for sorting; 0 if neither.
fn snowflake(v: &Value) -> u64 {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .or_else(|| v.as_u64())
        .unwrap_or(0)
}

/// A string or number id as Discord's JSON spells it: a string.
fn id_string(v: &Value) -> Option<String> {
    v.as_str()
        .map(str::to_string)
        .or_else(|| v.as_u64().map(|n| n.to_string()))
}

/// The key a message is stored under: (channel id, message id).
fn message_key(message: &Value) -> Option<(String, String)> {
    Some((
        id_string(&message["channel_id"])?,
        id_string(&message["id"])?,
    ))
}

/// Check that serenity's gateway takes `data` as event `event`: it parses the payload into
/// the event's model type, and a payload that fails to is dropped (as `Event::Unknown`)
/// without a word, so a malformed one here would make a test wait for nothing.
fn check_event(event: &str, data: &Value) {
    use serenity::all as model;
    macro_rules! parses {
        ($t:ty) => {
            serde_json::from_value::<$t>(data.clone()).map(drop)
        };
    }
    let specific = match event {
        "INTERACTION_CREATE" => parses!(model::Interaction),
        "MESSAGE_CREATE" => parses!(model::Message),
        "MESSAGE_UPDATE" => parses!(model::MessageUpdateEvent),
        "MESSAGE_DELETE" => parses!(model::MessageDeleteEvent),
        "THREAD_CREATE" | "THREAD_UPDATE" => parses!(model::GuildChannel),
        "THREAD_DELETE" => parses!(model::PartialGuildChannel),
        "CHANNEL_CREATE" | "CHANNEL_UPDATE" | "CHANNEL_DELETE" => parses!(model::Channel),
        _ => return,
    };
    if let Err(e) = specific {
        panic!("bad {event}: {e}\n{data:#}");
    }
    let framed = json!({ "t": event, "d": data });
    match serde_json::from_value::<serenity::model::event::Event>(framed) {
        Ok(serenity::model::event::Event::Unknown(_)) => {
            panic!("serenity's gateway would drop this {event} as an unknown event:\n{data:#}")
        }
        Ok(_) => {}
        Err(e) => panic!("bad {event} (as the gateway reads it): {e}\n{data:#}"),
    }
}

/// What Discord knows once an event happened: the channels, messages and interactions it
/// tells of. Tolerant of anything, since hostile payloads go through here too.
fn learn(shared: &Shared, event: &str, data: &Value) {
    match event {
        "INTERACTION_CREATE" => {
            if let Some(token) = data["token"].as_str() {
                shared
                    .dispatched
                    .lock()
                    .unwrap()
                    .insert(token.to_string(), std::time::Instant::now());
                let slim = json!({
                    "type": data["type"], "command_type": data["data"]["type"],
                    "channel_id": data["channel_id"], "guild_id": data["guild_id"],
                    "message": { "id": data["message"]["id"], "channel_id": data["message"]["channel_id"] },
                });
                shared
                    .interactions
                    .lock()
                    .unwrap()
                    .insert(token.to_string(), slim);
            }
        }
        "MESSAGE_CREATE" => {
            if let Some(key) = message_key(data) {
                shared.messages.lock().unwrap().insert(key, data.clone());
            }
        }
        "MESSAGE_UPDATE" => {
            if let Some(key) = message_key(data) {
                if let Some(stored) = shared.messages.lock().unwrap().get_mut(&key) {
                    merge(stored, data);
                }
            }
        }
        "MESSAGE_DELETE" => {
            if let Some(key) = message_key(data) {
                shared.messages.lock().unwrap().remove(&key);
            }
        }
        "THREAD_CREATE" | "THREAD_UPDATE" | "CHANNEL_CREATE" | "CHANNEL_UPDATE" => {
            if let Some(id) = id_string(&data["id"]) {
                shared.channels.lock().unwrap().insert(id, data.clone());
            }
        }
        "THREAD_DELETE" | "CHANNEL_DELETE" => {
            if let Some(id) = id_string(&data["id"]) {
                shared.channels.lock().unwrap().remove(&id);
            }
        }
        _ => {}
    }
    // A DM Discord has not told of yet: the channel with the author.
    if matches!(event, "MESSAGE_CREATE" | "INTERACTION_CREATE") && data["guild_id"].is_null() {
        let user = if data["author"].is_object() {
            &data["author"]
        } else {
            &data["user"]
        };
        if let (Some(id), true) = (id_string(&data["channel_id"]), user.is_object()) {
            shared.channels.lock().unwrap().entry(id.clone()).or_insert_with(|| {
                json!({ "id": id, "type": 1, "last_message_id": null, "flags": 0, "recipients": [user] })
            });
        }
    }
}

/// Shallow merge: `from`'s keys replace `into`'s.
fn merge(into: &mut Value, from: &Value) {
    if let (Some(into), Some(from)) = (into.as_object_mut(), from.as_object()) {
        for (k, v) in from {
            into.insert(k.clone(), v.clone());
        }
    }
}

/// Embeds as Discord returns them: each one `rich` unless it says otherwise.
fn embeds_of(body: &Value) -> Value {
    let mut embeds = body["embeds"].as_array().cloned().unwrap_or_default();
    for e in &mut embeds {
        if let Some(o) = e.as_object_mut() {
            o.entry("type").or_insert(json!("rich"));
        }
    }
    Value::Array(embeds)
}

/// The Message object Discord returns for a created message: what the body said (content,
/// embeds, components — as sent, Discord returns the same shape —, flags, the message it
/// replies to), with its new id.
fn message_object(shared: &Shared, channel_id: &str, body: &Value) -> Value {
    let mut m = json!({
        "id": next_id(shared).to_string(),
        "channel_id": channel_id,
        "author": bot_user(),
        "content": body["content"].as_str().unwrap_or(""),
        "timestamp": now(),
        "edited_timestamp": null,
        "tts": false,
        "mention_everyone": false,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": embeds_of(body),
        "components": body["components"].as_array().cloned().unwrap_or_default(),
        "pinned": false,
        "type": 0,
        "flags": body["flags"].as_u64().unwrap_or(0),
    });
    if let Some(reference) = body["message_reference"].as_object() {
        let mut reference = reference.clone();
        // An option of the request, not part of the message.
        reference.remove("fail_if_not_exists");
        let kind = reference.get("type").and_then(Value::as_u64).unwrap_or(0);
        reference.insert("type".into(), json!(kind));
        if reference.get("channel_id").is_none_or(Value::is_null) {
            reference.insert("channel_id".into(), json!(channel_id));
        }
        let referenced = match (
            reference.get("channel_id").and_then(id_string),
            reference.get("message_id").and_then(id_string),
        ) {
            (Some(c), Some(id)) => shared.messages.lock().unwrap().get(&(c, id)).cloned(),
            _ => None,
        };
        if let Some(guild) = referenced.as_ref().map(|r| &r["guild_id"]) {
            if !guild.is_null() && reference.get("guild_id").is_none_or(Value::is_null) {
                reference.insert("guild_id".into(), guild.clone());
            }
        }
        m["message_reference"] = Value::Object(reference);
        m["referenced_message"] = referenced.unwrap_or(Value::Null);
        if kind == 0 {
            m["type"] = json!(19); // REPLY
        }
    }
    m
}

/// A message the bot created, stored; a thread's counts follow.
fn create_message(shared: &Shared, channel_id: &str, body: &Value) -> Value {
    let m = message_object(shared, channel_id, body);
    store_message(shared, &m);
    if let Some(thread) = shared.channels.lock().unwrap().get_mut(channel_id) {
        if matches!(thread["type"].as_u64(), Some(10..=12)) {
            for count in ["message_count", "total_message_sent"] {
                thread[count] = json!(thread[count].as_u64().unwrap_or(0) + 1);
            }
            thread["last_message_id"] = m["id"].clone();
        }
    }
    m
}

fn store_message(shared: &Shared, m: &Value) {
    if let Some(key) = message_key(m) {
        shared.messages.lock().unwrap().insert(key, m.clone());
    }
}

/// An edit (a `PATCH` of a message, or an interaction's update) applied to `m`: what the
/// body gives replaces what was there (`null` clears it); no longer loading.
fn edit_message(m: &mut Value, body: &Value) {
    let Some(edit) = body.as_object() else {
        return;
    };
    for (key, cleared) in [
        ("content", json!("")),
        ("embeds", json!([])),
        ("components", json!([])),
        ("attachments", json!([])),
    ] {
        match edit.get(key) {
            None => {}
            Some(Value::Null) => m[key] = cleared,
            Some(_) if key == "embeds" => m[key] = embeds_of(body),
            Some(v) => m[key] = v.clone(),
        }
    }
    let loading = 1 << 7;
    let flags = edit
        .get("flags")
        .and_then(Value::as_u64)
        .unwrap_or_else(|| m["flags"].as_u64().unwrap_or(0));
    m["flags"] = json!(flags & !loading);
    m["edited_timestamp"] = json!(now());
}

/// Edit the stored message `key` with `body`; the message after, if there is one.
fn edit_stored(shared: &Shared, key: &(String, String), body: &Value) -> Option<Value> {
    let mut messages = shared.messages.lock().unwrap();
    let m = messages.get_mut(key)?;
    edit_message(m, body);
    Some(m.clone())
}

/// The key of the message with id `id`, in whatever channel.
fn find_message(shared: &Shared, id: &str) -> Option<(String, String)> {
    shared
        .messages
        .lock()
        .unwrap()
        .keys()
        .find(|(_, m)| m == id)
        .cloned()
}

/// The channel of the interaction with `token` (the guild channel if it was never
/// dispatched).
fn interaction_channel(shared: &Shared, token: &str) -> String {
    shared
        .interactions
        .lock()
        .unwrap()
        .get(token)
        .and_then(|i| id_string(&i["channel_id"]))
        .unwrap_or_else(|| CHANNEL_ID.to_string())
}

/// What an interaction response does to Discord's messages: a reply (or the "thinking…"
/// of a deferral) becomes the original response; an update edits the clicked message.
fn interaction_callback(shared: &Shared, token: &str, body: &Value) {
    let interaction = shared
        .interactions
        .lock()
        .unwrap()
        .get(token)
        .cloned()
        .unwrap_or(Value::Null);
    let clicked = message_key(&interaction["message"]);
    let original = match body["type"].as_u64() {
        // CHANNEL_MESSAGE_WITH_SOURCE, DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
        Some(kind @ (4 | 5)) => {
            let channel = interaction_channel(shared, token);
            let mut m = if kind == 4 {
                message_object(shared, &channel, &body["data"])
            } else {
                let ephemeral = body["data"]["flags"].as_u64().unwrap_or(0) & (1 << 6);
                message_object(shared, &channel, &json!({ "flags": ephemeral | (1 << 7) }))
            };
            // CHAT_INPUT_COMMAND for a slash command, CONTEXT_MENU_COMMAND for a menu's.
            if interaction["type"] == 2 && m["type"] == 0 {
                m["type"] = json!(if interaction["command_type"] == 1 {
                    20
                } else {
                    23
                });
            }
            store_message(shared, &m);
            message_key(&m)
        }
        // DEFERRED_UPDATE_MESSAGE: the clicked message is what will be edited.
        Some(6) => clicked,
        // UPDATE_MESSAGE
        Some(7) => {
            if let Some(key) = &clicked {
                edit_stored(shared, key, &body["data"]);
            }
            clicked
        }
        // A modal (9), autocomplete choices (8), a pong: no message.
        _ => None,
    };
    if let Some(key) = original {
        shared
            .originals
            .lock()
            .unwrap()
            .insert(token.to_string(), key);
    }
}

fn unknown_channel() -> RestReply {
    Error(404, json!({ "message": "Unknown Channel", "code": 10003 }))
}

fn unknown_message() -> RestReply {
    Error(404, json!({ "message": "Unknown Message", "code": 10008 }))
}

/// A `PATCH /channels/{id}` applied to a channel: the body's keys replace the channel's,
/// but a thread's archived, locked, auto_archive_duration and invitable go into its
/// `thread_metadata`, and tag ids are strings, as Discord keeps them.
fn edit_channel(channel: &mut Value, body: &Value) {
    let Some(edit) = body.as_object() else {
        return;
    };
    let thread = matches!(channel["type"].as_u64(), Some(10..=12));
    for (key, value) in edit {
        let mut value = value.clone();
        if key == "applied_tags" {
            if let Some(tags) = value.as_array_mut() {
                for t in tags {
                    if let Some(id) = id_string(t) {
                        *t = json!(id);
                    }
                }
            }
        }
        let metadata = ["archived", "locked", "auto_archive_duration", "invitable"];
        if thread && metadata.contains(&key.as_str()) {
            if key == "archived" {
                channel["thread_metadata"]["archive_timestamp"] = json!(now());
            }
            channel["thread_metadata"][key] = value;
        } else {
            channel[key] = value;
        }
    }
}

/// What Discord answers to a request (forced failures aside), and what it changes.
fn route(shared: &Shared, method: &str, segments: &[&str], body: &Value) -> RestReply {
    match (method, segments) {
        ("GET", ["gateway"]) => Json(json!({ "url": *shared.ws_url.lock().unwrap() })),
        ("GET", ["gateway", "bot"]) => Json(json!({
            "url": *shared.ws_url.lock().unwrap(), "shards": 1,
            "session_start_limit": { "total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1 }
        })),
        ("GET", ["oauth2", "applications", "@me"]) => Json(application()),
        ("PUT", ["applications", _, "commands"])
        | ("PUT", ["applications", _, "guilds", _, "commands"]) => Json(json!([])),
        ("POST", ["interactions", _, token, "callback"]) => {
            interaction_callback(shared, token, body);
            Empty
        }
        ("POST", ["channels", _, "typing"]) => Empty,
        ("POST", ["users", "@me", "channels"]) => {
            let user = body["recipient_id"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let mut channels = shared.channels.lock().unwrap();
            let found = channels
                .values()
                .find(|c| c["type"] == 1 && c["recipients"][0]["id"] == user)
                .cloned();
            let channel = found.unwrap_or_else(|| {
                let id = next_id(shared).to_string();
                let c = json!({
                    "id": id, "type": 1, "last_message_id": null,
                    "recipients": [{ "id": user, "username": "member", "discriminator": "0", "global_name": null, "avatar": null }]
                });
                channels.insert(id, c.clone());
                c
            });
            Json(channel)
        }
        ("GET", ["channels", channel]) => match shared.channels.lock().unwrap().get(*channel) {
            Some(c) => Json(c.clone()),
            None => unknown_channel(),
        },
        ("PATCH", ["channels", channel]) => {
            match shared.channels.lock().unwrap().get_mut(*channel) {
                Some(c) => {
                    edit_channel(c, body);
                    Json(c.clone())
                }
                None => unknown_channel(),
            }
        }
        ("POST", ["channels", channel, "messages"]) => Json(create_message(shared, channel, body)),
        ("GET", ["channels", channel, "messages", id]) => {
            let key = (channel.to_string(), id.to_string());
            match shared.messages.lock().unwrap().get(&key) {
                Some(m) => Json(m.clone()),
                None => unknown_message(),
            }
        }
        ("PATCH", ["channels", channel, "messages", id]) => {
            match edit_stored(shared, &(channel.to_string(), id.to_string()), body) {
                Some(m) => Json(m),
                None => unknown_message(),
            }
        }
        ("DELETE", ["channels", channel, "messages", id]) => {
            let key = (channel.to_string(), id.to_string());
            match shared.messages.lock().unwrap().remove(&key) {
                Some(_) => Empty,
                None => unknown_message(),
            }
        }
        // Interaction follow-ups.
        ("POST", ["webhooks", _, token]) => Json(create_message(
            shared,
            &interaction_channel(shared, token),
            body,
        )),
        ("PATCH", ["webhooks", _, token, "messages", "@original"]) => {
            let original = shared.originals.lock().unwrap().get(*token).cloned();
            match original {
                Some(key) => match edit_stored(shared, &key, body) {
                    Some(m) => Json(m),
                    None => unknown_message(),
                },
                // A response Discord did not see begin (never dispatched here, or its
                // callback forced to fail): the edit makes it.
                None => {
                    let channel = interaction_channel(shared, token);
                    let m = create_message(shared, &channel, body);
                    if let Some(key) = message_key(&m) {
                        shared
                            .originals
                            .lock()
                            .unwrap()
                            .insert(token.to_string(), key);
                    }
                    Json(m)
                }
            }
        }
        (_, ["webhooks", _, token, "messages", id]) => {
            let key = if *id == "@original" {
                shared.originals.lock().unwrap().get(*token).cloned()
            } else {
                find_message(shared, id)
            };
            let Some(key) = key else {
                return unknown_message();
            };
            let mut messages = shared.messages.lock().unwrap();
            match (method, messages.get_mut(&key)) {
                (_, None) => unknown_message(),
                ("GET", Some(m)) => Json(m.clone()),
                ("PATCH", Some(m)) => {
                    edit_message(m, body);
                    Json(m.clone())
                }
                ("DELETE", Some(_)) => {
                    messages.remove(&key);
                    Empty
                }
                _ => NotFound,
            }
        }
        _ => NotFound,
    }
}

async fn rest_handler(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // The CDN: attachments are downloaded without the bot token, and are not API calls.
    if uri.path().starts_with("/attachments/") {
        return match shared.files.lock().unwrap().get(uri.path()) {
            Some(bytes) => (StatusCode::OK, bytes.clone()).into_response(),
            None => StatusCode::NOT_FOUND.into_response(),
        };
    }
    let path = uri
        .path()
        .strip_prefix("/api/v10")
        .unwrap_or(uri.path())
        .to_string();
    let boundary = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| multer::parse_boundary(v).ok());
    let (body, files): (Value, Option<Vec<Upload>>) = if let Some(boundary) = boundary {
        let (payload, files) = multipart(boundary, body).await;
        (payload, Some(files))
    } else if body.is_empty() {
        (Value::Null, None)
    } else {
        let json = serde_json::from_slice(&body)
            .unwrap_or(Value::String(String::from_utf8_lossy(&body).into_owned()));
        (json, None)
    };
    let authorization = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let forced = {
        let mut failures = shared.failures.lock().unwrap();
        let hit = failures
            .iter_mut()
            .find(|(fragment, _, _, left)| *left > 0 && path.contains(fragment.as_str()));
        hit.map(|(_, status, body, left)| {
            *left -= 1;
            (*status, body.clone())
        })
    };
    let expired = path.starts_with("/webhooks/")
        && path.split('/').nth(3).is_some_and(|token| {
            let lifetime = *shared.token_lifetime.lock().unwrap();
            let at = shared.dispatched.lock().unwrap().get(token).copied();
            matches!((lifetime, at), (Some(l), Some(at)) if at.elapsed() > l)
        });
    let forced = forced.or_else(|| {
        expired.then(|| {
            (
                401,
                json!({ "message": "Invalid Webhook Token", "code": 50027 }),
            )
        })
    });
    // A forced failure changes nothing: the request did not happen, for Discord.
    let reply = match forced {
        Some((status, body)) => Error(status, body),
        None => {
            let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
            route(&shared, method.as_str(), &segments, &body)
        }
    };
    let status = match &reply {
        Json(_) => 200,
        Empty => 204,
        NotFound => 404,
        Error(status, _) => *status,
    };
    shared.requests.lock().unwrap().push(Request {
        method: method.to_string(),
        path,
        body,
        authorization,
        status,
        at: std::time::Instant::now(),
        files,
    });
    shared.changed.notify_waiters();
    match reply {
        Json(v) => (StatusCode::OK, axum::Json(v)).into_response(),
        Empty => StatusCode::NO_CONTENT.into_response(),
        NotFound => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({ "message": "Unknown route (local Discord)", "code": 0 })),
        )
            .into_response(),
        Error(status, body) => {
            let status = StatusCode::from_u16(status).unwrap();
            (status, axum::Json(body)).into_response()
        }
    }
}

enum RestReply {
    Json(Value),
    Empty,
    NotFound,
    /// An error status with Discord's error body (or a forced answer).
    Error(u16, Value),
}
use RestReply::*;

async fn gateway(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            return;
        };
        tokio::spawn(session(stream, shared.clone()));
    }
}

/// A command for a session, besides dispatches: a raw frame, or dropping the connection.
const CONTROL: &str = "__local_control";

/// One gateway connection: HELLO, then IDENTIFY (answered with READY) or RESUME
/// (answered with RESUMED), then heartbeats, dispatches and control frames.
async fn session(stream: tokio::net::TcpStream, shared: Arc<Shared>) {
    // As Discord's edge does: small frames go out at once, not after Nagle's 40 ms.
    let _ = stream.set_nodelay(true);
    let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
        return;
    };
    let hello = json!({ "op": 10, "d": { "heartbeat_interval": 41250 } });
    if ws.send(Frame::Text(hello.to_string())).await.is_err() {
        return;
    }
    let opening = loop {
        match ws.next().await {
            Some(Ok(Frame::Text(t))) => {
                let v: Value = serde_json::from_str(&t).unwrap_or_default();
                if v["op"] == 2 || v["op"] == 6 {
                    break v;
                }
            }
            Some(Ok(_)) => continue,
            _ => return,
        }
    };
    let (tx, mut rx) = mpsc::unbounded_channel();
    let reply = if opening["op"] == 6 {
        // RESUME: the session id says which shard it was.
        let session_id = opening["d"]["session_id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let Some(id) = session_id
            .strip_prefix("local-session-")
            .and_then(|r| r.split('-').next())
            .and_then(|n| n.parse::<u64>().ok())
        else {
            let _ = ws
                .send(Frame::Text(json!({ "op": 9, "d": false }).to_string()))
                .await;
            return;
        };
        shared.resumes.lock().unwrap().push(opening);
        shared.sessions.lock().unwrap().insert(id, tx);
        let s = shared.seq.fetch_add(1, Ordering::SeqCst) + 1;
        json!({ "op": 0, "t": "RESUMED", "s": s, "d": {} })
    } else {
        let shard = opening["d"]["shard"].clone();
        shared.identifies.lock().unwrap().push(opening);
        let (id, total) = (
            shard[0].as_u64().unwrap_or(0),
            shard[1].as_u64().unwrap_or(1),
        );
        shared.shard_total.store(total, Ordering::SeqCst);
        shared.sessions.lock().unwrap().insert(id, tx);
        let s = shared.seq.fetch_add(1, Ordering::SeqCst) + 1;
        let n = shared.identifies.lock().unwrap().len();
        json!({
            "op": 0, "t": "READY", "s": s,
            "d": {
                "v": 10,
                "user": bot_user(),
                "guilds": [{ "id": GUILD_ID.to_string(), "unavailable": true }],
                "session_id": format!("local-session-{id}-{n}"),
                "resume_gateway_url": *shared.ws_url.lock().unwrap(),
                "shard": [id, total],
                "application": { "id": APP_ID.to_string(), "flags": 0 }
            }
        })
    };
    if ws.send(Frame::Text(reply.to_string())).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            incoming = ws.next() => match incoming {
                Some(Ok(Frame::Text(t))) => {
                    let v: Value = serde_json::from_str(&t).unwrap_or_default();
                    if v["op"] == 1 {
                        let _ = ws.send(Frame::Text(json!({ "op": 11 }).to_string())).await;
                    }
                }
                Some(Ok(Frame::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
            outgoing = rx.recv() => match outgoing {
                Some(frame) if frame[CONTROL] == "drop" => return, // no close frame: a dead connection
                Some(frame) if frame[CONTROL] == "close" => {
                    use tokio_tungstenite::tungstenite::protocol::{frame::coding::CloseCode, CloseFrame};
                    let code = frame["code"].as_u64().unwrap_or(1000) as u16;
                    let close = CloseFrame { code: CloseCode::from(code), reason: "closed by the local Discord".into() };
                    let _ = ws.send(Frame::Close(Some(close))).await;
                    return;
                }
                Some(frame) if frame.get(CONTROL).is_some() => {
                    if ws.send(Frame::Text(frame["frame"].to_string())).await.is_err() {
                        return;
                    }
                }
                Some(frame) => {
                    if ws.send(Frame::Text(frame.to_string())).await.is_err() {
                        return;
                    }
                }
                None => return,
            }
        }
    }
}
