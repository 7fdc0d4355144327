//! From a question to a search plan: what kind of answer is wanted, and which concepts
//! (words or phrases, each with its alternatives) a passage should contain.
//!
//! Nothing here parses query syntax: quotes, colons, `AND`, `*` and brackets are just
//! characters that the tokenizer drops, so no question is ever a syntax error.
//!
//! Expansion, in order of trust:
//! 1. the words as typed (weight 1);
//! 2. the moderators' synonym groups (`search.synonym_weight`);
//! 3. spelling: a word the index has never seen is replaced by the closest indexed word
//!    (Damerau–Levenshtein 1, or 2 for long words), preferring the most frequent;
//! 4. name variants: a capitalised name also matches indexed words one edit away
//!    ("Kyslytsia" ~ "Kyslytsya"), at a lower weight.
//!
//! About 400 lines of planning and 200 of tests beside it, each a question a member
//! might ask; the question type, word lists and spelling have their own files.

use serde::Serialize;
use tantivy::tokenizer::TextAnalyzer;

use crate::core::analysis;
use crate::core::lang::Lang;
use crate::core::synonyms::{Entry, Synonyms};

pub mod dictionary;
mod kind;
mod spelling;
mod words;

pub use kind::{detect_type, type_hint_words, QuestionType};
use spelling::{best_neighbours, correct};
use words::{is_filler, is_misspelt_filler, ANSWER_NOUNS};

/// At most this many words of a question are considered; the rest is ignored, which
/// bounds the work any question can cause.
pub const MAX_QUESTION_WORDS: usize = 48;

/// Where an alternative came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    Typed,
    Synonym,
    Spelling,
    Variant,
}

/// One way a concept can appear in a passage: a term, or a phrase of terms with offsets.
#[derive(Debug, Clone, PartialEq)]
pub struct Alternative {
    pub terms: Entry,
    pub weight: f32,
    pub origin: Origin,
}

/// Something the question is about; a passage covers it if it has any alternative.
#[derive(Debug, Clone, PartialEq)]
pub struct Concept {
    /// The words as typed, to tell the user which words were not found.
    pub label: String,
    pub alternatives: Vec<Alternative>,
}

impl Concept {
    fn add(&mut self, terms: Entry, weight: f32, origin: Origin) {
        if let Some(existing) = self.alternatives.iter_mut().find(|a| a.terms == terms) {
            existing.weight = existing.weight.max(weight);
        } else {
            self.alternatives.push(Alternative {
                terms,
                weight,
                origin,
            });
        }
    }
}

/// A spelling fix applied to the question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Correction {
    pub from: String,
    pub to: String,
}

/// The search plan for one question.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub qtype: QuestionType,
    /// The question's words, lower-case and folded (for telling new facts from echoes).
    pub words: Vec<String>,
    /// The question is about someone named, and only that ("Who is Hakan Fidan?"): its
    /// subject words are all capitalised.
    pub names_someone: bool,
    /// Those names, lower-case.
    pub names: Vec<String>,
    /// The question pins down when: a month, a year or a numbered round.
    pub anchored: bool,
    /// The anchoring words (months, years, ordinals), stemmed as the index stems them.
    pub anchors: Vec<String>,
    pub concepts: Vec<Concept>,
    pub corrections: Vec<Correction>,
}

/// What the planner needs to know about the index's vocabulary.
pub trait Vocabulary {
    /// Passages containing this analysed (stemmed) term anywhere searchable.
    fn doc_freq(&self, term: &str) -> u64;
    /// Indexed surface words within `distance` edits of `word`, with their frequencies.
    fn neighbours(&self, word: &str, distance: u8) -> Vec<(String, u64)>;
    /// Indexed stems within `distance` edits of the stem `stem`, with their frequencies.
    fn stem_neighbours(&self, stem: &str, distance: u8) -> Vec<(String, u64)>;
}

