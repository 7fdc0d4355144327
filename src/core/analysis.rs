//! Text analysis shared by indexing and querying: one tokenizer, two analyzers.
//!
//! - `attache_en` (passage text, titles, sections): words by Unicode rules (UAX #29),
//!   lower-cased, ASCII-folded ("Çırağan" → "ciragan"), English stop words removed,
//!   Snowball-stemmed. Questions go through the same analyzer, so both sides agree.
//! - `attache_words`: the same words without stop-word removal or stemming; it is the
//!   spelling vocabulary that typo correction searches.
//!
//! Numbers keep their digit groups: "1,200" is one token `1200`, so "1200 prisoners"
//! finds "1,200 prisoners".

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, Stemmer, StopWordFilter,
    TextAnalyzer, Token, TokenStream, Tokenizer,
};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;
use unicode_segmentation::UnicodeSegmentation;

pub const EN: &str = "attache_en";
pub const WORDS: &str = "attache_words";

/// Words longer than this are noise (URLs, hashes) and are not indexed.
const MAX_TOKEN_BYTES: usize = 40;

/// Splits text into words by Unicode word boundaries, normalising digit grouping.
#[derive(Clone, Default)]
pub struct WordTokenizer {
    token: Token,
}

pub struct WordTokenStream<'a> {
    words: unicode_segmentation::UWordBoundIndices<'a>,
    /// Parts of a word still to emit (UAX #29 keeps "title:prisoners" together, as for
    /// Swedish abbreviations; here a colon always separates words).
    pending: std::collections::VecDeque<(usize, &'a str)>,
    token: &'a mut Token,
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordTokenStream<'a> {
        self.token.reset();
        self.token.position = usize::MAX;
        WordTokenStream {
            words: text.split_word_bound_indices(),
            pending: Default::default(),
            token: &mut self.token,
        }
    }
}

impl TokenStream for WordTokenStream<'_> {
    fn advance(&mut self) -> bool {
        loop {
            let (offset, word) = match self.pending.pop_front() {
                Some(part) => part,
                None => match self.words.next() {
                    Some((offset, word)) if word.contains(':') => {
                        let mut at = offset;
                        for part in word.split(':') {
                            self.pending.push_back((at, part));
                            at += part.len() + 1;
                        }
                        continue;
                    }
                    Some(w) => w,
                    None => return false,
                },
            };
            if !word.chars().any(char::is_alphanumeric) {
                continue;
            }
            self.token.text.clear();
            if word.contains(',') && word.chars().any(|c| c.is_ascii_digit()) {
                self.token.text.extend(word.chars().filter(|&c| c != ','));
            } else if word.is_ascii() {
                self.token.text.push_str(word);
            } else {
                // Decompose and drop combining marks, so accents typed as separate
                // characters (or piled up as "zalgo") fold like precomposed ones.
                self.token.text.extend(
                    word.nfd()
                        .filter(|&c| !is_combining_mark(c) && !c.is_control()),
                );
            }
            self.token.offset_from = offset;
            self.token.offset_to = offset + word.len();
            self.token.position = self.token.position.wrapping_add(1);
            return true;
        }
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// The analyzer for searchable text.
pub fn english() -> TextAnalyzer {
    TextAnalyzer::builder(WordTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(StopWordFilter::new(Language::English).expect("tantivy ships English stop words"))
        .filter(Stemmer::new(Language::English))
        .build()
}

/// The analyzer for the spelling vocabulary.
pub fn words() -> TextAnalyzer {
    TextAnalyzer::builder(WordTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// One analysed token: the indexed term and where it came from in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub text: String,
    pub position: usize,
    pub from: usize,
    pub to: usize,
}

/// Run an analyzer over `text`.
pub fn analyze(analyzer: &mut TextAnalyzer, text: &str) -> Vec<Term> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while let Some(t) = stream.next() {
        out.push(Term {
            text: t.text.clone(),
            position: t.position,
            from: t.offset_from,
            to: t.offset_to,
        });
    }
    out
}

/// At most `n` bytes from the start of `s`, cut on a character boundary.
pub fn head(s: &str, n: usize) -> &str {
    let mut end = n.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// At most `n` bytes from the end of `s`, cut on a character boundary.
pub fn tail(s: &str, n: usize) -> &str {
    let mut start = s.len().saturating_sub(n);
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

/// The byte ranges of the sentences of `text` (Unicode sentence rules), trimmed.
pub fn sentences(text: &str) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (start, s) in text.split_sentence_bound_indices() {
        let trimmed = s.trim_end();
        let lead = s.len() - s.trim_start().len();
        if trimmed.trim().is_empty() {
            continue;
        }
        let range = (start + lead, start + trimmed.len());
        // "Lt. Gen." or "No. 868" split a sentence in two; rejoin pieces that do not
        // start like a sentence.
        let starts_lower = text[range.0..]
            .chars()
            .next()
            .is_some_and(|c| c.is_lowercase() || c.is_ascii_digit());
        match out.last_mut() {
            Some(last) if starts_lower => last.1 = range.1,
            _ => out.push(range),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
        analyze(analyzer, text)
            .into_iter()
            .map(|t| t.text)
            .collect()
    }

    #[test]
    fn english_folds_stems_and_drops_stop_words() {
        let mut en = english();
        assert_eq!(terms(&mut en, "The Çırağan Palace"), ["ciragan", "palac"]);
        assert_eq!(
            terms(&mut en, "prisoners exchanged"),
            terms(&mut en, "prisoner exchange")
        );
        assert_eq!(
            terms(&mut en, "Zelensky’s leaders’ summit"),
            ["zelenski", "leader", "summit"]
        );
    }

    #[test]
    fn numbers_keep_their_digit_groups() {
        let mut en = english();
        assert_eq!(
            terms(&mut en, "at least 1,200 prisoners"),
            ["least", "1200", "prison"]
        );
        assert_eq!(
            terms(&mut en, "24–48 hours, 84-for-84"),
            ["24", "48", "hour", "84", "84"]
        );
    }

    #[test]
    fn combining_marks_and_zalgo_fold_away() {
        let mut en = english();
        assert_eq!(
            terms(&mut en, "ceasefire\u{301}\u{301}\u{301}"),
            ["ceasefir"]
        );
        assert_eq!(terms(&mut en, "C\u{327}ırag\u{306}an"), ["ciragan"]);
    }

    #[test]
    fn colons_separate_words() {
        let mut en = english();
        assert_eq!(
            terms(&mut en, "title:prisoners 13:30"),
            ["titl", "prison", "13", "30"]
        );
    }

    #[test]
    fn positions_count_stop_words_so_phrases_line_up() {
        let mut en = english();
        let t = analyze(&mut en, "prisoners of war");
        assert_eq!((t[0].position, t[1].position), (0, 2));
    }

    #[test]
    fn sentences_are_split_and_abbreviations_rejoined() {
        let text = "He spoke. Lt. Gen. Zorin said no. 6 June was the date. REUTERS/Murad Sezer";
        let got: Vec<&str> = sentences(text)
            .into_iter()
            .map(|(a, b)| &text[a..b])
            .collect();
        assert_eq!(got.first(), Some(&"He spoke."));
        assert_eq!(got.last(), Some(&"REUTERS/Murad Sezer"));
    }
}
