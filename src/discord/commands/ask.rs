//! `/ask` and `/help`: what every member uses.

use super::{sender, Context, Error, PRIVATE};
use crate::core::lang::Lang;
use crate::discord::send::Mode;
use crate::discord::state::{Asked, Via};
use crate::discord::views::{answer, help as help_view, Reply};
use crate::render::words;

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
    let _busy = ctx.data().busy();
    tracing::Span::current().record("private", private.unwrap_or(false));
    let state = ctx.data();
    let sender = sender(&ctx)?;
    let asked = Asked::new(ctx.author().id, &question, Via::Slash, ctx.locale());
    let mode = Mode::New {
        ephemeral: private.unwrap_or(false),
    };
    state
        .answer(&sender, asked, mode, PRIVATE, answer::answer_with)
        .await?;
    Ok(())
}

/// Right-click a message, Apps, "Ask attache": its text is the question. The answer is
/// public, names the message it answers (a link, no ping), and is held to the same
/// cooldown, limits and refusals as `/ask`.
#[poise::command(
    context_menu_command = "Ask attache",
    name_localized("uk", "Запитати attache"),
    name_localized("ru", "Спросить attache")
)]
#[tracing::instrument(name = "ask_about_message", skip_all)]
pub async fn ask_about(ctx: Context<'_>, message: serenity::all::Message) -> Result<(), Error> {
    let _busy = ctx.data().busy();
    let state = ctx.data();
    let sender = sender(&ctx)?;
    let asked = Asked::new(
        ctx.author().id,
        &message.content,
        Via::MessageMenu,
        ctx.locale(),
    );
    if asked.question.is_empty() {
        let w = words::of(asked.lang);
        sender.send(PRIVATE, &Reply::text(w.no_text_to_ask)).await?;
        return Ok(());
    }
    let link = message.id.link(message.channel_id, ctx.guild_id());
    let public = Mode::New { ephemeral: false };
    state
        .answer(&sender, asked, public, PRIVATE, move |r, lang, actions| {
            let mut reply = answer::answer_with(r, lang, actions);
            reply.content = Some(format!(
                "-# {}",
                words::fill(words::of(lang).answer_to_message, &[("link", &link)])
            ));
            reply
        })
        .await?;
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
    let _busy = ctx.data().busy();
    let state = ctx.data();
    let reply = help_view::help(
        state.live.settings().search.max_question_chars,
        !state.settings.answer_channel_ids.is_empty(),
        ctx.locale().and_then(Lang::from_locale).unwrap_or_default(),
    );
    sender(&ctx)?.send(PRIVATE, &reply).await?;
    Ok(())
}