/// Tunables of the planner.
#[derive(Debug, Clone, Copy)]
pub struct PlanOptions {
    pub synonym_weight: f32,
    pub spelling_weight: f32,
    pub variant_weight: f32,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            synonym_weight: 0.7,
            spelling_weight: 0.9,
            variant_weight: 0.6,
        }
    }
}

struct Word {
    surface: String,
    stem: String,
    capitalised: bool,
    filler: bool,
    /// Joined to the previous word by a hyphen ("full-scale").
    hyphenated: bool,
    position: usize,
    /// Byte range in the question, for labels that read as the user wrote them.
    from: usize,
    to: usize,
}

/// Analysers are cheap to clone and hold per-call buffers, so each plan gets its own.
pub struct Analyzers {
    pub english: TextAnalyzer,
    pub words: TextAnalyzer,
}

impl Analyzers {
    pub fn new() -> Self {
        Analyzers {
            english: analysis::english(),
            words: analysis::words(),
        }
    }

    fn stem(&mut self, word: &str) -> Option<String> {
        analysis::analyze(&mut self.english, word)
            .into_iter()
            .next()
            .map(|t| t.text)
    }
}

impl Default for Analyzers {
    fn default() -> Self {
        Self::new()
    }
}

fn single(term: &str) -> Entry {
    vec![(0, term.to_string())]
}

