//! What a button does, carried in its custom id so that buttons keep working after a
//! restart: the id holds the action and, when it fits in Discord's 100 characters, the
//! question itself. A longer question is kept in a bounded in-memory store and the id
//! holds its key; after a restart such a button says that it expired.

use std::collections::{HashMap, VecDeque};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Mutex;

use super::limits;

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
}

/// Why a custom id could not be turned back into an action.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Expired {
    #[error("This button has expired (attache restarted since). Please ask the question again.")]
    Forgotten,
    #[error("This button is from another version of attache. Please ask the question again.")]
    Unknown,
}

impl Expired {
    /// What the clicker reads, in their language.
    pub fn text(&self, lang: crate::core::lang::Lang) -> &'static str {
        let w = crate::render::words::of(lang);
        match self {
            Expired::Forgotten => w.button_expired,
            Expired::Unknown => w.button_unknown,
        }
    }
}

/// Questions too long to ride in a custom id, by key; the oldest are forgotten first.
pub struct QuestionStore {
    inner: Mutex<(HashMap<u64, String>, VecDeque<u64>)>,
    capacity: usize,
}

impl QuestionStore {
    pub fn new(capacity: usize) -> Self {
        QuestionStore {
            inner: Mutex::new((HashMap::new(), VecDeque::new())),
            capacity,
        }
    }

    fn put(&self, question: &str) -> u64 {
        let mut h = DefaultHasher::new();
        question.hash(&mut h);
        let key = h.finish();
        let mut guard = self.inner.lock().expect("question store lock");
        let (map, order) = &mut *guard;
        if map.insert(key, question.to_string()).is_none() {
            order.push_back(key);
            while order.len() > self.capacity {
                if let Some(old) = order.pop_front() {
                    map.remove(&old);
                }
            }
        }
        key
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
        _ => Err(Expired::Unknown),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_survive_the_round_trip_within_the_length_limit() {
        let store = QuestionStore::new(10);
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
        ] {
            let id = encode(&action, &store);
            assert!(limits::chars(&id) <= limits::CUSTOM_ID, "{id}");
            assert_eq!(decode(&id, &store), Ok(action));
        }
    }

    #[test]
    fn long_questions_expire_after_a_restart_and_say_so() {
        let before = QuestionStore::new(10);
        let id = encode(
            &Action::Passages {
                offset: 3,
                question: "x".repeat(200),
            },
            &before,
        );
        let after = QuestionStore::new(10);
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
        let store = QuestionStore::new(10);
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
    fn the_store_is_bounded() {
        let store = QuestionStore::new(2);
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
