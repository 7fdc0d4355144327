//! attache answers questions about a curated corpus with cited passages: full-text and
//! semantic search over a tantivy index, re-ranked for the question, with a one-line
//! answer quoted from the sources.
//!
//! Layout (the folders show the architecture; a question flows down and its answer
//! back up, never back down into a layer it came from):
//! - [`core`]: the answer engine, free of any front end: corpus loading and validation
//!   ([`core::corpus`]), analysis, the index and its generations ([`core::index`]),
//!   question planning ([`core::query`]), ranking and answers ([`core::search`]),
//!   snippets as offsets ([`core::snippet`]), and quality measurement ([`core::eval`]).
//! - [`config`]: layered configuration, validated into typed settings.
//! - [`app`]: the wiring: settings to a ready engine ([`app::build`]), the engine
//!   answering now ([`app::LiveEngine`]), and [`app::serve`], the one place the bot runs
//!   (runtime, signals, the Discord client, the poller, the watcher, health and metrics).
//! - [`render`]: what both front ends draw with: attache's words in English, Ukrainian
//!   and Russian, Discord markdown, the JSON form of an answer.
//! - [`cli`]: the command-line front end: parses, dispatches, draws for a terminal
//!   ([`cli::terminal`]).
//! - [`discord`]: the Discord front end, started by [`app::serve`]: commands and events,
//!   views of answers for Discord ([`discord::views`]), and [`discord::send`], the one
//!   way a reply leaves.

pub mod app;
pub mod cli;
pub mod config;
pub mod core;
pub mod discord;
pub mod render;
pub mod store;