/// Build the plan for `question`.
pub fn plan(
    question: &str,
    an: &mut Analyzers,
    synonyms: &Synonyms,
    vocab: &dyn Vocabulary,
    opts: PlanOptions,
) -> Plan {
    let surface = analysis::analyze(&mut an.words, question);
    let surface = &surface[..surface.len().min(MAX_QUESTION_WORDS)];
    let lowered: Vec<&str> = surface.iter().map(|t| t.text.as_str()).collect();
    let qtype = detect_type(&lowered);

    let answer_noun_at = |i: usize| {
        i > 0 && matches!(lowered[i - 1], "which" | "what") && ANSWER_NOUNS.contains(&lowered[i])
    };
    let mut words: Vec<Word> = Vec::new();
    for (i, t) in surface.iter().enumerate() {
        let Some(stem) = an.stem(&t.text) else {
            continue;
        };
        let original = &question[t.from..t.to];
        let capitalised = i > 0 && original.chars().next().is_some_and(char::is_uppercase);
        let hyphenated = i > 0 && matches!(&question[surface[i - 1].to..t.from], "-" | "‐" | "‑");
        let single_letter =
            t.text.chars().count() == 1 && !t.text.chars().all(|c| c.is_ascii_digit());
        let filler = is_filler(&t.text) || answer_noun_at(i) || single_letter;
        // "Kyslytsia's" is looked up as "kyslytsia".
        let surface = t
            .text
            .strip_suffix("'s")
            .or_else(|| t.text.strip_suffix("’s"))
            .unwrap_or(&t.text)
            .to_string();
        words.push(Word {
            surface,
            stem,
            capitalised,
            filler,
            hyphenated,
            position: t.position,
            from: t.from,
            to: t.to,
        });
    }

    let mut concepts: Vec<Concept> = Vec::new();
    let mut corrections = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let stems: Vec<&str> = words[i..].iter().map(|w| w.stem.as_str()).collect();
        if let Some(m) = synonyms.longest_match(&stems) {
            let span = &words[i..i + m.len];
            // A synonym entry made only of filler ("how long") is still a concept.
            let label = question[span[0].from..span[span.len() - 1].to].to_lowercase();
            let mut c = Concept {
                label,
                alternatives: Vec::new(),
            };
            c.add(
                span.iter()
                    .enumerate()
                    .map(|(k, w)| (k, w.stem.clone()))
                    .collect(),
                1.0,
                Origin::Typed,
            );
            for alt in m.alternatives {
                c.add(alt.clone(), opts.synonym_weight, Origin::Synonym);
            }
            push_concept(&mut concepts, c);
            i += m.len;
            continue;
        }
        let compound = words[i + 1..].iter().take_while(|w| w.hyphenated).count();
        if compound > 0 && !words[i].filler {
            // "full-scale", "84-for-84": one concept, matched as a phrase.
            let span = &words[i..=i + compound];
            let base = span[0].position;
            let terms: Entry = span
                .iter()
                .map(|w| (w.position - base, w.stem.clone()))
                .collect();
            if terms.iter().all(|(_, t)| vocab.doc_freq(t) > 0) {
                let label = question[span[0].from..span[span.len() - 1].to].to_lowercase();
                let mut c = Concept {
                    label,
                    alternatives: Vec::new(),
                };
                c.add(terms, 1.0, Origin::Typed);
                push_concept(&mut concepts, c);
                i += compound + 1;
                continue;
            }
        }
        let w = &words[i];
        i += 1;
        if w.filler {
            continue;
        }
        let mut c = Concept {
            label: w.surface.clone(),
            alternatives: Vec::new(),
        };
        let known = vocab.doc_freq(&w.stem) > 0;
        if !known && is_misspelt_filler(&w.surface) {
            continue; // "wat", "hw": a question word mistyped, not a subject
        }
        if known {
            c.add(single(&w.stem), 1.0, Origin::Typed);
            if w.capitalised && w.surface.chars().count() >= 5 {
                for variant in best_neighbours(vocab, &w.surface, 1).into_iter().take(3) {
                    if let Some(stem) = an.stem(&variant).filter(|s| *s != w.stem) {
                        c.add(single(&stem), opts.variant_weight, Origin::Variant);
                    }
                }
            }
        } else if let Some((fix, stem)) = (!dictionary::is_word(Lang::En, &w.surface))
            .then(|| correct(vocab, &w.surface, &w.stem, an))
            .flatten()
        {
            // Only a word that is no English word is a typo: "supposed" is not "opposed".
            {
                corrections.push(Correction {
                    from: w.surface.clone(),
                    to: fix.clone(),
                });
                c.add(single(&stem), opts.spelling_weight, Origin::Spelling);
                if let Some(m) = synonyms
                    .longest_match(&[stem.as_str()])
                    .filter(|m| m.len == 1)
                {
                    for alt in m.alternatives {
                        c.add(
                            alt.clone(),
                            opts.synonym_weight * opts.spelling_weight,
                            Origin::Synonym,
                        );
                    }
                }
            }
        } else {
            // Unknown and uncorrectable: kept, so that coverage counts it as missing.
            c.add(single(&w.stem), 1.0, Origin::Typed);
        }
        push_concept(&mut concepts, c);
    }
    let subject: Vec<&Word> = words.iter().filter(|w| !w.filler).collect();
    let names_someone = !subject.is_empty() && subject.iter().all(|w| w.capitalised);
    let names: Vec<String> = if names_someone {
        subject.iter().map(|w| w.surface.clone()).collect()
    } else {
        Vec::new()
    };
    let anchor_words = anchor_words(&lowered);
    let anchored = !anchor_words.is_empty();
    let anchors: Vec<String> = anchor_words.iter().filter_map(|w| an.stem(w)).collect();
    Plan {
        qtype,
        words: lowered.iter().map(|w| w.to_string()).collect(),
        names_someone,
        names,
        anchored,
        anchors,
        concepts,
        corrections,
    }
}

