//! attache answers questions about a curated corpus with cited passages: full-text
//! search over a tantivy index, re-ranked for the question, with a one-line answer.
//!
//! Layout (the folders show the architecture):
//! - [`core`]: the answer engine, free of any front end: corpus loading and validation
//!   ([`core::corpus`]), analysis ([`core::analysis`]), the index and its generations
//!   ([`core::index`]), question planning ([`core::query`], [`core::synonyms`]),
//!   ranking, answers and snippets ([`core::search`], [`core::answer`],
//!   [`core::snippet`]), and quality measurement ([`core::eval`]).
//! - [`config`]: layered configuration, validated into typed settings.
//! - [`app`]: the wiring: settings to a ready engine, used by every front end.
//! - [`cli`]: the command-line front end (`attache ask`, `index`, `sources`, `eval`,
//!   `serve`).
//! - [`discord`]: the Discord front end (serenity and poise), started by `attache serve`.
//! - [`metrics`]: Prometheus metrics and the readiness probe operators watch.
//! - [`words`]: attache's own words in English, Ukrainian and Russian, for both front
//!   ends.

pub mod app;
pub mod cli;
pub mod config;
pub mod core;
pub mod discord;
pub mod metrics;
pub mod words;
