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
use crate::app::AppError;
use crate::core::index::{IndexError, Manifest};
use crate::core::lang::Lang;

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
#[poise::command(
    slash_command,
    description_localized("uk", "Запитання про джерела; відповідь показує, звідки вона"),
    description_localized("ru", "Вопрос об источниках; ответ показывает, откуда он")
)]
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
    let Context::Application(app) = ctx else {
        return Ok(());
    };
    let state = ctx.data();
    let target = Target::Command(app.interaction);
    let http = &ctx.serenity_context().http;
    let typed = question;
    let question = super::question_text(&typed);
    let lang = Lang::for_reply(&question, ctx.locale());
    if let Err(refusal) = state.admit(ctx.author().id, &typed, &question, Via::Slash) {
        target
            .send(
                http,
                &state.questions,
                Mode::New { ephemeral: true },
                &Reply::text(refusal.text(lang)),
            )
            .await?;
        return Ok(());
    }
    let private = private.unwrap_or(false);
    let job = state.reply(question, 0, Via::Slash, lang, |r, lang| {
        render::answer(r, 0, lang)
    });
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
pub async fn show(
    ctx: Context<'_>,
    #[description = "The source's id (start typing an id or a title)"]
    #[description_localized("uk", "Ідентифікатор джерела (почніть вводити id чи назву)")]
    #[description_localized("ru", "Идентификатор источника (начните вводить id или название)")]
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
    let by = who(ctx.author());
    let max = state.library.settings().index.max_upload_bytes;
    // Refused before downloading anything: the size Discord reports, and the name.
    if file.size as usize > max {
        let text = format!(
            "`{}` is {} KB; sources may be up to {} KB.",
            render::plain(&file.filename),
            file.size / 1024,
            max / 1024
        );
        ctx.send(private(&Reply::text(text), &ctx)).await?;
        return Ok(());
    }
    if let Err(e) = crate::core::corpus::manage::safe_name(&file.filename) {
        ctx.send(private(&Reply::text(render::plain(&e.to_string())), &ctx))
            .await?;
        return Ok(());
    }
    ctx.defer_ephemeral().await?;
    let bytes = match file.download().await {
        Ok(b) => b,
        Err(e) => {
            warn!(by, error = %e, "could not download an uploaded source");
            ctx.send(private(
                &Reply::text("I could not download that file from Discord; please try again."),
                &ctx,
            ))
            .await?;
            return Ok(());
        }
    };
    info!(by, file = %file.filename, bytes = bytes.len(), "source upload");
    let library = state.library.clone();
    let (name, add_by) = (file.filename.clone(), by.clone());
    let started = Instant::now();
    let result =
        tokio::task::spawn_blocking(move || library.add_source(&name, &bytes, &add_by)).await?;
    let reply = match result {
        Ok((path, m)) => {
            info!(by, path = %path.display(), "source added");
            render::source_changed(&format!("Added `{}`.", render::plain(&file.filename)), &m)
        }
        Err(AppError::Manage(e)) => render::reindex_failed(
            &format!("{}: {e}", file.filename),
            state.library.engine().index().manifest.generation,
        ),
        Err(e) => reindex_reply(state, Err(e), &by, started),
    };
    ctx.send(private(&reply, &ctx)).await?;
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
    let engine = ctx.data().library.engine();
    let reply = match engine.index().source(id.trim()) {
        Some(s) => render::confirm_removal(s),
        None => Reply::text(format!(
            "There is no source `{}`.",
            limits::fit(&render::plain(id.trim()), 100)
        )),
    };
    ctx.send(private(&reply, &ctx)).await?;
    Ok(())
}

/// List what is indexed, with passage counts and when it was indexed
#[poise::command(
    slash_command,
    description_localized("uk", "Що проіндексовано: джерела, кількість уривків і коли"),
    description_localized("ru", "Что проиндексировано: источники, число отрывков и когда")
)]
pub async fn sources(ctx: Context<'_>) -> Result<(), Error> {
    let engine = ctx.data().library.engine();
    ctx.send(private(&render::catalog(engine.index(), 0), &ctx))
        .await?;
    Ok(())
}

/// How to ask attache questions, with examples
#[poise::command(
    slash_command,
    description_localized("uk", "Як ставити attache запитання, з прикладами"),
    description_localized("ru", "Как задавать attache вопросы, с примерами")
)]
pub async fn help(ctx: Context<'_>) -> Result<(), Error> {
    let state = ctx.data();
    let reply = render::help(
        state.library.settings().search.max_question_chars,
        !state.settings.answer_channel_ids.is_empty(),
        ctx.locale().and_then(Lang::from_locale).unwrap_or_default(),
    );
    ctx.send(private(&reply, &ctx)).await?;
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
pub async fn unanswered(ctx: Context<'_>) -> Result<(), Error> {
    if !moderator(&ctx, "see unanswered questions").await? {
        return Ok(());
    }
    let reply = render::unanswered(&ctx.data().gaps.top(20));
    ctx.send(private(&reply, &ctx)).await?;
    Ok(())
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
    let text = format!("Only moderators can {what}: members with the Manage Server permission or a moderator role.");
    ctx.send(private(&Reply::text(text), ctx)).await?;
    Ok(false)
}

/// Who did something, for logs and the build status: "name (id)".
pub(super) fn who(user: &serenity::all::User) -> String {
    format!("{} ({})", user.name, user.id)
}

/// What a moderator sees after a reindex or a change of sources.
pub(super) fn reindex_reply(
    state: &super::State,
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
            render::reindexed(&m)
        }
        Err(AppError::Index(IndexError::Busy { status })) => {
            let what = status.map_or_else(|| "just starting".to_string(), |s| s.to_string());
            Reply::text(format!(
                "A reindex is already running ({what}). Its result will answer the next questions."
            ))
        }
        Err(e) => {
            warn!(by, error = %e, "reindex failed; the previous generation keeps serving");
            render::reindex_failed(
                &e.to_string(),
                state.library.engine().index().manifest.generation,
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
pub async fn reindex(ctx: Context<'_>) -> Result<(), Error> {
    if !moderator(&ctx, "reindex").await? {
        return Ok(());
    }
    let state = ctx.data();
    let by = who(ctx.author());
    ctx.defer_ephemeral().await?;
    let library = state.library.clone();
    let started = Instant::now();
    let build_by = by.clone();
    let result = tokio::task::spawn_blocking(move || library.reindex(&(), &build_by)).await?;
    let reply = reindex_reply(state, result, &by, started);
    ctx.send(private(&reply, &ctx)).await?;
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
pub async fn rollback(ctx: Context<'_>) -> Result<(), Error> {
    if !moderator(&ctx, "roll back the index").await? {
        return Ok(());
    }
    let by = who(ctx.author());
    ctx.defer_ephemeral().await?;
    let library = ctx.data().library.clone();
    let rollback_by = by.clone();
    let result = tokio::task::spawn_blocking(move || library.rollback(&rollback_by)).await?;
    let reply = match result {
        Ok(m) => render::rolled_back(&m),
        Err(AppError::Index(IndexError::NoPrevious)) => {
            Reply::text("There is no previous index generation to go back to.")
        }
        Err(e) => {
            warn!(by, error = %e, "rollback failed");
            Reply::text(format!(
                "Rollback failed, nothing changed: {}",
                render::plain(&e.to_string())
            ))
        }
    };
    ctx.send(private(&reply, &ctx)).await?;
    Ok(())
}
