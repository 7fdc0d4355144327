//! `/source show`, `/sources` (every member) and `/source add` (a file, or a link
//! previewed first), `/source refresh`, `/source remove` (moderators): reading the
//! sources and changing them.

use std::time::Instant;

use serenity::all::{AutocompleteChoice, CreateAutocompleteResponse};
use tracing::{info, warn};

use super::{blocking, may_write, reindex_reply, sender, who, Context, Error, PRIVATE};
use crate::app::{links, AppError};
use crate::discord::guard;
use crate::discord::limits;
use crate::discord::send::Sender;
use crate::discord::views::Reply;
use crate::discord::views::{moderation, sources as sources_view};
use crate::store::Pending;

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
    subcommands("show", "add", "refresh", "remove"),
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
    let _busy = ctx.data().busy();
    let engine = ctx.data().live.engine();
    let index = engine.index();
    let reply = match index.source(id.trim()) {
        Some(s) => sources_view::source(s, &index.passages_of(&s.id)?, 0),
        None => sources_view::no_such_source(id.trim()),
    };
    sender(&ctx)?.send(PRIVATE, &reply).await?;
    Ok(())
}

/// Moderators: add a source from a file (.md or .toml) or a news page's link, and reindex
#[poise::command(
    slash_command,
    guild_only,
    description_localized(
        "uk",
        "Модератори: додати джерело з файлу (.md або .toml) чи за посиланням і переіндексувати"
    ),
    description_localized(
        "ru",
        "Модераторы: добавить источник из файла (.md или .toml) или по ссылке и переиндексировать"
    )
)]
#[tracing::instrument(name = "source_add", skip_all)]
pub async fn add(
    ctx: Context<'_>,
    #[description = "A document (.md) or records file (.toml) in the corpus format"]
    #[description_localized("uk", "Документ (.md) або файл записів (.toml) у форматі корпусу")]
    #[description_localized("ru", "Документ (.md) или файл записей (.toml) в формате корпуса")]
    file: Option<serenity::all::Attachment>,
    #[description = "A news page's address (http or https): you see what was read first"]
    #[description_localized(
        "uk",
        "Адреса сторінки новин (http чи https): спершу побачите прочитане"
    )]
    #[description_localized(
        "ru",
        "Адрес страницы новостей (http или https): сначала увидите прочитанное"
    )]
    #[max_length = 2000]
    url: Option<String>,
) -> Result<(), Error> {
    let _busy = ctx.data().busy();
    let sender = sender(&ctx)?;
    let file = match (file, url) {
        (Some(file), None) => file,
        (None, Some(url)) => {
            if !may_write(&ctx, "add sources").await? {
                return Ok(());
            }
            return add_link(ctx, &sender, url).await;
        }
        _ => {
            let reply = moderation::upload_refused(
                "Give either a file or a url, one of the two, to /source add.",
            );
            sender.send(PRIVATE, &reply).await?;
            return Ok(());
        }
    };
    if !may_write(&ctx, "add sources").await? {
        return Ok(());
    }
    let state = ctx.data();
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
        match blocking("source upload", move || {
            live.add_source(&name, &bytes, &add_by)
        })
        .await
        {
            Ok(Ok((path, m))) => {
                info!(by, path = %path.display(), "source added");
                moderation::added(&file.filename, &m)
            }
            Ok(Err(AppError::Manage(e))) => moderation::reindex_failed(
                &format!("{}: {e}", file.filename),
                state.live.engine().index().manifest.generation,
            ),
            Ok(Err(e)) => reindex_reply(state, Err(e), &by, started),
            Err(apology) => apology,
        }
    };
    // Downloading and rebuilding take a while: say so at once.
    sender.send_later(PRIVATE, job).await?;
    Ok(())
}

/// `/source add url:`: read the page and show what was read, with Add and Cancel; the
/// document waits in the storage under the buttons' key.
async fn add_link(ctx: Context<'_>, sender: &Sender<'_>, link: String) -> Result<(), Error> {
    let state = ctx.data();
    let by = who(ctx.author());
    let job = async {
        let fetcher = match state.fetcher() {
            Ok(f) => f,
            Err(e) => return moderation::page_refused(e),
        };
        let preview = match links::preview(&state.live, fetcher, &link).await {
            Ok(p) => p,
            Err(e) => {
                info!(by, link = %link, error = %e, "a link was refused");
                return moderation::page_refused(&e.to_string());
            }
        };
        let key = match crate::store::voter::new_secret() {
            Ok(secret) => secret[..16].to_string(),
            Err(e) => {
                warn!(error = %e, "no random key for a preview");
                return Reply::text(guard::Refusal::Failed.to_string());
            }
        };
        let pending = Pending {
            link: preview.url.clone(),
            doc_id: preview.document.id.clone(),
            filename: preview.document.filename.clone(),
            document: preview.document.text.clone(),
        };
        if let Err(e) = state.storage.put_pending(&key, &pending).await {
            warn!(error = %e, "a preview could not be kept");
            return Reply::text(crate::render::feedback::of(Default::default()).unavailable);
        }
        info!(by, url = %preview.url, id = %preview.document.id, passages = preview.passages, "link previewed");
        moderation::page_preview(&preview, &key)
    };
    // Fetching takes a while: say so at once.
    sender.send_later(PRIVATE, job).await?;
    Ok(())
}

/// Moderators: fetch a source added from a link again, and reindex if it changed
#[poise::command(
    slash_command,
    guild_only,
    description_localized(
        "uk",
        "Модератори: знову завантажити джерело з посилання і переіндексувати, якщо змінилося"
    ),
    description_localized(
        "ru",
        "Модераторы: снова загрузить источник по ссылке и переиндексировать, если изменился"
    )
)]
#[tracing::instrument(name = "source_refresh", skip_all)]
pub async fn refresh(
    ctx: Context<'_>,
    #[description = "The source's id (start typing an id or a title)"]
    #[description_localized("uk", "Ідентифікатор джерела (почніть вводити id чи назву)")]
    #[description_localized("ru", "Идентификатор источника (начните вводить id или название)")]
    #[autocomplete = "source_ids"]
    id: String,
) -> Result<(), Error> {
    let _busy = ctx.data().busy();
    if !may_write(&ctx, "refresh sources").await? {
        return Ok(());
    }
    let state = ctx.data();
    let sender = sender(&ctx)?;
    let by = who(ctx.author());
    let id = id.trim().to_string();
    let job = async {
        let fetcher = match state.fetcher() {
            Ok(f) => f,
            Err(e) => return moderation::page_refused(e),
        };
        let started = Instant::now();
        match links::refresh(state.live.clone(), fetcher, &id, &by).await {
            Ok(r) => moderation::refreshed(&r),
            Err(links::LinkError::App(e)) => reindex_reply(state, Err(e), &by, started),
            Err(e) => {
                info!(by, id, error = %e, "a refresh was refused");
                Reply::text(format!(
                    "I did not refresh `{}`: {}.",
                    crate::discord::views::text::plain(&id),
                    crate::discord::views::text::plain(&e.to_string())
                ))
            }
        }
    };
    sender.send_later(PRIVATE, job).await?;
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
    let _busy = ctx.data().busy();
    if !may_write(&ctx, "remove sources").await? {
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
    let _busy = ctx.data().busy();
    let engine = ctx.data().live.engine();
    let reply = sources_view::catalog(engine.index(), 0);
    sender(&ctx)?.send(PRIVATE, &reply).await?;
    Ok(())
}
