//! Integration tests, compiled as one binary. Each test works on its own copy of the
//! shipped sources in a temporary directory, so nothing touches the repository's index.

mod bot;
mod cli;
mod corpus;
mod discord;
mod eval;
mod languages;
mod properties;
mod reindex;
mod semantic;
mod util;
