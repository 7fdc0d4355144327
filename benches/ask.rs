//! `cargo bench`: how fast attache answers and indexes, on this machine.
//!
//! - one `ask` end to end, in process (plan, search, re-rank, snippets, answer), on the
//!   shipped corpus and on generated corpora (100k and 1M passages by default), reported
//!   as p50/p99 over every question of the evaluation files, repeated;
//! - index build throughput (passages per second) for each generated corpus;
//! - memory: resident set size after opening each index and its peak so far;
//! - semantic search on the shipped corpus: building with vectors (sentences embedded per
//!   second), a new question and a repeated one (its vector cached), the reader's share of
//!   each (choosing the answer and its words after ranking), a reindex after one
//!   edited record, peak memory with the model loaded; and building a ~2k-passage
//!   generated corpus with vectors (`ATTACHE_BENCH_SEMANTIC_SIZE`);
//! - the lexical path against SQLite FTS5 (bm25, an OR of the question's words) on the
//!   same generated corpora and questions, as a ratio of medians.
//!
//! Generated passages mix sentences of the shipped corpus (so questions match real
//! words at realistic frequencies) with filler sentences from a synthetic vocabulary.
//! `ATTACHE_BENCH_SIZES=100000` picks other sizes; `ATTACHE_BENCH_ROUNDS` the repeats.

use std::path::Path;
use std::time::{Duration, Instant};

mod common;

use attache::core::corpus::{self, Corpus};
use attache::core::embed::{self, Embedder};
use attache::core::index::vectors::{EmbedOptions, SentenceVectors};
use attache::core::index::{self, BuildOptions, Manifest};
use attache::core::query::Analyzers;
use attache::core::search::semantic::Semantic;
use attache::core::search::{Engine, SearchSettings};
use attache::core::synonyms::Synonyms;

use common::{distinct_questions, generate, memory, ms, percentile, questions};

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
    run(
        "shipped",
        &shipped,
        &synonyms,
        &questions,
        shipped_rounds,
        false,
    );
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
            true,
        );
    }
    semantic(root, &shipped, &synonyms);
}

/// Build `corpus` into `dir`, with sentence vectors when `embed_threads` is set.
fn build(corpus: &Corpus, dir: &Path, embed_threads: Option<usize>) -> Manifest {
    let embed = |texts: &[&str]| -> Result<Vec<f32>, String> {
        let e = Embedder::shared().map_err(|e| e.to_string())?;
        e.passages(texts, embed_threads.unwrap_or(1))
            .map_err(|e| e.to_string())
    };
    let lock = index::lock(dir, "bench").expect("build lock");
    let options = BuildOptions {
        sources_hash: String::new(),
        memory_budget_bytes: 256_000_000,
        threads: index::build_threads(false),
        progress: &(),
        vectors: embed_threads.map(|_| EmbedOptions {
            model: embed::MODEL_ID,
            embed: &embed,
            cache_file: None,
        }),
    };
    let staged = index::stage(corpus, &lock, options).expect("index builds");
    index::install(&lock, staged, &()).expect("index installs")
}

/// An engine over `dir` with semantic search, keeping `cache` question vectors and
/// embedding each question with `threads` threads.
fn semantic_engine(dir: &Path, synonyms: &Synonyms, cache: usize, threads: usize) -> Engine {
    let open = index::open(dir).expect("index opens");
    let vectors = SentenceVectors::load(&open.dir, embed::MODEL_ID)
        .expect("vectors load")
        .expect("built with vectors");
    let searcher = open.reader.searcher();
    let semantic = Semantic::new(
        vectors,
        &searcher,
        open.fields.id,
        Box::new(move |q: &str| {
            let e = Embedder::shared().map_err(|e| e.to_string())?;
            e.query(q, threads).map_err(|e| e.to_string())
        }),
        cache,
    )
    .expect("vectors pair with the index");
    drop(searcher);
    Engine::new(open, synonyms.clone(), SearchSettings::default()).with_semantic(semantic)
}

fn line(label: &str, mut latencies: Vec<Duration>) {
    latencies.sort();
    println!(
        "{label:<44} {:>9.3} {:>9.3} {:>9.3} {:>7}",
        ms(percentile(&latencies, 0.50)),
        ms(percentile(&latencies, 0.99)),
        ms(*latencies.last().expect("some")),
        latencies.len()
    );
}

