//! The one way a message leaves the bot. Every reply, from every command, event and
//! button, is sent here: fitted to Discord's limits (the [`Reply`] model fits itself),
//! with allowed mentions set to none, deferred when the answer is slow (Discord wants
//! an interaction's first response within 3 seconds) and retried when Discord answers
//! 429 or 5xx. [`parts`] is the one conversion from the reply model to serenity's
//! builders.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serenity::all::{
    CommandInteraction, ComponentInteraction, CreateActionRow, CreateAllowedMentions,
    CreateAttachment, CreateEmbed, CreateInteractionResponse, CreateInteractionResponseFollowup,
    CreateInteractionResponseMessage, CreateMessage, CreateModal, EditInteractionResponse, Http,
    HttpError, Message, MessageReference, ModalInteraction,
};

use serenity::all::StatusCode;

use super::buttons::{self, QuestionStore};
use super::views::Reply;
use super::Context;

/// Allowed mentions for everything the bot sends: none, not even the replied-to user.
pub fn no_mentions() -> CreateAllowedMentions {
    CreateAllowedMentions::new().replied_user(false)
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
/// are returned at once, to be logged. (A 5xx on a new message might, rarely, come after
/// Discord posted it; the README promises the retry, and a missing answer is worse.)
async fn retrying<T, F, Fut>(what: &str, mut call: F) -> serenity::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = serenity::Result<T>>,
{
    let mut waits = RETRY_WAITS_MS.iter();
    loop {
        let result = call().await;
        let status = match &result {
            Err(serenity::Error::Http(HttpError::UnsuccessfulRequest(r))) => r.status_code,
            _ => return result,
        };
        let retryable = status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error();
        let status = status.as_u16();
        match waits.next() {
            Some(&ms) if retryable => {
                tracing::warn!(
                    what,
                    status,
                    wait_ms = ms,
                    "Discord refused a request for now; retrying"
                );
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
            _ => return result,
        }
    }
}

/// A reply as serenity's builders take it: text, embeds, the button row.
struct Parts {
    content: Option<String>,
    embeds: Vec<CreateEmbed>,
    components: Vec<CreateActionRow>,
    files: Vec<CreateAttachment>,
}

/// The one conversion from the reply model; button actions are encoded into custom ids
/// (long questions kept in `store`).
fn parts(reply: &Reply, store: &QuestionStore) -> Parts {
    Parts {
        content: reply.content.clone(),
        embeds: reply.embeds(),
        components: reply.components(&|a| buttons::encode(a, store)),
        files: reply.attachments(),
    }
}

impl Parts {
    /// `clear`: an update replaces the message, so text it had must go when this has none.
    fn response(self, ephemeral: bool, clear: bool) -> CreateInteractionResponseMessage {
        let m = CreateInteractionResponseMessage::new()
            .embeds(self.embeds)
            .components(self.components)
            .ephemeral(ephemeral)
            .allowed_mentions(no_mentions())
            .add_files(self.files);
        match self.content {
            Some(c) => m.content(c),
            None if clear => m.content(""),
            None => m,
        }
    }

    fn edit(self) -> EditInteractionResponse {
        let mut e = EditInteractionResponse::new()
            .content(self.content.unwrap_or_default())
            .embeds(self.embeds)
            .components(self.components)
            .allowed_mentions(no_mentions());
        for f in self.files {
            e = e.new_attachment(f);
        }
        e
    }

    fn followup(self, ephemeral: bool) -> CreateInteractionResponseFollowup {
        let m = CreateInteractionResponseFollowup::new()
            .embeds(self.embeds)
            .components(self.components)
            .ephemeral(ephemeral)
            .allowed_mentions(no_mentions())
            .add_files(self.files);
        match self.content {
            Some(c) => m.content(c),
            None => m,
        }
    }

    /// A message of its own (a direct message), replying to nothing.
    fn direct(self) -> CreateMessage {
        let m = CreateMessage::new()
            .embeds(self.embeds)
            .components(self.components)
            .allowed_mentions(no_mentions())
            .add_files(self.files);
        match self.content {
            Some(c) => m.content(c),
            None => m,
        }
    }

    fn message(self, to: &Message) -> CreateMessage {
        // A question deleted before its answer is ready still gets the answer, unlinked.
        let mut reference = MessageReference::from(to);
        reference.fail_if_not_exists = Some(false);
        self.direct().reference_message(reference)
    }
}

/// What a reply answers.
#[derive(Clone, Copy)]
pub enum To<'a> {
    /// A slash command; `responded` is poise's record of whether its first response
    /// went out, so poise and this module never both send it.
    Command {
        interaction: &'a CommandInteraction,
        responded: &'a AtomicBool,
    },
    /// A click on a button.
    Component(&'a ComponentInteraction),
    /// A box (modal) sent back.
    Modal(&'a ModalInteraction),
    /// A message (a mention, a DM, a message in an answer channel): replied to in its
    /// channel.
    Message(&'a Message),
}

/// How the reply appears (interactions only; a message always gets a new reply).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A new message; `ephemeral` ones only the asker sees.
    New { ephemeral: bool },
    /// Replace the message whose button was clicked.
    Update,
}

/// Sends the replies to one command, click or message.
pub struct Sender<'a> {
    http: &'a Http,
    store: &'a QuestionStore,
    to: To<'a>,
    /// Whether the first response went out, for the interactions poise does not track.
    responded: AtomicBool,
    /// When the interaction arrived: its token, which every later reply goes through,
    /// lasts [`TOKEN_LIFETIME`] from then.
    arrived: Instant,
}

/// How long Discord keeps an interaction's token: replies after that (a rebuild that
/// took longer) go to the member by direct message instead.
const TOKEN_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// Whether Discord refused a reply because the interaction's token expired (401 Invalid
/// Webhook Token, or 404 Unknown Webhook).
fn token_expired(e: &serenity::Error) -> bool {
    match e {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) => {
            matches!(r.error.code, 50027 | 10015)
                || r.status_code == StatusCode::UNAUTHORIZED && r.url.contains("/webhooks/")
        }
        _ => false,
    }
}

impl<'a> Sender<'a> {
    pub fn new(http: &'a Http, store: &'a QuestionStore, to: To<'a>) -> Sender<'a> {
        Sender {
            http,
            store,
            to,
            responded: AtomicBool::new(false),
            arrived: Instant::now(),
        }
    }

    /// The sender for a slash command's replies; `None` for a prefix command (this bot
    /// has none).
    pub fn command(ctx: &Context<'a>) -> Option<Sender<'a>> {
        let Context::Application(app) = *ctx else {
            return None;
        };
        Some(Sender::new(
            &ctx.serenity_context().http,
            &ctx.data().questions,
            To::Command {
                interaction: app.interaction,
                responded: app.has_sent_initial_response,
            },
        ))
    }

    fn responded(&self) -> &AtomicBool {
        match self.to {
            To::Command { responded, .. } => responded,
            _ => &self.responded,
        }
    }

    /// Reply at once with `reply`. After a first response (an earlier reply, or an
    /// apology after a failure), a further reply follows up.
    pub async fn send(&self, mode: Mode, reply: &Reply) -> serenity::Result<()> {
        let http = self.http;
        let parts = || parts(reply, self.store);
        self.keep_questions(reply).await;
        if let To::Message(msg) = self.to {
            retrying("message reply", || {
                msg.channel_id.send_message(http, parts().message(msg))
            })
            .await?;
            return Ok(());
        }
        if self.responded().load(Ordering::SeqCst) {
            let ephemeral = mode != Mode::New { ephemeral: false };
            retrying("follow-up", || async {
                match self.to {
                    To::Command { interaction, .. } => {
                        interaction
                            .create_followup(http, parts().followup(ephemeral))
                            .await
                    }
                    To::Component(i) => i.create_followup(http, parts().followup(ephemeral)).await,
                    To::Modal(i) => i.create_followup(http, parts().followup(ephemeral)).await,
                    To::Message(_) => unreachable!("messages are answered above"),
                }
            })
            .await?;
            return Ok(());
        }
        let response = match mode {
            Mode::New { ephemeral } => {
                CreateInteractionResponse::Message(parts().response(ephemeral, false))
            }
            Mode::Update => CreateInteractionResponse::UpdateMessage(parts().response(false, true)),
        };
        self.respond(response).await
    }

    /// Open `modal` (a box to fill in) as the first response to a click.
    pub async fn modal(&self, modal: CreateModal) -> serenity::Result<()> {
        self.respond(CreateInteractionResponse::Modal(modal)).await
    }

    /// The first response to an interaction.
    async fn respond(&self, response: CreateInteractionResponse) -> serenity::Result<()> {
        let http = self.http;
        retrying("interaction response", || async {
            match self.to {
                To::Command { interaction, .. } => {
                    interaction.create_response(http, response.clone()).await
                }
                To::Component(i) => i.create_response(http, response.clone()).await,
                To::Modal(i) => i.create_response(http, response.clone()).await,
                To::Message(_) => unreachable!("messages have no interaction response"),
            }
        })
        .await?;
        self.responded().store(true, Ordering::SeqCst);
        Ok(())
    }

    /// Reply with what `job` produces: at once if it is ready within `defer_after`,
    /// otherwise as [`Sender::send_later`]. Whether it was deferred.
    pub async fn send_when_ready(
        &self,
        mode: Mode,
        defer_after: Duration,
        job: impl Future<Output = Reply>,
    ) -> serenity::Result<bool> {
        tokio::pin!(job);
        tokio::select! {
            reply = &mut job => {
                self.send(mode, &reply).await?;
                return Ok(false);
            }
            _ = tokio::time::sleep(defer_after) => {}
        }
        self.send_later(mode, job).await?;
        Ok(true)
    }

    /// Acknowledge now ("thinking…", or "attache is typing…" under a message) and send
    /// what `job` produces when it is ready: for work known to be slow (a rebuild).
    pub async fn send_later(
        &self,
        mode: Mode,
        job: impl Future<Output = Reply>,
    ) -> serenity::Result<()> {
        if let To::Message(msg) = self.to {
            // Messages have no deadline; typing shows the question was heard.
            let _ = msg.channel_id.broadcast_typing(self.http).await;
            return self.send(mode, &job.await).await;
        }
        if self.responded().load(Ordering::SeqCst) {
            return self.send(mode, &job.await).await;
        }
        let ack = match mode {
            Mode::New { ephemeral } => CreateInteractionResponse::Defer(
                CreateInteractionResponseMessage::new().ephemeral(ephemeral),
            ),
            Mode::Update => CreateInteractionResponse::Acknowledge,
        };
        self.respond(ack).await?;
        let reply = job.await;
        self.edit_or_message(&reply).await
    }

    /// Complete a deferred response with `reply`; when the work outlasted the
    /// interaction's token (Discord expires it after 15 minutes), send it to the member
    /// by direct message instead (moderators' replies are private; a DM is too), and log
    /// it. When the DM is refused too, the log line is all that is left.
    async fn edit_or_message(&self, reply: &Reply) -> serenity::Result<()> {
        let lapsed = self.arrived.elapsed() >= TOKEN_LIFETIME;
        if !lapsed {
            match self.edit(reply).await {
                Ok(_) => return Ok(()),
                Err(e) if token_expired(&e) => {}
                Err(e) => return Err(e),
            }
        }
        let Some(user) = self.user() else {
            return Ok(());
        };
        let waited_s = self.arrived.elapsed().as_secs();
        // Out of its context, a DM says what it answers.
        let what = match self.to {
            To::Command { interaction, .. } => format!("your `/{}`", interaction.data.name),
            _ => "what you asked".to_string(),
        };
        let note = format!("-# The result of {what}: it took longer than Discord keeps a reply open, so it comes here.");
        let reply = &Reply {
            content: Some(match &reply.content {
                Some(text) => {
                    super::limits::fit(&format!("{note}\n{text}"), super::limits::CONTENT)
                }
                None => note,
            }),
            ..reply.clone()
        };
        self.keep_questions(reply).await;
        let dm = async {
            let channel = user.create_dm_channel(self.http).await?;
            retrying("direct message", || {
                channel
                    .id
                    .send_message(self.http, parts(reply, self.store).direct())
            })
            .await
        };
        match dm.await {
            Ok(_) => {
                tracing::info!(user = %user, waited_s, "the interaction expired before the work finished; its result went by direct message");
                Ok(())
            }
            Err(e) => {
                tracing::warn!(user = %user, waited_s, error = %e, result = %reply.summary(), "the interaction expired before the work finished, and the direct message was refused; the result is only in this log");
                Ok(())
            }
        }
    }

    /// Who the interaction came from.
    fn user(&self) -> Option<serenity::all::UserId> {
        match self.to {
            To::Command { interaction, .. } => Some(interaction.user.id),
            To::Component(i) => Some(i.user.id),
            To::Modal(i) => Some(i.user.id),
            To::Message(_) => None,
        }
    }

    /// Keep the long questions `reply`'s buttons name, before the reply is sent.
    async fn keep_questions(&self, reply: &Reply) {
        for b in &reply.buttons {
            if let super::views::Button::Action { action, .. } = b {
                self.store.keep(action).await;
            }
        }
    }

    /// Complete a deferred response with `reply`.
    async fn edit(&self, reply: &Reply) -> serenity::Result<Message> {
        let http = self.http;
        self.keep_questions(reply).await;
        let edit = || parts(reply, self.store).edit();
        retrying("reply edit", || async {
            match self.to {
                To::Command { interaction, .. } => interaction.edit_response(http, edit()).await,
                To::Component(i) => i.edit_response(http, edit()).await,
                To::Modal(i) => i.edit_response(http, edit()).await,
                To::Message(_) => unreachable!("messages are never deferred"),
            }
        })
        .await
    }
}
