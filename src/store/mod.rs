//! What attache remembers between restarts, in a real database: votes on answers (and
//! the answers they judge), the questions that found nothing (`/unanswered`), the forum
//! posts already answered, and questions too long for a button's custom id.
//!
//! One SQLite file by default (`storage.path`, WAL, created on first start); one
//! PostgreSQL server for several processes (`storage.url`). Both hold the same schema
//! (`migrations/`, run by refinery at start, one process at a time) and take the same
//! statements ([`backend`]). Free of Discord: the front end passes ids and text.
//!
//! The database may be missing, unreachable or damaged: every call then fails with
//! [`StoreError::Unavailable`] (the caller says so politely), the reason goes to the log
//! and `/healthz`, and the next call after [`RETRY`] tries to open it again. Nothing is
//! written over a damaged file.

mod backend;
pub mod voter;

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

use crate::config::Secret;
use crate::core::gaps::{normalise, Gap};
use crate::core::search::Response;
use backend::{Conn, Param, Value};
pub use voter::Voter;

/// After a failure to open, the next attempt waits this long (calls meanwhile fail fast).
pub const RETRY: Duration = Duration::from_secs(5);

/// A statement slower than this is given up (the member is told it is unavailable).
const STATEMENT_TIMEOUT: Duration = Duration::from_secs(5);

/// How often `attache serve` applies the retention ([`Storage::prune`]).
pub const PRUNE_EVERY: Duration = Duration::from_secs(60);

/// Distinct unanswered questions kept for `/unanswered`.
const KEPT_GAPS: i64 = 500;

/// A previewed page waits this long (seconds) for its Add button.
const PENDING_SECS: i64 = 86_400;

/// A page a moderator previewed, behind its Add button.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// The address after redirects.
    pub link: String,
    pub doc_id: String,
    pub filename: String,
    /// The document, in the corpus format.
    pub document: String,
}

/// Where the data lives.
#[derive(Debug, Clone)]
pub enum Location {
    Sqlite(PathBuf),
    /// A PostgreSQL connection string (it may hold a password: never shown).
    Postgres(Secret),
}

impl Location {
    /// For logs and `/healthz`: the file, or "PostgreSQL" (never the address).
    pub fn describe(&self) -> String {
        match self {
            Location::Sqlite(p) => format!("SQLite {}", p.display()),
            Location::Postgres(_) => "PostgreSQL".to_string(),
        }
    }
}

/// `[storage]`, validated.
#[derive(Debug, Clone)]
pub struct StorageSettings {
    pub location: Location,
    /// Votes (and answers nobody voted on, long questions, answered threads) older than
    /// this are removed.
    pub keep: Duration,
    /// At most this many votes are kept; the oldest go first.
    pub max_votes: u64,
    /// The HMAC key for voters; `None` until `attache serve` generates one.
    pub voter_secret: Option<Secret>,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("storage unavailable: {0}")]
    Unavailable(String),
}

/// A member's vote was recorded: new, changed, or the same as before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Voted {
    New,
    Changed,
    Same,
    /// The answer is not known (older than the retention, or stored while the database
    /// was down).
    UnknownAnswer,
}

/// An answer voted down, for `/feedback`.
#[derive(Debug, Clone, PartialEq)]
pub struct DownVote {
    pub question: String,
    pub passages: String,
    pub generation: u64,
    pub comment: Option<String>,
    pub at: SystemTime,
}

/// Votes on one question.
#[derive(Debug, Clone, PartialEq)]
pub struct Tally {
    pub question: String,
    pub down: u64,
    pub up: u64,
}

/// Helpful votes among all votes on the answers of one index generation.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerationShare {
    pub generation: u64,
    pub up: u64,
    pub votes: u64,
}

/// What `/feedback` shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Feedback {
    pub recent_down: Vec<DownVote>,
    pub most_down: Vec<Tally>,
    pub by_generation: Vec<GenerationShare>,
}

