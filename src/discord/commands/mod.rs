//! The slash commands, one file per area: [`ask`] (`/ask`, `/help`), [`sources`]
//! (`/source show|add|remove`, `/sources`), [`timeline`] (`/timeline`), [`moderation`] (`/unanswered`, `/feedback`,
//! `/reindex`, `/rollback`). Each command is a thin wrapper: the first `///` line is the description
//! Discord shows; the work is in the engine, the views ([`super::views`]) and the one
//! way a reply leaves ([`super::send`]).

mod ask;
mod moderation;
mod sources;
mod timeline;

use std::time::Instant;

use tracing::{info, warn};

use super::guard;
use super::send::{Mode, Sender};
use super::state::State;
use super::views::{moderation as view, Reply};
use super::{Context, Data, Error};
use crate::app::AppError;
use crate::core::index::{IndexError, Manifest};

/// Replies to moderators and to source lookups are private: only the member who asked
/// sees them.
const PRIVATE: Mode = Mode::New { ephemeral: true };

pub fn all() -> Vec<poise::Command<Data, Error>> {
    vec![
        ask::ask(),
        ask::ask_about(),
        sources::source(),
        sources::sources(),
        timeline::timeline(),
        ask::help(),
        moderation::unanswered(),
        moderation::feedback(),
        moderation::reindex(),
        moderation::rollback(),
    ]
}

/// The sender for a command's replies (slash commands only; this bot has no others).
fn sender<'a>(ctx: &Context<'a>) -> Result<Sender<'a>, Error> {
    Sender::command(ctx).ok_or_else(|| anyhow::anyhow!("not a slash command"))
}

/// The moderator check for `/reindex`, `/rollback` and source changes, with a polite
/// private refusal. `what` names the action in the log.
async fn moderator(ctx: &Context<'_>, what: &str) -> Result<bool, Error> {
    let Context::Application(app) = ctx else {
        return Ok(false);
    };
    let user = ctx.author();
    // Checked here, when the command runs: Discord's default permissions can be
    // overridden per server, and configured moderator roles need not have Manage Server.
    if guard::is_moderator(
        app.interaction.member.as_deref(),
        &ctx.data().settings.moderator_role_ids,
    ) {
        info!(user = %user.id, name = %user.name, guild = ?ctx.guild_id(), action = what, "moderator action requested");
        return Ok(true);
    }
    info!(user = %user.id, name = %user.name, guild = ?ctx.guild_id(), action = what, "refused: not a moderator");
    sender(ctx)?
        .send(PRIVATE, &view::not_a_moderator(what))
        .await?;
    Ok(false)
}

/// [`moderator`], and on a process that only reads the index, the polite refusal that
/// says where writes happen (before anything is downloaded or confirmed).
async fn may_write(ctx: &Context<'_>, what: &str) -> Result<bool, Error> {
    if !moderator(ctx, what).await? {
        return Ok(false);
    }
    if ctx.data().live.settings().index.read_only {
        sender(ctx)?.send(PRIVATE, &view::read_only()).await?;
        return Ok(false);
    }
    Ok(true)
}

/// Run blocking work (a rebuild, a rollback) off the async runtime; when the task
/// itself fails (a panic), it is logged and the member gets the general apology.
pub(super) async fn blocking<T: Send + 'static>(
    what: &'static str,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Reply> {
    tokio::task::spawn_blocking(work).await.map_err(|e| {
        warn!(what, error = %e, "a moderator task failed");
        Reply::text(guard::Refusal::Failed.to_string())
    })
}

/// Who did something, for logs and the build status: "name (id)".
pub(super) fn who(user: &serenity::all::User) -> String {
    format!("{} ({})", user.name, user.id)
}

/// What a moderator sees after a reindex or a change of sources.
pub(super) fn reindex_reply(
    state: &State,
    result: Result<Manifest, AppError>,
    by: &str,
    started: Instant,
) -> Reply {
    match result {
        Ok(m) => {
            info!(
                by,
                generation = m.generation,
                sources = m.sources,
                passages = m.passages,
                seconds = started.elapsed().as_secs_f64(),
                "reindex done"
            );
            view::reindexed(&m)
        }
        Err(AppError::ReadOnly) => view::read_only(),
        Err(AppError::Index(IndexError::Busy { status })) => view::reindex_running(status.as_ref()),
        Err(e) => {
            warn!(by, error = %e, "reindex failed; the previous generation keeps serving");
            view::reindex_failed(
                &e.to_string(),
                state.live.engine().index().manifest.generation,
            )
        }
    }
}

