//! Knowledge gaps: the questions that found nothing lately, counted, so moderators know
//! which sources to add. Only the question text is kept (normalised), never who asked;
//! the list is bounded and, when full, forgets the least asked (the oldest of those).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::SystemTime;

/// One unanswered question and how often it was asked.
#[derive(Debug, Clone, PartialEq)]
pub struct Gap {
    pub question: String,
    pub count: u32,
    pub last_asked: SystemTime,
}

pub struct Gaps {
    capacity: usize,
    by_question: Mutex<HashMap<String, Gap>>,
}

/// The same question typed differently counts once: case, spacing, end punctuation.
fn normalise(question: &str) -> String {
    let q = question
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    q.trim_end_matches(['?', '!', '.', '…', ' ']).to_string()
}

impl Gaps {
    pub fn new(capacity: usize) -> Self {
        Gaps {
            capacity: capacity.max(1),
            by_question: Mutex::new(HashMap::new()),
        }
    }

    pub fn record(&self, question: &str) {
        let key = normalise(question);
        if key.is_empty() {
            return;
        }
        let now = SystemTime::now();
        let mut map = self.by_question.lock().expect("gaps lock");
        if !map.contains_key(&key) && map.len() >= self.capacity {
            if let Some(oldest) = map
                .values()
                .min_by_key(|g| (g.count, g.last_asked))
                .map(|g| g.question.clone())
            {
                map.remove(&oldest);
            }
        }
        let gap = map.entry(key.clone()).or_insert(Gap {
            question: key,
            count: 0,
            last_asked: now,
        });
        gap.count += 1;
        gap.last_asked = now;
    }

    /// The `n` most asked, most recent first among equals.
    pub fn top(&self, n: usize) -> Vec<Gap> {
        let mut all: Vec<Gap> = self
            .by_question
            .lock()
            .expect("gaps lock")
            .values()
            .cloned()
            .collect();
        all.sort_by(|a, b| b.count.cmp(&a.count).then(b.last_asked.cmp(&a.last_asked)));
        all.truncate(n);
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_question_counts_once_however_typed_and_the_list_is_bounded() {
        let gaps = Gaps::new(2);
        gaps.record("Who won the World Cup?");
        gaps.record("who won  the world cup");
        gaps.record("What is the GDP of Turkey?");
        let top = gaps.top(10);
        assert_eq!(top[0].question, "who won the world cup");
        assert_eq!(top[0].count, 2);
        gaps.record("third question");
        let questions: Vec<String> = gaps.top(10).into_iter().map(|g| g.question).collect();
        assert_eq!(questions.len(), 2);
        assert!(
            !questions.contains(&"what is the gdp of turkey".to_string()),
            "the least asked went: {questions:?}"
        );
        assert!(
            questions.contains(&"who won the world cup".to_string()),
            "{questions:?}"
        );
    }
}
