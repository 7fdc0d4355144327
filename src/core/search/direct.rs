//! The one-line direct answer: the sentences of the first passages, ranked, handed to the
//! reader, which picks the one that answers and the words to mark; with the context a
//! reader needs put before it.

use std::collections::HashMap;

use tantivy::DocAddress;

use super::lexical::{alternative_match, coverage, evidence};
use super::{field_str, rank, DirectAnswer, Engine, Scored};
use crate::core::analysis::{self, Term as Token};
use crate::core::answer::{self, one_line};
use crate::core::corpus::{detect_flags, strip_flags, Flag, PassageKind, Source, SourceKind};
use crate::core::lang::Lang;
use crate::core::query::{self, Alternative, Concept, Origin, Plan, QuestionType};
use crate::core::reader::{typed, Asked, Outcome, Reading, Sentence};
use crate::core::timeline::when::{self, When};

/// The direct answer is a sentence of one of the first passages…
const ANSWER_PASSAGES: usize = 3;
/// …chosen by how much of the question it covers, whether it holds the kind of fact
/// asked for, how well its passage ranked, and how close it is in meaning to the
/// question. A sentence of a lower passage must do clearly better to be chosen, and a
/// fragment ("Reuters.") never. Hand-set; a grid over them (coverage 0.2–0.4, evidence
/// 0.2–0.6, meaning 0.2–0.8, passage 0.2–0.4) changed answer accuracy by at most two
/// cases on either half of the shared cases, so they stayed.
const ANSWER_W_COVERAGE: f32 = 0.4;
const ANSWER_W_EVIDENCE: f32 = 0.2;
const ANSWER_W_PASSAGE: f32 = 0.4;
const ANSWER_W_SEMANTIC: f32 = 0.4;
const ANSWER_RANK_PENALTY: f32 = 0.12;
const ANSWER_FRAGMENT_PENALTY: f32 = 0.2;