/// What an answer with feedback buttons is kept as.
#[derive(Debug, Clone)]
pub struct AnswerRecord {
    pub key: String,
    pub question: String,
    /// The passages cited, by id, in order.
    pub passages: Vec<String>,
    pub generation: u64,
    pub answered: bool,
}

impl AnswerRecord {
    /// The record of `r`; its key (16 hex digits) is the same for the same question
    /// answered from the same generation, so buttons of equal answers share votes.
    pub fn of(r: &Response) -> AnswerRecord {
        let mut h = Sha256::new();
        h.update(r.question.as_bytes());
        h.update([0]);
        h.update(r.generation.to_string().as_bytes());
        AnswerRecord {
            key: voter::hex(&h.finalize()[..8]),
            question: r.question.clone(),
            passages: r.passages.iter().map(|p| p.id.clone()).collect(),
            generation: r.generation,
            answered: !r.passages.is_empty(),
        }
    }
}

/// Told `Ok(what)` or `Err(why)` when the storage starts or stops working.
type Observer = Box<dyn Fn(Result<String, String>) + Send + Sync>;

/// The open (or not yet openable) database.
pub struct Storage {
    location: Location,
    settings: StorageSettings,
    conn: tokio::sync::Mutex<Option<Conn>>,
    /// The last failure to open or use it, and when: calls within [`RETRY`] fail fast.
    failure: Mutex<Option<(Instant, String)>>,
    /// Told of every change between working and failing (for `/healthz`).
    observer: Mutex<Option<Observer>>,
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn time_of(secs: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs.max(0) as u64)
}

/// How long an Add's claim on a previewed page holds: longer than any add takes (a
/// reindex with embeddings included); past it, the claiming process is taken for dead.
pub const CLAIM_SECS: i64 = 3600;

/// The one fresh page among `rows` (link, doc id, filename, document, created at).
fn pending_of(rows: Vec<Vec<Value>>) -> Option<Pending> {
    let fresh = now_secs() - PENDING_SECS;
    rows.into_iter()
        .find(|r| r[4].int() >= fresh)
        .map(|r| Pending {
            link: r[0].text().unwrap_or_default(),
            doc_id: r[1].text().unwrap_or_default(),
            filename: r[2].text().unwrap_or_default(),
            document: r[3].text().unwrap_or_default(),
        })
}

impl Storage {
    /// Storage at `settings.location`, opened on first use ([`Storage::open`] opens it
    /// now).
    pub fn new(settings: StorageSettings) -> Storage {
        Storage {
            location: settings.location.clone(),
            settings,
            conn: tokio::sync::Mutex::new(None),
            failure: Mutex::new(None),
            observer: Mutex::new(None),
        }
    }

    /// Open it now; what is wrong if it cannot be opened (the bot serves anyway).
    pub async fn open(&self) -> Result<(), StoreError> {
        self.conn().await.map(|_| ())
    }

    /// Call `observer` with `Ok(what)` or `Err(why)` whenever it starts or stops working.
    pub fn observe(&self, observer: impl Fn(Result<String, String>) + Send + Sync + 'static) {
        *self.observer.lock().expect("observer lock") = Some(Box::new(observer));
    }

    fn tell(&self, state: Result<String, String>) {
        if let Some(o) = self.observer.lock().expect("observer lock").as_ref() {
            o(state);
        }
    }

    pub fn describe(&self) -> String {
        self.location.describe()
    }

