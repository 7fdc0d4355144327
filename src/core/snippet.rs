//! Snippets: the part of a passage around the matched words, with those words in
//! Discord-markdown bold and everything else escaped so that passage text can never
//! break the layout (stray `*`, `_`, `|`, `>` …).

use super::analysis::{self, Term};

/// Snippets aim for about this many characters.
pub const SNIPPET_CHARS: usize = 320;

/// Escape the characters Discord markdown gives a meaning to.
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '*' | '_' | '~' | '`' | '|' | '>' | '#' | '[' | ']' | '<' | ':' | '-'
        ) && needs_escape(c)
        {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `:` and `-` only matter in a few places (emoji, lists); escaping them everywhere makes
/// text hard to read, so they are left alone, as `<` is (mentions are blocked elsewhere).
fn needs_escape(c: char) -> bool {
    !matches!(c, ':' | '-' | '<')
}

/// Build a snippet of `text`: the window of sentences (byte ranges in `sentences`) with
/// the most matched terms, matched terms in bold.
pub fn snippet(
    text: &str,
    sentences: &[(usize, usize)],
    terms: &[Term],
    matched: &dyn Fn(&str) -> bool,
) -> String {
    let hits: Vec<&Term> = terms.iter().filter(|t| matched(&t.text)).collect();
    let (start, end) = best_window(text, sentences, &hits);
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let mut at = start;
    for t in hits.iter().filter(|t| t.from >= start && t.to <= end) {
        out.push_str(&escape_markdown(&text[at..t.from]));
        out.push_str("**");
        out.push_str(&escape_markdown(&text[t.from..t.to]));
        out.push_str("**");
        at = t.to;
    }
    out.push_str(&escape_markdown(&text[at..end]));
    if end < text.len() {
        out.push('…');
    }
    out.replace("** **", " ")
}

fn best_window(text: &str, sentences: &[(usize, usize)], hits: &[&Term]) -> (usize, usize) {
    if text.len() <= SNIPPET_CHARS || sentences.is_empty() {
        return (0, text.len().min(floor_char(text, SNIPPET_CHARS * 2)));
    }
    let count = |a: usize, b: usize| hits.iter().filter(|t| t.from >= a && t.to <= b).count();
    let mut best = (0, sentences[0].1, 0usize);
    for i in 0..sentences.len() {
        let mut j = i;
        while j + 1 < sentences.len() && sentences[j + 1].1 - sentences[i].0 <= SNIPPET_CHARS {
            j += 1;
        }
        let (a, b) = (sentences[i].0, sentences[j].1);
        let n = count(a, b);
        if n > best.2 {
            best = (a, b, n);
        }
    }
    let (a, b, _) = best;
    if b - a > SNIPPET_CHARS * 2 {
        (a, floor_char(text, a + SNIPPET_CHARS * 2))
    } else {
        (a, b)
    }
}

fn floor_char(text: &str, i: usize) -> usize {
    analysis::head(text, i).len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matched_words_are_bold_and_markdown_is_escaped() {
        let text = "At least 1,200 *prisoners* of war | swapped_now";
        let terms = analysis::analyze(&mut analysis::english(), text);
        let s = snippet(text, &analysis::sentences(text), &terms, &|t| {
            t == "prison" || t == "1200"
        });
        assert_eq!(
            s,
            r"At least **1,200** \***prisoners**\* of war \| swapped\_now"
        );
    }

    #[test]
    fn long_passages_are_cut_around_the_matches() {
        let filler = "Nothing to see here at all. ".repeat(20);
        let text = format!("{filler}The swap was agreed. {filler}");
        let terms = analysis::analyze(&mut analysis::english(), &text);
        let s = snippet(&text, &analysis::sentences(&text), &terms, &|t| t == "swap");
        assert!(
            s.contains("**swap**") && s.starts_with('…') && s.ends_with('…'),
            "{s}"
        );
        assert!(s.chars().count() < 400, "{}", s.len());
    }
}