impl Engine {
    /// The one-line answer and the outcome it gives the reply: the reader
    /// ([`crate::core::reader`]) reads the sentences of the first passages, ranked as
    /// below, and takes the first that holds a value of the type asked for, agreeing with
    /// the question's constraints and standing with its focus. Without one, "not exactly".
    #[allow(clippy::too_many_arguments)]
    pub(super) fn direct_answer(
        &self,
        question: &str,
        lang: Lang,
        plan: &Plan,
        weights: &[f32],
        scored: &[Scored],
        vector: Option<&[f32]>,
    ) -> (Option<DirectAnswer>, Outcome) {
        let f = &self.index.fields;
        let Some(best_score) = scored.first().map(|s| s.score) else {
            return (None, Outcome::Nothing);
        };
        // Each candidate sentence's closeness to the question, against the closest one.
        let closeness: HashMap<(DocAddress, usize), f32> = match (&self.semantic, vector) {
            (Some(sem), Some(v)) => scored
                .iter()
                .take(ANSWER_PASSAGES)
                .flat_map(|s| {
                    sem.sentence_scores(s.address, v)
                        .into_iter()
                        .map(move |((a, _), c)| ((s.address, a), c))
                })
                .collect(),
            _ => HashMap::new(),
        };
        let closest = closeness.values().copied().fold(0.0, f32::max);
        let asked = Asked::new(question, lang, plan.qtype);
        let mut english = self.analyzers.english.clone();
        let focus = Focus::of(question, lang, plan, weights, &asked, &mut english);
        // The names the question gives must be in the passage (its title and section
        // included); in Ukrainian and Russian only those some passage holds at all (a
        // name's Latin spelling may match none).
        let held: Vec<Vec<bool>> = scored
            .iter()
            .take(ANSWER_PASSAGES)
            .map(|s| focus.names_held(&s.passage.tokens, &s.passage.extra_terms))
            .collect();
        let checkable: Vec<bool> = (0..focus.names.concepts.len())
            .map(|n| lang == Lang::En || held.iter().any(|h| h[n]))
            .collect();
        // Each passage with its section, title and date: where a sentence's constraints
        // are looked for when it says nothing of them.
        let contexts: Vec<String> = scored
            .iter()
            .take(ANSWER_PASSAGES)
            .map(|s| {
                let doc = &s.passage.doc;
                let mut context =
                    format!("{} {}", field_str(doc, f.section), field_str(doc, f.text));
                if let Some(src) = self.index.source(field_str(doc, f.source_id)) {
                    context.push(' ');
                    context.push_str(&src.title);
                    if let Some(d) = src.date.as_deref() {
                        context.push(' ');
                        context.push_str(&spelled_date(d));
                    }
                }
                context
            })
            .collect();
        let mut sentences: Vec<Sentence<'_>> = Vec::new();
        let mut meta: Vec<(usize, bool, Option<&Source>)> = Vec::new();
        let mut stripped: Vec<String> = Vec::new();
        let mut raw: Vec<&str> = Vec::new();
        for (rank, s) in scored.iter().enumerate().take(ANSWER_PASSAGES) {
            let doc = &s.passage.doc;
            let text = field_str(doc, f.text);
            let source = self.index.source(field_str(doc, f.source_id));
            let record = source.filter(|s| s.kind == SourceKind::Record);
            let names_held = held[rank].iter().zip(&checkable).all(|(&h, &c)| h || !c);
            // A caption is one unit: its credit answers "who took the photo".
            let is_caption = field_str(doc, f.kind) == PassageKind::Caption.as_str();
            let units = if is_caption {
                vec![(0, text.len())]
            } else {
                s.passage.sentences.clone()
            };
            for (a, b) in units {
                let sentence = &text[a..b];
                let first = s.passage.tokens.partition_point(|t| t.from < a);
                let last = s.passage.tokens.partition_point(|t| t.to <= b);
                let tokens = &s.passage.tokens[first..last.max(first)];
                // The title and section are the passage's topic: every sentence inherits them.
                let cov = coverage(plan, weights, tokens, &s.passage.extra_terms, 0.9);
                let evidence = if plan.qtype == QuestionType::When
                    && record.is_some_and(|r| r.date.is_some())
                {
                    1.0
                } else {
                    evidence(plan, sentence)
                };
                let fragment = if tokens.len() < 5 {
                    ANSWER_FRAGMENT_PENALTY
                } else {
                    0.0
                };
                let cosine = closeness
                    .get(&(s.address, if is_caption { 0 } else { a }))
                    .copied();
                let meaning = cosine.map_or(0.0, |c| rank::semantic_rel(c, closest));
                let score = ANSWER_W_COVERAGE * cov
                    + ANSWER_W_EVIDENCE * evidence
                    + ANSWER_W_PASSAGE * (s.score / best_score)
                    + ANSWER_W_SEMANTIC * meaning
                    - ANSWER_RANK_PENALTY * rank as f32
                    - fragment;
                let plain = strip_flags(sentence);
                let stems = analysis::analyze(&mut english, &plain)
                    .into_iter()
                    .map(|t| (t.from, t.text))
                    .collect();
                // A people record's sentence that opens with "He"/"She" is about its person.
                let subject = record
                    .and_then(|r| typed::person_of_title(&r.title))
                    .filter(|_| {
                        plain
                            .split_whitespace()
                            .next()
                            .is_some_and(|w| matches!(w, "He" | "She" | "His" | "Her"))
                    });
                stripped.push(plain);
                raw.push(sentence);
                meta.push((rank, a == 0, source));
                sentences.push(Sentence {
                    text: "",
                    context: &contexts[rank],
                    date: record.and_then(|r| r.date.as_deref()),
                    score,
                    focus: focus.share(tokens, &s.passage.extra_terms),
                    names_held,
                    stems,
                    cosine,
                    subject,
                    topic: Some(&s.passage.extra_terms),
                });
            }
        }
        for (s, text) in sentences.iter_mut().zip(&stripped) {
            s.text = text;
        }
        let reading = Reading {
            asked: &asked,
            people: &self.people,
            counted: focus.counted(&asked),
            focus: focus.stems(),
            words: crate::core::reader::question::words_of(question),
            best_cosine: closest,
        };
        let Some(choice) = reading.choose(&sentences) else {
            return (None, Outcome::NotExact);
        };
        let (rank, first, source) = meta[choice.sentence];
        let sentence = &sentences[choice.sentence];
        // A member reads the sentence without its sourcing markers; they come back as
        // one caveat beside it: the sentence's own, else those of its source.
        let marked = detect_flags(raw[choice.sentence]);
        let (text, at) = self.answer_line(
            plan,
            sentence.text,
            first || choice.subject,
            source,
            choice.record_date,
            choice.subject,
        );
        let span = if choice.record_date {
            // "23 July 2025: …": the date put before the quote.
            at.checked_sub(2).map(|end| (0, end))
        } else if choice.subject {
            // The person the record is about, named before the quote.
            sentence.subject.map(|name| (0, name.len()))
        } else {
            choice.span.and_then(|(a, b)| {
                // The quote is the sentence on one line, perhaps cut: find the value in it,
                // from about where it stood.
                let value = one_line(&sentence.text[a..b], usize::MAX);
                let before = one_line(&sentence.text[..a], usize::MAX).len();
                let quoted = &text[at..];
                let mut from = before.saturating_sub(1).min(quoted.len());
                while !quoted.is_char_boundary(from) {
                    from -= 1;
                }
                quoted[from..]
                    .find(&value)
                    .map(|i| i + from)
                    .or_else(|| quoted.find(&value))
                    .map(|i| (at + i, at + i + value.len()))
            })
        }
        .map(|(a, b)| [text[..a].chars().count(), text[..b].chars().count()]);
        let flags = if marked.is_empty() {
            source.map(|s| s.flags.clone()).unwrap_or_default()
        } else {
            marked
        };
        // One of each kind, the first with its detail (who made a claim).
        let mut caveats: Vec<Flag> = Vec::new();
        for f in flags {
            if !caveats.iter().any(|c| c.kind == f.kind) {
                caveats.push(f);
            }
        }
        (
            Some(DirectAnswer {
                text,
                citation: rank + 1,
                span,
                caveats,
            }),
            Outcome::Answer,
        )
    }

