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
    sessions: Mutex<std::collections::HashMap<u64, mpsc::UnboundedSender<Value>>>,
    shard_total: AtomicU64,
    identifies: Mutex<Vec<Value>>,
    resumes: Mutex<Vec<Value>>,
    /// Answers to force: (path fragment, status, body, how many more times).
    failures: Mutex<Vec<(String, u16, Value, usize)>>,
    seq: AtomicU64,
    ids: AtomicU64,
    ws_url: Mutex<String>,
    /// Attachments on Discord's CDN: path → bytes.
    files: Mutex<std::collections::HashMap<String, Vec<u8>>>,
    rest_url: Mutex<String>,
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
                        .map(|r| format!("{} {}", r.method, r.path))
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
        match event {
            "INTERACTION_CREATE" => {
                serde_json::from_value::<serenity::all::Interaction>(data.clone())
                    .unwrap_or_else(|e| panic!("bad INTERACTION_CREATE: {e}\n{data:#}"));
            }
            "MESSAGE_CREATE" => {
                serde_json::from_value::<serenity::all::Message>(data.clone())
                    .unwrap_or_else(|e| panic!("bad MESSAGE_CREATE: {e}\n{data:#}"));
            }
            _ => {}
        }
        self.dispatch_raw(event, data);
    }

    /// Send an event as it is, checked against nothing: for hostile payloads.
    pub fn dispatch_raw(&self, event: &str, data: Value) {
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

/// The Message object Discord returns for a created or edited message.
fn message_object(shared: &Shared, channel_id: &str, body: &Value) -> Value {
    json!({
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
        "embeds": [],
        "pinned": false,
        "type": 0,
        "flags": body["flags"].as_u64().unwrap_or(0),
    })
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
    let body: Value = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&body)
            .unwrap_or(Value::String(String::from_utf8_lossy(&body).into_owned()))
    };
    let authorization = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let reply = match (method.as_str(), segments.as_slice()) {
        ("GET", ["gateway"]) => Json(json!({ "url": *shared.ws_url.lock().unwrap() })),
        ("GET", ["gateway", "bot"]) => Json(json!({
            "url": *shared.ws_url.lock().unwrap(), "shards": 1,
            "session_start_limit": { "total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1 }
        })),
        ("GET", ["oauth2", "applications", "@me"]) => Json(application()),
        ("PUT", ["applications", _, "commands"])
        | ("PUT", ["applications", _, "guilds", _, "commands"]) => Json(json!([])),
        ("POST", ["interactions", _, _, "callback"]) => Empty,
        ("POST", ["channels", _, "typing"]) => Empty,
        ("POST", ["channels", channel, "messages"]) => {
            Json(message_object(&shared, channel, &body))
        }
        ("PATCH", ["webhooks", _, _, "messages", "@original"]) | ("POST", ["webhooks", _, _]) => {
            Json(message_object(&shared, &CHANNEL_ID.to_string(), &body))
        }
        _ => NotFound,
    };
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
    let status = match (&forced, &reply) {
        (Some((status, _)), _) => *status,
        (None, Json(_)) => 200,
        (None, Empty) => 204,
        (None, NotFound) => 404,
    };
    shared.requests.lock().unwrap().push(Request {
        method: method.to_string(),
        path,
        body,
        authorization,
        status,
        at: std::time::Instant::now(),
    });
    shared.changed.notify_waiters();
    if let Some((status, body)) = forced {
        let status = StatusCode::from_u16(status).unwrap();
        return (status, axum::Json(body)).into_response();
    }
    match reply {
        Json(v) => (StatusCode::OK, axum::Json(v)).into_response(),
        Empty => StatusCode::NO_CONTENT.into_response(),
        NotFound => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({ "message": "Unknown route (local Discord)", "code": 0 })),
        )
            .into_response(),
    }
}

enum RestReply {
    Json(Value),
    Empty,
    NotFound,
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
