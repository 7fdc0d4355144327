//! What every handler shares ([`State`]) and the path of one question through it: admitted
//! (not shutting down, not too long, cooldown over), answered on a blocking thread while
//! holding one of the concurrency slots, counted, logged, and rendered in the asker's
//! language.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use serenity::all::UserId;
use tokio::sync::{Notify, Semaphore};
use tracing::{info, warn};

use super::buttons::QuestionStore;
use super::guard::{Cooldowns, Refusal};
use super::send::{Mode, Sender};
use super::views::{Button, Reply};
use crate::app::health::Health;
use crate::app::metrics::Metrics;
use crate::app::LiveEngine;
use crate::config::DiscordSettings;
use crate::core::lang::Lang;
use crate::core::search::{AskError, Response};
use crate::render::timeline::Drawings;
use crate::store::{AnswerRecord, Storage, Voter};

/// Questions too long to ride in a button's custom id kept in memory in front of the
/// storage: about a day of a busy server's long questions, a few MB at most.
const REMEMBERED_QUESTIONS: usize = 10_000;

/// The question in what a member typed: Discord mention syntax (`<@id>`, `<@&id>`,
/// `<#id>`, `@everyone`, `@here`) is addressing, not content, so it is left out of the
/// search (and so never echoed); whitespace is collapsed.
pub fn question_text(raw: &str) -> String {
    static MENTION: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"<(?:@[!&]?|#)\d+>|(?:^|\s)@(?:everyone|here)\b")
            .expect("mention pattern")
    });
    MENTION
        .replace_all(raw, " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Everything the handlers share.
pub struct State {
    pub live: Arc<LiveEngine>,
    pub settings: DiscordSettings,
    /// Set from READY; messages that mention this user are questions.
    pub bot_id: OnceLock<UserId>,
    pub questions: QuestionStore,
    cooldowns: Cooldowns,
    /// One permit per question being answered.
    slots: Arc<Semaphore>,
    draining: AtomicBool,
    /// Votes, `/unanswered`, answered forum posts, long questions.
    pub storage: Arc<Storage>,
    /// Who voted, as the storage keeps it; `None` when no voter secret could be kept
    /// (votes are then refused as unavailable).
    pub voter: Option<Voter>,
    /// Members voting many times a second wait as they would between questions.
    vote_cooldowns: Cooldowns,
    /// One member's votes are written in the order they were clicked.
    pub vote_order: VoteOrder,
    /// `/timeline` pictures already drawn.
    pub drawings: Drawings,
    /// The one HTTP client of `/source add url:` and `/source refresh`, made on first use
    /// ([`State::fetcher`]).
    fetcher: OnceLock<Result<crate::core::web::Fetcher, String>>,
    /// One picture drawn at a time ([`State::draw_turn`]).
    draws: Arc<Semaphore>,
    pub metrics: Arc<Metrics>,
    health: Arc<Health>,
    /// Whether a READY was seen: later ones are reconnections.
    seen_ready: AtomicBool,
    /// Handlers at work (a question from its arrival to its reply sent), so shutdown
    /// waits for replies, not only for searches.
    handlers: Arc<Handlers>,
}

#[derive(Default)]
struct Handlers {
    count: AtomicUsize,
    idle: Notify,
}

/// Held by a handler while it works; see [`State::busy`].
pub struct Busy(Arc<Handlers>);

impl Drop for Busy {
    fn drop(&mut self) {
        if self.0.count.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

/// How long a picture waits for its turn to be drawn before it is refused as busy.
const DRAW_WAIT: Duration = Duration::from_secs(10);

/// Keeps one member's votes in the order they clicked: a 👎 is written in the
/// background (its box must open at once), so a 👍 clicked right after it must wait for
/// it, or the earlier vote would land last and count. Members share a few locks by a
/// hash of who they are, so the table never grows.
#[derive(Clone)]
pub struct VoteOrder(Arc<[Arc<tokio::sync::Mutex<()>>]>);

impl Default for VoteOrder {
    fn default() -> Self {
        VoteOrder((0..64).map(|_| Arc::default()).collect())
    }
}

impl VoteOrder {
    /// Held while `voter`'s vote is written; taken in the order clicks are handled.
    pub async fn turn(&self, voter: &str) -> tokio::sync::OwnedMutexGuard<()> {
        use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
        let hash = BuildHasherDefault::<DefaultHasher>::default().hash_one(voter);
        self.0[hash as usize % self.0.len()]
            .clone()
            .lock_owned()
            .await
    }
}

/// A new question as a member asked it.
pub struct Asked<'a> {
    pub user: UserId,
    /// What they typed, mentions and all (the length check counts it).
    pub typed: &'a str,
    /// The question in it ([`question_text`]).
    pub question: String,
    pub via: Via,
    /// The language the reply is in.
    pub lang: Lang,
}

impl<'a> Asked<'a> {
    /// What `user` typed, asked `via`: the question in it ([`question_text`]) and the
    /// language of the reply (the question's own, else `locale`'s; see
    /// [`Lang::for_reply`]).
    pub fn new(user: UserId, typed: &'a str, via: Via, locale: Option<&str>) -> Asked<'a> {
        let question = question_text(typed);
        let lang = Lang::for_reply(&question, locale);
        Asked {
            user,
            typed,
            question,
            via,
            lang,
        }
    }
}

/// How a question arrived, for the logs.
#[derive(Debug, Clone, Copy)]
pub enum Via {
    Slash,
    Mention,
    DirectMessage,
    Channel,
    Button,
    /// "Ask attache" from a message's menu.
    MessageMenu,
    /// A new post in a forum channel.
    Forum,
}

impl Via {
    /// The `via` label of the questions metric.
    pub fn label(self) -> &'static str {
        match self {
            Via::Slash => "slash",
            Via::Mention => "mention",
            Via::DirectMessage => "dm",
            Via::Channel => "channel",
            Via::Button => "button",
            Via::MessageMenu => "message_menu",
            Via::Forum => "forum",
        }
    }
}

impl State {
    pub fn new(live: Arc<LiveEngine>, health: Arc<Health>, storage: Arc<Storage>) -> State {
        let settings = live.settings().discord.clone();
        State {
            cooldowns: Cooldowns::new(settings.cooldown),
            vote_cooldowns: Cooldowns::new(settings.cooldown),
            vote_order: VoteOrder::default(),
            drawings: Drawings::default(),
            fetcher: OnceLock::new(),
            draws: Arc::new(Semaphore::new(1)),
            slots: Arc::new(Semaphore::new(settings.max_concurrent)),
            questions: QuestionStore::new(REMEMBERED_QUESTIONS, Some(storage.clone())),
            bot_id: OnceLock::new(),
            draining: AtomicBool::new(false),
            voter: live.settings().storage.voter_secret.clone().map(Voter::new),
            storage,
            metrics: live.metrics().clone(),
            health,
            seen_ready: AtomicBool::new(false),
            handlers: Arc::default(),
            live,
            settings,
        }
    }

    /// The HTTP client for links, made the first time a moderator uses one (or why it
    /// could not be made).
    pub fn fetcher(&self) -> Result<&crate::core::web::Fetcher, &str> {
        self.fetcher
            .get_or_init(|| {
                crate::app::links::fetcher(self.live.settings()).map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(String::as_str)
    }

    /// Passages per answer (and per page of "Show passages").
    pub fn top_k(&self) -> usize {
        // One embed a passage under "Show passages", ten embeds a message at most.
        self.live
            .settings()
            .search
            .top_k
            .min(super::limits::EMBEDS_PER_MESSAGE)
    }

    /// The gateway connected or dropped; `ready` for a READY (a new session).
    pub fn gateway(&self, connected: bool, ready: bool) {
        let first = ready && !self.seen_ready.swap(true, Ordering::SeqCst);
        self.metrics.gateway(connected, first);
        if connected {
            self.health.ok("gateway", "connected");
        } else {
            self.health.failing("gateway", "not connected");
        }
    }

    /// The checks a new question passes before it costs anything: not shutting down,
    /// not too long as typed, not empty once mentions are left out ([`question_text`],
    /// which gives `question`), the asker's cooldown over.
    pub fn admit(
        &self,
        user: UserId,
        typed: &str,
        question: &str,
        via: Via,
    ) -> Result<(), Refusal> {
        let result = self.checks(user, typed, question);
        if result.is_err() {
            self.metrics.question(via.label(), "refused");
        }
        result
    }

    fn checks(&self, user: UserId, typed: &str, question: &str) -> Result<(), Refusal> {
        if self.draining.load(Ordering::SeqCst) {
            return Err(Refusal::ShuttingDown);
        }
        let engine = self.live.engine();
        engine.validate(typed)?;
        engine.validate(question)?;
        self.cooldowns.check(user)
    }

    /// Admit `asked` and answer it through `sender` in `mode` (deferred when slow), with
    /// `render` of the answer and the feedback row under it; a refusal goes out in
    /// `refused` (private where Discord allows it). The one path of every new question,
    /// however it came.
    pub async fn answer(
        &self,
        sender: &Sender<'_>,
        asked: Asked<'_>,
        mode: Mode,
        refused: Mode,
        render: impl FnOnce(&Response, Lang, Vec<Button>) -> Reply,
    ) -> serenity::Result<()> {
        if let Err(refusal) = self.admit(asked.user, asked.typed, &asked.question, asked.via) {
            let text = Reply::text(refusal.text(asked.lang));
            return sender.send(refused, &text).await;
        }
        let public = mode == (Mode::New { ephemeral: false });
        let job = self.answered(asked.question, asked.via, asked.lang, public, render);
        sender
            .send_when_ready(mode, self.settings.defer_after, job)
            .await
            .map(|_| ())
    }

    /// The reply to `question`: `render` of the answer with the buttons members act on
    /// it with (👍, 👎, and remove when `public`, share when not), the answer kept in the
    /// storage before the reply is returned, so a vote can say what it judged; or the
    /// refusal as the asker reads it. With the storage down, votes on the answer will be
    /// refused as unavailable, and the log says so.
    pub async fn answered(
        &self,
        question: String,
        via: Via,
        lang: Lang,
        public: bool,
        render: impl FnOnce(&Response, Lang, Vec<Button>) -> Reply,
    ) -> Reply {
        match self.ask(question, 0, via).await {
            Ok(r) => {
                let record = AnswerRecord::of(&r);
                let row = super::views::feedback::row(&record.key, public, &r.question, lang);
                if let Err(e) = self.storage.remember_answer(&record).await {
                    warn!(error = %e, "an answer was not stored: votes on it will be refused");
                }
                render(&r, lang, row)
            }
            Err(refusal) => Reply::text(refusal.text(lang)),
        }
    }

    /// The question cooldown of `user` (a share costs a search as a question does).
    pub fn cooldown(&self, user: UserId) -> Result<(), Refusal> {
        self.cooldowns.check(user)
    }

    /// The turn to draw a picture (`/timeline`): pictures are drawn one at a time on a
    /// blocking thread, outside the slots questions are answered in, so a burst of
    /// pictures never keeps a question waiting. A picture waits up to [`DRAW_WAIT`] for
    /// its turn, then is refused as busy; during shutdown, as restarting.
    pub async fn draw_turn(&self) -> Result<tokio::sync::OwnedSemaphorePermit, Refusal> {
        if self.draining() {
            return Err(Refusal::ShuttingDown);
        }
        let turn = self.draws.clone().acquire_owned();
        match tokio::time::timeout(DRAW_WAIT, turn).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(Refusal::Busy),
        }
    }

    /// The cooldown between votes of one member.
    pub fn vote_cooldown(&self, user: UserId) -> Result<(), Refusal> {
        self.vote_cooldowns.check(user)
    }

    /// The reply to a question: `render` of the answer, or the refusal as the asker
    /// reads it, in `lang` (see [`Lang::for_reply`]).
    pub async fn reply(
        &self,
        question: String,
        offset: usize,
        via: Via,
        lang: Lang,
        render: impl FnOnce(&Response, Lang) -> Reply,
    ) -> Reply {
        match self.ask(question, offset, via).await {
            Ok(r) => render(&r, lang),
            Err(refusal) => Reply::text(refusal.text(lang)),
        }
    }

    /// Answer on a blocking thread, holding one of the concurrency slots.
    pub async fn ask(
        &self,
        question: String,
        offset: usize,
        via: Via,
    ) -> Result<Response, Refusal> {
        let Ok(permit) = self.slots.clone().try_acquire_owned() else {
            self.metrics.question(via.label(), "refused");
            return Err(Refusal::Busy);
        };
        let engine = self.live.engine();
        let top_k = self.top_k();
        let started = Instant::now();
        let result = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            engine.ask(&question, top_k, offset)
        })
        .await;
        let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
        self.metrics.answer_seconds.observe(latency_ms / 1000.0);
        let outcome = match &result {
            Ok(Ok(r)) if r.passages.is_empty() => "nothing_found",
            Ok(Ok(_)) => "answered",
            Ok(Err(AskError::Question(_))) => "refused",
            _ => "failed",
        };
        self.metrics.question(via.label(), outcome);
        match result {
            Ok(Ok(r)) => {
                // A new question that found nothing is a gap in the sources (a later
                // page of results running out is not).
                if r.passages.is_empty() && offset == 0 && !matches!(via, Via::Button) {
                    let (storage, question) = (self.storage.clone(), r.question.clone());
                    // Shutdown waits for it, as for a reply.
                    let busy = self.busy();
                    tokio::spawn(async move {
                        let _busy = busy;
                        if let Err(e) = storage.record_gap(&question).await {
                            warn!(error = %e, "a question that found nothing was not recorded for /unanswered");
                        }
                    });
                }
                let question = self
                    .live
                    .settings()
                    .log_questions
                    .then_some(r.question.as_str());
                info!(target: "attache::answer", via = ?via, latency_ms, passages = r.passages.len(), answered = !r.passages.is_empty(), generation = r.generation, question, "question answered");
                Ok(r)
            }
            Ok(Err(AskError::Question(e))) => Err(e.into()),
            Ok(Err(e)) => {
                warn!(via = ?via, error = %e, "search failed");
                Err(Refusal::Failed)
            }
            Err(e) => {
                warn!(via = ?via, error = %e, "the search task failed");
                Err(Refusal::Failed)
            }
        }
    }

    /// A handler starts its work: shutdown waits until it has sent its reply.
    pub fn busy(&self) -> Busy {
        self.handlers.count.fetch_add(1, Ordering::SeqCst);
        Busy(self.handlers.clone())
    }

    /// Whether shutdown has begun (new questions and clicks are refused politely).
    pub fn draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }

    /// Stop taking new questions (shutdown's first step): they are refused politely.
    pub fn stop_taking_questions(&self) {
        self.draining.store(true, Ordering::SeqCst);
    }

    /// Wait until every handler has sent its reply, for at most `grace`; whether they
    /// all finished.
    pub async fn finish_in_flight(&self, grace: Duration) -> bool {
        let handlers = &self.handlers;
        tokio::time::timeout(grace, async {
            loop {
                let idle = handlers.idle.notified();
                if handlers.count.load(Ordering::SeqCst) == 0 {
                    return;
                }
                idle.await;
            }
        })
        .await
        .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_not_part_of_the_question() {
        assert_eq!(
            question_text("<@123> @everyone how   many <@&45> prisoners <#9>? @here"),
            "how many prisoners ?"
        );
        assert_eq!(question_text("mail me@here.org"), "mail me@here.org");
    }
}
