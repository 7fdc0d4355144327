//! `cargo bench --bench reindex`: what a live rebuild costs the questions being answered.
//!
//! On a generated corpus (100k passages by default, `ATTACHE_BENCH_SIZE`), one thread
//! answers the evaluation questions over and over from the current generation, as the
//! bot's answering threads do, while another builds the next generation (stage, check,
//! switch) as `/reindex` does. Reported for each window: p50, p99 and max latency of a
//! question, before the rebuild (warm), during it, and after the switch (a fresh engine
//! on the new generation, so its first questions are cold); and the rebuild's time.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use attache::core::corpus::{self, Corpus};
use attache::core::index::{self, BuildOptions, Manifest};
use attache::core::query::Analyzers;
use attache::core::search::{Engine, SearchSettings};
use attache::core::synonyms::Synonyms;
use common::{generate, memory, ms, percentile, questions};

fn build(corpus: &Corpus, root: &std::path::Path) -> Manifest {
    let lock = index::lock(root, "bench").expect("build lock");
    let options = BuildOptions {
        sources_hash: String::new(),
        memory_budget_bytes: 256_000_000,
        threads: index::build_threads(true),
        progress: &(),
        // Lexical: a generated corpus this size is above `semantic.max_passages`.
        vectors: None,
    };
    let staged = index::stage(corpus, &lock, options).expect("stage");
    index::install(&lock, staged, &()).expect("install")
}

fn engine(root: &std::path::Path, synonyms: &Synonyms) -> Engine {
    Engine::new(
        index::open(root).expect("open"),
        synonyms.clone(),
        SearchSettings::default(),
    )
}

fn report(label: &str, mut latencies: Vec<Duration>) -> Duration {
    latencies.sort();
    let p99 = percentile(&latencies, 0.99);
    println!(
        "{label:<28} {:>9.3} {:>9.3} {:>9.3} {:>9}",
        ms(percentile(&latencies, 0.50)),
        ms(p99),
        ms(*latencies.last().expect("some asks")),
        latencies.len()
    );
    p99
}

fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let questions = questions(root);
    let shipped = corpus::load_dir_strict(&root.join("index/sources")).expect("shipped sources");
    let synonyms = Synonyms::load(
        &root.join("index/synonyms.txt"),
        &mut Analyzers::new().english,
    )
    .expect("synonyms");
    let size: usize = std::env::var("ATTACHE_BENCH_SIZE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let corpus = Arc::new(generate(&shipped, size));
    let dir = tempfile::tempdir().expect("temp dir");
    let first = build(&corpus, dir.path());

    println!(
        "attache reindex benchmark: {} passages, {} questions, {} cores",
        first.passages,
        questions.len(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "{:<28} {:>9} {:>9} {:>9} {:>9}",
        "window", "p50 ms", "p99 ms", "max ms", "asks"
    );

    let current = engine(dir.path(), &synonyms);
    let ask = |e: &Engine, q: &String| {
        let t = Instant::now();
        std::hint::black_box(e.ask(q, 3, 0).expect("ask"));
        t.elapsed()
    };
    // Warm up, then at rest.
    for q in &questions {
        ask(&current, q);
    }
    let at_rest: Vec<Duration> = (0..5)
        .flat_map(|_| {
            questions
                .iter()
                .map(|q| ask(&current, q))
                .collect::<Vec<_>>()
        })
        .collect();
    let rest_p99 = report("before (at rest)", at_rest);

    // During: the rebuild on its own thread; questions keep coming until it is done.
    let done = Arc::new(AtomicBool::new(false));
    let builder = {
        let (corpus, done, root) = (corpus.clone(), done.clone(), dir.path().to_path_buf());
        std::thread::spawn(move || {
            let t = Instant::now();
            let m = build(&corpus, &root);
            done.store(true, Ordering::SeqCst);
            (m, t.elapsed())
        })
    };
    let mut during = Vec::new();
    'asking: loop {
        for q in &questions {
            if done.load(Ordering::SeqCst) {
                break 'asking;
            }
            during.push(ask(&current, q));
        }
    }
    let (second, took) = builder.join().expect("rebuild");
    let during_p99 = report("during the rebuild", during);

    // After: the new generation, as the bot switches to it (first questions cold).
    let next = engine(dir.path(), &synonyms);
    assert_eq!(next.index().manifest.generation, second.generation);
    let after: Vec<Duration> = (0..5)
        .flat_map(|_| questions.iter().map(|q| ask(&next, q)).collect::<Vec<_>>())
        .collect();
    report("after the switch", after);
    let (rss, peak) = memory();
    println!(
        "rebuild of {} passages: {:.1} s ({:.0} passages/s); p99 during / at rest: {:.2}x; RSS {rss:.0} MiB, peak {peak:.0} MiB",
        second.passages,
        took.as_secs_f64(),
        second.passages as f64 / took.as_secs_f64(),
        during_p99.as_secs_f64() / rest_p99.as_secs_f64()
    );
}
