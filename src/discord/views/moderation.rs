//! What moderators see: the results of `/reindex`, `/rollback`, `/source add` (a file,
//! or a link with its preview), `/source refresh` and `/source remove` (with its
//! confirmation), `/unanswered`, and the refusals of those
//! commands. English, as every moderator-only reply is for now.

use super::reply::{Button, Card, Reply, AMBER, BLURPLE, GREEN, GREY, RED};
use super::text::{ago, plain};
use crate::core::corpus::Source;
use crate::core::gaps::Gap;
use crate::core::index::{BuildStatus, Manifest};
use crate::discord::buttons::Action;
use crate::discord::limits::{self, chars, fit};
use crate::render::words;

/// Sizes are shown in KB (of 1024 bytes), as Discord shows attachments.
const KIB: u64 = 1024;

pub fn reindexed(m: &Manifest) -> Reply {
    let vectors = words::vectors_summary(m.vectors);
    Reply::card(Card {
        title: Some("Reindexed".into()),
        description: format!(
            "{} sources, {} passages, built in {:.1} s. Answers now come from index generation {}.{vectors}",
            m.sources, m.passages, m.build_seconds, m.generation
        ),
        colour: GREEN,
        ..Card::default()
    })
}

/// A source added or removed (`what` says which, already safe to show), and the reindex
/// that followed.
pub fn source_changed(what: &str, m: &Manifest) -> Reply {
    Reply::card(Card {
        title: Some("Sources changed".into()),
        description: format!(
            "{what} Reindexed: {} sources, {} passages, built in {:.1} s. Answers now come from index generation {}.",
            m.sources, m.passages, m.build_seconds, m.generation
        ),
        colour: GREEN,
        ..Card::default()
    })
}

/// `/source add` succeeded.
pub fn added(filename: &str, m: &Manifest) -> Reply {
    source_changed(&format!("Added `{}`.", plain(filename)), m)
}

/// The removal was confirmed and done.
pub fn removed(id: &str, m: &Manifest) -> Reply {
    source_changed(&format!("Removed `{}`.", plain(id)), m)
}

/// "Remove this source?" with the buttons that decide.
pub fn confirm_removal(s: &Source) -> Reply {
    Reply::card(Card {
        title: Some("Remove this source?".into()),
        description: format!(
            "`{}` — {}\nfrom `{}`. The index is rebuilt without it; `/rollback` brings the previous index back, the file does not come back.",
            s.id,
            plain(&s.title),
            s.file
        ),
        colour: AMBER,
        ..Card::default()
    })
    .with_buttons(vec![
        Button::Action {
            label: "Remove".into(),
            action: Action::Remove { id: s.id.clone() },
            disabled: false,
            primary: true,
        },
        Button::secondary("Cancel", Action::Cancel),
    ])
}

/// The removal was cancelled.
pub fn nothing_removed() -> Reply {
    Reply::text("Nothing was removed.")
}

/// `/source remove` for an id that is not indexed.
pub fn no_such_source(id: &str) -> Reply {
    Reply::text(format!(
        "There is no source `{}`.",
        fit(&plain(id), super::sources::NAME_ECHO_CHARS)
    ))
}

/// `/unanswered`: what members asked that the sources could not answer.
pub fn unanswered(gaps: &[Gap]) -> Reply {
    let description = if gaps.is_empty() {
        "Every recent question found an answer in the sources.".to_string()
    } else {
        let lines: Vec<String> = gaps
            .iter()
            .map(|g| {
                let when = humantime::format_rfc3339_seconds(g.last_asked).to_string();
                format!(
                    "**{}×** {} — last {}",
                    g.count,
                    plain(&g.question),
                    ago(&when)
                )
            })
            .collect();
        format!(
            "{}\n\nAdd sources that answer these with `/source add`.",
            lines.join("\n")
        )
    };
    Reply::card(Card {
        title: Some("Recent questions that found nothing".into()),
        description,
        footer: Some(
            "Kept in the bot's database (the 500 most asked); who asked is not kept.".into(),
        ),
        colour: GREY,
        ..Card::default()
    })
}

pub fn rolled_back(m: &Manifest) -> Reply {
    Reply::card(Card {
        title: Some("Rolled back".into()),
        description: format!(
            "Answers now come from index generation {} again ({} sources, {} passages, built {}). Run `/reindex` to build from the sources again.",
            m.generation, m.sources, m.passages, m.built_at
        ),
        colour: AMBER,
        ..Card::default()
    })
}

pub fn no_previous_generation() -> Reply {
    Reply::text("There is no previous index generation to go back to.")
}

pub fn rollback_failed(error: &str) -> Reply {
    Reply::text(format!(
        "Rollback failed, nothing changed: {}",
        plain(error)
    ))
}

