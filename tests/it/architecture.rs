//! The layout holds: the core (`src/core`), the storage (`src/store`) and the command
//! line (`src/cli`) never use Discord, so each can change, or be used, without the bot. A
//! failure names the file and line that crossed the line.

use std::path::{Path, PathBuf};

use crate::util::repo;

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// `source` with comments and string and character literals blanked out, line for
/// line: prose that mentions Discord ("answers the Discord bot gives") and strings are
/// not uses of it.
fn code_only(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    while i < chars.len() {
        let rest = &chars[i..];
        let after_identifier = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        let skip = if rest.starts_with(&['/', '/']) {
            rest.iter().position(|&c| c == '\n').unwrap_or(rest.len())
        } else if rest.starts_with(&['/', '*']) {
            block_comment_len(rest)
        } else if rest[0] == 'r' && !after_identifier {
            raw_string_len(rest)
        } else if rest[0] == '"' {
            quoted_len(rest)
        } else if rest[0] == '\'' && (rest.get(1) == Some(&'\\') || rest.get(2) == Some(&'\'')) {
            // A character literal ('"', '\'', 'x'), not a lifetime ('a).
            quoted_len(rest)
        } else {
            0
        };
        if skip == 0 {
            out.push(rest[0]);
            i += 1;
        } else {
            // Line breaks kept, so line numbers still match.
            out.extend(
                rest[..skip]
                    .iter()
                    .map(|&c| if c == '\n' { '\n' } else { ' ' }),
            );
            i += skip;
        }
    }
    out
}

/// Length of the (possibly nested) block comment `text` starts with.
fn block_comment_len(text: &[char]) -> usize {
    let (mut depth, mut i) = (0, 0);
    while i < text.len() {
        if text[i..].starts_with(&['/', '*']) {
            depth += 1;
            i += 2;
        } else if text[i..].starts_with(&['*', '/']) {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    text.len()
}

/// Length of the raw string (`r"…"`, `r#"…"#`) `text` starts with; 0 if it is none.
fn raw_string_len(text: &[char]) -> usize {
    let hashes = text[1..].iter().take_while(|&&c| c == '#').count();
    if text.get(1 + hashes) != Some(&'"') {
        return 0;
    }
    let end: Vec<char> = std::iter::once('"')
        .chain(std::iter::repeat_n('#', hashes))
        .collect();
    let body = 2 + hashes;
    (body..text.len())
        .find(|&i| text[i..].starts_with(&end))
        .map_or(text.len(), |i| i + end.len())
}

/// Length of the string or character literal `text` starts with (its quote, escapes and
/// closing quote).
fn quoted_len(text: &[char]) -> usize {
    let quote = text[0];
    let mut i = 1;
    while i < text.len() && text[i] != quote {
        i += if text[i] == '\\' { 2 } else { 1 };
    }
    (i + 1).min(text.len())
}

/// Whether `word` occurs in `code` as a whole identifier.
fn has_word(code: &str, word: &str) -> bool {
    code.match_indices(word).any(|(at, _)| {
        let before = code[..at].chars().next_back();
        let after = code[at + word.len()..].chars().next();
        let ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        !ident(before) && !ident(after)
    })
}

/// Each use of Discord in `source`: (line number, the line), from a path through a
/// `discord` module (`crate::discord`, `super::discord`, `discord::…`), from an import of
/// it (`use crate::{discord, …}`, over several lines too), or any use of `serenity` or
/// `poise`.
fn discord_uses(source: &str) -> Vec<(usize, String)> {
    let code = code_only(source);
    let lines: Vec<&str> = source.lines().collect();
    let mut found = Vec::new();
    let mut in_use: Option<usize> = None;
    for (n, line) in code.lines().enumerate() {
        let trimmed = line.trim_start();
        let starts_use = ["use ", "pub use ", "pub(crate) use ", "pub(super) use "]
            .iter()
            .any(|p| trimmed.starts_with(p));
        if starts_use {
            in_use = Some(n);
        }
        let by_path = line.contains("discord::")
            || has_word(line, "serenity")
            || has_word(line, "poise")
            || has_word(line, "serenity_prelude");
        let by_import = in_use.is_some() && has_word(line, "discord");
        if by_path || by_import {
            found.push((n + 1, lines.get(n).unwrap_or(&"").trim().to_string()));
        }
        if in_use.is_some() && line.contains(';') {
            in_use = None;
        }
    }
    found
}

#[test]
fn the_check_sees_uses_of_discord_and_not_prose_about_it() {
    let uses = discord_uses(
        "//! Answers for the Discord bot and the terminal.\n\
         use crate::{\n    config,\n    discord,\n};\n\
         use serenity::all::Message;\n\
         fn f() { discord::serve(); let s = \"crate::discord\"; }\n\
         /// Not `poise::Context`, in prose.\n\
         fn g(settings: &Settings) -> &str { &settings.discord.token }\n",
    );
    let lines: Vec<usize> = uses.iter().map(|(n, _)| *n).collect();
    assert_eq!(lines, [4, 6, 7], "{uses:?}");
}

#[test]
fn the_core_the_storage_and_the_command_line_never_use_discord() {
    let root = repo();
    let mut crossings = Vec::new();
    for dir in ["src/core", "src/store", "src/cli"] {
        let files = rust_files(&root.join(dir));
        assert!(!files.is_empty(), "no Rust files under {dir}");
        for file in files {
            let source = std::fs::read_to_string(&file).unwrap();
            for (line, text) in discord_uses(&source) {
                crossings.push(format!(
                    "{}:{line}: {text}",
                    file.strip_prefix(&root).unwrap().display()
                ));
            }
        }
    }
    assert!(
        crossings.is_empty(),
        "the core, the storage and the command line must not use Discord (serenity, poise or the \
         discord module); the Discord front end calls them, not the other way round:\n{}",
        crossings.join("\n")
    );
}
