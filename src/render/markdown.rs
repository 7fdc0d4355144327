//! Discord markdown, front-end neutral: escaping, and a snippet with its matched words in
//! bold. The Discord front end draws with it, and so does `attache ask --json`, whose
//! `snippet` is documented as Discord markdown; neither the core nor the CLI needs to
//! know Discord's client to use it.

use crate::core::snippet::Snippet;

/// Escape the characters Discord markdown gives a meaning to.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        // `:` and `-` only matter in a few places (emoji, lists), and `<` only in
        // mentions, which the Discord layer breaks on its own; escaping them everywhere
        // would make text hard to read.
        if matches!(
            c,
            '\\' | '*' | '_' | '~' | '`' | '|' | '>' | '#' | '[' | ']'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `text` escaped, bold.
pub fn bold(text: &str) -> String {
    format!("**{}**", escape(text))
}

/// The shown part of a passage's `text`, escaped, with the matched words in bold and
/// an ellipsis where text was left out.
pub fn snippet(text: &str, snippet: &Snippet) -> String {
    let mut out = String::new();
    if snippet.cut_before() {
        out.push('…');
    }
    for run in snippet.runs(text) {
        if run.matched {
            out.push_str(&bold(run.text));
        } else {
            out.push_str(&escape(run.text));
        }
    }
    if snippet.cut_after(text) {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::analysis;
    use crate::core::snippet;

    #[test]
    fn matched_words_are_bold_and_markdown_is_escaped() {
        let text = "At least 1,200 *prisoners* of war | swapped_now";
        let terms = analysis::analyze(&mut analysis::english(), text);
        let s = snippet::snippet(text, &analysis::sentences(text), &terms, &|t| {
            t == "prison" || t == "1200"
        });
        assert_eq!(
            snippet(text, &s),
            r"At least **1,200** \***prisoners**\* of war \| swapped\_now"
        );
    }

    #[test]
    fn cut_text_is_marked() {
        let filler = "Nothing to see here at all. ".repeat(20);
        let text = format!("{filler}The swap was agreed. {filler}");
        let terms = analysis::analyze(&mut analysis::english(), &text);
        let s = snippet::snippet(&text, &analysis::sentences(&text), &terms, &|t| t == "swap");
        let out = snippet(&text, &s);
        assert!(
            out.contains("**swap**") && out.starts_with('…') && out.ends_with('…'),
            "{out}"
        );
    }
}
