//! Real-shaped gateway payloads: slash commands, autocomplete, button clicks and messages,
//! from a guild member or in a DM, with every field serenity requires.

use serde_json::{json, Value};

use super::{bot_user, LocalDiscord, APP_ID, CHANNEL_ID, GUILD_ID};

/// Who acts, and where.
#[derive(Debug, Clone)]
pub struct Who {
    pub user_id: u64,
    /// Computed permissions in the channel, as Discord sends them (a decimal string).
    pub permissions: u64,
    pub roles: Vec<u64>,
    /// In a DM rather than the guild.
    pub dm: bool,
    pub guild: u64,
}

/// The member who asks, in most tests (others are `ASKER + n`).
pub const ASKER: u64 = 1_600_000_000_000_000_001;

pub const SEND_MESSAGES: u64 = 1 << 11;
pub const VIEW_CHANNEL: u64 = 1 << 10;
pub const MANAGE_GUILD: u64 = 1 << 5;

impl Who {
    pub fn member(user_id: u64) -> Who {
        Who {
            user_id,
            permissions: VIEW_CHANNEL | SEND_MESSAGES,
            roles: vec![],
            dm: false,
            guild: GUILD_ID,
        }
    }

    /// A member with Manage Server, which makes them a moderator to attache without a
    /// moderator role.
    pub fn moderator(user_id: u64) -> Who {
        Who {
            permissions: MANAGE_GUILD | VIEW_CHANNEL,
            ..Who::member(user_id)
        }
    }

    pub fn in_dm(user_id: u64) -> Who {
        Who {
            dm: true,
            ..Who::member(user_id)
        }
    }

    pub fn user(&self) -> Value {
        json!({ "id": self.user_id.to_string(), "username": format!("member{}", self.user_id % 1000), "discriminator": "0", "global_name": null, "avatar": null })
    }

    pub fn dm_channel(&self) -> u64 {
        CHANNEL_ID + 1000 + self.user_id % 1000
    }

    /// The fields that say who and where, for an interaction.
    fn place(&self, into: &mut Value) {
        let o = into.as_object_mut().unwrap();
        if self.dm {
            o.insert("user".into(), self.user());
            o.insert("channel_id".into(), json!(self.dm_channel().to_string()));
            o.insert(
                "channel".into(),
                json!({ "id": self.dm_channel().to_string(), "type": 1 }),
            );
            o.insert("context".into(), json!(1));
            o.insert("authorizing_integration_owners".into(), json!({ "0": "0" }));
        } else {
            o.insert(
                "member".into(),
                json!({
                    "user": self.user(),
                    "roles": self.roles.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
                    "permissions": self.permissions.to_string(),
                    "joined_at": "2025-05-01T00:00:00.000000+00:00",
                    "deaf": false, "mute": false, "flags": 0, "nick": null, "avatar": null
                }),
            );
            o.insert("guild_id".into(), json!(self.guild.to_string()));
            o.insert("guild_locale".into(), json!("en-US"));
            o.insert("channel_id".into(), json!(CHANNEL_ID.to_string()));
            o.insert("channel".into(), json!({ "id": CHANNEL_ID.to_string(), "type": 0, "guild_id": self.guild.to_string() }));
            o.insert("context".into(), json!(0));
            o.insert(
                "authorizing_integration_owners".into(),
                json!({ "0": self.guild.to_string() }),
            );
        }
    }
}

fn interaction(discord: &LocalDiscord, kind: u8, data: Value, who: &Who) -> Value {
    let id = discord.id();
    let mut v = json!({
        "id": id.to_string(),
        "application_id": APP_ID.to_string(),
        "type": kind,
        "data": data,
        "token": format!("interaction-token-{id}"),
        "version": 1,
        "app_permissions": "2248473465835073",
        "locale": "en-US",
        "entitlements": [],
        "attachment_size_limit": 10_485_760,
    });
    who.place(&mut v);
    v
}

/// Options as an interaction carries them, from (name, type, value).
fn option_values(options: &[(&str, u8, Value)]) -> Vec<Value> {
    options
        .iter()
        .map(|(n, t, v)| json!({ "name": n, "type": t, "value": v }))
        .collect()
}

/// An application command option: (name, type, value). Types: 3 string, 5 boolean.
pub fn slash(
    discord: &LocalDiscord,
    name: &str,
    options: &[(&str, u8, Value)],
    who: &Who,
) -> Value {
    let options = option_values(options);
    interaction(
        discord,
        2,
        json!({ "id": "1400000000000000001", "name": name, "type": 1, "options": options }),
        who,
    )
}