    async fn conn(&self) -> Result<Conn, StoreError> {
        let mut slot = self.conn.lock().await;
        if let Some(c) = slot.as_ref().filter(|c| !c.is_closed()) {
            return Ok(c.clone());
        }
        if let Some((at, why)) = self.failure.lock().expect("failure lock").as_ref() {
            if at.elapsed() < RETRY {
                return Err(StoreError::Unavailable(why.clone()));
            }
        }
        let opened = match &self.location {
            Location::Sqlite(path) => {
                let path = path.clone();
                tokio::task::spawn_blocking(move || Conn::open_sqlite(&path))
                    .await
                    .unwrap_or_else(|e| Err(format!("opening the database failed: {e}")))
            }
            Location::Postgres(url) => {
                match tokio::time::timeout(STATEMENT_TIMEOUT, Conn::open_postgres(url.expose()))
                    .await
                {
                    Ok(r) => r,
                    Err(_) => Err("PostgreSQL did not answer in time".to_string()),
                }
            }
        };
        match opened {
            Ok(c) => {
                let was_failing = self.failure.lock().expect("failure lock").take().is_some();
                if was_failing {
                    tracing::info!(storage = %self.describe(), "storage available again");
                } else {
                    tracing::info!(storage = %self.describe(), "storage opened");
                }
                self.tell(Ok(self.describe()));
                *slot = Some(c.clone());
                Ok(c)
            }
            Err(why) => {
                self.failed(&why);
                Err(StoreError::Unavailable(why))
            }
        }
    }

    fn failed(&self, why: &str) {
        let mut failure = self.failure.lock().expect("failure lock");
        if failure.as_ref().is_none_or(|(_, w)| w != why) {
            tracing::warn!(storage = %self.describe(), error = why, "storage unavailable: feedback, /unanswered, forum replies and long-question buttons are off until it is back");
        }
        *failure = Some((Instant::now(), why.to_string()));
        drop(failure);
        self.tell(Err(why.to_string()));
    }

    async fn execute(&self, sql: &'static str, params: Vec<Param>) -> Result<u64, StoreError> {
        let conn = self.conn().await?;
        let result = tokio::time::timeout(STATEMENT_TIMEOUT, conn.execute(sql, params)).await;
        self.settle(result).await
    }

    async fn query(
        &self,
        sql: &'static str,
        params: Vec<Param>,
    ) -> Result<Vec<Vec<Value>>, StoreError> {
        let conn = self.conn().await?;
        let result = tokio::time::timeout(STATEMENT_TIMEOUT, conn.query(sql, params)).await;
        self.settle(result).await
    }