/// Semantic search: build with vectors, new and repeated questions, a one-record
/// reindex, memory; then a generated corpus's build with vectors.
fn semantic(root: &Path, shipped: &Corpus, synonyms: &Synonyms) {
    let threads = index::build_threads(false);
    println!("\nsemantic search (multilingual-e5-small, {threads} embedding threads for builds)");
    let dir = tempfile::tempdir().expect("temp dir");
    let started = Instant::now();
    let manifest = build(shipped, dir.path(), Some(threads));
    let took = started.elapsed();
    let stats = manifest.vectors.expect("vectors");
    println!(
        "shipped: {} passages, {} sentences embedded in {:.1} s ({:.0} sentences/s, whole build)",
        manifest.passages,
        stats.embedded,
        took.as_secs_f64(),
        stats.embedded as f64 / took.as_secs_f64()
    );
    println!(
        "{:<44} {:>9} {:>9} {:>9} {:>7}",
        "ask, shipped corpus", "p50 ms", "p99 ms", "max ms", "asks"
    );
    let fresh = distinct_questions(root, 1000);
    let time = |engine: &Engine, q: &String| {
        let t = Instant::now();
        std::hint::black_box(engine.ask(q, 3, 0).expect("ask"));
        t.elapsed()
    };
    // The question's threads: half the cores, as `attache serve` embeds, then every core.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut counts = vec![index::build_threads(true)];
    if cores > counts[0] {
        counts.push(cores);
    }
    for threads in counts {
        let uncached = semantic_engine(dir.path(), synonyms, 0, threads);
        // Warm the passage-analysis cache first: "new question" means a new question
        // vector, not a cold process.
        for q in fresh.iter().take(200) {
            time(&uncached, q);
        }
        line(
            &format!("new question (vector computed, {threads} thread(s))"),
            fresh.iter().map(|q| time(&uncached, q)).collect(),
        );
    }
    let cached = semantic_engine(dir.path(), synonyms, 4096, index::build_threads(true));
    let repeated = &fresh[..200];
    for q in repeated {
        time(&cached, q);
    }
    line(
        "repeated question (vector cached)",
        (0..5)
            .flat_map(|_| repeated.iter().map(|q| time(&cached, q)))
            .collect(),
    );
    // The reader's share of those questions: choosing the answer sentence and its words
    // (answer type, typed values, constraints, focus) after ranking.
    let read = |engine: &Engine, q: &String| engine.ask(q, 3, 0).expect("ask").read_in;
    let reader = semantic_engine(dir.path(), synonyms, 0, index::build_threads(true));
    line(
        "reader only, new question",
        fresh.iter().map(|q| read(&reader, q)).collect(),
    );
    line(
        "reader only, repeated question",
        (0..5)
            .flat_map(|_| repeated.iter().map(|q| read(&cached, q)))
            .collect(),
    );
    let (rss, peak) = memory();
    println!("memory with the model loaded: RSS {rss:.0} MiB, peak {peak:.0} MiB");

    // A reindex after one edited record: only its sentences are embedded.
    let mut edited = shipped.clone();
    let record = edited
        .passages
        .iter_mut()
        .find(|p| p.source_id == "R2-04")
        .expect("record R2-04");
    record
        .text
        .push_str(" A benchmark added this sentence to one record.");
    let started = Instant::now();
    let after = build(&edited, dir.path(), Some(index::build_threads(true)));
    println!(
        "reindex after one edited record: {:.2} s ({} of {} sentences embedded)",
        started.elapsed().as_secs_f64(),
        after.vectors.expect("vectors").embedded,
        after.vectors.expect("vectors").sentences
    );

    let size: usize = std::env::var("ATTACHE_BENCH_SEMANTIC_SIZE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000);
    if size > 0 {
        let generated = generate(shipped, size);
        let dir = tempfile::tempdir().expect("temp dir");
        let started = Instant::now();
        let manifest = build(&generated, dir.path(), Some(threads));
        let took = started.elapsed();
        let stats = manifest.vectors.expect("vectors");
        println!(
            "generated {size}: {} sentences embedded in {:.1} s ({:.0} sentences/s, whole build)",
            stats.embedded,
            took.as_secs_f64(),
            stats.embedded as f64 / took.as_secs_f64()
        );
    }
}

/// The same questions against SQLite FTS5 over the same passages: bm25 over an OR of
/// the question's words, the three best. Returns the median latency.
fn fts5(corpus: &Corpus, questions: &[String]) -> (Duration, Duration, Duration) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = rusqlite::Connection::open(dir.path().join("fts.db")).expect("sqlite opens");
    db.execute_batch(
        "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;
         CREATE VIRTUAL TABLE passages USING fts5(id UNINDEXED, text, tokenize='porter unicode61');",
    )
    .expect("fts5 table");
    let started = Instant::now();
    let tx = db.unchecked_transaction().expect("transaction");
    {
        let mut insert = tx
            .prepare("INSERT INTO passages(id, text) VALUES (?1, ?2)")
            .expect("insert");
        for p in &corpus.passages {
            insert.execute((&p.id, &p.text)).expect("insert row");
        }
    }
    tx.commit().expect("commit");
    let build = started.elapsed();
    let mut search = db
        .prepare("SELECT id FROM passages WHERE passages MATCH ?1 ORDER BY bm25(passages) LIMIT 3")
        .expect("query");
    let mut latencies: Vec<Duration> = questions
        .iter()
        .filter_map(|q| {
            let words: Vec<String> = q
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| w.len() > 1)
                .map(|w| format!("\"{w}\""))
                .collect();
            if words.is_empty() {
                return None;
            }
            let t = Instant::now();
            let rows: Vec<String> = search
                .query_map([words.join(" OR ")], |r| r.get(0))
                .expect("fts query")
                .collect::<Result<_, _>>()
                .expect("rows");
            std::hint::black_box(rows);
            Some(t.elapsed())
        })
        .collect();
    latencies.sort();
    (
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        build,
    )
}

