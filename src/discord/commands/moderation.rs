//! `/unanswered`, `/feedback`, `/reindex`, `/rollback`: what moderators use to keep the
//! answers good.

use std::time::Instant;

use tracing::warn;

use super::{blocking, moderator, reindex_reply, sender, who, Context, Error, PRIVATE};
use crate::app::AppError;
use crate::core::index::IndexError;
use crate::core::lang::Lang;
use crate::discord::views::{feedback as feedback_view, moderation, Reply};
use crate::render::feedback::of;
use crate::render::words::fill;

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
    let _busy = ctx.data().busy();
    if !moderator(&ctx, "see unanswered questions").await? {
        return Ok(());
    }
    let lang = ctx.locale().and_then(Lang::from_locale).unwrap_or_default();
    let reply = match ctx.data().storage.gaps(UNANSWERED_SHOWN).await {
        Ok(gaps) => moderation::unanswered(&gaps),
        Err(_) => Reply::text(of(lang).unavailable),
    };
    sender(&ctx)?.send(PRIVATE, &reply).await?;
    Ok(())
}

/// Moderators: answers voted down, with members' notes, and the helpful share per index generation
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_GUILD",
    description_localized("uk", "Модератори: відповіді, які оцінили як некорисні, з коментарями"),
    description_localized(
        "ru",
        "Модераторы: ответы, отмеченные как бесполезные, с комментариями"
    )
)]
#[tracing::instrument(name = "feedback", skip_all)]
pub async fn feedback(
    ctx: Context<'_>,
    #[description = "Forget every vote so far (the answers stay rateable)"]
    #[description_localized("uk", "Забути всі голоси (відповіді можна оцінювати далі)")]
    #[description_localized("ru", "Забыть все голоса (ответы можно оценивать дальше)")]
    clear: Option<bool>,
) -> Result<(), Error> {
    let _busy = ctx.data().busy();
    if !moderator(&ctx, "see feedback").await? {
        return Ok(());
    }
    let lang = ctx.locale().and_then(Lang::from_locale).unwrap_or_default();
    let storage = &ctx.data().storage;
    let reply = if clear.unwrap_or(false) {
        match storage.clear_feedback().await {
            Ok(n) => {
                tracing::info!(by = %who(ctx.author()), votes = n, "feedback cleared");
                Reply::text(fill(of(lang).cleared, &[("n", &n.to_string())]))
            }
            Err(_) => Reply::text(of(lang).unavailable),
        }
    } else {
        match storage.feedback(feedback_view::SHOWN).await {
            Ok(f) => feedback_view::report(&f, lang),
            Err(_) => Reply::text(of(lang).unavailable),
        }
    };
    sender(&ctx)?.send(PRIVATE, &reply).await?;
    Ok(())
}

/// How many of the most asked unanswered questions `/unanswered` lists: one screen.
const UNANSWERED_SHOWN: usize = 20;

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
    let _busy = ctx.data().busy();
    if !moderator(&ctx, "reindex").await? {
        return Ok(());
    }
    let state = ctx.data();
    let by = who(ctx.author());
    let live = state.live.clone();
    let job = async {
        let started = Instant::now();
        let build_by = by.clone();
        match blocking("reindex", move || live.reindex(&(), &build_by)).await {
            Ok(result) => reindex_reply(state, result, &by, started),
            Err(apology) => apology,
        }
    };
    sender(&ctx)?.send_later(PRIVATE, job).await?;
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
    let _busy = ctx.data().busy();
    if !moderator(&ctx, "roll back the index").await? {
        return Ok(());
    }
    let state = ctx.data();
    let by = who(ctx.author());
    let live = state.live.clone();
    let job = async {
        let rollback_by = by.clone();
        match blocking("rollback", move || live.rollback(&rollback_by)).await {
            Ok(Ok(m)) => moderation::rolled_back(&m),
            Ok(Err(AppError::ReadOnly)) => moderation::read_only(),
            Ok(Err(AppError::Index(IndexError::NoPrevious))) => {
                moderation::no_previous_generation()
            }
            Ok(Err(e)) => {
                warn!(by, error = %e, "rollback failed");
                moderation::rollback_failed(&e.to_string())
            }
            Err(apology) => apology,
        }
    };
    sender(&ctx)?.send_later(PRIVATE, job).await?;
    Ok(())
}
