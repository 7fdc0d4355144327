//! Knowledge gaps: the questions that found nothing lately, so moderators know which
//! sources to add. Only the question text is kept (normalised), never who asked; they
//! are counted and kept, bounded, by the storage (`crate::store`).

use std::time::SystemTime;

/// One unanswered question and how often it was asked.
#[derive(Debug, Clone, PartialEq)]
pub struct Gap {
    pub question: String,
    pub count: u32,
    pub last_asked: SystemTime,
}

/// The same question typed differently counts once: case, spacing, end punctuation.
pub fn normalise(question: &str) -> String {
    let q = question
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    q.trim_end_matches(['?', '!', '.', '…', ' ']).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_question_typed_differently_is_one_question() {
        assert_eq!(
            normalise("Who won  the World Cup?"),
            normalise("who won the world cup")
        );
        assert_eq!(normalise("  Скільки полонених?! "), "скільки полонених");
        assert_ne!(normalise("Who won?"), normalise("Who lost?"));
    }
}
