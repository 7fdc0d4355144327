//! Views: from what the engine and the index say to what Discord shows, as plain data
//! ([`Reply`]) with no network, so every limit and every escape is unit-tested. One file
//! per thing shown:
//!
//! - [`reply`]: the reply model (cards, buttons) and its fitting to Discord's limits;
//! - [`text`]: text safety (escaping, mention breaking, link targets);
//! - [`answer`]: answers (half a phone screen) and "nothing found";
//! - [`passages`]: what "Show passages" shows;
//! - [`sources`]: `/source show` and `/sources`;
//! - [`help`]: `/help`;
//! - [`moderation`]: what moderators see;
//! - [`feedback`]: votes, sharing and removing answers, `/feedback`;
//! - [`timeline`]: `/timeline`'s picture and the records it was drawn from.

pub mod answer;
pub mod feedback;
pub mod help;
pub mod moderation;
pub mod passages;
pub mod reply;
pub mod sources;
pub mod text;
pub mod timeline;

pub use reply::{Button, Card, Reply};
