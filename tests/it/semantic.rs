//! Semantic search as operators and members meet it: a reindex embeds only what changed,
//! big corpora fall back to lexical answers with a log line, questions are answered
//! while a reindex embeds, and the direct answer marks where the answer is. These run
//! the real model.

use std::time::{Duration, Instant};

use attache::app::{self, LiveEngine};
use attache::core::index::Phase;
use testkit::project::{stderr, stdout};
use testkit::Project;

use crate::util::{checkout, ProjectSettings};

/// A records file whose body sentences are unique to this run (so no cache holds them).
fn record(id: &str, sentences: usize) -> String {
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let body: Vec<String> = (0..sentences)
        .map(|i| {
            format!(
                "The kumquat council {nonce} met for session {i} and agreed on {i} new orchards."
            )
        })
        .collect();
    format!(
        "[[records]]\nid = \"{id}\"\ntitle = \"Kumquat council {nonce}\"\ndate = \"1 March 2025\"\nbody = \"{}\"\n\n[[records.sources]]\nurl = \"https://example.org/kumquat\"\npublisher = \"Example\"\n",
        body.join(" ")
    )
}

#[test]
fn a_one_record_edit_embeds_only_that_records_sentences() {
    let project = Project::new(&checkout());
    let settings = project.settings();
    let first = app::reindex(&settings, &(), "test", 2).unwrap();
    let before = first.vectors.expect("built with vectors");
    assert!(before.sentences >= 200, "{before:?}");

    std::fs::write(
        project.path("index/sources/records/99-kumquat.toml"),
        record("KQ-01", 3),
    )
    .unwrap();
    let second = app::reindex(&settings, &(), "test", 2).unwrap();
    let after = second.vectors.unwrap();
    assert_eq!(
        after.embedded, 3,
        "only the new record's three sentences are embedded: {after:?}"
    );
    assert_eq!(after.sentences, before.sentences + 3);

    // The new record is found by meaning, not only by its words.
    let engine = app::open_engine(&settings, &()).unwrap();
    let r = engine
        .ask(
            "How many new orchards did the citrus body agree on in session two?",
            3,
            0,
        )
        .unwrap();
    assert_eq!(
        r.passages.first().map(|p| p.source.id.as_str()),
        Some("KQ-01")
    );
}

#[test]
fn above_the_configured_size_semantic_search_is_off_and_says_so() {
    let project = Project::new(&checkout());
    let out = project
        .attache(&["index"])
        .env("ATTACHE__SEMANTIC__MAX_PASSAGES", "10")
        .env("ATTACHE__LOG__LEVEL", "info")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("semantic search is off for this corpus"),
        "{}",
        stderr(&out)
    );
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::fs::read_dir(project.path("index/tantivy"))
                .unwrap()
                .flatten()
                .find(|e| e.file_name().to_string_lossy().starts_with("gen-"))
                .unwrap()
                .path()
                .join("manifest.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert!(manifest["vectors"].is_null(), "{manifest}");
    // Lexical answers carry on.
    let ask = project
        .attache(&["ask", "How many prisoners will be exchanged?"])
        .env("ATTACHE__SEMANTIC__MAX_PASSAGES", "10")
        .output()
        .unwrap();
    assert!(stdout(&ask).contains("1,200"), "{}", stdout(&ask));
}

#[test]
fn a_question_arriving_while_a_reindex_embeds_is_answered() {
    let project = Project::new(&checkout());
    let live = std::sync::Arc::new(LiveEngine::open(project.settings(), &()).unwrap());
    // Enough new sentences that embedding them takes seconds.
    std::fs::write(
        project.path("index/sources/records/99-kumquat.toml"),
        record("KQ-02", 120),
    )
    .unwrap();
    let building = {
        let live = live.clone();
        std::thread::spawn(move || live.reindex(&(), "test"))
    };
    let root = project.path("index/tantivy");
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut answered_while_embedding = 0;
    while Instant::now() < deadline && !building.is_finished() {
        let embedding =
            attache::core::index::read_status(&root).is_some_and(|s| s.phase == Phase::Embedding);
        if embedding {
            let started = Instant::now();
            let r = live
                .engine()
                .ask("How many prisoners will be exchanged?", 3, 0)
                .unwrap();
            assert!(
                r.answer.as_ref().is_some_and(|a| a.text.contains("1,200")),
                "{:?}",
                r.answer
            );
            // Generous for a loaded two-core machine; an answer takes milliseconds.
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "answered in {:?} while the reindex embeds",
                started.elapsed()
            );
            answered_while_embedding += 1;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let manifest = building.join().unwrap().unwrap();
    assert!(manifest.vectors.unwrap().embedded >= 120);
    assert!(
        answered_while_embedding > 0,
        "the test saw the reindex embedding and asked meanwhile"
    );
}

#[test]
fn the_answer_is_plain_text_and_its_span_points_at_the_answer() {
    let project = Project::new(&checkout());
    for (question, wanted) in [
        ("How many prisoners will be exchanged?", "1,200"),
        ("When was the third round of talks?", "23 July"),
        ("How long did the third round last?", "40 minutes"),
        ("How long did round one last?", "1.5–2 hours"),
    ] {
        let out = project.run(&["ask", "--json", question]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let text = v["answer"]["text"].as_str().unwrap();
        assert!(!text.contains("**"), "plain text: {text}");
        let span = &v["answer"]["span"];
        let (a, b) = (
            span[0].as_u64().unwrap() as usize,
            span[1].as_u64().unwrap() as usize,
        );
        let marked: String = text.chars().skip(a).take(b - a).collect();
        assert!(
            marked.contains(wanted),
            "{question}: span {a}..{b} marks {marked:?} in {text:?}"
        );
        assert!(
            marked.chars().count() < 40,
            "the span is the answer, not the sentence: {marked:?}"
        );
    }
}

/// The embedder is shared by every question at once (`Send + Sync` on the strength of a
/// comment: `e5_embed` takes a `*mut` model). Eight threads embedding at once get, vector
/// for vector, what one thread gets alone (issue 20).
#[cfg(feature = "semantic")]
#[test]
fn eight_threads_embedding_at_once_get_the_vectors_one_thread_gets() {
    use attache::core::embed::Embedder;
    let e = Embedder::shared().unwrap();
    let texts = [
        "How many prisoners will be exchanged?",
        "Скільки полонених обміняють?",
        "Кто возглавлял российскую делегацию?",
        "when was the second round held",
        "What did Umerov propose for the end of August?",
        "children taken to Russia",
    ];
    for engine_threads in [1, 2] {
        let alone: Vec<Vec<f32>> = texts
            .iter()
            .map(|t| e.query(t, engine_threads).unwrap())
            .collect();
        let passages_alone = e.passages(&texts, engine_threads).unwrap();
        std::thread::scope(|scope| {
            let workers: Vec<_> = (0..8)
                .map(|n| {
                    let alone = &alone;
                    let passages_alone = &passages_alone;
                    scope.spawn(move || {
                        for round in 0..4 {
                            let i = (n + round) % texts.len();
                            assert_eq!(
                                e.query(texts[i], engine_threads).unwrap(),
                                alone[i],
                                "thread {n}, {:?}",
                                texts[i]
                            );
                            if round % 2 == n % 2 {
                                assert_eq!(
                                    &e.passages(&texts, engine_threads).unwrap(),
                                    passages_alone,
                                    "thread {n}"
                                );
                            }
                        }
                    })
                })
                .collect();
            for w in workers {
                w.join().unwrap();
            }
        });
    }
}
