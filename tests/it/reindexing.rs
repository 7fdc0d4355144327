//! Reindexing without losing anything. Underneath: a build killed at every step leaves a
//! current generation that answers, one build at a time across processes, rollback from
//! the command line. Through the bot: `/reindex` by moderators while members keep
//! asking, a generation built elsewhere picked up, `/rollback`, a busy reindex saying
//! what runs, and watched sources rebuilt once per burst of edits.

use std::process::Command;
use std::time::Duration;

use attache::app::{self, LiveEngine};
use attache::core::index::{self, BuildProgress, Phase};
use attache::core::search::Engine;
use attache::core::synonyms::Synonyms;
use testkit::bot::Bot;
use testkit::local_discord::payloads::{Who, ASKER};
use testkit::project::{stderr, stdout};
use testkit::Project;

use crate::util::{checkout, ProjectSettings};

/// A record no shipped source has: questions about it are answered only once it is indexed.
const KUMQUAT: &str = include_str!("../fixtures/kumquat-summit.toml");

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

fn ask(live: &LiveEngine, question: &str) -> String {
    let r = live.engine().ask(question, 3, 0).unwrap();
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
    let live = LiveEngine::open(settings.clone(), &()).unwrap();
    assert!(ask(&live, "How many prisoners will be exchanged?").contains("1,200"));
    drop(live);
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
                "reindexing::crash_helper",
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

        // Whatever the step, the generation left current opens and answers as it is (a
        // reader cleans nothing up), and the next writer's clean-up leaves nothing of the
        // dead build.
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
        index::lock(&settings.index.dir, "next build")
            .unwrap()
            .clean_up();
        let leftovers: Vec<String> = std::fs::read_dir(&settings.index.dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| {
                n.starts_with(".staging")
                    || n.ends_with(".tmp")
                    || n.contains(".tmp-")
                    || n == "BUILDING.json"
            })
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
    drop(LiveEngine::open(settings.clone(), &()).unwrap());
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

// Through the bot.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reindex_is_for_moderators_swaps_the_index_and_answers_continue() {
    let mod_role = 1_700_000_000_000_000_042_u64;
    let bot = Bot::start_with(
        &checkout(),
        &[(
            "ATTACHE__DISCORD__MODERATOR_ROLE_IDS",
            &mod_role.to_string(),
        )],
    )
    .await;

    let member = bot.command(&Who::member(ASKER), "reindex", &[]).await;
    assert!(
        member.ephemeral() && member.text().contains("Only moderators"),
        "{}",
        member.text()
    );
    let dm = bot.command(&Who::in_dm(ASKER), "reindex", &[]).await;
    assert!(
        dm.ephemeral() && dm.text().contains("only in a server"),
        "{}",
        dm.text()
    );

    // A new record, then /reindex by a member with Manage Server.
    std::fs::write(
        bot.project.path("index/sources/records/99-test.toml"),
        "section = \"Test\"\n\n[[records]]\nid = \"T1-01\"\ntitle = \"Zebra crossing agreement\"\ndate = \"2025-08-01\"\nbody = \"The delegations agreed to paint a zebra crossing outside the Ciragan Palace.\"\n\n[[records.sources]]\nurl = \"https://example.org/zebra\"\npublisher = \"Example\"\n",
    )
    .unwrap();
    let admin = Who::moderator(ASKER + 2);
    let done = bot.command(&admin, "reindex", &[]).await;
    assert!(done.deferred.is_some(), "a reindex is deferred");
    assert!(done.ephemeral());
    assert!(
        done.text().contains("Reindexed") && done.text().contains("generation 2"),
        "{}",
        done.text()
    );
    // The moderator sees what the rebuild cost: every unchanged sentence's vector is
    // reused (the new one may come from the tests' shared cache).
    let text = done.text();
    let counts: Vec<usize> = text
        .split("Sentence vectors: ")
        .nth(1)
        .unwrap_or_else(|| panic!("{text}"))
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .take(2)
        .collect();
    assert!(
        counts.len() == 2 && counts[0] + counts[1] == 301 && counts[1] >= 300,
        "{text}"
    );
    let zebra = bot
        .ask(
            &Who::member(ASKER),
            "What did they agree to paint outside the palace?",
        )
        .await;
    assert!(
        zebra.text().contains("zebra crossing"),
        "the new generation answers: {}",
        zebra.text()
    );

    // A broken source: the moderator (by role) sees path:line, the old index keeps serving.
    std::fs::write(
        bot.project.path("index/sources/records/99-test.toml"),
        "[[records]]\nid = \"T1-01\"\ntitle = \n",
    )
    .unwrap();
    let by_role = Who {
        roles: vec![mod_role],
        ..Who::member(ASKER + 3)
    };
    let failed = bot.command(&by_role, "reindex", &[]).await;
    assert!(
        failed.text().contains("Reindex failed") && failed.text().contains("99-test.toml:"),
        "{}",
        failed.text()
    );
    assert!(failed.text().contains("generation 2"), "{}", failed.text());
    let still = bot
        .ask(
            &Who::member(ASKER),
            "What did they agree to paint outside the palace?",
        )
        .await;
    assert!(still.text().contains("zebra crossing"), "{}", still.text());

    let log = bot.log();
    assert!(
        log.contains("refused: not a moderator")
            && log.contains("moderator action requested")
            && log.contains("reindex done")
            && log.contains(&(ASKER + 2).to_string()),
        "{log}"
    );
    bot.check();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generation_built_elsewhere_is_picked_up_and_rollback_goes_back() {
    let bot = Bot::start_with(&checkout(), &[("ATTACHE__INDEX__POLL_INTERVAL", "100ms")]).await;
    let admin = Who::moderator(ASKER + 50);
    let who = Who::member(ASKER);
    std::fs::write(
        bot.project.path("index/sources/records/99-kumquat.toml"),
        KUMQUAT,
    )
    .unwrap();
    // `attache index` from a shell, against the directory the bot serves.
    let out = bot.project.run(&["index"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut answered = String::new();
    for _ in 0..50 {
        answered = bot
            .ask(&who, "How did the kumquat summit end?")
            .await
            .text();
        if answered.contains("communique") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        answered.contains("communique"),
        "the bot switched to the new generation: {answered}"
    );

    let member = bot.command(&who, "rollback", &[]).await;
    assert!(
        member.text().contains("Only moderators"),
        "{}",
        member.text()
    );
    let back = bot.command(&admin, "rollback", &[]).await;
    assert!(
        back.text().contains("Rolled back") && back.text().contains("generation 1"),
        "{}",
        back.text()
    );
    let now = bot.ask(&who, "How did the kumquat summit end?").await;
    assert!(
        !now.text().contains("communique"),
        "answers come from the old generation at once: {}",
        now.text()
    );
    let again = bot.command(&admin, "rollback", &[]).await;
    assert!(
        again.text().contains("no previous index generation"),
        "{}",
        again.text()
    );
    assert!(bot.log().contains("rolled back"), "{}", bot.log());
    bot.check();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_reindex_while_one_runs_is_told_what_is_running() {
    let bot = Bot::start(&checkout()).await;
    let admin = Who::moderator(ASKER + 50);
    let settings = bot.project.settings();
    let held = attache::core::index::lock(&settings.index.dir, "cli").unwrap();
    held.set(attache::core::index::Phase::Writing);
    let busy = bot.command(&admin, "reindex", &[]).await;
    assert!(
        busy.text().contains("already running")
            && busy.text().contains("writing passages")
            && busy.text().contains("by cli"),
        "{}",
        busy.text()
    );
    drop(held);
    let done = bot.command(&admin, "reindex", &[]).await;
    assert!(done.text().contains("Reindexed"), "{}", done.text());
    bot.check();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_watch_on_a_burst_of_edits_gives_one_rebuild() {
    // A debounce far above any stall a loaded machine has between two writes, and the
    // edits prepared first, then written back to back with nothing in between: the burst
    // stays one burst however slowly this machine runs.
    const DEBOUNCE: Duration = Duration::from_secs(5);
    let bot = Bot::start_with(
        &checkout(),
        &[
            ("ATTACHE__INDEX__WATCH", "true"),
            (
                "ATTACHE__INDEX__WATCH_DEBOUNCE",
                &format!("{}s", DEBOUNCE.as_secs()),
            ),
        ],
    )
    .await;
    let path = bot.project.path("index/sources/records/99-kumquat.toml");
    let drafts: Vec<String> = (0..5)
        .map(|i| {
            KUMQUAT.replace(
                "without a communique",
                &format!("without a communique, draft {i}"),
            )
        })
        .collect();
    for draft in &drafts {
        std::fs::write(&path, draft).unwrap();
    }
    let who = Who::member(ASKER);
    let mut answered = String::new();
    // However long the rebuild takes on this machine; the question itself is answered
    // at once, from whichever generation is current.
    let deadline = std::time::Instant::now() + Duration::from_secs(180);
    while std::time::Instant::now() < deadline {
        answered = bot
            .ask(&who, "How did the kumquat summit end?")
            .await
            .text();
        if answered.contains("draft 4") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(answered.contains("draft 4"), "{answered}");
    // Long enough for a second rebuild to have started, had the burst been split.
    tokio::time::sleep(DEBOUNCE + Duration::from_millis(500)).await;
    let log = bot.log();
    let started = log
        .lines()
        .filter(|l| l.contains("the sources changed; reindexing"))
        .count();
    assert_eq!(started, 1, "one rebuild started for the burst:\n{log}");
    let builds = log
        .lines()
        .filter(|l| l.contains("index built") && l.contains("\"watch\""))
        .count();
    assert_eq!(builds, 1, "one rebuild for the burst:\n{log}");
    bot.check();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn questions_keep_being_answered_while_moderators_reindex() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    let bot = Arc::new(Bot::start(&checkout()).await);
    let admin = Who::moderator(ASKER + 50);
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..4)
        .map(|c| {
            let (bot, stop) = (bot.clone(), stop.clone());
            tokio::spawn(async move {
                let who = Who::member(ASKER + 100 + c);
                let mut answered = 0;
                while !stop.load(Ordering::SeqCst) {
                    let a = bot.ask(&who, "How many prisoners will be exchanged?").await;
                    assert!(
                        a.text().contains("1,200"),
                        "client {c}, answer {answered}: {}",
                        a.text()
                    );
                    answered += 1;
                }
                answered
            })
        })
        .collect();

    let record = bot.project.path("index/sources/records/99-version.toml");
    let bad = bot.project.path("index/sources/records/98-bad.toml");
    let version = |v: u32| {
        format!("section = \"Test\"\n\n[[records]]\nid = \"V-1\"\ntitle = \"Kumquat summit\"\nbody = \"The kumquat summit was held in edition {v}.\"\n")
    };
    let question = "Which edition was the kumquat summit?";
    for v in 1..=4u32 {
        std::fs::write(&record, version(v)).unwrap();
        let done = bot.command(&admin, "reindex", &[]).await;
        assert!(done.text().contains("Reindexed"), "{}", done.text());
        // Right after the switch, answers come from the new content.
        let now = bot.ask(&admin, question).await;
        assert!(
            now.text().contains(&format!("edition {v}")),
            "after reindex {v}: {}",
            now.text()
        );
        if v == 2 {
            std::fs::write(&bad, "[[records]]\nid = \"X-1\"\ntitle = \n").unwrap();
            let failed = bot.command(&admin, "reindex", &[]).await;
            assert!(
                failed.text().contains("Reindex failed") && failed.text().contains("98-bad.toml:3"),
                "{}",
                failed.text()
            );
            let still = bot.ask(&admin, question).await;
            assert!(
                still.text().contains("edition 2"),
                "a failed reindex changes nothing: {}",
                still.text()
            );
            std::fs::remove_file(&bad).unwrap();
        }
    }
    stop.store(true, Ordering::SeqCst);
    let mut total = 0;
    for c in clients {
        total += c.await.expect("no client failed");
    }
    assert!(
        total >= 20,
        "the clients kept asking throughout ({total} answers)"
    );
    eprintln!("{total} answers to 4 clients during 5 reindexes (one failing)");
    bot.check();
}
