//! `cargo bench`: how fast attache answers and indexes, on this machine.
//!
//! - one `ask` end to end, in process (plan, search, re-rank, snippets, answer), on the
//!   shipped corpus and on generated corpora (100k and 1M passages by default), reported
//!   as p50/p99 over every question of the evaluation files, repeated;
//! - index build throughput (passages per second) for each generated corpus;
//! - memory: resident set size after opening each index and its peak so far.
//!
//! Generated passages mix sentences of the shipped corpus (so questions match real
//! words at realistic frequencies) with filler sentences from a synthetic vocabulary.
//! `ATTACHE_BENCH_SIZES=100000` picks other sizes; `ATTACHE_BENCH_ROUNDS` the repeats.

use std::path::Path;
use std::time::{Duration, Instant};

mod common;

use attache::core::corpus::{self, Corpus};
use attache::core::index::{self, BuildOptions};
use attache::core::query::Analyzers;
use attache::core::search::{Engine, SearchSettings};
use attache::core::synonyms::Synonyms;

use common::{generate, memory, questions};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let questions = questions(root);
    let shipped =
        corpus::load_dir_strict(&root.join("index/sources")).expect("shipped sources load");
    let synonyms = Synonyms::load(
        &root.join("index/synonyms.txt"),
        &mut Analyzers::new().english,
    )
    .expect("synonyms load");
    let sizes: Vec<usize> = std::env::var("ATTACHE_BENCH_SIZES")
        .unwrap_or_else(|_| "100000,1000000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let rounds: usize = std::env::var("ATTACHE_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(0);

    println!(
        "attache benchmark: {} questions, {} cores",
        questions.len(),
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    println!(
        "{:<28} {:>10} {:>12} {:>9} {:>9} {:>9} {:>9} {:>10} {:>10}",
        "corpus",
        "passages",
        "build/s",
        "p50 ms",
        "p99 ms",
        "max ms",
        "asks",
        "RSS MiB",
        "peak MiB"
    );
    let shipped_rounds = if rounds > 0 { rounds } else { 40 };
    run("shipped", &shipped, &synonyms, &questions, shipped_rounds);
    for size in sizes {
        let generated = generate(&shipped, size);
        let repeat = if rounds > 0 {
            rounds
        } else {
            (2_000_000 / size).clamp(3, 20)
        };
        run(
            &format!("generated {}k", size / 1000),
            &generated,
            &synonyms,
            &questions,
            repeat,
        );
    }
}

fn run(name: &str, corpus: &Corpus, synonyms: &Synonyms, questions: &[String], rounds: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let started = Instant::now();
    let lock = index::lock(dir.path(), "bench").expect("build lock");
    let options = BuildOptions {
        sources_hash: String::new(),
        memory_budget_bytes: 256_000_000,
        threads: index::build_threads(false),
        progress: &(),
    };
    let staged = index::stage(corpus, &lock, options).expect("index builds");
    let manifest = index::install(&lock, staged, &()).expect("index installs");
    let build = started.elapsed();
    let engine = Engine::new(
        index::open(dir.path()).expect("index opens"),
        synonyms.clone(),
        SearchSettings::default(),
    );
    // Cold: the first time each question is asked, nothing of it is cached (the engine
    // caches each passage's analysis). Warm: the same questions again, as popular
    // questions are in a live server.
    let time = |q: &String| {
        let t = Instant::now();
        std::hint::black_box(engine.ask(q, 3, 0).expect("ask"));
        t.elapsed()
    };
    let cold: Vec<Duration> = questions.iter().map(time).collect();
    let warm: Vec<Duration> = (0..rounds)
        .flat_map(|_| questions.iter().map(time))
        .collect();
    let (rss, peak) = memory();
    let rate = manifest.passages as f64 / build.as_secs_f64();
    for (label, mut latencies) in [("cold", cold), ("warm", warm)] {
        latencies.sort();
        let pct = |p: f64| {
            latencies[((latencies.len() as f64 * p).ceil() as usize)
                .saturating_sub(1)
                .min(latencies.len() - 1)]
        };
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{:<28} {:>10} {:>12.0} {:>9.3} {:>9.3} {:>9.3} {:>9} {:>10.0} {:>10.0}",
            format!("{name} ({label})"),
            manifest.passages,
            rate,
            ms(pct(0.50)),
            ms(pct(0.99)),
            ms(*latencies.last().expect("some asks")),
            latencies.len(),
            rss,
            peak
        );
    }
}
