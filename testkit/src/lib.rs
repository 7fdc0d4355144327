//! What attache's integration tests and its load benchmark share (a dev-only crate):
//!
//! - [`local_discord`]: Discord's REST API and gateway on 127.0.0.1, good enough to drive
//!   the real serenity client, recording every request the bot makes;
//! - [`bot`]: the real `attache serve` process connected to a local Discord, and the
//!   questions, commands and clicks tests put to it;
//! - [`project`]: a throwaway copy of the shipped sources and config, and the `attache`
//!   binary run on it;
//! - [`postgres`]: a real, throwaway PostgreSQL server, for the bot's database;
//! - [`web`]: a local web server on 127.0.0.1 with news pages and traps for fetching links.
//!
//! The kit does not depend on attache itself: where it needs the `attache` binary or the
//! repository (whose sources and fixtures it copies and reads), it takes a [`Checkout`],
//! which tests and benches make from `env!("CARGO_BIN_EXE_attache")` and
//! `env!("CARGO_MANIFEST_DIR")`.

pub mod bot;
pub mod local_discord;
pub mod postgres;
pub mod project;
pub mod web;

pub use postgres::Postgres;
pub use project::{Checkout, Project};
