//! What a button does, carried in its custom id so that buttons keep working after a
//! restart: the id holds the action and, when it fits in Discord's 100 characters, the
//! question itself. A longer question is kept in the storage (and a bounded memory in
//! front of it) and the id holds its key; only when the storage lost it (retention, or
//! it was down when the question was asked) does such a button say that it expired.
//!
//! Everything in a custom id can be forged: numbers are bounded ([`MAX_NUMBER`]),
//! answer keys must be 16 hex digits, and an unknown shape is refused politely.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

use super::limits;
use crate::store::Storage;

/// The largest page or offset a button carries: far past any real result list (the
/// engine keeps a few hundred candidates), small enough that nothing forged can make it
/// allocate.
const MAX_NUMBER: usize = 10_000;

/// Bumped when the format changes, so buttons of an older bot expire cleanly.
const VERSION: &str = "a1";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// "Show passages": the passages for `question` whole, with every page backing
    /// them, the page starting at `offset`.
    Passages { offset: usize, question: String },
    /// A page of `/source show <id>`.
    SourcePage { id: String, page: usize },
    /// A page of `/sources`.
    Catalog { page: usize },
    /// Confirm `/source remove`.
    Remove { id: String },
    /// Dismiss a confirmation.
    Cancel,
    /// 👍 or 👎 on the answer kept under `key`.
    Vote { key: String, helpful: bool },
    /// The "What was wrong?" box after 👎 (a modal's custom id).
    Comment { key: String },
    /// Post a private answer to `question` publicly.
    Share { question: String },
    /// Remove a public answer (its asker or a moderator).
    Delete,
    /// Add the page previewed under `key` (`/source add url:`).
    AddPage { key: String },
    /// Cancel that preview.
    DropPage { key: String },
}

/// A key in the storage (an answer's, [`crate::store::AnswerRecord`], or a previewed
/// page's): 16 hex digits.
fn is_answer_key(key: &str) -> bool {
    key.len() == 16 && key.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Why a custom id could not be turned back into an action.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Expired {
    #[error(
        "This button has expired (its question is no longer kept). Please ask the question again."
    )]
    Forgotten,
    #[error("This button is from another version of attache. Please ask the question again.")]
    Unknown,
    /// Its question is kept in the storage, which cannot be reached now.
    #[error("storage unavailable")]
    Unavailable,
}

impl Expired {
    /// What the clicker reads, in their language.
    pub fn text(&self, lang: crate::core::lang::Lang) -> &'static str {
        let w = crate::render::words::of(lang);
        match self {
            Expired::Forgotten => w.button_expired,
            Expired::Unknown => w.button_unknown,
            Expired::Unavailable => crate::render::feedback::of(lang).unavailable,
        }
    }
}

/// Questions too long to ride in a custom id, by key: written through to the storage
/// (when there is one), with the most recent kept in memory; the oldest are forgotten
/// from memory first.
pub struct QuestionStore {
    inner: Mutex<(HashMap<u64, String>, VecDeque<u64>)>,
    capacity: usize,
    storage: Option<Arc<Storage>>,
}

impl QuestionStore {
    pub fn new(capacity: usize, storage: Option<Arc<Storage>>) -> Self {
        QuestionStore {
            inner: Mutex::new((HashMap::new(), VecDeque::new())),
            capacity,
            storage,
        }
    }

    /// The key of `question`: the same in every process and version, since the
    /// storage may be shared.
    fn key_of(question: &str) -> u64 {
        let digest = Sha256::digest(question.as_bytes());
        u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"))
    }

    /// `question` in memory; its key.
    fn put(&self, question: &str) -> u64 {
        let key = Self::key_of(question);
        self.remember(key, question);
        key
    }

    /// Keep the question `action` carries in the storage when it is too long for its
    /// custom id. The sender calls it for every button before the message goes out, so
    /// a button never exists in Discord before its question is kept. With the storage
    /// down it lives in memory (until a restart), said in the log.
    pub async fn keep(&self, action: &Action) {
        let (Action::Passages { question, .. } | Action::Share { question }) = action else {
            return;
        };
        let Some(storage) = &self.storage else {
            return;
        };
        if !encode(action, self).contains(":#") {
            return;
        }
        let key = Self::key_of(question);
        if let Err(e) = storage.put_question(&format!("{key:x}"), question).await {
            tracing::warn!(error = %e, "a long question was not stored: its buttons work until a restart");
        }
    }

