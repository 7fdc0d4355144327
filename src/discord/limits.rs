//! Discord's message limits, and fitting text inside them. Discord rejects a whole message
//! when one part is too long, so everything the bot sends goes through [`fit`] or
//! [`crate::discord::views::Card::fit`] first. Lengths are counted in characters (Unicode
//! scalar values), as Discord counts them.

pub const CONTENT: usize = 2000;
pub const EMBED_TITLE: usize = 256;
pub const EMBED_DESCRIPTION: usize = 4096;
pub const EMBED_FIELDS: usize = 25;
pub const FIELD_NAME: usize = 256;
pub const FIELD_VALUE: usize = 1024;
pub const FOOTER: usize = 2048;
/// All titles, descriptions, field names and values and footers of a message together.
pub const EMBEDS_TOTAL: usize = 6000;
pub const EMBEDS_PER_MESSAGE: usize = 10;
pub const BUTTONS_PER_ROW: usize = 5;
pub const BUTTON_LABEL: usize = 80;
pub const CUSTOM_ID: usize = 100;
/// An embed's or a link button's address.
pub const URL: usize = 512;
pub const AUTOCOMPLETE_CHOICES: usize = 25;
pub const CHOICE_NAME: usize = 100;
/// An attachment's description (its alt text).
pub const ATTACHMENT_DESCRIPTION: usize = 1024;
/// The files of one message, in a server without boosts (10 MiB).
pub const UPLOAD_BYTES: usize = 10 * 1024 * 1024;

/// A cut prefers a word boundary in the last 1/`WORD_BOUNDARY_WITHIN` of the room, so
/// words are not chopped, without giving up much of the room for it.
const WORD_BOUNDARY_WITHIN: usize = 5;

/// The visible mark left where text was cut.
pub const ELLIPSIS: char = '…';

pub fn chars(text: &str) -> usize {
    text.chars().count()
}

/// `text` cut to at most `max` characters, at a word boundary when one is near, with an
/// ellipsis showing the cut.
pub fn fit(text: &str, max: usize) -> String {
    if chars(text) <= max {
        return text.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let keep: String = text.chars().take(max - 1).collect();
    let cut = keep
        .rfind(char::is_whitespace)
        .filter(|&i| chars(&keep[..i]) * WORD_BOUNDARY_WITHIN >= max * (WORD_BOUNDARY_WITHIN - 1))
        .unwrap_or(keep.len());
    let mut out = keep[..cut].trim_end().to_string();
    // A cut must not leave an escaping backslash or half a bold marker dangling.
    while out.ends_with('\\') {
        out.pop();
    }
    if out.matches("**").count() % 2 == 1 {
        out.push_str("**");
        if chars(&out) >= max {
            let trimmed: String = out.chars().take(max.saturating_sub(3)).collect();
            out = trimmed.trim_end_matches('*').to_string();
        }
    }
    out.push(ELLIPSIS);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fitting_counts_characters_and_marks_the_cut() {
        assert_eq!(fit("short", 10), "short");
        let long = "word ".repeat(100);
        let cut = fit(&long, 50);
        assert!(chars(&cut) <= 50 && cut.ends_with(ELLIPSIS), "{cut}");
        let cyrillic = "переговоры ".repeat(50);
        assert!(chars(&fit(&cyrillic, 100)) <= 100);
        assert_eq!(fit("abc", 0), "");
    }

    #[test]
    fn a_cut_never_leaves_markdown_open() {
        let text = format!("{} **bold words here** tail", "x".repeat(40));
        let cut = fit(&text, 50);
        assert_eq!(cut.matches("**").count() % 2, 0, "{cut}");
        assert!(chars(&cut) <= 50);
        let escaped = format!("{}\\*", "y".repeat(48));
        assert!(!fit(&escaped, 50).trim_end_matches(ELLIPSIS).ends_with('\\'));
    }
}
