//! Integration tests, compiled as one binary. Each test works on its own copy of the
//! shipped sources in a temporary directory, so nothing touches the repository's index.
//! End-to-end tests of the bot run the real `attache serve` process against a local
//! Discord; both, and the temporary projects, come from the test kit (`testkit/`).

mod bot;
mod cli;
mod corpus;
mod eval;
mod languages;
mod local_discord;
mod properties;
mod reindex;
mod semantic;
mod util;
