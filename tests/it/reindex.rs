//! Reindexing without losing anything: a build killed at every step leaves a current
//! generation that answers; one build at a time across processes; rollback.

use std::process::Command;

use attache::app::{self, Library};
use attache::core::index::{self, BuildProgress, Phase};
use attache::core::search::Engine;
use attache::core::synonyms::Synonyms;
use testkit::project::{stderr, stdout};
use testkit::Project;

use crate::util::{checkout, ProjectSettings};

const CRASH_AT: &str = "ATTACHE_TEST_CRASH_AT";
const PROJECT: &str = "ATTACHE_TEST_PROJECT";

/// Dies like a killed process (no unwinding, no destructors) when a build enters a phase.
struct DieAt(Phase);

impl BuildProgress for DieAt {
    fn phase(&self, phase: Phase) {
        if phase == self.0 {
            std::process::abort();
        }
    }
}

fn phase_named(name: &str) -> Phase {
    serde_json::from_value(serde_json::Value::String(name.into())).unwrap()
}

/// Not a test on its own: the crash test runs this binary again with this test selected
/// and `ATTACHE_TEST_CRASH_AT` set, so the rebuild dies in a process of its own.
#[test]
#[ignore = "a helper the crash test runs in a process of its own"]
fn crash_helper() {
    let (Ok(phase), Ok(dir)) = (std::env::var(CRASH_AT), std::env::var(PROJECT)) else {
        panic!("run by a_rebuild_killed_at_any_step_leaves_an_index_that_answers, with {CRASH_AT} and {PROJECT} set");
    };
    let settings = attache::config::Settings::load(
        &std::path::Path::new(&dir).join("config"),
        &Default::default(),
    )
    .unwrap();
    let _ = app::reindex(&settings, &DieAt(phase_named(&phase)), "crash test", 1);
    panic!("the build did not reach phase {phase}");
}

fn ask(library: &Library, question: &str) -> String {
    let r = library.engine().ask(question, 3, 0).unwrap();
    r.passages
        .iter()
        .map(|p| p.text.clone())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_rebuild_killed_at_any_step_leaves_an_index_that_answers() {
    let project = Project::new(&checkout());
    let settings = project.settings();
    let library = Library::open(settings.clone(), &()).unwrap();
    assert!(ask(&library, "How many prisoners will be exchanged?").contains("1,200"));
    drop(library);
    let record = project.path("index/sources/records/99-crash.toml");
    std::fs::write(&record, "section = \"Test\"\n\n[[records]]\nid = \"C-1\"\ntitle = \"Kumquat summit\"\nbody = \"The kumquat summit ended without a communique.\"\n").unwrap();

    for phase in [
        "parsing",
        "writing",
        "committing",
        "checking",
        "switching",
        "switched",
    ] {
        let before = index::current_manifest(&settings.index.dir)
            .unwrap()
            .generation;
        let out = Command::new(std::env::current_exe().unwrap())
            .args([
                "--ignored",
                "--exact",
                "reindex::crash_helper",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CRASH_AT, phase)
            .env(PROJECT, project.dir.path())
            .output()
            .unwrap();
        assert!(
            !out.status.success(),
            "the helper must die at {phase}: {}",
            stdout(&out)
        );

        // Whatever the step, the next start (which takes the lock first, and so cleans
        // up) finds a generation that opens and answers, and nothing of the dead build.
        drop(index::lock(&settings.index.dir, "next start").unwrap());
        let open = index::open(&settings.index.dir).unwrap();
        let now = open.manifest.generation;
        let engine = Engine::new(open, Synonyms::default(), settings.search.clone());
        let answer = |q: &str| {
            engine
                .ask(q, 3, 0)
                .unwrap()
                .passages
                .iter()
                .map(|p| p.text.clone())
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert!(
            answer("How many prisoners will be exchanged?").contains("1,200"),
            "after a crash at {phase}"
        );
        let leftovers: Vec<String> = std::fs::read_dir(&settings.index.dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".staging") || n.ends_with(".tmp") || n == "BUILDING.json")
            .collect();
        assert!(
            leftovers.is_empty(),
            "after a crash at {phase}: {leftovers:?}"
        );
        if phase == "switched" {
            // Killed after the switch: the new generation is current, and complete.
            assert_eq!(now, before + 1);
            assert!(answer("kumquat summit").contains("communique"));
        } else {
            assert_eq!(
                now, before,
                "killed at {phase}, before the switch: the old generation serves"
            );
        }
    }
}

#[test]
fn one_build_at_a_time_even_across_processes() {
    let project = Project::new(&checkout());
    let settings = project.settings();
    drop(Library::open(settings.clone(), &()).unwrap());
    let held = index::lock(&settings.index.dir, "a moderator").unwrap();
    held.set(Phase::Writing);
    let out = project.run(&["index"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("already running") && err.contains("a moderator"),
        "{err}"
    );
    drop(held);
    let out = project.run(&["index"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("generation 2"), "{}", stdout(&out));
}

#[test]
fn index_rollback_returns_to_the_previous_generation() {
    let project = Project::new(&checkout());
    assert!(project.run(&["index"]).status.success());
    let out = project.run(&["index", "--rollback"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "nothing to roll back to yet: {}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains("no previous generation"),
        "{}",
        stderr(&out)
    );
    assert!(project.run(&["index"]).status.success());
    let out = project.run(&["index", "--rollback"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Rolled back to generation 1"),
        "{}",
        stdout(&out)
    );
    let out = project.run(&["sources"]);
    assert!(stdout(&out).contains("generation 1"), "{}", stdout(&out));
}