/// A failed reindex: the errors as `path:line: …`, and the reassurance that nothing changed.
pub fn reindex_failed(errors: &str, generation: u64) -> Reply {
    let errors = errors.replace("```", "'''");
    let head = format!("Nothing changed: answers still come from index generation {generation}. Fix these and run `/reindex` again:\n");
    // The code block's fences and newlines.
    const FENCES: usize = 8;
    let room = limits::EMBED_DESCRIPTION - chars(&head) - FENCES;
    Reply::card(Card {
        title: Some("Reindex failed".into()),
        description: format!("{head}```\n{}\n```", fit(&errors, room)),
        colour: RED,
        ..Card::default()
    })
}

/// Another reindex holds the lock; `status` says what it is doing.
pub fn reindex_running(status: Option<&BuildStatus>) -> Reply {
    let what = status.map_or_else(|| "just starting".to_string(), ToString::to_string);
    Reply::text(format!(
        "A reindex is already running ({what}). Its result will answer the next questions."
    ))
}

/// A write (a rebuild, a rollback, a source change) on a process that only reads the
/// index: where writes happen instead.
pub fn read_only() -> Reply {
    Reply::text(crate::app::AppError::ReadOnly.to_string())
}

/// A member without moderator rights tried `what` ("add sources").
pub fn not_a_moderator(what: &str) -> Reply {
    Reply::text(format!(
        "Only moderators can {what}: members with the Manage Server permission or a moderator role."
    ))
}

/// An upload over `index.max_upload_bytes`, refused before downloading it.
pub fn upload_too_large(filename: &str, size: u64, max: usize) -> Reply {
    Reply::text(format!(
        "`{}` is {} KB; sources may be up to {} KB.",
        plain(filename),
        size / KIB,
        max as u64 / KIB
    ))
}

/// An upload refused for its name, or its content (`problem`, already a sentence).
pub fn upload_refused(problem: &str) -> Reply {
    Reply::text(plain(problem))
}

/// What was read from a link, before it is added: title, publisher, date, passages and
/// the first two paragraphs, with Add and Cancel (the page waits under `key`).
pub fn page_preview(p: &crate::app::links::Preview, key: &str) -> Reply {
    let mut about = vec![plain(&p.publisher)];
    about.extend(p.date.as_deref().map(plain));
    about.extend(p.author.as_deref().map(|a| format!("by {}", plain(a))));
    about.extend(
        p.lang
            .as_deref()
            .map(|l| format!("language `{}`", plain(l))),
    );
    let mut description = format!(
        "{}\n{} passages, to be added as `{}`. It begins:\n",
        about.join(" · "),
        p.passages,
        p.document.id
    );
    for para in &p.opening {
        description.push_str(&format!("> {}\n", fit(&plain(para), 300)));
    }
    description
        .push_str("-# Add stores it and reindexes (`/rollback` undoes it); Cancel forgets it.");
    Reply::card(Card {
        title: Some(fit(&plain(&p.title), 200)),
        url: Some(p.url.clone()),
        description,
        colour: BLURPLE,
        ..Card::default()
    })
    .with_buttons(vec![
        Button::Action {
            label: "Add".into(),
            action: Action::AddPage {
                key: key.to_string(),
            },
            disabled: false,
            primary: true,
        },
        Button::secondary(
            "Cancel",
            Action::DropPage {
                key: key.to_string(),
            },
        ),
    ])
}

/// A link that could not be read or added, with the reason.
pub fn page_refused(reason: &str) -> Reply {
    Reply::text(format!("I did not add that page: {}.", plain(reason)))
}

/// The preview was cancelled, or used already.
pub fn nothing_added() -> Reply {
    Reply::text("Nothing was added.")
}

pub fn preview_gone() -> Reply {
    Reply::text("This preview has expired or was used already. Run `/source add url:` again.")
}

/// What `/source refresh` did.
pub fn refreshed(r: &crate::app::links::Refreshed) -> Reply {
    use crate::app::links::Refreshed;
    match r {
        Refreshed::NotModified { id } => Reply::text(format!(
            "`{}` has not changed (the site said so); nothing to do.",
            plain(id)
        )),
        Refreshed::Unchanged { id } => Reply::text(format!(
            "`{}` was fetched again and its text is the same; no reindex.",
            plain(id)
        )),
        Refreshed::Changed {
            id,
            added,
            removed,
            edited,
            manifest,
        } => source_changed(
            &format!(
                "Refreshed `{}`: {added} passages added, {removed} removed, {edited} edited.",
                plain(id)
            ),
            manifest,
        ),
    }
}

pub fn download_failed() -> Reply {
    Reply::text("I could not download that file from Discord; please try again.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_reindex_shows_the_errors_inside_the_limits() {
        let errors = "index/sources/x.toml:3: bad\n".repeat(500);
        let r = reindex_failed(&errors, 4);
        assert!(r.cards[0].description.contains("x.toml:3: bad"));
        assert!(r.cards[0].description.contains("generation 4"));
        assert!(r.cards[0].total_chars() <= limits::EMBEDS_TOTAL);
        assert!(chars(&r.cards[0].description) <= limits::EMBED_DESCRIPTION);
    }
}
