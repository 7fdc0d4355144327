//! `/timeline [topic] [from] [to]`: the talks as a picture drawn from the dated records
//! of the index being served. Held to the question cooldown; drawn on a blocking thread,
//! one picture at a time and outside the question slots, so questions are answered
//! meanwhile ([`State::draw_turn`](crate::discord::state::State::draw_turn)); a picture already
//! drawn for the same generation, topic, range and language is sent again as it is.

use std::sync::Arc;
use std::time::Instant;

use tracing::{info, warn};

use super::{sender, Context, Error, PRIVATE};
use crate::core::lang::Lang;
use crate::core::timeline::{self, when, Topic};
use crate::discord::guard::Refusal;
use crate::discord::limits::{self, fit};
use crate::discord::send::Mode;
use crate::discord::views::text::plain;
use crate::discord::views::timeline::{self as view, Drawn};
use crate::discord::views::Reply;
use crate::render::timeline::{self as picture, reply_words, Asked};
use crate::render::words::fill;

/// What the picture shows.
#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum TopicChoice {
    #[name = "all"]
    #[name_localized("uk", "усе")]
    #[name_localized("ru", "всё")]
    All,
    #[name = "exchanges"]
    #[name_localized("uk", "обміни")]
    #[name_localized("ru", "обмены")]
    Exchanges,
    #[name = "rounds"]
    #[name_localized("uk", "раунди")]
    #[name_localized("ru", "раунды")]
    Rounds,
    #[name = "children"]
    #[name_localized("uk", "діти")]
    #[name_localized("ru", "дети")]
    Children,
}

impl From<TopicChoice> for Topic {
    fn from(c: TopicChoice) -> Topic {
        match c {
            TopicChoice::All => Topic::All,
            TopicChoice::Exchanges => Topic::Exchanges,
            TopicChoice::Rounds => Topic::Rounds,
            TopicChoice::Children => Topic::Children,
        }
    }
}

/// A typed date is shown back at most this long.
const SHOWN_CHARS: usize = 40;

/// The talks as a timeline picture, drawn from the dated records
#[poise::command(
    slash_command,
    description_localized("uk", "Переговори як часова шкала, за датованими записами"),
    description_localized("ru", "Переговоры как хронология, по датированным записям")
)]
#[tracing::instrument(name = "timeline", skip_all)]
pub async fn timeline(
    ctx: Context<'_>,
    #[description = "What to draw (all by default)"]
    #[description_localized("uk", "Що намалювати (усе, якщо не вказано)")]
    #[description_localized("ru", "Что нарисовать (всё, если не указано)")]
    topic: Option<TopicChoice>,
    #[description = "From: 2025-05, 2025-05-16 or May 2025"]
    #[description_localized("uk", "Від: 2025-05, 2025-05-16 або травень 2025")]
    #[description_localized("ru", "С: 2025-05, 2025-05-16 или май 2025")]
    #[max_length = 40]
    from: Option<String>,
    #[description = "To: 2025-07, 2025-07-23 or July 2025"]
    #[description_localized("uk", "До: 2025-07, 2025-07-23 або липень 2025")]
    #[description_localized("ru", "По: 2025-07, 2025-07-23 или июль 2025")]
    #[max_length = 40]
    to: Option<String>,
    #[description = "Show the picture only to you"]
    #[description_localized("uk", "Показати малюнок лише вам")]
    #[description_localized("ru", "Показать рисунок только вам")]
    private: Option<bool>,
) -> Result<(), Error> {
    let state = ctx.data();
    let _busy = state.busy();
    let sender = sender(&ctx)?;
    let lang = ctx.locale().and_then(Lang::from_locale).unwrap_or_default();
    let w = reply_words(lang);
    let refuse = |text: String| async { sender.send(PRIVATE, &Reply::text(text)).await };
    if state.draining() {
        refuse(Refusal::ShuttingDown.text(lang)).await?;
        return Ok(());
    }
    if let Err(refusal) = state.cooldown(ctx.author().id) {
        refuse(refusal.text(lang)).await?;
        return Ok(());
    }
    let mut range = [None, None];
    for (i, typed) in [&from, &to].into_iter().enumerate() {
        let Some(typed) = typed.as_deref().map(str::trim).filter(|t| !t.is_empty()) else {
            continue;
        };
        match when::bound(typed, i == 1) {
            Some(d) => range[i] = Some(d),
            None => {
                let value = plain(&fit(typed, SHOWN_CHARS));
                refuse(fill(w.bad_date, &[("value", &value)])).await?;
                return Ok(());
            }
        }
    }
    let [from, to] = range;
    let topic = topic.map(Topic::from).unwrap_or(Topic::All);
    let engine = state.live.engine();
    let index = engine.index();
    let (events, _unread) = timeline::events(&index.catalog);
    let chosen = timeline::select(&events, topic, from, to);
    if chosen.is_empty() {
        refuse(w.nothing.to_string()).await?;
        return Ok(());
    }
    let asked = Asked {
        generation: index.manifest.generation,
        topic,
        from,
        to,
        lang,
    };
    let records: Vec<Drawn> = chosen
        .iter()
        .map(|e| Drawn {
            id: &e.id,
            url: index.source(&e.id).and_then(|s| s.url.as_deref()),
        })
        .collect();
    let job = async {
        match drawn(state, asked, chosen.clone()).await {
            Ok(p) => view::timeline(&p, topic, &records, lang),
            Err(refusal) => Reply::text(refusal.text(lang)),
        }
    };
    let mode = Mode::New {
        ephemeral: private.unwrap_or(false),
    };
    sender
        .send_when_ready(mode, state.settings.defer_after, job)
        .await?;
    Ok(())
}

/// The picture `asked` for: kept from before, or drawn now on a blocking thread.
async fn drawn(
    state: &crate::discord::state::State,
    asked: Asked,
    events: Vec<timeline::Event>,
) -> Result<Arc<picture::Picture>, Refusal> {
    if let Some(p) = state.drawings.get(&asked) {
        info!(topic = asked.topic.name(), cached = true, "timeline sent");
        return Ok(p);
    }
    let turn = state.draw_turn().await?;
    // The same picture may have been drawn while this one waited its turn.
    if let Some(p) = state.drawings.get(&asked) {
        info!(topic = asked.topic.name(), cached = true, "timeline sent");
        return Ok(p);
    }
    let started = Instant::now();
    let drawn = tokio::task::spawn_blocking(move || {
        let _turn = turn;
        picture::draw(&events, asked.topic, asked.lang)
    })
    .await;
    let p = match drawn {
        Ok(Ok(p)) if p.png.len() <= limits::UPLOAD_BYTES => Arc::new(p),
        Ok(Ok(p)) => {
            warn!(bytes = p.png.len(), "a timeline too large to upload");
            return Err(Refusal::Failed);
        }
        Ok(Err(e)) => {
            warn!(error = %e, "drawing a timeline failed");
            return Err(Refusal::Failed);
        }
        Err(e) => {
            warn!(error = %e, "the task drawing a timeline failed");
            return Err(Refusal::Failed);
        }
    };
    info!(
        topic = asked.topic.name(),
        cached = false,
        ms = started.elapsed().as_secs_f64() * 1000.0,
        bytes = p.png.len(),
        "timeline drawn"
    );
    state.drawings.keep(asked, p.clone());
    Ok(p)
}
