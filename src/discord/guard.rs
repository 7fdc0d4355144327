//! What stands between a question and the engine: the length check, a per-member
//! cooldown, a cap on questions answered at once, and the moderator check. Refusals are
//! meant for the person who asked, so they are short and friendly.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serenity::all::{Member, UserId};

use crate::core::lang::Lang;
use crate::core::search::QuestionError;
use crate::render::words;

/// Why a question is not answered now; shown privately to the person who asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{0}")]
    Question(#[from] QuestionError),
    #[error("Please wait {} s before asking again.", .0.as_secs().max(1))]
    Cooldown(Duration),
    #[error("I'm answering a lot of questions right now. Please try again in a few seconds.")]
    Busy,
    #[error("attache is restarting. Please ask again in a minute.")]
    ShuttingDown,
    #[error("Sorry, something went wrong on my side while answering. It has been logged; please try again.")]
    Failed,
}

impl Refusal {
    /// The refusal as the asker reads it, in their language (`Display` is the English
    /// one, for logs).
    pub fn text(&self, lang: Lang) -> String {
        let w = words::of(lang);
        match self {
            Refusal::Question(QuestionError::Empty) => w.empty_question.to_string(),
            Refusal::Question(QuestionError::TooLong { chars, max }) => words::fill(
                w.too_long,
                &[("chars", &chars.to_string()), ("max", &max.to_string())],
            ),
            Refusal::Cooldown(d) => {
                words::fill(w.cooldown, &[("seconds", &d.as_secs().max(1).to_string())])
            }
            Refusal::Busy => w.busy.to_string(),
            Refusal::ShuttingDown => w.restarting.to_string(),
            Refusal::Failed => w.failed.to_string(),
        }
    }
}

/// The cooldown map is pruned once it holds this many members: pruning walks the whole
/// map, so it waits until there is something worth removing.
const PRUNE_COOLDOWNS_ABOVE: usize = 10_000;

/// When each member may ask again.
pub struct Cooldowns {
    every: Duration,
    last: Mutex<HashMap<UserId, Instant>>,
}

impl Cooldowns {
    pub fn new(every: Duration) -> Self {
        Cooldowns {
            every,
            last: Mutex::new(HashMap::new()),
        }
    }

    /// Record a question from `user` now, or say how long they still have to wait.
    pub fn check(&self, user: UserId) -> Result<(), Refusal> {
        if self.every.is_zero() {
            return Ok(());
        }
        let now = Instant::now();
        let mut last = self.last.lock().expect("cooldown lock");
        if let Some(at) = last.get(&user) {
            let since = now.duration_since(*at);
            if since < self.every {
                return Err(Refusal::Cooldown(self.every - since));
            }
        }
        // Forget members whose cooldown is over, so the map stays as small as the
        // number of members asking within one cooldown.
        if last.len() > PRUNE_COOLDOWNS_ABOVE {
            last.retain(|_, at| now.duration_since(*at) < self.every);
        }
        last.insert(user, now);
        Ok(())
    }
}

/// Manage Server (or Administrator) in this channel, or one of the configured roles.
pub fn is_moderator(member: Option<&Member>, moderator_roles: &[u64]) -> bool {
    let Some(member) = member else { return false };
    let by_permission = member
        .permissions
        .is_some_and(|p| p.manage_guild() || p.administrator());
    by_permission
        || member
            .roles
            .iter()
            .any(|r| moderator_roles.contains(&r.get()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_waits_out_the_cooldown_but_others_do_not() {
        let c = Cooldowns::new(Duration::from_secs(60));
        assert!(c.check(UserId::new(1)).is_ok());
        assert!(matches!(c.check(UserId::new(1)), Err(Refusal::Cooldown(_))));
        assert!(c.check(UserId::new(2)).is_ok());
        let off = Cooldowns::new(Duration::ZERO);
        assert!(off.check(UserId::new(1)).is_ok() && off.check(UserId::new(1)).is_ok());
    }

    #[test]
    fn refusals_read_as_sentences() {
        assert_eq!(
            Refusal::Cooldown(Duration::from_millis(2500)).to_string(),
            "Please wait 2 s before asking again."
        );
        assert!(Refusal::Question(QuestionError::TooLong {
            chars: 5000,
            max: 500
        })
        .to_string()
        .contains("under 500"));
    }
}