/// The words that pin down a time in a question: a month, a year, or the number of a
/// round or stage ("first" in "first round", "one" in "round one").
fn anchor_words<'a>(words: &[&'a str]) -> Vec<&'a str> {
    const ORDINALS: &[&str] = &[
        "first", "second", "third", "fourth", "fifth", "last", "latest", "previous", "next", "1st",
        "2nd", "3rd", "4th",
    ];
    const NUMBERS: &[&str] = &[
        "one", "two", "three", "four", "five", "1", "2", "3", "4", "5",
    ];
    const ROUNDS: &[&str] = &["round", "rounds", "stage", "session"];
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate() {
        // "may" is a month only as "in/of/on May", not "may I ask".
        let month = crate::core::timeline::when::month_of(w).is_some()
            && (*w != "may"
                || i > 0 && matches!(words[i - 1], "in" | "of" | "on" | "since" | "until" | "by"));
        let year = w.len() == 4
            && (w.starts_with("19") || w.starts_with("20"))
            && w.chars().all(|c| c.is_ascii_digit());
        if month || year {
            out.push(*w);
        }
        if ROUNDS.contains(w) {
            if i > 0 && ORDINALS.contains(&words[i - 1]) {
                out.push(words[i - 1]);
            } else if let Some(n) = words.get(i + 1).filter(|n| NUMBERS.contains(n)) {
                out.push(*n);
            }
        }
    }
    out
}

