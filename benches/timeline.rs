//! `cargo bench --bench timeline`: how long drawing the timeline takes, per topic, on
//! the shipped corpus (its events read from the records once, as a generation is), the
//! PNG encoding included. Each topic is drawn `ATTACHE_BENCH_ROUNDS` times (default
//! 50) in English after one untimed drawing (the font's first use); reported: p50, p99
//! and max in milliseconds, and the picture's size.

mod common;

use std::time::{Duration, Instant};

use attache::core::corpus::load_dir_strict;
use attache::core::lang::Lang;
use attache::core::timeline::{events, select, Topic};
use attache::render::timeline::draw;
use common::{ms, percentile};

fn main() {
    let rounds: usize = std::env::var("ATTACHE_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(50)
        .max(1);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("index/sources");
    let corpus = load_dir_strict(&dir).expect("the shipped corpus loads");
    let (all, _) = events(&corpus.sources);
    println!(
        "timeline drawing: {} events, {rounds} rounds per topic",
        all.len()
    );
    println!("topic       events    p50 ms    p99 ms    max ms   KiB   px");
    for topic in [Topic::All, Topic::Exchanges, Topic::Rounds, Topic::Children] {
        let chosen = select(&all, topic, None, None);
        let first = draw(&chosen, topic, Lang::En).expect("drawn");
        let mut times: Vec<Duration> = (0..rounds)
            .map(|_| {
                let started = Instant::now();
                let p = draw(&chosen, topic, Lang::En).expect("drawn");
                std::hint::black_box(p.png.len());
                started.elapsed()
            })
            .collect();
        times.sort();
        println!(
            "{:<10} {:>7} {:>9.2} {:>9.2} {:>9.2} {:>5} {}x{}",
            topic.name(),
            chosen.len(),
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.99)),
            ms(*times.last().expect("a time")),
            first.png.len() / 1024,
            first.width,
            first.height
        );
    }
}