    /// Keep `question` in memory; whether it was new.
    fn remember(&self, key: u64, question: &str) -> bool {
        let mut guard = self.inner.lock().expect("question store lock");
        let (map, order) = &mut *guard;
        if map.insert(key, question.to_string()).is_none() {
            order.push_back(key);
            while order.len() > self.capacity {
                if let Some(old) = order.pop_front() {
                    map.remove(&old);
                }
            }
            true
        } else {
            false
        }
    }

    /// Bring the question kept under `key` from the storage into memory: whether it was
    /// found, or that the storage is unavailable.
    async fn fetch(&self, key: u64) -> Result<bool, Expired> {
        let Some(storage) = &self.storage else {
            return Ok(false);
        };
        match storage.question(&format!("{key:x}")).await {
            Ok(Some(q)) => {
                self.remember(key, &q);
                Ok(true)
            }
            Ok(None) => Ok(false),
            Err(e) => {
                tracing::warn!(error = %e, "a long question could not be read back");
                Err(Expired::Unavailable)
            }
        }
    }

    fn get(&self, key: u64) -> Option<String> {
        self.inner
            .lock()
            .expect("question store lock")
            .0
            .get(&key)
            .cloned()
    }
}

/// The custom id for `action`; never longer than Discord allows.
pub fn encode(action: &Action, store: &QuestionStore) -> String {
    let with_question = |tag: &str, offset: usize, question: &str| {
        let inline = format!("{VERSION}:{tag}:{offset}:={question}");
        if limits::chars(&inline) <= limits::CUSTOM_ID {
            inline
        } else {
            format!("{VERSION}:{tag}:{offset}:#{:x}", store.put(question))
        }
    };
    match action {
        Action::Passages { offset, question } => with_question("q", *offset, question),
        // Source ids are at most 64 ASCII characters (the corpus checks), so this fits.
        Action::SourcePage { id, page } => format!("{VERSION}:p:{page}:{id}"),
        Action::Catalog { page } => format!("{VERSION}:c:{page}"),
        Action::Remove { id } => format!("{VERSION}:x:0:{id}"),
        Action::Cancel => format!("{VERSION}:k:0"),
        Action::Vote { key, helpful } => format!("{VERSION}:v:{}:{key}", u8::from(*helpful)),
        Action::Comment { key } => format!("{VERSION}:w:0:{key}"),
        Action::Share { question } => with_question("h", 0, question),
        Action::Delete => format!("{VERSION}:d:0"),
        Action::AddPage { key } => format!("{VERSION}:l:0:{key}"),
        Action::DropPage { key } => format!("{VERSION}:n:0:{key}"),
    }
}

/// [`decode`], reading a long question the memory forgot back from the storage.
pub async fn decode_stored(custom_id: &str, store: &QuestionStore) -> Result<Action, Expired> {
    match decode(custom_id, store) {
        Err(Expired::Forgotten) => {
            let key = custom_id
                .rsplit_once(":#")
                .and_then(|(_, k)| u64::from_str_radix(k, 16).ok())
                .ok_or(Expired::Unknown)?;
            if store.fetch(key).await? {
                decode(custom_id, store)
            } else {
                Err(Expired::Forgotten)
            }
        }
        other => other,
    }
}

