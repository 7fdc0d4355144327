//! What kind of answer a question wants (who, when, how many…), from its words.

use serde::Serialize;

use super::words::PERSON_NOUNS;

/// What kind of answer the question wants; guides ranking and answer extraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionType {
    Who,
    When,
    Where,
    HowMany,
    HowLong,
    Why,
    /// What came of something: an agreement, a result, progress or the lack of it.
    Outcome,
    YesNo,
    What,
    Other,
}

/// Words for the type of answer wanted; searched with a low weight when a question asks
/// for that type, so passages that state the answer are among the candidates.
pub fn type_hint_words(t: QuestionType) -> &'static [&'static str] {
    match t {
        QuestionType::HowLong => &["lasted", "minutes", "hours", "duration"],
        QuestionType::Where => &[
            "held", "venue", "city", "palace", "hotel", "building", "located",
        ],
        _ => &[],
    }
}

pub fn detect_type(words: &[&str]) -> QuestionType {
    let has = |w: &str| words.contains(&w);
    let pair = |a: &str, b: &str| words.windows(2).any(|p| p[0] == a && p[1] == b);
    let head: Vec<&str> = words.iter().take(4).copied().collect();
    let head_has = |w: &str| head.contains(&w);
    if pair("how", "long")
        || has("duration")
        || pair("how", "much") && has("time")
        || has("lasted") && head_has("how")
    {
        return QuestionType::HowLong;
    }
    if pair("how", "many")
        || pair("how", "much")
        || pair("number", "of")
        || has("count") && head_has("what")
    {
        return QuestionType::HowMany;
    }
    if head_has("when")
        || ["date", "day", "year", "month", "time"]
            .iter()
            .any(|w| pair("what", w) || pair("which", w))
        || has("date")
    {
        return QuestionType::When;
    }
    if head_has("where")
        || ["city", "place", "venue", "country", "palace", "location"]
            .iter()
            .any(|w| pair("what", w) || pair("which", w))
    {
        return QuestionType::Where;
    }
    let role = ["role", "position", "job", "title", "post"]
        .iter()
        .any(|w| has(w));
    if head_has("who")
        || role && (head_has("what") || head_has("which"))
        || head_has("whom")
        || head_has("whose")
        || PERSON_NOUNS.iter().any(|w| {
            let plural = format!("{w}s");
            pair("which", w) || pair("what", w) || pair("which", &plural) || pair("what", &plural)
        })
        || pair("which", "people")
        || pair("what", "people")
    {
        return QuestionType::Who;
    }
    if head_has("why") {
        return QuestionType::Why;
    }
    if [
        "outcome", "outcomes", "result", "results", "achieve", "achieved", "agreed",
    ]
    .iter()
    .any(|w| has(w))
        || ["came", "come", "comes"].iter().any(|w| pair(w, "out"))
    {
        return QuestionType::Outcome;
    }
    const AUX: &[&str] = &[
        "is", "are", "was", "were", "did", "does", "do", "has", "have", "had", "can", "could",
        "will", "would", "should",
    ];
    if words.first().is_some_and(|w| AUX.contains(w)) {
        return QuestionType::YesNo;
    }
    if head_has("what") || head_has("which") {
        return QuestionType::What;
    }
    QuestionType::Other
}
