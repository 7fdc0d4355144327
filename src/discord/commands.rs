//! The slash commands. Each is a thin wrapper: the first `///` line is the description
//! Discord shows; the work is in the engine, the views ([`super::views`]) and the one
//! way a reply leaves ([`super::send`]).

use std::time::Instant;

use serenity::all::{AutocompleteChoice, CreateAutocompleteResponse};
use tracing::{info, warn};

use super::guard;
use super::send::{Mode, Sender};
use super::state::{question_text, State, Via};
use super::views::{answer, help as help_view, moderation, sources as sources_view, Reply};
use super::{limits, Context, Data, Error};
use crate::app::AppError;
use crate::core::index::{IndexError, Manifest};
use crate::core::lang::Lang;

/// Replies to moderators and to source lookups are private: only the member who asked
/// sees them.
const PRIVATE: Mode = Mode::New { ephemeral: true };

pub fn all() -> Vec<poise::Command<Data, Error>> {
    vec![
        ask(),
        source(),
        sources(),
        help(),
        unanswered(),
        reindex(),
        rollback(),
    ]
}

/// The sender for a command's replies (slash commands only; this bot has no others).
fn sender<'a>(ctx: &Context<'a>) -> Result<Sender<'a>, Error> {
    Sender::command(ctx).ok_or_else(|| anyhow::anyhow!("not a slash command"))
}

/// Ask a question about the sources; the answer cites where it comes from
#[poise::command(
    slash_command,
    description_localized("uk", "Запитання про джерела; відповідь показує, звідки вона"),
    description_localized("ru", "Вопрос об источниках; ответ показывает, откуда он")
)]
#[tracing::instrument(name = "ask", skip_all, fields(private))]
pub async fn ask(
    ctx: Context<'_>,
    #[description = "Your question, in plain words"]
    #[description_localized("uk", "Ваше запитання, звичайними словами")]
    #[description_localized("ru", "Ваш вопрос, обычными словами")]
    question: String,
    #[description = "Show the answer only to you"]
    #[description_localized("uk", "Показати відповідь лише вам")]
    #[description_localized("ru", "Показать ответ только вам")]
    private: Option<bool>,
) -> Result<(), Error> {
    tracing::Span::current().record("private", private.unwrap_or(false));
    let state = ctx.data();
    let sender = sender(&ctx)?;
    let typed = question;
    let question = question_text(&typed);
    let lang = Lang::for_reply(&question, ctx.locale());
    if let Err(refusal) = state.admit(ctx.author().id, &typed, &question, Via::Slash) {
        sender.send(PRIVATE, &Reply::text(refusal.text(lang))).await?;
        return Ok(());
    }
    let job = state.reply(question, 0, Via::Slash, lang, |r, lang| {
        answer::answer(r, 0, lang)
    });
    let mode = Mode::New {
        ephemeral: private.unwrap_or(false),
    };
    sender
        .send_when_ready(mode, state.settings.defer_after, job)
        .await?;
    Ok(())
}

async fn source_ids(ctx: Context<'_>, partial: &str) -> CreateAutocompleteResponse {
    let engine = ctx.data().live.engine();
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

/// Read one source whole; moderators add or remove sources
#[poise::command(
    slash_command,
    description_localized(
        "uk",
        "Прочитати джерело повністю; модератори додають і вилучають джерела"
    ),
    description_localized(
        "ru",
        "Прочитать источник целиком; модераторы добавляют и удаляют источники"
    ),
    subcommands("show", "add", "remove"),
    subcommand_required
)]
pub async fn source(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Show one source whole, with its citations
#[poise::command(
    slash_command,
    description_localized("uk", "Показати джерело повністю, з посиланнями"),
    description_localized("ru", "Показать источник целиком, со ссылками")
)]
#[tracing::instrument(name = "source_show", skip_all)]
pub async fn show(
    ctx: Context<'_>,
    #[description = "The source's id (start typing an id or a title)"]
    #[description_localized("uk", "Ідентифікатор джерела (почніть вводити id чи назву)")]
    #[description_localized("ru", "Идентификатор источника (начните вводить id или название)")]
    #[autocomplete = "source_ids"]
    id: String,
) -> Result<(), Error> {
    let engine = ctx.data().live.engine();
    let index = engine.index();
    let reply = match index.source(id.trim()) {
        Some(s) => sources_view::source(s, &index.passages_of(&s.id)?, 0),
        None => sources_view::no_such_source(id.trim()),
    };
    sender(&ctx)?.send(PRIVATE, &reply).await?;
    Ok(())
}

