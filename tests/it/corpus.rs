//! The shipped corpus: every record is there with its flags and sources, the article's
//! text is the seed's exactly, and a bad source file is reported by file and line.

use attache::core::corpus::{self, FlagKind, PassageKind, SourceKind};
use testkit::project::{stderr, stdout};
use testkit::Project;

use crate::util::{checkout, repo};

#[test]
fn every_research_record_is_in_the_corpus() {
    let corpus =
        corpus::load_dir_strict(&repo().join("index/sources")).unwrap_or_else(|e| panic!("{e}"));
    let research: Vec<&str> = corpus
        .sources
        .iter()
        .filter(|s| s.kind == SourceKind::Record)
        .map(|s| s.id.as_str())
        .filter(|id| {
            ["R1-", "R2-", "R3-", "PX-", "CH-", "PPL-", "NX-"]
                .iter()
                .any(|p| id.starts_with(p))
        })
        .collect();
    assert_eq!(research.len(), 56, "{research:?}");
    // Sections 8–10: 14 disagreements, 12 weak facts, 6 things not found.
    let caveats = corpus
        .sources
        .iter()
        .filter(|s| s.file.ends_with("08-caveats.toml"))
        .count();
    assert_eq!(caveats, 32);

    let r103 = corpus.source("R1-03").unwrap();
    assert_eq!(r103.date.as_deref(), Some("16 May 2025"));
    assert!(r103.flags.iter().any(|f| f.kind == FlagKind::Disputed));
    let r305 = corpus.source("R3-05").unwrap();
    assert_eq!(r305.citations.len(), 5);
    assert_eq!(r305.citations[0].publisher, "Anadolu Agency");
    assert!(r305.citations[0].url.starts_with("https://www.aa.com.tr/"));
    // Flags are visible in the text and structured.
    let r102 = corpus.source("R1-02").unwrap();
    assert!(r102.flags.iter().any(|f| f.kind == FlagKind::Claim
        && f.detail.as_deref() == Some("reports citing unnamed sources")));
    assert!(corpus
        .passages
        .iter()
        .any(|p| p.id == "R1-02" && p.text.contains("[CLAIM: reports citing unnamed sources]")));
}

#[test]
fn article_passages_and_headings_reproduce_the_seed_text_exactly() {
    let seed = std::fs::read_to_string(repo().join("tests/fixtures/istanbul-talks-2025-07-23.txt"))
        .unwrap();
    let expected: Vec<&str> = seed.lines().filter(|l| !l.trim().is_empty()).collect();
    let corpus = corpus::load_dir_strict(&repo().join("index/sources")).unwrap();
    let article = corpus.source("istanbul-talks-2025-07-23").unwrap();
    assert_eq!(article.date.as_deref(), Some("2025-07-23"));
    assert!(article.publisher.as_deref().unwrap().contains("Reuters"));
    let mut rebuilt: Vec<&str> = Vec::new();
    let mut section: Option<&str> = None;
    for p in corpus.passages.iter().filter(|p| p.source_id == article.id) {
        if p.section.as_deref() != section {
            section = p.section.as_deref();
            rebuilt.push(section.unwrap());
        }
        rebuilt.push(&p.text);
    }
    assert_eq!(rebuilt, expected);
    let captions: Vec<_> = corpus
        .passages
        .iter()
        .filter(|p| p.kind == PassageKind::Caption)
        .collect();
    assert_eq!(captions.len(), 3);
    assert_eq!(captions[0].credit.as_deref(), Some("REUTERS/Murad Sezer"));
    assert_eq!(
        captions[1].credit.as_deref(),
        Some("REUTERS/Dilara Senkaya")
    );
}

#[test]
fn a_bad_source_is_named_by_file_and_line_and_the_old_index_keeps_serving() {
    let project = Project::new(&checkout());
    let first = project.run(&["index"]);
    assert!(first.status.success(), "{}", stderr(&first));
    std::fs::write(
        project.path("index/sources/records/99-new.toml"),
        "[[records]]\nid = \"NEW-1\"\ntitle = \"New\"\nbody = \"Broken\ndate = 1\n",
    )
    .unwrap();
    let failed = project.run(&["index"]);
    assert_eq!(failed.status.code(), Some(1));
    let err = stderr(&failed);
    assert!(err.contains("99-new.toml:4:"), "{err}");
    // Asking still answers from the previous generation, and says why it is not rebuilt.
    let answer = project.run(&["ask", "How many prisoners will be exchanged?"]);
    assert!(answer.status.success(), "{}", stderr(&answer));
    assert!(stdout(&answer).contains("1,200"), "{}", stdout(&answer));
    assert!(
        stderr(&answer).contains("99-new.toml:4:"),
        "{}",
        stderr(&answer)
    );
    let manifest = attache::core::index::current_manifest(&project.path("index/tantivy")).unwrap();
    assert_eq!((manifest.generation, manifest.passages), (1, 99));
}
