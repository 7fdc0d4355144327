//! What both front ends draw with, and neither owns: attache's own words in English,
//! Ukrainian and Russian ([`words`]), Discord markdown ([`markdown`]), and the JSON form
//! of an answer ([`json`]). Nothing here talks to Discord or to a terminal; the Discord
//! front end's views and the CLI's terminal output are built on these.

pub mod feedback;
pub mod json;
pub mod markdown;
pub mod timeline;
pub mod words;