/// Moderators: add or replace a source file (.md document or .toml records) and reindex
#[poise::command(
    slash_command,
    guild_only,
    description_localized(
        "uk",
        "Модератори: додати чи замінити файл джерела (.md або .toml) і переіндексувати"
    ),
    description_localized(
        "ru",
        "Модераторы: добавить или заменить файл источника (.md или .toml) и переиндексировать"
    )
)]
#[tracing::instrument(name = "source_add", skip_all)]
pub async fn add(
    ctx: Context<'_>,
    #[description = "A document (.md) or records file (.toml) in the corpus format"]
    #[description_localized("uk", "Документ (.md) або файл записів (.toml) у форматі корпусу")]
    #[description_localized("ru", "Документ (.md) или файл записей (.toml) в формате корпуса")]
    file: serenity::all::Attachment,
) -> Result<(), Error> {
    if !moderator(&ctx, "add sources").await? {
        return Ok(());
    }
    let state = ctx.data();
    let sender = sender(&ctx)?;
    let by = who(ctx.author());
    let max = state.live.settings().index.max_upload_bytes;
    // Refused before downloading anything: the size Discord reports, and the name.
    if file.size as usize > max {
        let reply = moderation::upload_too_large(&file.filename, file.size.into(), max);
        sender.send(PRIVATE, &reply).await?;
        return Ok(());
    }
    if let Err(e) = crate::core::corpus::manage::safe_name(&file.filename) {
        let reply = moderation::upload_refused(&e.to_string());
        sender.send(PRIVATE, &reply).await?;
        return Ok(());
    }
    let job = async {
        let bytes = match file.download().await {
            Ok(b) => b,
            Err(e) => {
                warn!(by, error = %e, "could not download an uploaded source");
                return moderation::download_failed();
            }
        };
        info!(by, file = %file.filename, bytes = bytes.len(), "source upload");
        let live = state.live.clone();
        let (name, add_by) = (file.filename.clone(), by.clone());
        let started = Instant::now();
        match tokio::task::spawn_blocking(move || live.add_source(&name, &bytes, &add_by)).await {
            Ok(Ok((path, m))) => {
                info!(by, path = %path.display(), "source added");
                moderation::added(&file.filename, &m)
            }
            Ok(Err(AppError::Manage(e))) => moderation::reindex_failed(
                &format!("{}: {e}", file.filename),
                state.live.engine().index().manifest.generation,
            ),
            Ok(Err(e)) => reindex_reply(state, Err(e), &by, started),
            Err(e) => {
                warn!(error = %e, "source upload task failed");
                Reply::text(guard::Refusal::Failed.to_string())
            }
        }
    };
    sender
        .send_when_ready(PRIVATE, state.settings.defer_after, job)
        .await?;
    Ok(())
}

/// Moderators: remove a source (asks to confirm) and reindex
#[poise::command(
    slash_command,
    guild_only,
    description_localized(
        "uk",
        "Модератори: вилучити джерело (з підтвердженням) і переіндексувати"
    ),
    description_localized(
        "ru",
        "Модераторы: удалить источник (с подтверждением) и переиндексировать"
    )
)]
#[tracing::instrument(name = "source_remove", skip_all)]
pub async fn remove(
    ctx: Context<'_>,
    #[description = "The source's id (start typing an id or a title)"]
    #[description_localized("uk", "Ідентифікатор джерела (почніть вводити id чи назву)")]
    #[description_localized("ru", "Идентификатор источника (начните вводить id или название)")]
    #[autocomplete = "source_ids"]
    id: String,
) -> Result<(), Error> {
    if !moderator(&ctx, "remove sources").await? {
        return Ok(());
    }
    let engine = ctx.data().live.engine();
    let reply = match engine.index().source(id.trim()) {
        Some(s) => moderation::confirm_removal(s),
        None => moderation::no_such_source(id.trim()),
    };
    sender(&ctx)?.send(PRIVATE, &reply).await?;
    Ok(())
}

/// List what is indexed, with passage counts and when it was indexed
#[poise::command(
    slash_command,
    description_localized("uk", "Що проіндексовано: джерела, кількість уривків і коли"),
    description_localized("ru", "Что проиндексировано: источники, число отрывков и когда")
)]
#[tracing::instrument(name = "sources", skip_all)]
pub async fn sources(ctx: Context<'_>) -> Result<(), Error> {
    let engine = ctx.data().live.engine();
    let reply = sources_view::catalog(engine.index(), 0);
    sender(&ctx)?.send(PRIVATE, &reply).await?;
    Ok(())
}

