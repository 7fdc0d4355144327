//! `/help` (and a mention with no question): how to ask, with examples, in the asker's
//! language.

use super::reply::{Card, Reply, BLURPLE};
use crate::core::lang::Lang;
use crate::render::words;

/// How to ask; `answer_channels` when the server has channels where every message is a
/// question.
pub fn help(max_question_chars: usize, answer_channels: bool, lang: Lang) -> Reply {
    let w = words::of(lang);
    let mut description = format!("{}\n\n{}\n", w.help_intro, w.help_ask);
    if answer_channels {
        description.push_str(w.help_answer_channels);
        description.push('\n');
    }
    description.push('\n');
    description.push_str(&words::fill(
        w.help_tips,
        &[("max", &max_question_chars.to_string())],
    ));
    description.push_str("\n\n");
    description.push_str(w.help_look_around);
    Reply::card(Card {
        title: Some(w.help_title.into()),
        description,
        colour: BLURPLE,
        ..Card::default()
    })
}
