//! The answer engine, free of any front end: corpus files → tantivy index → question
//! plan → ranked, cited passages and a direct answer. Nothing under `core` knows about
//! Discord or the command line.

pub mod analysis;
pub mod answer;
pub mod corpus;
pub mod durable;
pub mod embed;
pub mod eval;
pub mod gaps;
pub mod index;
pub mod lang;
pub mod query;
pub mod reader;
pub mod search;
pub mod snippet;
pub mod synonyms;
pub mod timeline;
pub mod web;