/// How to ask attache questions, with examples
#[poise::command(
    slash_command,
    description_localized("uk", "Як ставити attache запитання, з прикладами"),
    description_localized("ru", "Как задавать attache вопросы, с примерами")
)]
#[tracing::instrument(name = "help", skip_all)]
pub async fn help(ctx: Context<'_>) -> Result<(), Error> {
    let state = ctx.data();
    let reply = help_view::help(
        state.live.settings().search.max_question_chars,
        !state.settings.answer_channel_ids.is_empty(),
        ctx.locale().and_then(Lang::from_locale).unwrap_or_default(),
    );
    sender(&ctx)?.send(PRIVATE, &reply).await?;
    Ok(())
}

/// Moderators: the most asked recent questions that found nothing
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_GUILD",
    description_localized(
        "uk",
        "Модератори: найчастіші недавні запитання, на які нічого не знайшлося"
    ),
    description_localized(
        "ru",
        "Модераторы: самые частые недавние вопросы, на которые ничего не нашлось"
    )
)]
#[tracing::instrument(name = "unanswered", skip_all)]
pub async fn unanswered(ctx: Context<'_>) -> Result<(), Error> {
    if !moderator(&ctx, "see unanswered questions").await? {
        return Ok(());
    }
    let reply = moderation::unanswered(&ctx.data().gaps.top(UNANSWERED_SHOWN));
    sender(&ctx)?.send(PRIVATE, &reply).await?;
    Ok(())
}

/// How many of the most asked unanswered questions `/unanswered` lists: one screen.
const UNANSWERED_SHOWN: usize = 20;

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
        .send(PRIVATE, &moderation::not_a_moderator(what))
        .await?;
    Ok(false)
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
            moderation::reindexed(&m)
        }
        Err(AppError::Index(IndexError::Busy { status })) => {
            moderation::reindex_running(status.as_ref())
        }
        Err(e) => {
            warn!(by, error = %e, "reindex failed; the previous generation keeps serving");
            moderation::reindex_failed(
                &e.to_string(),
                state.live.engine().index().manifest.generation,
            )
        }
    }
}

/// Moderators: rebuild the index from the sources; answers continue meanwhile
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_GUILD",
    description_localized(
        "uk",
        "Модератори: перебудувати індекс із джерел; відповіді тим часом тривають"
    ),
    description_localized(
        "ru",
        "Модераторы: перестроить индекс из источников; ответы тем временем продолжаются"
    )
)]
#[tracing::instrument(name = "reindex", skip_all)]
pub async fn reindex(ctx: Context<'_>) -> Result<(), Error> {
    if !moderator(&ctx, "reindex").await? {
        return Ok(());
    }
    let state = ctx.data();
    let by = who(ctx.author());
    let live = state.live.clone();
    let job = async {
        let started = Instant::now();
        let build_by = by.clone();
        match tokio::task::spawn_blocking(move || live.reindex(&(), &build_by)).await {
            Ok(result) => reindex_reply(state, result, &by, started),
            Err(e) => {
                warn!(error = %e, "reindex task failed");
                Reply::text(guard::Refusal::Failed.to_string())
            }
        }
    };
    sender(&ctx)?
        .send_when_ready(PRIVATE, state.settings.defer_after, job)
        .await?;
    Ok(())
}

/// Moderators: go back to the previous index generation
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_GUILD",
    description_localized("uk", "Модератори: повернутися до попереднього покоління індексу"),
    description_localized("ru", "Модераторы: вернуться к предыдущему поколению индекса")
)]
#[tracing::instrument(name = "rollback", skip_all)]
pub async fn rollback(ctx: Context<'_>) -> Result<(), Error> {
    if !moderator(&ctx, "roll back the index").await? {
        return Ok(());
    }
    let state = ctx.data();
    let by = who(ctx.author());
    let live = state.live.clone();
    let job = async {
        let rollback_by = by.clone();
        match tokio::task::spawn_blocking(move || live.rollback(&rollback_by)).await {
            Ok(Ok(m)) => moderation::rolled_back(&m),
            Ok(Err(AppError::Index(IndexError::NoPrevious))) => {
                moderation::no_previous_generation()
            }
            Ok(Err(e)) => {
                warn!(by, error = %e, "rollback failed");
                moderation::rollback_failed(&e.to_string())
            }
            Err(e) => {
                warn!(error = %e, "rollback task failed");
                Reply::text(guard::Refusal::Failed.to_string())
            }
        }
    };
    sender(&ctx)?
        .send_when_ready(PRIVATE, state.settings.defer_after, job)
        .await?;
    Ok(())
}