    /// The sentence as an answer line, with the context a reader needs: the record's date
    /// for a "when" question, the record's subject when the sentence opens with a pronoun.
    fn answer_line(
        &self,
        plan: &Plan,
        sentence: &str,
        first: bool,
        source: Option<&Source>,
        record_date: bool,
        subject: bool,
    ) -> (String, usize) {
        let mut line = one_line(sentence, answer::MAX_ANSWER_CHARS);
        let quoted = line.len();
        let record = source.filter(|s| s.kind == SourceKind::Record);
        if record_date {
            if let Some(date) = source.and_then(|s| s.date.as_deref()) {
                line = format!("{date}: {line}");
            }
        } else if let Some(r) = record {
            const PRONOUNS: &[&str] = &["He", "She", "They", "His", "Her", "Their", "It", "Its"];
            let opens_with_pronoun = sentence
                .split_whitespace()
                .next()
                .is_some_and(|w| PRONOUNS.contains(&w));
            if subject || opens_with_pronoun && (!first || plan.qtype == QuestionType::Who) {
                line = format!("{}: {line}", r.title);
            }
        }
        let at = line.len() - quoted;
        (line, at)
    }
}

/// Words of a question's frame, never its focus.
const FRAME_WORDS: &[&str] = &[
    "last",
    "lasted",
    "long",
    "time",
    "date",
    "day",
    "held",
    "hold",
    "located",
    "place",
    "take",
    "took",
    "happen",
    "happened",
    "according",
    "say",
    "said",
    "actually",
    "exactly",
    "precisely",
    "get",
    "going",
];
const ROUND_WORDS: &[&str] = &["round", "rounds", "session", "talks"];

/// A focus word in the passage's title or section counts this much of one in the
/// sentence.
const FOCUS_TOPIC_FACTOR: f32 = 0.5;

/// A record's date as the sources write dates ("2025-07-23" → "23 July 2025"), read by
/// the timeline's date reader, for the reader's constraints; what it cannot read, as it is.
fn spelled_date(date: &str) -> String {
    let day = |d: chrono::NaiveDate| d.format("%-d %B %Y").to_string();
    match when::parse(date) {
        Some(When::Day(d)) => day(d),
        Some(When::Days(a, b)) => format!("{} – {}", day(a), day(b)),
        Some(When::Month { year, month }) => chrono::NaiveDate::from_ymd_opt(year, month, 1)
            .map_or_else(|| date.to_string(), |d| d.format("%B %Y").to_string()),
        _ => date.to_string(),
    }
}

/// The question's words split by what they do for the reader: the names it gives (each
/// must be in the answer's passage) and the rest, its focus (the answer's sentence should
/// hold them).
struct Focus<'p> {
    names: Plan,
    focus: Plan,
    focus_weights: Vec<f32>,
    /// A Ukrainian or Russian question's common words, in English.
    english_words: Vec<Concept>,
    /// What a Ukrainian or Russian count question counts, as English stems.
    counted_english: Vec<String>,
    other_language: bool,
    plan: &'p Plan,
}