/// The moderator check for a button (Remove, Add): checked when it is clicked, with a
/// polite private refusal to anyone else. `what` names the action.
pub(super) async fn clicked_by_moderator(
    state: &State,
    sender: &Sender<'_>,
    click: &serenity::all::ComponentInteraction,
    what: &str,
) -> serenity::Result<bool> {
    if guard::is_moderator(click.member.as_ref(), &state.settings.moderator_role_ids) {
        return Ok(true);
    }
    info!(user = %click.user.id, action = what, "refused: not a moderator");
    sender.send(PRIVATE, &view::not_a_moderator(what)).await?;
    Ok(false)
}

/// Add under a preview: the page previewed under `key` is stored and reindexed (by a
/// moderator, once; the preview is replaced by the outcome).
pub(super) async fn add_page(
    state: &State,
    sender: &Sender<'_>,
    click: &serenity::all::ComponentInteraction,
    key: &str,
) -> serenity::Result<()> {
    if !clicked_by_moderator(state, sender, click, "add sources").await? {
        return Ok(());
    }
    let by = who(&click.user);
    // Claimed, not taken: a failed add leaves the preview to be added again.
    let pending = match state.storage.claim_pending(key).await {
        Ok(Some(p)) => p,
        Ok(None) => return sender.send(Mode::Update, &view::preview_gone()).await,
        Err(e) => {
            warn!(error = %e, "a preview could not be read");
            return sender
                .send(
                    PRIVATE,
                    &Reply::text(crate::render::feedback::of(Default::default()).unavailable),
                )
                .await;
        }
    };
    let live = state.live.clone();
    let job = async {
        let started = Instant::now();
        let document = crate::core::web::Document {
            id: pending.doc_id.clone(),
            filename: pending.filename.clone(),
            text: pending.document.clone(),
        };
        let (add_by, link) = (by.clone(), pending.link.clone());
        let failed = match blocking("source from a link", move || {
            crate::app::links::add(&live, &link, &document, &add_by)
        })
        .await
        {
            Ok(Ok(m)) => {
                info!(by, id = %pending.doc_id, link = %pending.link, "source from a link added");
                if let Err(e) = state.storage.added_pending(key).await {
                    warn!(error = %e, "an added preview could not be forgotten; it expires in a day");
                }
                return view::added(&pending.filename, &m);
            }
            // The document itself refused (a name or text the corpus cannot take).
            Ok(Err(crate::app::links::LinkError::App(AppError::Manage(e)))) => {
                view::page_refused(&e.to_string())
            }
            Ok(Err(crate::app::links::LinkError::App(e))) => {
                reindex_reply(state, Err(e), &by, started)
            }
            Ok(Err(e)) => view::page_refused(&e.to_string()),
            Err(apology) => apology,
        };
        // Not added: the preview stays, and Add can be clicked again.
        if let Err(e) = state.storage.release_pending(key).await {
            warn!(error = %e, "a preview whose add failed could not be released; it can be added again in an hour");
        }
        failed
    };
    sender
        .send_when_ready(Mode::Update, state.settings.defer_after, job)
        .await
        .map(|_| ())
}

/// Cancel under a preview: the page is forgotten, nothing is written.
pub(super) async fn drop_page(
    state: &State,
    sender: &Sender<'_>,
    click: &serenity::all::ComponentInteraction,
    key: &str,
) -> serenity::Result<()> {
    if !clicked_by_moderator(state, sender, click, "add sources").await? {
        return Ok(());
    }
    if let Err(e) = state.storage.take_pending(key).await {
        warn!(error = %e, "a cancelled preview could not be forgotten; it expires in a day");
    }
    sender.send(Mode::Update, &view::nothing_added()).await
}
