//! The reply model: a reply is some text, cards (embeds) and one row of buttons, built by
//! the views as plain data and fitted to Discord's limits here, so every limit is
//! unit-tested without a network. The parts several views share are written once here:
//! a list of lines packed into fields that say "(continued)", the caution field of a
//! flagged source, and the ◀ ▶ pager.

use serenity::all::{
    ButtonStyle, Colour, CreateActionRow, CreateAttachment, CreateButton, CreateEmbed,
    CreateEmbedFooter, Timestamp,
};

use crate::discord::buttons::Action;
use crate::discord::limits::{self, chars, fit};

/// Card colours: the answer, nothing found, a flagged source, a failure, a success.
pub const BLURPLE: u32 = 0x5865F2;
pub const GREY: u32 = 0x99AAB5;
pub const AMBER: u32 = 0xE67E22;
pub const RED: u32 = 0xED4245;
pub const GREEN: u32 = 0x57F287;

/// Shown where a reply had to be shortened to fit Discord.
pub const TRIMMED: &str = "*(shortened to fit Discord)*";

/// One embed, before it becomes a serenity builder.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Card {
    pub title: Option<String>,
    pub url: Option<String>,
    pub description: String,
    pub fields: Vec<(String, String)>,
    pub footer: Option<String>,
    /// RFC 3339; Discord shows it beside the footer in the reader's time zone.
    pub timestamp: Option<String>,
    pub colour: u32,
    /// A picture shown large under the text: `attachment://NAME` for a file sent with
    /// the reply.
    pub image: Option<String>,
}

impl Card {
    /// The characters Discord counts towards the 6000 per message.
    pub fn total_chars(&self) -> usize {
        self.title.as_deref().map_or(0, chars)
            + chars(&self.description)
            + self
                .fields
                .iter()
                .map(|(n, v)| chars(n) + chars(v))
                .sum::<usize>()
            + self.footer.as_deref().map_or(0, chars)
    }

    /// Every part within its own limit, and the whole within `budget` characters: the
    /// description gives way first, with a visible note.
    pub fn fit(mut self, budget: usize) -> Card {
        // Discord refuses the whole message for an address it cannot use, and the
        // corpus does not check its addresses.
        self.url = self.url.filter(|u| {
            u.len() <= limits::URL
                && url::Url::parse(u).is_ok_and(|p| matches!(p.scheme(), "http" | "https"))
        });
        self.title = self.title.map(|t| fit(&t, limits::EMBED_TITLE));
        self.footer = self.footer.map(|f| fit(&f, limits::FOOTER));
        self.fields.truncate(limits::EMBED_FIELDS);
        for (name, value) in &mut self.fields {
            *name = fit(name, limits::FIELD_NAME);
            *value = fit(value, limits::FIELD_VALUE);
        }
        let others = self.total_chars() - chars(&self.description);
        let room = budget.saturating_sub(others).min(limits::EMBED_DESCRIPTION);
        if chars(&self.description) > room {
            let note = format!("\n{TRIMMED}");
            self.description = fit(&self.description, room.saturating_sub(chars(&note))) + &note;
            if chars(&self.description) > room {
                self.description = fit(&self.description, room);
            }
        }
        // Still too big (many long fields on a small budget): drop fields from the end.
        while self.total_chars() > budget && !self.fields.is_empty() {
            self.fields.pop();
        }
        self
    }

    pub fn to_embed(&self) -> CreateEmbed {
        let mut e = CreateEmbed::new().colour(Colour::new(self.colour));
        if let Some(t) = &self.title {
            e = e.title(t);
        }
        if let Some(u) = &self.url {
            e = e.url(u);
        }
        if !self.description.is_empty() {
            e = e.description(&self.description);
        }
        for (name, value) in &self.fields {
            e = e.field(name, value, false);
        }
        if let Some(f) = &self.footer {
            e = e.footer(CreateEmbedFooter::new(f));
        }
        if let Some(i) = &self.image {
            e = e.image(i);
        }
        if let Some(ts) = self
            .timestamp
            .as_deref()
            .and_then(|t| Timestamp::parse(t).ok())
        {
            e = e.timestamp(ts);
        }
        e
    }
}