/// The lexical path (semantic search is off above `semantic.max_passages`); against
/// FTS5 too when `compare`.
fn run(
    name: &str,
    corpus: &Corpus,
    synonyms: &Synonyms,
    questions: &[String],
    rounds: usize,
    compare: bool,
) {
    let dir = tempfile::tempdir().expect("temp dir");
    let started = Instant::now();
    let manifest = build(corpus, dir.path(), None);
    let build = started.elapsed();
    // Opening verifies the generation (every segment file's checksum, the passage
    // count); how much of the open that is, on a cold and a warm page cache alike.
    let opening = Instant::now();
    let open = index::open(dir.path()).expect("index opens");
    let opened = opening.elapsed();
    // The checksums alone, through an index of their own (as `open` does), dropped
    // after so the pages they mapped do not count as the engine's memory.
    let checking = Instant::now();
    let scratch = tantivy::Index::open_in_dir(&open.dir).expect("generation opens");
    let damaged = scratch.validate_checksum().expect("checksums read");
    assert!(damaged.is_empty(), "a fresh generation is whole");
    let checked = checking.elapsed();
    drop(scratch);
    let bytes: u64 = std::fs::read_dir(&open.dir)
        .expect("generation")
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum();
    println!(
        "{:<28} open, verified: {:.0} ms, of which checksums {:.0} ms, for {:.0} MiB",
        format!("{name} (open)"),
        ms(opened),
        ms(checked),
        bytes as f64 / (1024.0 * 1024.0)
    );
    let engine = Engine::new(open, synonyms.clone(), SearchSettings::default());
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
    let mut cold_sorted = cold.clone();
    cold_sorted.sort();
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
    if compare {
        drop(engine);
        let (p50, p99, fts_build) = fts5(corpus, questions);
        let ours = percentile(&cold_sorted, 0.5);
        println!(
            "{:<28} FTS5 bm25 (OR of words): p50 {:.3} ms, p99 {:.3} ms, built in {:.1} s; attache cold p50 {:.3} ms: attache {:.1}x faster",
            format!("{name} vs SQLite"),
            ms(p50),
            ms(p99),
            fts_build.as_secs_f64(),
            ms(ours),
            p50.as_secs_f64() / ours.as_secs_f64()
        );
    }
}
