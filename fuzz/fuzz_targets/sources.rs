//! Any bytes as a source file (document or records) and as an upload: parsed, or errors
//! that name the file; never a panic.
#![no_main]

use attache::core::corpus::{manage, parse_file};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = manage::check_upload("fuzz.toml", data, 1 << 20);
    if let Ok(text) = std::str::from_utf8(data) {
        for name in ["fuzz.md", "fuzz.toml"] {
            if let Err(errors) = parse_file(std::path::Path::new(name), name, text) {
                assert!(errors.iter().all(|e| e.to_string().starts_with(name)));
            }
        }
    }
});