pub fn decode(custom_id: &str, store: &QuestionStore) -> Result<Action, Expired> {
    let mut parts = custom_id.splitn(4, ':');
    if parts.next() != Some(VERSION) {
        return Err(Expired::Unknown);
    }
    let tag = parts.next().ok_or(Expired::Unknown)?;
    // A page or offset no real button carries (ids can be forged) is refused here.
    let number: usize = parts
        .next()
        .and_then(|n| n.parse().ok())
        .filter(|&n| n <= MAX_NUMBER)
        .ok_or(Expired::Unknown)?;
    let rest = parts.next().unwrap_or("");
    let question = || -> Result<String, Expired> {
        if let Some(q) = rest.strip_prefix('=') {
            Ok(q.to_string())
        } else if let Some(key) = rest.strip_prefix('#') {
            let key = u64::from_str_radix(key, 16).map_err(|_| Expired::Unknown)?;
            store.get(key).ok_or(Expired::Forgotten)
        } else {
            Err(Expired::Unknown)
        }
    };
    match tag {
        // "More results" (m) and "Sources" (s) of replies before "Show passages" open it.
        "q" | "m" | "s" => Ok(Action::Passages {
            offset: number,
            question: question()?,
        }),
        "p" if !rest.is_empty() => Ok(Action::SourcePage {
            id: rest.to_string(),
            page: number,
        }),
        "c" => Ok(Action::Catalog { page: number }),
        "x" if !rest.is_empty() => Ok(Action::Remove {
            id: rest.to_string(),
        }),
        "k" => Ok(Action::Cancel),
        "v" if number <= 1 && is_answer_key(rest) => Ok(Action::Vote {
            key: rest.to_string(),
            helpful: number == 1,
        }),
        "w" if is_answer_key(rest) => Ok(Action::Comment {
            key: rest.to_string(),
        }),
        "h" => Ok(Action::Share {
            question: question()?,
        }),
        "d" => Ok(Action::Delete),
        "l" if is_answer_key(rest) => Ok(Action::AddPage {
            key: rest.to_string(),
        }),
        "n" if is_answer_key(rest) => Ok(Action::DropPage {
            key: rest.to_string(),
        }),
        _ => Err(Expired::Unknown),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_survive_the_round_trip_within_the_length_limit() {
        let store = QuestionStore::new(10, None);
        let long = "Why did the delegations: meet ".repeat(10);
        for action in [
            Action::Passages {
                offset: 3,
                question: "How many prisoners?".into(),
            },
            Action::Passages {
                offset: 0,
                question: "a:b:c =#".into(),
            },
            Action::Passages {
                offset: 6,
                question: long.clone(),
            },
            Action::SourcePage {
                id: "R3-05".into(),
                page: 2,
            },
            Action::Catalog { page: 1 },
            Action::Remove { id: "R3-05".into() },
            Action::Cancel,
            Action::Vote {
                key: "0123456789abcdef".into(),
                helpful: false,
            },
            Action::Comment {
                key: "0123456789abcdef".into(),
            },
            Action::Share {
                question: long.clone(),
            },
            Action::Delete,
            Action::AddPage {
                key: "0123456789abcdef".into(),
            },
            Action::DropPage {
                key: "0123456789abcdef".into(),
            },
        ] {
            let id = encode(&action, &store);
            assert!(limits::chars(&id) <= limits::CUSTOM_ID, "{id}");
            assert_eq!(decode(&id, &store), Ok(action));
        }
    }

    #[test]
    fn long_questions_expire_after_a_restart_and_say_so() {
        let before = QuestionStore::new(10, None);
        let id = encode(
            &Action::Passages {
                offset: 3,
                question: "x".repeat(200),
            },
            &before,
        );
        let after = QuestionStore::new(10, None);
        assert_eq!(decode(&id, &after), Err(Expired::Forgotten));
        assert_eq!(decode("something-else", &after), Err(Expired::Unknown));
        let short = encode(
            &Action::Passages {
                offset: 3,
                question: "When?".into(),
            },
            &before,
        );
        assert!(
            decode(&short, &after).is_ok(),
            "short questions work across restarts"
        );
    }

    #[test]
    fn buttons_of_replies_before_show_passages_open_it() {
        let store = QuestionStore::new(10, None);
        for tag in ["m", "s"] {
            assert_eq!(
                decode(&format!("{VERSION}:{tag}:3:=When?"), &store),
                Ok(Action::Passages {
                    offset: 3,
                    question: "When?".into()
                })
            );
        }
    }

    #[test]
    fn forged_votes_are_refused() {
        let store = QuestionStore::new(10, None);
        for forged in [
            "a1:v:2:0123456789abcdef",
            "a1:v:1:0123456789abcdeg",
            "a1:v:1:0123456789abcdef0",
            "a1:v:1:",
            "a1:w:0:../../etc/passwd",
        ] {
            assert_eq!(decode(forged, &store), Err(Expired::Unknown), "{forged}");
        }
    }

    #[test]
    fn the_store_is_bounded() {
        let store = QuestionStore::new(2, None);
        let ids: Vec<String> = (0..3)
            .map(|i| {
                encode(
                    &Action::Passages {
                        offset: 0,
                        question: format!("{i}{}", "y".repeat(120)),
                    },
                    &store,
                )
            })
            .collect();
        assert_eq!(decode(&ids[0], &store), Err(Expired::Forgotten));
        assert!(decode(&ids[2], &store).is_ok());
    }
}