impl<'p> Focus<'p> {
    fn of(
        question: &str,
        lang: Lang,
        plan: &'p Plan,
        weights: &[f32],
        asked: &Asked,
        english: &mut tantivy::tokenizer::TextAnalyzer,
    ) -> Focus<'p> {
        // Capitalised words the question gives, other than a capitalised opening word that
        // is a common English word ("Where", "How"); in Ukrainian and Russian every word
        // the lexical side sees is a name.
        let capitalised: Vec<String> = question
            .split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '\'' || c == '’'))
            .filter(|w| !w.is_empty())
            .enumerate()
            .filter(|(i, w)| {
                w.chars().next().is_some_and(char::is_uppercase)
                    && (*i > 0 || !query::dictionary::is_word(Lang::En, w))
            })
            .map(|(_, w)| {
                w.trim_end_matches("'s")
                    .trim_end_matches("’s")
                    .to_lowercase()
            })
            .collect();
        let anchors = &plan.anchors;
        let mut names = Plan {
            concepts: Vec::new(),
            ..plan.clone()
        };
        let mut focus = Plan {
            concepts: Vec::new(),
            ..plan.clone()
        };
        let mut focus_weights = Vec::new();
        for (c, w) in plan.concepts.iter().zip(weights) {
            let is_name = lang != Lang::En
                || c.label
                    .split_whitespace()
                    .all(|part| capitalised.iter().any(|n| n == part));
            let is_anchor = c
                .alternatives
                .iter()
                .any(|a| a.terms.iter().any(|(_, t)| anchors.contains(t)))
                || c.label.chars().all(|ch| ch.is_ascii_digit() || ch == ',');
            // The words that frame a question ("how long", "take place", "according
            // to") say what kind of answer is wanted, not what it is about; and "round"
            // goes with the round the question names.
            let frame = c.label.starts_with("how ")
                || FRAME_WORDS.contains(&c.label.as_str())
                || !asked.rounds.is_empty() && ROUND_WORDS.contains(&c.label.as_str());
            if is_name {
                names.concepts.push(c.clone());
            } else if !is_anchor && !frame {
                focus.concepts.push(c.clone());
                focus_weights.push(*w);
            }
        }
        // A Ukrainian or Russian question's common words in English: where a value stands
        // near them, it is the one asked about. (Not its focus share: the list is short,
        // and a question whose words it lacks would look off its topic.)
        let mut english_words: Vec<Concept> = Vec::new();
        let stem = |english: &mut tantivy::tokenizer::TextAnalyzer, w: &str| {
            analysis::analyze(english, w)
                .into_iter()
                .map(|t| t.text)
                .next()
        };
        for words in &asked.english {
            let alternatives: Vec<Alternative> = words
                .iter()
                .filter_map(|w| stem(english, w))
                .map(|t| Alternative {
                    terms: vec![(0, t)],
                    weight: 1.0,
                    origin: Origin::Synonym,
                })
                .collect();
            if !alternatives.is_empty() {
                english_words.push(Concept {
                    label: words[0].to_string(),
                    alternatives,
                });
            }
        }
        let counted_english = asked
            .counted_english
            .iter()
            .filter_map(|w| stem(english, w))
            .collect();
        Focus {
            names,
            focus,
            focus_weights,
            english_words,
            counted_english,
            other_language: lang != Lang::En,
            plan,
        }
    }

    /// For each name, whether the passage holds it.
    fn names_held(&self, tokens: &[Token], extra: &std::collections::HashSet<String>) -> Vec<bool> {
        self.names
            .concepts
            .iter()
            .map(|c| {
                c.alternatives
                    .iter()
                    .any(|a| alternative_match(a, tokens, extra, 1.0) > 0.0)
            })
            .collect()
    }

    /// The share of the focus words the sentence holds (1 without focus words).
    fn share(&self, tokens: &[Token], topic: &std::collections::HashSet<String>) -> f32 {
        if self.focus.concepts.is_empty() {
            // Without focus words the question is all names and constraints ("Who is
            // X?", "хто такий X?"), or its words have no English here.
            return 1.0;
        }
        // The passage's title and section are the sentence's topic too, at a discount.
        coverage(
            &self.focus,
            &self.focus_weights,
            tokens,
            topic,
            FOCUS_TOPIC_FACTOR,
        )
    }

    /// The stems of each focus word and name, with their synonyms.
    fn stems(&self) -> Vec<Vec<String>> {
        self.focus
            .concepts
            .iter()
            .chain(&self.names.concepts)
            .chain(&self.english_words)
            .map(|c| {
                c.alternatives
                    .iter()
                    .flat_map(|a| a.terms.iter().map(|(_, t)| t.clone()))
                    .collect()
            })
            .collect()
    }

    /// The stems (with synonyms) of what a count question counts.
    fn counted(&self, asked: &Asked) -> Vec<String> {
        if self.other_language {
            return self.counted_english.clone();
        }
        self.plan
            .concepts
            .iter()
            .filter(|c| {
                asked
                    .counted
                    .iter()
                    .any(|w| c.label.split_whitespace().any(|l| l == w))
            })
            .flat_map(|c| c.alternatives.iter())
            .filter_map(|a| match a.terms.as_slice() {
                [(_, t)] => Some(t.clone()),
                _ => None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::spelled_date;

    #[test]
    fn a_record_date_is_spelt_as_the_sources_write_dates() {
        assert_eq!(spelled_date("2025-07-23"), "23 July 2025");
        assert_eq!(spelled_date("2025-05"), "May 2025");
        assert_eq!(spelled_date("sometime"), "sometime");
    }
}
