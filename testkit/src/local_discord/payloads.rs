//! Real-shaped gateway payloads: slash commands, autocomplete, button clicks, modals,
//! messages and replies, forum channels and their posts, from a guild member or in a DM,
//! with every field serenity requires.

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
    under(discord, &mut v, message, who);
    v
}

/// An interaction on a component of `message`: it carries the message, and happens in the
/// message's channel (a forum post's thread, say) — as the local Discord knows it.
fn under(discord: &LocalDiscord, interaction: &mut Value, message: Value, who: &Who) {
    let channel = message["channel_id"].as_str().map(str::to_string);
    if let (Some(channel), false) = (channel, who.dm) {
        if channel != CHANNEL_ID.to_string() {
            let known = channel.parse().ok().and_then(|id| discord.channel(id));
            interaction["channel_id"] = json!(channel);
            interaction["channel"] = known.unwrap_or_else(
                || json!({ "id": channel, "type": 0, "guild_id": who.guild.to_string() }),
            );
        }
    }
    interaction
        .as_object_mut()
        .unwrap()
        .insert("message".into(), message);
}

/// The submission of modal `custom_id`: `fields` are (text input custom id, what was
/// typed), one action row each, as Discord sends them. `message` is the message whose
/// button opened the modal, if a button did (not a command).
pub fn modal_submit(
    discord: &LocalDiscord,
    custom_id: &str,
    fields: &[(&str, &str)],
    message: Option<Value>,
    who: &Who,
) -> Value {
    let rows: Vec<Value> = fields
        .iter()
        .map(|(id, text)| {
            json!({ "type": 1, "components": [{ "type": 4, "custom_id": id, "value": text }] })
        })
        .collect();
    let mut v = interaction(
        discord,
        5,
        json!({ "custom_id": custom_id, "components": rows }),
        who,
    );
    if let Some(message) = message {
        under(discord, &mut v, message, who);
    }
    v
}

/// The message a bot reply became, as a click's `message` field carries it.
pub fn message_from(discord: &LocalDiscord, reply: &super::Request, who: &Who) -> Value {
    let channel = if who.dm { who.dm_channel() } else { CHANNEL_ID };
    // The message the reply became, when Discord keeps it (an interaction's response);
    // a new id otherwise.
    let token = reply
        .path
        .split('/')
        .find(|s| s.starts_with("interaction-token-"));
    let (channel, id) = token
        .and_then(|t| discord.original(t))
        .unwrap_or_else(|| (channel.to_string(), discord.id().to_string()));
    json!({
        "id": id,
        "channel_id": channel,
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
    let channel = if who.dm { who.dm_channel() } else { CHANNEL_ID };
    message_in(discord, channel, content, who, mentions)
}

/// A message `content` by `who` in channel `channel` (a thread, say); `mentions` as for
/// [`message`].
pub fn message_in(
    discord: &LocalDiscord,
    channel: u64,
    content: &str,
    who: &Who,
    mentions: &[Value],
) -> Value {
    let mut v = json!({
        "id": discord.id().to_string(),
        "channel_id": channel.to_string(),
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

/// A reply by `who` to `replied` (a message as [`message`], [`forum_post`] or the local
/// Discord's store give it), in its channel, as MESSAGE_CREATE carries it: type 19, a
/// `message_reference` and the `referenced_message`. It does not ping `replied`'s author
/// (`mentions` is empty): push the author into `mentions` for a reply that does.
pub fn reply_to(discord: &LocalDiscord, content: &str, who: &Who, replied: &Value) -> Value {
    let channel = replied["channel_id"]
        .as_str()
        .and_then(|c| c.parse().ok())
        .expect("the replied message's channel_id");
    let mut v = message_in(discord, channel, content, who, &[]);
    let mut reference = json!({
        "type": 0, "message_id": replied["id"], "channel_id": replied["channel_id"],
    });
    if !who.dm {
        reference["guild_id"] = json!(who.guild.to_string());
    }
    v["type"] = json!(19);
    v["message_reference"] = reference;
    v["referenced_message"] = replied.clone();
    v
}

/// A forum channel (GUILD_FORUM) `name` in the guild, offering `tags` (id, name).
/// Make it known with [`LocalDiscord::add_channel`].
pub fn forum_channel(id: u64, name: &str, tags: &[(u64, &str)]) -> Value {
    let tags: Vec<Value> = tags
        .iter()
        .map(|(id, name)| {
            json!({
                "id": id.to_string(), "name": name, "moderated": false,
                "emoji_id": null, "emoji_name": null,
            })
        })
        .collect();
    json!({
        "id": id.to_string(), "type": 15, "guild_id": GUILD_ID.to_string(), "name": name,
        "position": 1, "permission_overwrites": [], "nsfw": false, "topic": null,
        "parent_id": null, "last_message_id": null, "rate_limit_per_user": 0, "flags": 0,
        "available_tags": tags, "default_reaction_emoji": null,
        "default_thread_rate_limit_per_user": 0, "default_sort_order": null,
        "default_forum_layout": 0, "default_auto_archive_duration": 4320,
    })
}

/// A new post in forum `forum_id` by `who`: (the thread, as THREAD_CREATE carries it, and
/// its starter message, as MESSAGE_CREATE does). As Discord makes them, the starter message
/// has the thread's id, in the thread. Both are made known to `discord`, so the bot can
/// read them back; dispatch them (thread first) to tell the bot.
pub fn forum_post(
    discord: &LocalDiscord,
    forum_id: u64,
    title: &str,
    first_message: &str,
    who: &Who,
) -> (Value, Value) {
    let id = discord.id();
    let when = "2026-11-25T12:00:00.000000+00:00";
    let thread = json!({
        "id": id.to_string(), "type": 11, "guild_id": who.guild.to_string(),
        "parent_id": forum_id.to_string(), "owner_id": who.user_id.to_string(),
        "name": title, "applied_tags": [], "flags": 0, "rate_limit_per_user": 0,
        "last_message_id": id.to_string(),
        "thread_metadata": {
            "archived": false, "auto_archive_duration": 4320, "archive_timestamp": when,
            "locked": false, "create_timestamp": when,
        },
        "message_count": 0, "member_count": 1, "total_message_sent": 0,
        "newly_created": true,
    });
    let starter = json!({
        "id": id.to_string(),
        "channel_id": id.to_string(),
        "guild_id": who.guild.to_string(),
        "author": who.user(),
        "content": first_message,
        "timestamp": when,
        "edited_timestamp": null,
        "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [],
        "attachments": [], "embeds": [], "components": [], "pinned": false, "type": 0,
        "flags": 0, "position": 0,
    });
    discord.add_channel(thread.clone());
    discord.add_message(starter.clone());
    (thread, starter)
}
