//! Sending replies: interaction responses (at once, or deferred and then completed so
//! Discord's 3-second deadline is never missed) and message replies. Every message the
//! bot sends says "mention nobody", whatever text it carries.

use std::future::Future;
use std::time::Duration;

use serenity::all::{
    CommandInteraction, ComponentInteraction, CreateAllowedMentions, CreateInteractionResponse,
    CreateInteractionResponseMessage, CreateMessage, EditInteractionResponse, Http, Message,
};

use super::buttons::{self, QuestionStore};
use super::render::Reply;

/// Allowed mentions for everything the bot sends: none, not even the replied-to user.
pub fn no_mentions() -> CreateAllowedMentions {
    CreateAllowedMentions::new().replied_user(false)
}

pub fn interaction_message(
    reply: &Reply,
    store: &QuestionStore,
    ephemeral: bool,
) -> CreateInteractionResponseMessage {
    let mut m = CreateInteractionResponseMessage::new()
        .embeds(reply.embeds())
        .components(reply.components(&|a| buttons::encode(a, store)))
        .ephemeral(ephemeral)
        .allowed_mentions(no_mentions());
    if let Some(c) = &reply.content {
        m = m.content(c);
    }
    m
}

fn edit(reply: &Reply, store: &QuestionStore) -> EditInteractionResponse {
    EditInteractionResponse::new()
        .content(reply.content.clone().unwrap_or_default())
        .embeds(reply.embeds())
        .components(reply.components(&|a| buttons::encode(a, store)))
        .allowed_mentions(no_mentions())
}

pub fn message_reply(reply: &Reply, store: &QuestionStore, to: &Message) -> CreateMessage {
    let mut m = CreateMessage::new()
        .embeds(reply.embeds())
        .components(reply.components(&|a| buttons::encode(a, store)))
        .reference_message(to)
        .allowed_mentions(no_mentions());
    if let Some(c) = &reply.content {
        m = m.content(c);
    }
    m
}

/// Waits before each retry of a request Discord refused for now.
///
/// serenity's own rate limiter honours `retry_after`, but it talks to discord.com only,
/// so it is off when `discord.api_url` points at a proxy; and serenity's error for a 429
/// does not keep `retry_after`. These waits cover Discord's usual ones (under a second
/// for replies) and stay inside the 3 s an interaction has for its first response.
const RETRY_WAITS_MS: [u64; 3] = [250, 500, 1000];

/// Send with `call`, again after a wait when Discord answers 429 (rate limited) or 5xx
/// (its own trouble), up to three times; other failures (an expired interaction is a 404)
/// are returned at once, to be logged.
pub async fn retrying<T, F, Fut>(what: &str, mut call: F) -> serenity::Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = serenity::Result<T>>,
{
    use serenity::all::HttpError;
    let mut waits = RETRY_WAITS_MS.iter();
    loop {
        let result = call().await;
        let status = match &result {
            Err(serenity::Error::Http(HttpError::UnsuccessfulRequest(r))) => r.status_code.as_u16(),
            _ => return result,
        };
        let retryable = status == 429 || (500..600).contains(&status);
        match waits.next() {
            Some(&ms) if retryable => {
                tracing::warn!(
                    what,
                    status,
                    wait_ms = ms,
                    "Discord refused a request for now; retrying"
                );
                tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            }
            _ => return result,
        }
    }
}

/// The interaction being answered.
#[derive(Clone, Copy)]
pub enum Target<'a> {
    Command(&'a CommandInteraction),
    Component(&'a ComponentInteraction),
}

/// How the reply appears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A new message; `ephemeral` ones only the asker sees.
    New { ephemeral: bool },
    /// Replace the message whose button was clicked.
    Update,
}

impl Target<'_> {
    async fn create(
        &self,
        http: &Http,
        response: CreateInteractionResponse,
    ) -> serenity::Result<()> {
        retrying("interaction response", || async {
            match self {
                Target::Command(i) => i.create_response(http, response.clone()).await,
                Target::Component(i) => i.create_response(http, response.clone()).await,
            }
        })
        .await
    }

    async fn edit(
        &self,
        http: &Http,
        builder: EditInteractionResponse,
    ) -> serenity::Result<Message> {
        retrying("reply edit", || async {
            match self {
                Target::Command(i) => i.edit_response(http, builder.clone()).await,
                Target::Component(i) => i.edit_response(http, builder.clone()).await,
            }
        })
        .await
    }

    /// Reply at once with `reply`.
    pub async fn send(
        &self,
        http: &Http,
        store: &QuestionStore,
        mode: Mode,
        reply: &Reply,
    ) -> serenity::Result<()> {
        let response = match mode {
            Mode::New { ephemeral } => {
                CreateInteractionResponse::Message(interaction_message(reply, store, ephemeral))
            }
            Mode::Update => {
                let m = interaction_message(reply, store, false);
                CreateInteractionResponse::UpdateMessage(if reply.content.is_none() {
                    m.content("")
                } else {
                    m
                })
            }
        };
        self.create(http, response).await
    }

    /// Reply with what `job` produces: at once if it is ready within `defer_after`,
    /// otherwise acknowledge first ("thinking…") and edit the reply in when it is.
    pub async fn send_when_ready(
        &self,
        http: &Http,
        store: &QuestionStore,
        mode: Mode,
        defer_after: Duration,
        job: impl Future<Output = Reply>,
    ) -> serenity::Result<bool> {
        tokio::pin!(job);
        tokio::select! {
            reply = &mut job => {
                self.send(http, store, mode, &reply).await?;
                Ok(false)
            }
            _ = tokio::time::sleep(defer_after) => {
                let ack = match mode {
                    Mode::New { ephemeral } => CreateInteractionResponse::Defer(CreateInteractionResponseMessage::new().ephemeral(ephemeral)),
                    Mode::Update => CreateInteractionResponse::Acknowledge,
                };
                self.create(http, ack).await?;
                let reply = job.await;
                self.edit(http, edit(&reply, store)).await?;
                Ok(true)
            }
        }
    }
}