/// Merge concepts that search for exactly the same thing ("84-for-84").
fn push_concept(concepts: &mut Vec<Concept>, c: Concept) {
    if !concepts
        .iter()
        .any(|existing| existing.alternatives == c.alternatives)
    {
        concepts.push(c);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::path::Path;

    use super::*;

    /// A vocabulary from a list of words, stemmed the way the index stems them.
    struct Words(HashMap<String, u64>, HashMap<String, u64>);

    impl Words {
        fn new(list: &[&str]) -> Self {
            let mut an = Analyzers::new();
            let mut stems = HashMap::new();
            let mut surface = HashMap::new();
            for w in list {
                *surface.entry(w.to_string()).or_insert(0) += 1;
                if let Some(s) = an.stem(w) {
                    *stems.entry(s).or_insert(0) += 1;
                }
            }
            Words(stems, surface)
        }
    }

    impl Vocabulary for Words {
        fn doc_freq(&self, term: &str) -> u64 {
            self.0.get(term).copied().unwrap_or(0)
        }
        fn neighbours(&self, word: &str, distance: u8) -> Vec<(String, u64)> {
            self.1
                .iter()
                .filter(|(w, _)| strsim::damerau_levenshtein(word, w) <= distance as usize)
                .map(|(w, n)| (w.clone(), *n))
                .collect()
        }
        fn stem_neighbours(&self, stem: &str, distance: u8) -> Vec<(String, u64)> {
            self.0
                .iter()
                .filter(|(w, _)| strsim::damerau_levenshtein(stem, w) <= distance as usize)
                .map(|(w, n)| (w.clone(), *n))
                .collect()
        }
    }

    fn plan_for(q: &str, vocab: &Words, syn: &str) -> Plan {
        let mut an = Analyzers::new();
        let syn = Synonyms::parse(Path::new("s"), syn, &mut an.english).unwrap();
        plan(q, &mut an, &syn, vocab, PlanOptions::default())
    }

    fn labels(p: &Plan) -> Vec<&str> {
        p.concepts.iter().map(|c| c.label.as_str()).collect()
    }

    #[test]
    fn question_types_are_detected() {
        let t = |q: &str| plan_for(q, &Words::new(&[]), "").qtype;
        assert_eq!(
            t("How many POWs will each side release?"),
            QuestionType::HowMany
        );
        assert_eq!(
            t("What was the duration of the meeting?"),
            QuestionType::HowLong
        );
        assert_eq!(t("How long did round one last?"), QuestionType::HowLong);
        assert_eq!(t("When was the 84-for-84 exchange?"), QuestionType::When);
        assert_eq!(
            t("In which city did the delegations meet?"),
            QuestionType::Where
        );
        assert_eq!(
            t("Which official led the Ukrainian side?"),
            QuestionType::Who
        );
        assert_eq!(t("Why does Russia reject a meeting?"), QuestionType::Why);
        assert_eq!(
            t("Was any progress made toward a truce?"),
            QuestionType::YesNo
        );
        assert_eq!(t("What is Kyslytsia's role?"), QuestionType::Who);
        assert_eq!(
            t("What came out of the Alaska summit?"),
            QuestionType::Outcome
        );
        assert_eq!(t("What is the capital of France?"), QuestionType::What);
    }

    #[test]
    fn filler_goes_and_query_syntax_is_just_text() {
        let v = Words::new(&["prisoners", "exchange"]);
        let p = plan_for("What about \"prisoners\" AND (exchange)*: -NOT", &v, "");
        assert_eq!(labels(&p), ["prisoners", "exchange"]);
    }

    #[test]
    fn typos_are_corrected_to_indexed_words_and_then_expanded() {
        let v = Words::new(&["prisoners", "swap", "exchanged"]);
        let p = plan_for("How many prisonners will be swaped?", &v, "swap, exchange");
        // "swaped" is two edits from "swap"; its stem "swape" is one edit from "swap".
        assert_eq!(
            p.corrections,
            [
                Correction {
                    from: "prisonners".into(),
                    to: "prisoners".into()
                },
                Correction {
                    from: "swaped".into(),
                    to: "swap".into()
                }
            ]
        );
        let swap = &p.concepts[1];
        assert!(
            swap.alternatives
                .iter()
                .any(|a| a.terms == single("exchang") && a.origin == Origin::Synonym),
            "{swap:?}"
        );
    }

    #[test]
    fn capitalised_names_also_match_one_edit_variants() {
        let v = Words::new(&["kyslytsia", "kyslytsya"]);
        let p = plan_for("What is Kyslytsia's role?", &v, "");
        let alts: Vec<&str> = p.concepts[0]
            .alternatives
            .iter()
            .map(|a| a.terms[0].1.as_str())
            .collect();
        assert_eq!(alts, ["kyslytsia", "kyslytsya"]);
    }

    #[test]
    fn phrases_from_synonym_groups_become_one_concept() {
        let v = Words::new(&["prisoners", "war"]);
        let p = plan_for("How many prisoners of war?", &v, "POW, prisoners of war");
        assert_eq!(labels(&p), ["prisoners of war"]);
        assert_eq!(p.concepts[0].alternatives[1].terms, single("pow"));
    }

    #[test]
    fn anchors_are_months_years_and_numbered_rounds() {
        let a = |q: &str| plan_for(q, &Words::new(&[]), "").anchored;
        assert!(a("Who led Ukraine's team in May?"));
        assert!(a("How long did round one last?"));
        assert!(a("Where was the first round held?"));
        assert!(a("What happened in 2023?"));
        assert!(!a("What was the duration of the meeting?"));
        assert!(!a("May I ask who led the talks?"));
    }

    #[test]
    fn hyphenated_words_are_one_phrase_concept() {
        let v = Words::new(&["full", "scale", "invasion"]);
        let p = plan_for("When did the full-scale invasion start?", &v, "");
        assert_eq!(labels(&p), ["full-scale", "invasion", "start"]);
        assert_eq!(
            p.concepts[0].alternatives[0].terms,
            vec![(0, "full".to_string()), (1, "scale".to_string())]
        );
    }

    #[test]
    fn answer_nouns_are_not_concepts() {
        let v = Words::new(&["delegations", "meet", "city"]);
        let p = plan_for("In which city did the delegations meet?", &v, "");
        assert_eq!(labels(&p), ["delegations", "meet"]);
    }

    #[test]
    fn mistyped_question_words_are_not_concepts() {
        let v = Words::new(&["zelensky", "memorandum"]);
        let p = plan_for("wat did Zelensky say abot the memorandum", &v, "");
        assert_eq!(labels(&p), ["zelensky", "memorandum"]);
    }

    #[test]
    fn unknown_words_stay_as_concepts_so_they_count_as_missing() {
        let p = plan_for("Best pizza toppings", &Words::new(&["talks"]), "");
        assert_eq!(labels(&p), ["best", "pizza", "toppings"]);
    }

    #[test]
    fn huge_questions_are_bounded() {
        let q = "word ".repeat(100_000);
        let p = plan_for(&q, &Words::new(&[]), "");
        assert!(p.concepts.len() <= MAX_QUESTION_WORDS);
    }
}