/// A button under a reply.
#[derive(Debug, Clone, PartialEq)]
pub enum Button {
    Action {
        label: String,
        action: Action,
        disabled: bool,
        primary: bool,
    },
    Link {
        label: String,
        url: String,
    },
}

impl Button {
    /// A grey button doing `action`.
    pub fn secondary(label: impl Into<String>, action: Action) -> Button {
        Button::Action {
            label: label.into(),
            action,
            disabled: false,
            primary: false,
        }
    }
}

/// A file sent with a reply (a card shows it as `attachment://{filename}`).
#[derive(Debug, Clone, PartialEq)]
pub struct Upload {
    pub filename: String,
    pub bytes: std::sync::Arc<[u8]>,
    /// What it shows, for readers who cannot see it (Discord's alt text; at most
    /// [`limits::ATTACHMENT_DESCRIPTION`] characters).
    pub description: String,
}

/// A whole reply: text, embeds, then one row of buttons, and files.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reply {
    pub content: Option<String>,
    pub cards: Vec<Card>,
    pub buttons: Vec<Button>,
    pub files: Vec<Upload>,
}

impl Reply {
    pub fn text(text: impl Into<String>) -> Reply {
        Reply {
            content: Some(fit(&text.into(), limits::CONTENT)),
            ..Reply::default()
        }
    }

    /// One card, fitted to a whole message.
    pub fn card(card: Card) -> Reply {
        Reply {
            cards: vec![card.fit(limits::EMBEDS_TOTAL)],
            ..Reply::default()
        }
    }

    /// The reply's words on one line (its text, then each card's title and description),
    /// for a log line when it could not be delivered.
    pub fn summary(&self) -> String {
        let mut parts: Vec<&str> = self.content.as_deref().into_iter().collect();
        for card in &self.cards {
            parts.extend(card.title.as_deref());
            parts.push(&card.description);
        }
        parts
            .join(" | ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub fn with_buttons(mut self, buttons: Vec<Button>) -> Reply {
        self.buttons = buttons;
        self
    }

    /// The files as serenity sends them, each with its alt text.
    pub fn attachments(&self) -> Vec<CreateAttachment> {
        self.files
            .iter()
            .map(|f| {
                CreateAttachment::bytes(f.bytes.to_vec(), &f.filename)
                    .description(fit(&f.description, limits::ATTACHMENT_DESCRIPTION))
            })
            .collect()
    }

    pub fn embeds(&self) -> Vec<CreateEmbed> {
        self.cards.iter().map(Card::to_embed).collect()
    }

    /// The button row, with each action encoded by `encode` into a custom id.
    pub fn components(&self, encode: &dyn Fn(&Action) -> String) -> Vec<CreateActionRow> {
        if self.buttons.is_empty() {
            return Vec::new();
        }
        let row = self
            .buttons
            .iter()
            .take(limits::BUTTONS_PER_ROW)
            .map(|b| match b {
                Button::Action {
                    label,
                    action,
                    disabled,
                    primary,
                } => CreateButton::new(encode(action))
                    .label(fit(label, limits::BUTTON_LABEL))
                    .style(if *primary {
                        ButtonStyle::Primary
                    } else {
                        ButtonStyle::Secondary
                    })
                    .disabled(*disabled),
                Button::Link { label, url } => {
                    CreateButton::new_link(url).label(fit(label, limits::BUTTON_LABEL))
                }
            })
            .collect();
        vec![CreateActionRow::Buttons(row)]
    }
}

/// `lines` packed, in order, into as few field values as fit; the first field is called
/// `name`, the others `continued`.
pub fn fields(name: &str, continued: &str, lines: &[String]) -> Vec<(String, String)> {
    let mut values: Vec<String> = Vec::new();
    for line in lines {
        let line = fit(line, limits::FIELD_VALUE);
        match values.last_mut() {
            Some(last) if chars(last) + 1 + chars(&line) <= limits::FIELD_VALUE => {
                last.push('\n');
                last.push_str(&line);
            }
            _ => values.push(line),
        }
    }
    values
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            let name = if i == 0 { name } else { continued };
            (name.to_string(), v)
        })
        .collect()
}

