//! Spelling: the closest indexed word for a word the index has never seen.

use super::{Analyzers, Vocabulary};

/// Indexed words near `word`, closest first, then most frequent.
pub(super) fn best_neighbours(vocab: &dyn Vocabulary, word: &str, distance: u8) -> Vec<String> {
    closest_first(word, vocab.neighbours(word, distance))
}

/// Candidates other than `word` itself, closest first, then most frequent, then by name.
fn closest_first(word: &str, candidates: Vec<(String, u64)>) -> Vec<String> {
    let mut found: Vec<(usize, u64, String)> = candidates
        .into_iter()
        .filter(|(w, _)| w != word)
        .map(|(w, df)| (strsim::damerau_levenshtein(word, &w), df, w))
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    found.into_iter().map(|(_, _, w)| w).collect()
}

/// The correction for a word the index does not know, if one is close enough: first
/// among indexed words, then among indexed stems ("swaped" → stem "swape" ~ "swap").
/// Returns the word to show and the stem to search.
pub(super) fn correct(
    vocab: &dyn Vocabulary,
    word: &str,
    stem: &str,
    an: &mut Analyzers,
) -> Option<(String, String)> {
    let len = word.chars().count();
    if len < 4 || word.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let distance = if len >= 8 { 2 } else { 1 };
    if let Some(fix) = best_neighbours(vocab, word, distance).into_iter().next() {
        let fixed_stem = an.stem(&fix)?;
        return Some((fix, fixed_stem));
    }
    if stem.chars().count() < 4 {
        return None;
    }
    closest_first(stem, vocab.stem_neighbours(stem, 1))
        .into_iter()
        .next()
        .map(|s| (s.clone(), s))
}
