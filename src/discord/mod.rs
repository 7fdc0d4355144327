//! The Discord front end: serenity for the connection, poise for the slash commands. It
//! is thin on purpose: parse what Discord sends, ask the engine (off the async runtime),
//! draw the answer, send it. Nothing here decides what an answer is, and nothing here
//! runs without [`crate::app::serve`], which starts the [`client::Client`] as one of
//! its parts.
//!
//! A question's way through, by file:
//! - [`client`]: the token, the intents, the client and its framework; [`register`]:
//!   the commands registered on Discord beside the answering, retried until taken;
//! - [`commands`]: `/ask`, "Ask attache", `/source`, `/sources`, `/help`, `/unanswered`,
//!   `/feedback`, `/reindex`, `/rollback`; [`events`]: mentions, DMs, answer channels,
//!   button clicks and boxes; [`forum`]: new forum posts; [`feedback`]: votes, sharing
//!   and removing answers;
//! - [`guard`]: cooldown, length, moderator check; [`state`]: what handlers share, and
//!   asking the engine;
//! - [`views`]: what Discord shows, as data fitted to Discord's [`limits`];
//!   [`buttons`]: what a button does, carried in its custom id;
//! - [`send`]: the one way a reply leaves (no mentions, deferral, retries);
//! - [`errors`]: failures logged, counted, and apologised for.

pub mod buttons;
pub mod client;
mod commands;
mod errors;
mod events;
mod feedback;
mod forum;
pub mod guard;
pub mod limits;
mod register;
pub mod send;
pub mod state;
pub mod views;

pub use client::TokenError;
pub use state::{question_text, State, Via};

pub type Error = anyhow::Error;
pub type Data = std::sync::Arc<State>;
pub type Context<'a> = poise::Context<'a, Data, Error>;
