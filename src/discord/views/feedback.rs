//! What members do with an answer and what moderators learn from it: the second row of
//! buttons under every answer (👍, 👎, and 🗑️ under a public answer or "Share to
//! channel" under a private one), the "What was wrong?" box, the acknowledgements, and
//! `/feedback`.

use serenity::all::{CreateActionRow, CreateInputText, CreateModal, InputTextStyle};

use super::reply::{Button, Card, Reply, AMBER, GREY};
use super::text::plain;
use crate::core::lang::Lang;
use crate::discord::buttons::{self, Action, QuestionStore};
use crate::discord::limits::fit;
use crate::render::feedback::of;
use crate::render::words::{ago, fill};
use crate::store::Feedback;

/// The longest note a member may leave after 👎 (Discord enforces it in the box; the
/// bot cuts anything longer that arrives anyway).
pub const COMMENT_CHARS: usize = 300;

/// The question as `/feedback` lists it.
const QUESTION_CHARS: usize = 80;

/// Answers listed in each part of `/feedback`.
pub const SHOWN: usize = 8;

/// The row under an answer kept as `key`: 👍, 👎, then 🗑️ for a `public` answer or
/// "Share to channel" (of `question`) for a private one.
pub fn row(key: &str, public: bool, question: &str, lang: Lang) -> Vec<Button> {
    let mut row = vec![
        Button::secondary(
            "👍",
            Action::Vote {
                key: key.to_string(),
                helpful: true,
            },
        ),
        Button::secondary(
            "👎",
            Action::Vote {
                key: key.to_string(),
                helpful: false,
            },
        ),
    ];
    row.push(if public {
        Button::secondary("🗑️", Action::Delete)
    } else {
        Button::secondary(
            of(lang).share,
            Action::Share {
                question: question.to_string(),
            },
        )
    });
    row
}

/// The "What was wrong?" box after 👎 on the answer `key`.
pub fn comment_box(key: &str, lang: Lang, store: &QuestionStore) -> CreateModal {
    let w = of(lang);
    let input = CreateInputText::new(InputTextStyle::Short, w.modal_label, "comment")
        .placeholder(w.modal_placeholder)
        .required(false)
        .max_length(COMMENT_CHARS as u16);
    let id = buttons::encode(
        &Action::Comment {
            key: key.to_string(),
        },
        store,
    );
    CreateModal::new(id, w.modal_title).components(vec![CreateActionRow::InputText(input)])
}

/// `/feedback`: the answers voted down lately and most, with their notes, and the share
/// of helpful votes per index generation.
pub fn report(f: &Feedback, lang: Lang) -> Reply {
    let w = of(lang);
    if f.by_generation.is_empty() {
        return Reply::card(Card {
            title: Some(w.feedback_title.into()),
            description: w.no_votes.into(),
            colour: GREY,
            ..Card::default()
        });
    }
    let recent: Vec<String> = f
        .recent_down
        .iter()
        .take(SHOWN)
        .map(|d| {
            let when = humantime::format_rfc3339_seconds(d.at).to_string();
            let note = d
                .comment
                .as_deref()
                .map(|c| format!("“{}”", plain(&fit(c, 160))))
                .unwrap_or_else(|| format!("*{}*", w.no_comment));
            format!(
                "👎 **{}** — {note}\n-# {} · gen {} · {}",
                plain(&fit(&d.question, QUESTION_CHARS)),
                ago(lang, &when),
                d.generation,
                plain(&fit(&d.passages, 60))
            )
        })
        .collect();
    let most: Vec<String> = f
        .most_down
        .iter()
        .take(SHOWN)
        .map(|t| {
            format!(
                "👎 {} · 👍 {} — {}",
                t.down,
                t.up,
                plain(&fit(&t.question, QUESTION_CHARS))
            )
        })
        .collect();
    let shares: Vec<String> = f
        .by_generation
        .iter()
        .take(SHOWN)
        .map(|g| {
            let percent = (g.up * 100).checked_div(g.votes).unwrap_or(0);
            fill(
                w.generation_share,
                &[
                    ("generation", &g.generation.to_string()),
                    ("up", &g.up.to_string()),
                    ("votes", &g.votes.to_string()),
                    ("percent", &percent.to_string()),
                ],
            )
        })
        .collect();
    let mut fields = Vec::new();
    if !recent.is_empty() {
        fields.extend(super::reply::fields(w.recent_down, w.recent_down, &recent));
    }
    if !most.is_empty() {
        fields.extend(super::reply::fields(w.most_down, w.most_down, &most));
    }
    fields.extend(super::reply::fields(
        w.by_generation,
        w.by_generation,
        &shares,
    ));
    Reply::card(Card {
        title: Some(w.feedback_title.into()),
        fields,
        colour: AMBER,
        ..Card::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{DownVote, GenerationShare, Tally};

    #[test]
    fn a_private_answer_can_be_shared_and_a_public_one_removed() {
        let public = row("0123456789abcdef", true, "When?", Lang::En);
        let private = row("0123456789abcdef", false, "When?", Lang::Uk);
        assert!(matches!(
            &public[2],
            Button::Action {
                action: Action::Delete,
                ..
            }
        ));
        assert!(matches!(
            &private[2],
            Button::Action { action: Action::Share { question }, label, .. }
                if question == "When?" && label == "Поширити в каналі"
        ));
    }

    #[test]
    fn the_report_shows_notes_as_text_and_the_share_per_generation() {
        let f = Feedback {
            recent_down: vec![DownVote {
                question: "How many <@123> prisoners?".into(),
                passages: "seed#3".into(),
                generation: 4,
                comment: Some("the **date** is wrong @everyone".into()),
                at: std::time::SystemTime::now(),
            }],
            most_down: vec![Tally {
                question: "How many prisoners?".into(),
                down: 3,
                up: 1,
            }],
            by_generation: vec![GenerationShare {
                generation: 4,
                up: 3,
                votes: 4,
            }],
        };
        let text = format!("{:?}", report(&f, Lang::En));
        assert!(text.contains("75%"), "{text}");
        assert!(
            !text.contains("<@123>") && !text.contains("@everyone"),
            "{text}"
        );
        assert!(
            !text.contains("**date**"),
            "notes are text, not markdown: {text}"
        );
    }
}
