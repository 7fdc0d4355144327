//! Whether the best candidate answers the question at all, or the reply is "nothing
//! found".
//!
//! No single signal separates the two: unanswerable questions reach cosines of 0.76-0.90
//! with some sentence (this corpus talks about little else), while a tenth of the
//! answerable ones stay below 0.81; and a paraphrase covers few of its words. So the
//! decision weighs the signals together: how much of the question the passage covers,
//! how close in meaning it is, whether the lexical and the semantic rankings agree on it,
//! and whether it holds the kind of fact asked for.

/// What the decision looks at, of the best candidate.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Signals {
    /// The question is in English (coverage means something only then).
    pub english: bool,
    /// Semantic search ran for this question.
    pub semantic: bool,
    /// Idf-weighted share of the question's concepts the passage covers.
    pub coverage: f32,
    /// Cosine of the question and the passage's closest sentence.
    pub cosine: f32,
    /// The share of the question's concepts (counted) that no source has at all
    /// ("interpreter", "salary"): a question about something the corpus never mentions.
    pub unknown: f32,
    /// It is among the first three of BM25 alone, and of the vectors alone.
    pub in_lexical_top: bool,
    pub in_dense_top: bool,
    /// `search.min_coverage`: the bar for lexical search alone.
    pub min_coverage: f32,
}

/// The decision, with the score it came from (`--explain`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Verdict {
    pub answerable: bool,
    pub score: f32,
}

/// A passage other than the best is shown if it covers `search.min_passage_coverage` of
/// the question, or is this close in meaning (see [`super::rank::semantic_rel`]): within
/// half of the semantic span of the closest passage. 0, 0.25 and 0.5 gave the same
/// figures on every shared file; the strictest keeps unrelated passages off the list.
pub const KEEP_SEMANTIC_REL: f32 = 0.5;

/// An English question whose best passage covers this much of it, with few words the
/// corpus lacks (see [`SURE_UNKNOWN`]), is answerable: a lexical match that good is sure,
/// whatever the cosine says. Short definitional questions ("Who is Tom Barrack?") and
/// chatty ones ("please tell me, as precisely as the sources allow, …") have low cosines
/// but cover their subject. The old lexical bar was 0.45; at 0.45 one shared near miss
/// passes (coverage 0.46), at 0.5 none, and two more answerable cases do than at 0.75.
pub const SURE_COVERAGE: f32 = 0.5;
/// …and at most this share of its concepts appears in no source (a near miss such as
/// "What is the population of Zaporizhzhia region?" covers 0.55, but "population" is
/// nowhere in the corpus).
pub const SURE_UNKNOWN: f32 = 0.2;

// Below that, a linear score decides: answerable when it is above zero. Its weights
// were fitted by logistic regression (`tools/fit.py`; unanswerable cases weighted up to
// balance the classes) on the odd-numbered cases of every shared file, then rounded.
// The regression's own cut-off (bias -0.5) refused 9 of 20 paraphrased questions of
// `dev-en.jsonl`: no signal here tells a paraphrase ("captives", "kids") from a near
// miss (a question about Medinsky's salary, which shares his name and topic with the
// corpus), and near misses look the more answerable of the two. Refusing questions the
// sources answer was the complaint that started this work, so the bias is set where 9 in
// 10 paraphrases are answered: every off-topic question is still refused, and 5 of the
// 12 near misses.
const BIAS: f32 = 0.1;
/// Cosine of an English question above [`COSINE_CENTRE`], per hundredth.
const W_COSINE: f32 = 0.25;
const COSINE_CENTRE: f32 = 0.84;
/// Both rankings put the passage in their first three.
const W_AGREE: f32 = 0.2;
/// The share of the question's concepts no source has.
const W_UNKNOWN: f32 = -0.3;

/// A question in Ukrainian or Russian has no coverage to speak of (only its names), and
/// the fit found nothing in its other signals that separates the six unanswerable shared
/// cases from the 34 answerable ones. What does separate is off-topic questions: they
/// reach cosines of 0.75-0.79 with the closest sentence, and every shared answerable
/// case whose right passage the engine puts first but one reaches 0.79 or more.
pub const OTHER_LANGUAGE_MIN_COSINE: f32 = 0.79;

pub fn decide(s: &Signals) -> Verdict {
    if !s.semantic {
        // Lexical search alone: coverage is all there is.
        let score = s.coverage - s.min_coverage;
        return Verdict {
            answerable: score >= 0.0,
            score,
        };
    }
    if s.english && s.coverage >= SURE_COVERAGE && s.unknown <= SURE_UNKNOWN {
        return Verdict {
            answerable: true,
            score: s.coverage - SURE_COVERAGE,
        };
    }
    if !s.english {
        let score = s.cosine - OTHER_LANGUAGE_MIN_COSINE;
        return Verdict {
            answerable: score >= 0.0,
            score,
        };
    }
    let agree = f32::from(u8::from(s.in_lexical_top && s.in_dense_top));
    let score = BIAS
        + W_COSINE * (s.cosine - COSINE_CENTRE) * 100.0
        + W_UNKNOWN * s.unknown
        + W_AGREE * agree;
    Verdict {
        answerable: score > 0.0,
        score,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signals() -> Signals {
        Signals {
            english: true,
            semantic: true,
            coverage: 0.0,
            cosine: 0.80,
            unknown: 0.0,
            in_lexical_top: false,
            in_dense_top: true,
            min_coverage: 0.45,
        }
    }

    #[test]
    fn a_close_paraphrase_is_answered_though_it_shares_few_words() {
        let s = Signals {
            coverage: 0.2,
            cosine: 0.87,
            ..signals()
        };
        assert!(decide(&s).answerable);
    }

    #[test]
    fn a_question_near_the_corpus_but_not_in_it_is_refused() {
        // Shares a name with the corpus, but nothing answers it closely.
        let s = Signals {
            coverage: 0.3,
            cosine: 0.81,
            unknown: 0.4,
            ..signals()
        };
        assert!(!decide(&s).answerable);
    }

    #[test]
    fn an_off_topic_question_in_ukrainian_is_refused_and_a_close_one_answered() {
        let s = Signals {
            english: false,
            coverage: 1.0,
            cosine: 0.77,
            ..signals()
        };
        assert!(!decide(&s).answerable);
        assert!(decide(&Signals { cosine: 0.83, ..s }).answerable);
    }

    #[test]
    fn without_vectors_coverage_decides() {
        let s = Signals {
            semantic: false,
            coverage: 0.5,
            ..signals()
        };
        assert!(decide(&s).answerable);
        assert!(!decide(&Signals { coverage: 0.4, ..s }).answerable);
    }
}
