//! What the benchmarks share: the questions, generated corpora, memory readings.

#![allow(dead_code)] // each bench uses a different part

use std::path::Path;
use std::time::Duration;

use attache::core::analysis;
use attache::core::corpus::{Corpus, Passage, PassageKind, Source, SourceKind};

/// The `p` quantile (0–1) of sorted `latencies`.
pub fn percentile(latencies: &[Duration], p: f64) -> Duration {
    latencies[((latencies.len() as f64 * p).ceil() as usize)
        .saturating_sub(1)
        .min(latencies.len() - 1)]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Resident and peak resident memory of this process, in MiB (Linux `/proc`).
pub fn memory() -> (f64, f64) {
    memory_of("self")
}

/// Resident and peak resident memory of process `pid` ("self" for this one), in MiB.
pub fn memory_of(pid: &str) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

pub fn questions(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for f in ["seed-qa.jsonl", "records-qa.jsonl", "own-qa.jsonl"] {
        for case in attache::core::eval::load_cases(&root.join("tests/fixtures/eval").join(f))
            .expect("eval cases load")
        {
            out.push(case.q);
        }
    }
    out
}

/// Every question of every evaluation file, English, Ukrainian and Russian (206).
pub fn all_questions(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for f in [
        "seed-qa.jsonl",
        "records-qa.jsonl",
        "own-qa.jsonl",
        "dev-en.jsonl",
        "dev-uk-ru.jsonl",
    ] {
        for case in attache::core::eval::load_cases(&root.join("tests/fixtures/eval").join(f))
            .expect("eval cases load")
        {
            out.push(case.q);
        }
    }
    out
}

/// `n` distinct questions: every evaluation question, then each again with the chatty
/// openers and closers members type ("hey, …", "… thanks"), so a cache of question
/// vectors never hides the model's cost.
pub fn distinct_questions(root: &Path, n: usize) -> Vec<String> {
    const OPENERS: &[&str] = &[
        "",
        "hey, ",
        "quick question: ",
        "so ",
        "ok so ",
        "um, ",
        "hi! ",
        "pls, ",
    ];
    const CLOSERS: &[&str] = &["", " thanks", " pls", " ??", " please", " thx", " !", " ty"];
    let base = all_questions(root);
    let mut out = Vec::with_capacity(n);
    'outer: for closer in CLOSERS {
        for opener in OPENERS {
            for q in &base {
                if out.len() == n {
                    break 'outer;
                }
                out.push(format!("{opener}{q}{closer}"));
            }
        }
    }
    assert_eq!(
        out.len(),
        n,
        "at most {} distinct questions",
        base.len() * 64
    );
    out
}

/// A corpus of `size` passages, ten per source, deterministic for a given size.
pub fn generate(shipped: &Corpus, size: usize) -> Corpus {
    let mut rng = fastrand::Rng::with_seed(size as u64);
    let sentences: Vec<&str> = shipped
        .passages
        .iter()
        .flat_map(|p| {
            analysis::sentences(&p.text)
                .into_iter()
                .map(move |(a, b)| &p.text[a..b])
        })
        .collect();
    const SYLLABLES: &[&str] = &[
        "ka", "lo", "mi", "ren", "tus", "vo", "dri", "pel", "sha", "nor", "qui", "bex", "ul",
        "tam", "zo", "fen",
    ];
    let vocabulary: Vec<String> = (0..50_000)
        .map(|i| {
            let mut w = String::new();
            let mut n = i;
            loop {
                w.push_str(SYLLABLES[n % SYLLABLES.len()]);
                n /= SYLLABLES.len();
                if n == 0 {
                    break;
                }
            }
            w
        })
        .collect();
    // Zipf-like: word k is drawn with probability ~ 1/k.
    let zipf = |rng: &mut fastrand::Rng| {
        let u = rng.f64();
        let k = (vocabulary.len() as f64).powf(u) as usize;
        &vocabulary[k.min(vocabulary.len() - 1)]
    };
    let mut corpus = Corpus::default();
    for i in 0..size {
        let source_id = format!("GEN-{}", i / 10);
        if i % 10 == 0 {
            // Mostly new titles, sometimes a real one, as in a corpus that grew around
            // the shipped one.
            let title = if rng.f64() < 0.1 {
                shipped.sources[rng.usize(..shipped.sources.len())]
                    .title
                    .clone()
            } else {
                (0..rng.usize(3..8))
                    .map(|_| zipf(&mut rng).as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            corpus.sources.push(Source {
                id: source_id.clone(),
                kind: SourceKind::Record,
                title,
                publisher: Some("Generated".into()),
                date: Some(format!("{} May 2025", 1 + i % 28)),
                url: None,
                place: None,
                flags: Vec::new(),
                citations: Vec::new(),
                related: Vec::new(),
                file: "generated".into(),
                weight: 1.0,
                primary: false,
                when: None,
                timeline_kind: None,
                duration: None,
                author: None,
                lang: None,
                link: None,
                figures: Vec::new(),
            });
        }
        let mut text = String::new();
        if rng.f64() < 0.3 {
            text.push_str(sentences[rng.usize(..sentences.len())]);
            text.push(' ');
        }
        for _ in 0..rng.usize(1..4) {
            let n = rng.usize(8..20);
            let words: Vec<&str> = (0..n).map(|_| zipf(&mut rng).as_str()).collect();
            text.push_str(&words.join(" "));
            text.push_str(". ");
        }
        corpus.passages.push(Passage {
            id: format!("{source_id}#{}", i % 10 + 1),
            source_id,
            kind: PassageKind::Record,
            section: None,
            text: text.trim_end().to_string(),
            credit: None,
        });
    }
    corpus
}
