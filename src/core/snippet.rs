//! Snippets: which part of a passage to show for a question, and where the matched
//! words are in it. The core returns offsets, never markup: each front end renders them
//! its own way (bold in Discord markdown, ANSI bold in a terminal; see
//! [`crate::render::markdown`] and the CLI).

use std::ops::Range;

use super::analysis::{self, Term};

/// Snippets aim for about this many characters.
pub const SNIPPET_CHARS: usize = 320;

/// The part of a passage's text to show, and the matched words inside it, as byte
/// ranges of that text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snippet {
    /// What is shown; text before or after it is left out (front ends mark that with …).
    pub shown: Range<usize>,
    /// The question's words in `shown`, in order and not overlapping.
    pub matches: Vec<Range<usize>>,
}

/// One run of a snippet's text: a matched word or the text between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run<'a> {
    pub text: &'a str,
    pub matched: bool,
}

impl Snippet {
    /// Whether text of the passage comes before what is shown.
    pub fn cut_before(&self) -> bool {
        self.shown.start > 0
    }

    /// Whether text of the passage (`text`) comes after what is shown.
    pub fn cut_after(&self, text: &str) -> bool {
        self.shown.end < text.len()
    }

    /// The shown text of `text` as runs, matched or not; adjacent matches separated only
    /// by a space read as one.
    pub fn runs<'a>(&self, text: &'a str) -> Vec<Run<'a>> {
        let mut runs: Vec<Run<'a>> = Vec::new();
        let mut at = self.shown.start;
        let push = |runs: &mut Vec<Run<'a>>, range: Range<usize>, matched: bool| {
            if range.is_empty() {
                return;
            }
            runs.push(Run {
                text: &text[range],
                matched,
            });
        };
        let mut merged: Vec<Range<usize>> = Vec::new();
        for m in &self.matches {
            match merged.last_mut() {
                Some(last) if &text[last.end..m.start] == " " => last.end = m.end,
                _ => merged.push(m.clone()),
            }
        }
        for m in merged {
            push(&mut runs, at..m.start, false);
            push(&mut runs, m.clone(), true);
            at = m.end;
        }
        push(&mut runs, at..self.shown.end, false);
        runs
    }
}

/// The snippet of `text`: the window of sentences (byte ranges in `sentences`) with the
/// most matched terms, and those terms.
pub fn snippet(
    text: &str,
    sentences: &[(usize, usize)],
    terms: &[Term],
    matched: &dyn Fn(&str) -> bool,
) -> Snippet {
    let hits: Vec<&Term> = terms.iter().filter(|t| matched(&t.text)).collect();
    let (start, end) = best_window(text, sentences, &hits);
    let mut matches: Vec<Range<usize>> = Vec::new();
    for t in hits.iter().filter(|t| t.from >= start && t.to <= end) {
        if matches.last().is_none_or(|last| t.from >= last.end) {
            matches.push(t.from..t.to);
        }
    }
    Snippet {
        shown: start..end,
        matches,
    }
}

/// Every matched term of a text (byte ranges, in order, not overlapping).
pub fn marks(terms: &[Term], matched: &dyn Fn(&str) -> bool) -> Vec<Range<usize>> {
    let mut marks: Vec<Range<usize>> = Vec::new();
    for t in terms.iter().filter(|t| matched(&t.text)) {
        if marks.last().is_none_or(|last| t.from >= last.end) {
            marks.push(t.from..t.to);
        }
    }
    marks
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

    fn shown(text: &str, s: &Snippet) -> String {
        s.runs(text)
            .iter()
            .map(|r| {
                if r.matched {
                    format!("[{}]", r.text)
                } else {
                    r.text.to_string()
                }
            })
            .collect()
    }

    #[test]
    fn matched_words_are_found_and_neighbours_read_as_one() {
        let text = "At least 1,200 prisoners of war were swapped";
        let terms = analysis::analyze(&mut analysis::english(), text);
        let s = snippet(text, &analysis::sentences(text), &terms, &|t| {
            t == "prison" || t == "1200" || t == "swap"
        });
        assert_eq!(
            shown(text, &s),
            "At least [1,200 prisoners] of war were [swapped]"
        );
        assert!(!s.cut_before() && !s.cut_after(text));
    }

    #[test]
    fn long_passages_are_cut_around_the_matches() {
        let filler = "Nothing to see here at all. ".repeat(20);
        let text = format!("{filler}The swap was agreed. {filler}");
        let terms = analysis::analyze(&mut analysis::english(), &text);
        let s = snippet(&text, &analysis::sentences(&text), &terms, &|t| t == "swap");
        assert!(s.cut_before() && s.cut_after(&text), "{s:?}");
        assert!(shown(&text, &s).contains("[swap]"));
        assert!(text[s.shown.clone()].chars().count() < 400);
    }
}