    async fn settle<T>(
        &self,
        result: Result<Result<T, backend::Failure>, tokio::time::error::Elapsed>,
    ) -> Result<T, StoreError> {
        match result {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(f)) => {
                if f.broken {
                    *self.conn.lock().await = None;
                    self.failed(&f.message);
                } else {
                    tracing::warn!(storage = %self.describe(), error = %f.message, "a storage statement failed");
                }
                Err(StoreError::Unavailable(f.message))
            }
            Err(_) => {
                let why = "the database did not answer in time".to_string();
                *self.conn.lock().await = None;
                self.failed(&why);
                Err(StoreError::Unavailable(why))
            }
        }
    }

    /// A cheap round trip (the retention task's, so `/healthz` notices a storage that
    /// went away even when nothing else uses it).
    pub async fn check(&self) -> Result<(), StoreError> {
        self.query("SELECT 1", vec![]).await.map(|_| ())
    }

    /// Keep `a` so that votes on it can name what it was.
    pub async fn remember_answer(&self, a: &AnswerRecord) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO answers (key, question, passages, generation, answered, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (key) DO UPDATE \
             SET created_at = $6 WHERE answers.created_at < $6 - 86400",
            vec![
                a.key.as_str().into(),
                a.question.as_str().into(),
                a.passages.join(" ").into(),
                (a.generation as i64).into(),
                i64::from(a.answered).into(),
                now_secs().into(),
            ],
        )
        .await?;
        Ok(())
    }

    /// Whether the answer `key` is kept (a vote on any other is refused, not kept
    /// loose).
    async fn knows_answer(&self, key: &str) -> Result<bool, StoreError> {
        let rows = self
            .query("SELECT 1 FROM answers WHERE key = $1", vec![key.into()])
            .await?;
        Ok(!rows.is_empty())
    }

    /// `voter`'s vote on the answer `key`: helpful or not. One per voter per answer; a
    /// new vote replaces the old one (and its comment, when it turns helpful).
    pub async fn vote(&self, key: &str, voter: &str, helpful: bool) -> Result<Voted, StoreError> {
        if !self.knows_answer(key).await? {
            return Ok(Voted::UnknownAnswer);
        }
        let before = self
            .query(
                "SELECT helpful FROM votes WHERE answer_key = $1 AND voter = $2",
                vec![key.into(), voter.into()],
            )
            .await?;
        self.execute(
            "INSERT INTO votes (answer_key, voter, helpful, comment, voted_at) \
             VALUES ($1, $2, $3, NULL, $4) ON CONFLICT (answer_key, voter) DO UPDATE \
             SET helpful = $3, voted_at = $4, \
             comment = CASE WHEN $3 = 1 THEN NULL ELSE votes.comment END",
            vec![
                key.into(),
                voter.into(),
                i64::from(helpful).into(),
                now_secs().into(),
            ],
        )
        .await?;
        Ok(match before.first().map(|r| r[0].int() == 1) {
            None => Voted::New,
            Some(was) if was == helpful => Voted::Same,
            Some(_) => Voted::Changed,
        })
    }

    /// What was wrong with the answer `key`, as `voter` wrote it; the vote becomes (or
    /// stays) a vote down. A blank note keeps the one written before.
    pub async fn comment(&self, key: &str, voter: &str, text: &str) -> Result<Voted, StoreError> {
        if !self.knows_answer(key).await? {
            return Ok(Voted::UnknownAnswer);
        }
        let comment = Some(text.trim().to_string()).filter(|t| !t.is_empty());
        self.execute(
            "INSERT INTO votes (answer_key, voter, helpful, comment, voted_at) \
             VALUES ($1, $2, 0, $3, $4) ON CONFLICT (answer_key, voter) DO UPDATE \
             SET helpful = 0, comment = COALESCE($3, votes.comment), voted_at = $4",
            vec![key.into(), voter.into(), comment.into(), now_secs().into()],
        )
        .await?;
        Ok(Voted::Changed)
    }

    /// The `n` answers voted down most recently and most often, and the share of
    /// helpful votes for each of the last `n` generations.
    pub async fn feedback(&self, n: usize) -> Result<Feedback, StoreError> {
        let n = n.min(100) as i64;
        let recent = self
            .query(
                "SELECT a.question, a.passages, a.generation, v.comment, v.voted_at \
                 FROM votes v JOIN answers a ON a.key = v.answer_key \
                 WHERE v.helpful = 0 ORDER BY v.voted_at DESC LIMIT $1",
                vec![n.into()],
            )
            .await?;
        let most = self
            .query(
                "SELECT a.question, \
                 CAST(SUM(CASE WHEN v.helpful = 0 THEN 1 ELSE 0 END) AS BIGINT) AS down, \
                 CAST(SUM(v.helpful) AS BIGINT) AS up \
                 FROM votes v JOIN answers a ON a.key = v.answer_key \
                 GROUP BY a.key, a.question \
                 HAVING SUM(CASE WHEN v.helpful = 0 THEN 1 ELSE 0 END) > 0 \
                 ORDER BY down DESC, MAX(v.voted_at) DESC LIMIT $1",
                vec![n.into()],
            )
            .await?;
        let by_generation = self
            .query(
                "SELECT a.generation, CAST(SUM(v.helpful) AS BIGINT), CAST(COUNT(*) AS BIGINT) \
                 FROM votes v JOIN answers a ON a.key = v.answer_key \
                 GROUP BY a.generation ORDER BY a.generation DESC LIMIT $1",
                vec![n.into()],
            )
            .await?;
        Ok(Feedback {
            recent_down: recent
                .into_iter()
                .map(|r| DownVote {
                    question: r[0].text().unwrap_or_default(),
                    passages: r[1].text().unwrap_or_default(),
                    generation: r[2].int() as u64,
                    comment: r[3].text(),
                    at: time_of(r[4].int()),
                })
                .collect(),
            most_down: most
                .into_iter()
                .map(|r| Tally {
                    question: r[0].text().unwrap_or_default(),
                    down: r[1].int() as u64,
                    up: r[2].int() as u64,
                })
                .collect(),
            by_generation: by_generation
                .into_iter()
                .map(|r| GenerationShare {
                    generation: r[0].int() as u64,
                    up: r[1].int() as u64,
                    votes: r[2].int() as u64,
                })
                .collect(),
        })
    }

    /// Forget every vote (the answers stay, so buttons still work); how many went.
    pub async fn clear_feedback(&self) -> Result<u64, StoreError> {
        self.execute("DELETE FROM votes", vec![]).await
    }

    /// A question that found nothing (normalised, so the same question typed
    /// differently counts once).
    pub async fn record_gap(&self, question: &str) -> Result<(), StoreError> {
        let key = normalise(question);
        if key.is_empty() {
            return Ok(());
        }
        self.execute(
            "INSERT INTO gaps (question, asked, last_asked) VALUES ($1, 1, $2) \
             ON CONFLICT (question) DO UPDATE SET asked = gaps.asked + 1, last_asked = $2",
            vec![key.into(), now_secs().into()],
        )
        .await?;
        Ok(())
    }

    /// The `n` most asked questions that found nothing, most recent first among equals.
    pub async fn gaps(&self, n: usize) -> Result<Vec<Gap>, StoreError> {
        let rows = self
            .query(
                "SELECT question, asked, last_asked FROM gaps \
                 ORDER BY asked DESC, last_asked DESC LIMIT $1",
                vec![(n.min(1000) as i64).into()],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| Gap {
                question: r[0].text().unwrap_or_default(),
                count: r[1].int().clamp(0, u32::MAX.into()) as u32,
                last_asked: time_of(r[2].int()),
            })
            .collect())
    }

    /// Claim the forum thread `id` for its one answer: `true` the first time only, in
    /// this process or any other sharing the database.
    pub async fn claim_thread(&self, id: u64) -> Result<bool, StoreError> {
        let n = self
            .execute(
                "INSERT INTO answered_threads (thread_id, answered_at) VALUES ($1, $2) \
                 ON CONFLICT (thread_id) DO NOTHING",
                vec![id.to_string().into(), now_secs().into()],
            )
            .await?;
        Ok(n == 1)
    }

    /// Give up the claim on thread `id` (its answer could not be given), so a later
    /// event may answer it.
    pub async fn release_thread(&self, id: u64) -> Result<(), StoreError> {
        self.execute(
            "DELETE FROM answered_threads WHERE thread_id = $1",
            vec![id.to_string().into()],
        )
        .await?;
        Ok(())
    }

    /// Keep a question too long for a custom id under `key`.
    pub async fn put_question(&self, key: &str, question: &str) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO long_questions (key, question, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (key) DO UPDATE SET created_at = $3 \
             WHERE long_questions.created_at < $3 - 86400",
            vec![key.into(), question.into(), now_secs().into()],
        )
        .await?;
        Ok(())
    }

    pub async fn question(&self, key: &str) -> Result<Option<String>, StoreError> {
        let rows = self
            .query(
                "SELECT question FROM long_questions WHERE key = $1",
                vec![key.into()],
            )
            .await?;
        Ok(rows.first().and_then(|r| r[0].text()))
    }

    /// Keep a previewed page's document under `key` until it is added or cancelled.
    pub async fn put_pending(&self, key: &str, pending: &Pending) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO pending_sources (key, link, doc_id, filename, document, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            vec![
                key.into(),
                pending.link.as_str().into(),
                pending.doc_id.as_str().into(),
                pending.filename.as_str().into(),
                pending.document.as_str().into(),
                now_secs().into(),
            ],
        )
        .await?;
        Ok(())
    }

    /// The page previewed under `key`, taken out by a Cancel; `None` when it was used
    /// already, is being added, or is older than a day.
    pub async fn take_pending(&self, key: &str) -> Result<Option<Pending>, StoreError> {
        // One statement: of two clicks at once, only one gets the page.
        let rows = self
            .query(
                "DELETE FROM pending_sources WHERE key = $1 AND claimed_at IS NULL \
                 RETURNING link, doc_id, filename, document, created_at",
                vec![key.into()],
            )
            .await?;
        Ok(pending_of(rows))
    }

    /// The page previewed under `key`, claimed by an Add: of two clicks at once (in any
    /// process), only one gets it. The page stays stored until [`Storage::added_pending`]
    /// (the source is written and indexed) or [`Storage::release_pending`] (the add
    /// failed: it can be added again). A claim older than [`CLAIM_SECS`] has lapsed (its
    /// process died) and can be taken again.
    pub async fn claim_pending(&self, key: &str) -> Result<Option<Pending>, StoreError> {
        let now = now_secs();
        let rows = self
            .query(
                "UPDATE pending_sources SET claimed_at = $1 \
                 WHERE key = $2 AND (claimed_at IS NULL OR claimed_at < $3) \
                 RETURNING link, doc_id, filename, document, created_at",
                vec![now.into(), key.into(), (now - CLAIM_SECS).into()],
            )
            .await?;
        Ok(pending_of(rows))
    }

    /// The claimed page under `key` was added: forget it.
    pub async fn added_pending(&self, key: &str) -> Result<(), StoreError> {
        self.execute(
            "DELETE FROM pending_sources WHERE key = $1",
            vec![key.into()],
        )
        .await?;
        Ok(())
    }

    /// The add of the claimed page under `key` failed: it can be added again.
    pub async fn release_pending(&self, key: &str) -> Result<(), StoreError> {
        self.execute(
            "UPDATE pending_sources SET claimed_at = NULL WHERE key = $1",
            vec![key.into()],
        )
        .await?;
        Ok(())
    }

    /// Apply the retention (`storage.keep`, `storage.max_votes`, the gap list's size)
    /// now; `attache serve` calls it every [`PRUNE_EVERY`], off the request path.
    pub async fn prune(&self) -> Result<(), StoreError> {
        let cutoff = now_secs() - self.settings.keep.as_secs().min(i64::MAX as u64) as i64;
        self.execute("DELETE FROM votes WHERE voted_at < $1", vec![cutoff.into()])
            .await?;
        self.execute(
            "DELETE FROM votes WHERE (voted_at, answer_key, voter) <= \
             (SELECT voted_at, answer_key, voter FROM votes \
              ORDER BY voted_at DESC, answer_key DESC, voter DESC LIMIT 1 OFFSET $1)",
            vec![(self.settings.max_votes.min(i64::MAX as u64) as i64).into()],
        )
        .await?;
        self.execute(
            "DELETE FROM answers WHERE created_at < $1 AND NOT EXISTS \
             (SELECT 1 FROM votes v WHERE v.answer_key = answers.key)",
            vec![cutoff.into()],
        )
        .await?;
        self.execute(
            "DELETE FROM long_questions WHERE created_at < $1",
            vec![cutoff.into()],
        )
        .await?;
        self.execute(
            "DELETE FROM answered_threads WHERE answered_at < $1",
            vec![cutoff.into()],
        )
        .await?;
        self.execute(
            "DELETE FROM pending_sources WHERE created_at < $1",
            vec![(now_secs() - PENDING_SECS).into()],
        )
        .await?;
        self.execute(
            "DELETE FROM gaps WHERE question NOT IN \
             (SELECT question FROM gaps ORDER BY asked DESC, last_asked DESC LIMIT $1)",
            vec![KEPT_GAPS.into()],
        )
        .await?;
        Ok(())
    }
}
