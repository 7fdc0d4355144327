//! Text safety: what members and sources wrote, made safe to show in Discord. Markdown
//! is escaped ([`crate::render::markdown`]), mention syntax is broken so echoed text can
//! neither ping anyone (allowed mentions are off for every message as well) nor render
//! as a mention, and link targets cannot end a link early.

use crate::core::lang::Lang;
use crate::render::{markdown, words};

/// Text from users or sources made safe to show: Markdown escaped, mentions broken.
pub fn plain(text: &str) -> String {
    neutralize_mentions(&markdown::escape(text))
}

/// Break `@everyone`, `@here` and `<@…>`/`<#…>` mention syntax with a zero-width space,
/// in text that is already escaped.
pub fn neutralize_mentions(text: &str) -> String {
    text.replace("@everyone", "@\u{200B}everyone")
        .replace("@here", "@\u{200B}here")
        .replace("<@", "<\u{200B}@")
        .replace("<#", "<\u{200B}#")
}

/// A markdown link target: Discord ends the link at the first `)`.
pub fn link_target(url: &str) -> String {
    url.replace(')', "%29").replace(' ', "%20")
}

/// How long ago an RFC 3339 time was, in English, for moderators: "5 min ago".
pub fn ago(rfc3339: &str) -> String {
    words::ago(Lang::En, rfc3339)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echoed_text_cannot_ping_or_break_the_layout() {
        let s = plain("@everyone @here <@123> <@&456> <#789> **bold** `code` > quote");
        assert!(!s.contains("@everyone") && !s.contains("@here"), "{s}");
        assert!(!s.contains("<@") && !s.contains("<#"), "{s}");
        assert!(
            s.contains(r"\*\*bold\*\*") && s.contains(r"\`code\`"),
            "{s}"
        );
    }

    #[test]
    fn ages_read_naturally() {
        let at = |secs: u64| {
            humantime::format_rfc3339_seconds(
                std::time::SystemTime::now() - std::time::Duration::from_secs(secs),
            )
            .to_string()
        };
        assert_eq!(ago(&at(5)), "just now");
        assert_eq!(ago(&at(300)), "5 min ago");
        assert_eq!(ago(&at(7300)), "2 h ago");
        assert_eq!(ago(&at(200_000)), "2 d ago");
    }

    #[test]
    fn link_targets_cannot_end_the_link_early() {
        assert_eq!(
            link_target("https://e.org/a_(b) c"),
            "https://e.org/a_(b%29%20c"
        );
    }
}