/// The message command `name` (a message's Apps menu) on `target`, a message as
/// [`message`] makes it.
pub fn message_command(discord: &LocalDiscord, name: &str, target: &Value, who: &Who) -> Value {
    let id = target["id"].as_str().unwrap().to_string();
    interaction(
        discord,
        2,
        json!({
            "id": "1400000000000000005", "name": name, "type": 3, "target_id": id,
            "resolved": { "messages": { id.clone(): target } }
        }),
        who,
    )
}

/// `/name sub` with `options`, and `resolved` data (attachments) if any.
pub fn slash_sub(
    discord: &LocalDiscord,
    name: &str,
    sub: &str,
    options: &[(&str, u8, Value)],
    resolved: Option<Value>,
    who: &Who,
) -> Value {
    let options = option_values(options);
    let mut data = json!({
        "id": "1400000000000000003", "name": name, "type": 1,
        "options": [{ "name": sub, "type": 1, "options": options }]
    });
    if let Some(r) = resolved {
        data["resolved"] = r;
    }
    interaction(discord, 2, data, who)
}

/// `/source add file:` with `filename` holding `bytes`, hosted on the local Discord.
pub fn source_add(discord: &LocalDiscord, filename: &str, bytes: &[u8], who: &Who) -> Value {
    let (id, resolved) = attachment(discord, filename, bytes);
    slash_sub(
        discord,
        "source",
        "add",
        &[("file", 11, json!(id))],
        Some(resolved),
        who,
    )
}

/// An attachment as an interaction's `resolved` data carries it; its id is the option value.
pub fn attachment(discord: &LocalDiscord, filename: &str, bytes: &[u8]) -> (String, Value) {
    let id = discord.id().to_string();
    let url = discord.host(&id, filename, bytes);
    let resolved = json!({ "attachments": { id.clone(): {
        "id": id, "filename": filename, "size": bytes.len(), "url": url, "proxy_url": url,
        "content_type": "text/plain; charset=utf-8"
    } } });
    (id, resolved)
}

/// Typing `partial` into the focused option `option` of `/name sub`.
pub fn autocomplete(
    discord: &LocalDiscord,
    name: &str,
    sub: &str,
    option: &str,
    partial: &str,
    who: &Who,
) -> Value {
    let focused = json!([{ "name": option, "type": 3, "value": partial, "focused": true }]);
    let options = json!([{ "name": sub, "type": 1, "options": focused }]);
    interaction(
        discord,
        4,
        json!({ "id": "1400000000000000002", "name": name, "type": 1, "options": options }),
        who,
    )
}

/// A click on button `custom_id` under `message` (as [`message_from`] makes it).
pub fn click(discord: &LocalDiscord, custom_id: &str, message: Value, who: &Who) -> Value {
    let mut v = interaction(
        discord,
        3,
        json!({ "custom_id": custom_id, "component_type": 2 }),
        who,
    );
    v.as_object_mut().unwrap().insert("message".into(), message);
    v
}

/// The message a bot reply became, as a click's `message` field carries it.
pub fn message_from(discord: &LocalDiscord, reply: &super::Request, who: &Who) -> Value {
    let channel = if who.dm { who.dm_channel() } else { CHANNEL_ID };
    json!({
        "id": discord.id().to_string(),
        "channel_id": channel.to_string(),
        "author": bot_user(),
        "content": reply.message()["content"].as_str().unwrap_or(""),
        "timestamp": "2026-11-25T12:00:00.000000+00:00",
        "edited_timestamp": null,
        "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [],
        "attachments": [], "embeds": [], "components": [], "pinned": false, "type": 20,
        "flags": reply.message()["flags"].as_u64().unwrap_or(0),
    })
}

/// A message `content` by `who`, in the guild channel or their DM. `mentions` lists the
/// users it mentions (Discord fills this from `<@id>` in the content).
pub fn message(discord: &LocalDiscord, content: &str, who: &Who, mentions: &[Value]) -> Value {
    let mut v = json!({
        "id": discord.id().to_string(),
        "channel_id": (if who.dm { who.dm_channel() } else { CHANNEL_ID }).to_string(),
        "author": who.user(),
        "content": content,
        "timestamp": "2026-11-25T12:00:00.000000+00:00",
        "edited_timestamp": null,
        "tts": false, "mention_everyone": false, "mentions": mentions, "mention_roles": [],
        "attachments": [], "embeds": [], "pinned": false, "type": 0,
    });
    if !who.dm {
        v.as_object_mut()
            .unwrap()
            .insert("guild_id".into(), json!(who.guild.to_string()));
    }
    v
}
