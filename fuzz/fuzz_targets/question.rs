//! Any text as a question, against the shipped corpus (indexed once, in a temporary
//! directory): an answer or a polite refusal, never a panic or a search error; and the
//! Discord reply made from it stays inside Discord's limits.
#![no_main]

use std::sync::OnceLock;

use attache::app::Library;
use attache::config::Settings;
use attache::core::search::AskError;
use attache::discord::{limits, question_text, render};
use libfuzzer_sys::fuzz_target;

fn library() -> &'static Library {
    static LIBRARY: OnceLock<(tempfile::TempDir, Library)> = OnceLock::new();
    &LIBRARY
        .get_or_init(|| {
            let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
            let dir = tempfile::tempdir().unwrap();
            let env = std::collections::HashMap::from([
                ("ATTACHE__INDEX__SOURCES".to_string(), format!("{root}/index/sources")),
                ("ATTACHE__INDEX__SYNONYMS".to_string(), format!("{root}/index/synonyms.txt")),
                ("ATTACHE__INDEX__DIR".to_string(), dir.path().display().to_string()),
            ]);
            let settings = Settings::load(&dir.path().join("config"), &env).unwrap();
            let library = Library::open(settings, &()).unwrap();
            (dir, library)
        })
        .1
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let question = question_text(text);
    match library().engine().ask(&question, 3, 0) {
        Ok(r) => {
            for card in render::answer(&r, 0, r.language).cards {
                assert!(card.total_chars() <= limits::EMBEDS_TOTAL);
            }
        }
        Err(AskError::Question(_)) => {}
        Err(e) => panic!("search failed: {e}"),
    }
});
