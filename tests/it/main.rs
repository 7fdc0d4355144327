//! Integration tests, compiled as one binary. Each test works on its own copy of the
//! shipped sources in a temporary directory, so nothing touches the repository's index.
//! End-to-end tests of the bot run the real `attache serve` process against a local
//! Discord; both, and the temporary projects, come from the test kit (`testkit/`).
//!
//! By feature, through Discord: `asking`, `buttons`, `sources`, `commands`, `moderators`,
//! `reindexing` (also underneath, without Discord), `resilience`, `operations`, `faults`
//! (a read-only volume, a full disk, no permission, a damaged generation),
//! `languages`, `feedback` (votes, share, remove, the database), `forum`. Without
//! Discord: `cli`, `corpus`, `semantic`, `eval`, `properties`,
//! `storage` (SQLite and a real PostgreSQL), `timeline`.
//! Then `regression` (one test per fixed bug), `architecture` (the core and the command
//! line never use Discord) and `local_discord` (the local Discord's own check).

mod architecture;
mod asking;
mod buttons;
mod cli;
mod commands;
mod corpus;
mod eval;
mod faults;
mod feedback;
mod forum;
mod glance;
mod languages;
mod links;
mod local_discord;
mod moderators;
mod operations;
mod properties;
mod regression;
mod reindexing;
mod resilience;
mod semantic;
mod sources;
mod spelling;
mod storage;
mod timeline;
mod util;
