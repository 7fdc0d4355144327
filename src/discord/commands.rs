//! The slash commands. Each is a thin wrapper: the first `///` line is the description
//! Discord shows; the work is in the engine, [`super::render`] and [`super::respond`].

use std::time::Instant;

use poise::CreateReply;
use serenity::all::{AutocompleteChoice, CreateAutocompleteResponse};
use tracing::{info, warn};

use super::guard;
use super::render::{self, Reply};
use super::respond::{self, Mode, Target};
use super::{limits, Context, Data, Error, Via};
use crate::app::ReindexError;

pub fn all() -> Vec<poise::Command<Data, Error>> {
    vec![ask(), source(), sources(), help(), reindex()]
}

fn private(reply: &Reply, ctx: &Context<'_>) -> CreateReply {
    let store = &ctx.data().questions;
    let mut r = reply
        .embeds()
        .into_iter()
        .fold(CreateReply::default(), CreateReply::embed)
        .components(reply.components(&|a| super::buttons::encode(a, store)))
        .ephemeral(true)
        .allowed_mentions(respond::no_mentions());
    if let Some(c) = &reply.content {
        r = r.content(c);
    }
    r
}

/// Ask a question about the sources; the answer cites where it comes from
#[poise::command(slash_command)]
pub async fn ask(
    ctx: Context<'_>,
    #[description = "Your question, in plain words"] question: String,
    #[description = "Show the answer only to you"] private: Option<bool>,
) -> Result<(), Error> {
    let Context::Application(app) = ctx else {
        return Ok(());
    };
    let state = ctx.data();
    let target = Target::Command(app.interaction);
    let http = &ctx.serenity_context().http;
    let typed = question;
    let question = super::question_text(&typed);
    if let Err(refusal) = state.admit(ctx.author().id, &typed, &question) {
        target
            .send(
                http,
                &state.questions,
                Mode::New { ephemeral: true },
                &Reply::text(refusal.to_string()),
            )
            .await?;
        return Ok(());
    }
    let private = private.unwrap_or(false);
    let job = async {
        match state.ask(question, 0, Via::Slash).await {
            Ok(r) => render::answer(&r, 0),
            Err(refusal) => Reply::text(refusal.to_string()),
        }
    };
    target
        .send_when_ready(
            http,
            &state.questions,
            Mode::New { ephemeral: private },
            state.settings.defer_after,
            job,
        )
        .await?;
    Ok(())
}

async fn source_ids(ctx: Context<'_>, partial: &str) -> CreateAutocompleteResponse {
    let engine = ctx.data().library.engine();
    let partial = partial.trim().to_lowercase();
    let choices = engine
        .index()
        .catalog
        .iter()
        .filter(|s| {
            partial.is_empty()
                || s.id.to_lowercase().contains(&partial)
                || s.title.to_lowercase().contains(&partial)
        })
        .take(limits::AUTOCOMPLETE_CHOICES)
        .map(|s| {
            AutocompleteChoice::new(
                limits::fit(&format!("{} — {}", s.id, s.title), limits::CHOICE_NAME),
                s.id.clone(),
            )
        })
        .collect();
    CreateAutocompleteResponse::new().set_choices(choices)
}

/// Show one source whole, with its citations
#[poise::command(slash_command)]
pub async fn source(
    ctx: Context<'_>,
    #[description = "The source's id (start typing an id or a title)"]
    #[autocomplete = "source_ids"]
    id: String,
) -> Result<(), Error> {
    let engine = ctx.data().library.engine();
    let index = engine.index();
    let reply = match index.source(id.trim()) {
        Some(s) => render::source(s, &index.passages_of(&s.id)?, 0),
        None => Reply::text(format!(
            "There is no source `{}`. `/sources` lists them all.",
            limits::fit(&render::plain(id.trim()), 100)
        )),
    };
    ctx.send(private(&reply, &ctx)).await?;
    Ok(())
}

/// List what is indexed, with passage counts and when it was indexed
#[poise::command(slash_command)]
pub async fn sources(ctx: Context<'_>) -> Result<(), Error> {
    let engine = ctx.data().library.engine();
    ctx.send(private(&render::catalog(engine.index(), 0), &ctx))
        .await?;
    Ok(())
}

/// How to ask attache questions, with examples
#[poise::command(slash_command)]
pub async fn help(ctx: Context<'_>) -> Result<(), Error> {
    let state = ctx.data();
    let reply = render::help(
        state.library.settings().search.max_question_chars,
        !state.settings.answer_channel_ids.is_empty(),
    );
    ctx.send(private(&reply, &ctx)).await?;
    Ok(())
}

/// Moderators: rebuild the index from the sources; answers continue meanwhile
#[poise::command(slash_command, guild_only, default_member_permissions = "MANAGE_GUILD")]
pub async fn reindex(ctx: Context<'_>) -> Result<(), Error> {
    let Context::Application(app) = ctx else {
        return Ok(());
    };
    let state = ctx.data();
    let user = ctx.author();
    // Checked here, when the command runs: Discord's default permissions can be
    // overridden per server, and configured moderator roles need not have Manage Server.
    if !guard::is_moderator(
        app.interaction.member.as_deref(),
        &state.settings.moderator_role_ids,
    ) {
        info!(user = %user.id, name = %user.name, guild = ?ctx.guild_id(), "reindex refused: not a moderator");
        let text = "Only moderators can reindex: members with the Manage Server permission or a moderator role.";
        ctx.send(private(&Reply::text(text), &ctx)).await?;
        return Ok(());
    }
    info!(user = %user.id, name = %user.name, guild = ?ctx.guild_id(), "reindex requested");
    ctx.defer_ephemeral().await?;
    let library = state.library.clone();
    let started = Instant::now();
    let result = tokio::task::spawn_blocking(move || library.reindex(&())).await?;
    let reply = match result {
        Ok(m) => {
            info!(user = %user.id, generation = m.generation, sources = m.sources, passages = m.passages, seconds = started.elapsed().as_secs_f64(), "reindex done");
            render::reindexed(&m)
        }
        Err(ReindexError::Busy) => Reply::text(
            "A reindex is already running; its result will be used by the next answers.",
        ),
        Err(ReindexError::Failed(e)) => {
            warn!(user = %user.id, error = %e, "reindex failed; the previous generation keeps serving");
            render::reindex_failed(
                &e.to_string(),
                state.library.engine().index().manifest.generation,
            )
        }
    };
    ctx.send(private(&reply, &ctx)).await?;
    Ok(())
}