/// The field that warns of a flagged source, when `caveats` has any.
pub fn caution(name: &str, caveats: &[String]) -> Option<(String, String)> {
    (!caveats.is_empty()).then(|| (name.to_string(), format!("⚠️ {}", caveats.join("; "))))
}

/// ◀ ▶ buttons for page `page` (from 0) of `pages`, `to` making the action for a page;
/// none when everything fits on one page.
pub fn pager(page: usize, pages: usize, to: impl Fn(usize) -> Action) -> Vec<Button> {
    pager_labelled("◀ Previous", "Next ▶", page, pages, to)
}

/// [`pager`] with its labels in the reader's language.
pub fn pager_labelled(
    previous: &str,
    next: &str,
    page: usize,
    pages: usize,
    to: impl Fn(usize) -> Action,
) -> Vec<Button> {
    if pages <= 1 {
        return Vec::new();
    }
    vec![
        Button::Action {
            label: previous.into(),
            action: to(page.saturating_sub(1)),
            disabled: page == 0,
            primary: false,
        },
        Button::Action {
            label: next.into(),
            action: to(page + 1),
            disabled: page + 1 >= pages,
            primary: false,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cards_fit_every_limit_and_say_when_they_were_cut() {
        let long = "word ".repeat(3000);
        let card = Card {
            title: Some(long.clone()),
            description: long.clone(),
            fields: (0..40).map(|i| (format!("f{i}"), long.clone())).collect(),
            footer: Some(long.clone()),
            ..Card::default()
        }
        .fit(limits::EMBEDS_TOTAL);
        assert!(
            card.total_chars() <= limits::EMBEDS_TOTAL,
            "{}",
            card.total_chars()
        );
        assert!(chars(card.title.as_deref().unwrap()) <= limits::EMBED_TITLE);
        assert!(chars(&card.description) <= limits::EMBED_DESCRIPTION);
        assert!(card.fields.len() <= limits::EMBED_FIELDS);
        assert!(card
            .fields
            .iter()
            .all(|(n, v)| chars(n) <= limits::FIELD_NAME && chars(v) <= limits::FIELD_VALUE));
        assert!(chars(card.footer.as_deref().unwrap()) <= limits::FOOTER);

        let small = Card {
            description: long,
            ..Card::default()
        }
        .fit(limits::EMBEDS_TOTAL);
        assert!(
            small.description.ends_with(TRIMMED),
            "the cut must be visible"
        );
    }

    #[test]
    fn long_lists_continue_in_further_fields() {
        let lines: Vec<String> = (0..30)
            .map(|i| format!("line {i} {}", "x".repeat(90)))
            .collect();
        let f = fields("Sources", "Sources (continued)", &lines);
        assert!(f.len() > 1);
        assert_eq!(f[0].0, "Sources");
        assert!(f[1..].iter().all(|(n, _)| n == "Sources (continued)"));
        assert!(f.iter().all(|(_, v)| chars(v) <= limits::FIELD_VALUE));
        let all: Vec<&str> = f.iter().flat_map(|(_, v)| v.lines()).collect();
        assert_eq!(all.len(), 30, "every line, in order");
    }

    #[test]
    fn the_pager_stops_at_either_end() {
        assert!(pager(0, 1, |p| Action::Catalog { page: p }).is_empty());
        let first = pager(0, 3, |p| Action::Catalog { page: p });
        assert!(matches!(first[0], Button::Action { disabled: true, .. }));
        assert!(matches!(
            first[1],
            Button::Action {
                disabled: false,
                action: Action::Catalog { page: 1 },
                ..
            }
        ));
        let last = pager(2, 3, |p| Action::Catalog { page: p });
        assert!(matches!(last[1], Button::Action { disabled: true, .. }));
    }
}
