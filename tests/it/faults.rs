//! Faults a server meets, made for real rather than pretended: an index directory on a
//! read-only file system, a full disk, a directory the bot's user may not write, and a
//! generation damaged inside its data. CI runs as root, where `chmod` denies nothing, so
//! the faults come from a private mount namespace (`unshare -m`: a read-only bind mount,
//! or a small tmpfs, over the index directory) or from running as the unprivileged user
//! `nobody`. When a fault cannot be set up, the test fails; it never skips.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use testkit::bot::Bot;
use testkit::local_discord::payloads::{self, Who, ASKER};
use testkit::project::{stderr, stdout, Project};

use crate::operations::{http_get, metrics_addr};
use crate::util::checkout;

const PRISONERS: &str = "How many prisoners will be exchanged?";

/// A record no shipped source has, to make the sources newer than a generation.
const KUMQUAT: &str = include_str!("../fixtures/kumquat-summit.toml");

/// In the namespace, with the index directory as `$1`: make it read-only.
const READ_ONLY: &str = r#"mount --bind "$1" "$1"; mount -o remount,ro,bind "$1""#;

/// In the namespace: put a tmpfs of `kb` kilobytes over the index directory, holding
/// what the directory held.
fn small_disk(kb: u64) -> String {
    format!(
        r#"t=$(mktemp -d); cp -a "$1/." "$t"; mount -t tmpfs -o size={kb}k tmpfs "$1"; cp -a "$t/." "$1"; rm -rf "$t""#
    )
}

fn index_dir(project: &Project) -> PathBuf {
    project.path("index/tantivy")
}

/// `cmd`, run in a private mount namespace after `setup` (a shell snippet that gets the
/// index directory as `$1`).
fn in_namespace(cmd: &Command, index: &Path, setup: &str) -> Command {
    let mut ns = Command::new("unshare");
    ns.args(["-m", "sh", "-ec"])
        .arg(format!("{setup}\nshift\nexec \"$@\""))
        .arg("sh")
        .arg(index)
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .stdin(Stdio::null());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => ns.env(k, v),
            None => ns.env_remove(k),
        };
    }
    ns
}

/// Run `attache args` on `project` in a namespace set up by `setup`, with `env`.
fn run_in(project: &Project, setup: &str, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = project.attache(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = in_namespace(&cmd, &index_dir(project), setup)
        .output()
        .unwrap();
    assert!(
        !stderr(&out).contains("unshare:") && !stderr(&out).contains("mount:"),
        "the fault could not be set up: {}",
        stderr(&out)
    );
    out
}

/// Make `project`'s `attache` a script that sets up `setup` in a private mount namespace
/// and then runs the real binary there (for `attache serve` started by the harness).
fn run_bot_in(project: &mut Project, setup: &str) {
    let script = project.path("attache-in-namespace.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nexec unshare -m sh -ec '{}\nshift\nexec \"$@\"' sh {:?} {:?} \"$@\"\n",
            setup.replace('\'', r"'\''"),
            index_dir(project),
            project.checkout.attache
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    project.checkout.attache = script;
}

fn build(project: &Project) {
    let out = project.run(&["index"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

fn add_kumquat(project: &Project) {
    std::fs::write(
        project.path("index/sources/records/99-kumquat.toml"),
        KUMQUAT,
    )
    .unwrap();
}

/// Change bytes in the middle of the largest segment file of generation `n`: its header
/// and footer stay intact, so tantivy opens it; its checksum no longer matches.
fn damage(project: &Project, n: u64) -> PathBuf {
    let dir = index_dir(project).join(format!("gen-{n}"));
    let largest = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension()
                .is_some_and(|x| ["store", "idx", "term", "pos"].contains(&x.to_str().unwrap()))
        })
        .max_by_key(|p| std::fs::metadata(p).unwrap().len())
        .expect("a segment file");
    let mut bytes = std::fs::read(&largest).unwrap();
    let middle = bytes.len() / 2;
    for b in &mut bytes[middle..middle + 16] {
        *b ^= 0xA5;
    }
    std::fs::write(&largest, bytes).unwrap();
    dir
}

fn current(project: &Project) -> String {
    std::fs::read_to_string(index_dir(project).join("CURRENT"))
        .unwrap()
        .trim()
        .to_string()
}

/// `attache serve` on `project` as a replica (`index.read_only`), serving `/healthz` and
/// `/metrics`, once it has answered a question from the generation it can read.
async fn start_replica(project: Project) -> Bot {
    let bot = Bot::start_on(
        project,
        &[
            ("ATTACHE__INDEX__READ_ONLY", "true"),
            ("ATTACHE__METRICS__LISTEN", "127.0.0.1:0"),
        ],
    )
    .await;
    let a = bot.ask(&Who::member(ASKER), PRISONERS).await;
    assert!(a.text().contains("1,200"), "{}", a.text());
    bot
}

/// `/healthz` says 200 `degraded: {why}…`, and the fallback is counted once.
async fn assert_degraded(bot: &Bot, why: &str) -> String {
    let addr = metrics_addr(&bot.log());
    let (status, body) = http_get(&addr, "/healthz").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.starts_with(&format!("degraded: {why}")), "{body}");
    let (_, metrics) = http_get(&addr, "/metrics").await;
    assert!(
        metrics.contains("attache_index_fallbacks_total 1"),
        "{metrics}"
    );
    body
}

#[test]
fn ask_answers_from_a_read_only_index_even_when_the_sources_are_newer() {
    let project = Project::new(&checkout());
    build(&project);
    let out = run_in(&project, READ_ONLY, &[], &["ask", PRISONERS]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("1,200"), "{}", stdout(&out));

    // The sources change; the read-only index cannot be rebuilt here.
    add_kumquat(&project);
    let out = run_in(&project, READ_ONLY, &[], &["ask", PRISONERS]);
    assert!(
        out.status.success(),
        "a writer that cannot write still answers: {}",
        stderr(&out)
    );
    assert!(stdout(&out).contains("1,200"), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("read-only file system"),
        "why it could not rebuild: {}",
        stderr(&out)
    );

    // Declared a replica, it does not try, and says what it answers from.
    let replica = [("ATTACHE__INDEX__READ_ONLY", "true")];
    let out = run_in(&project, READ_ONLY, &replica, &["ask", PRISONERS]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("1,200"), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("the sources are newer than index generation 1"),
        "{}",
        stderr(&out)
    );
    let out = project.attache(&["index"]).envs(replica).output().unwrap();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("only reads the index (index.read_only = true)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_replica_waits_for_a_first_generation_only_so_long() {
    let project = Project::new(&checkout());
    let out = project
        .attache(&["ask", PRISONERS])
        .env("ATTACHE__INDEX__READ_ONLY", "true")
        .env("ATTACHE__INDEX__FIRST_BUILD_WAIT", "1s")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no index generation appeared")
            && stderr(&out).contains("index.first_build_wait"),
        "{}",
        stderr(&out)
    );
    assert!(
        !index_dir(&project).exists(),
        "a replica writes nothing, not even the index directory"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_on_a_read_only_volume_answers_and_refuses_writes_politely() {
    let mut project = Project::new(&checkout());
    build(&project);
    add_kumquat(&project);
    run_bot_in(&mut project, READ_ONLY);
    let bot = start_replica(project).await;

    let admin = Who::moderator(ASKER + 50);
    let reindex = bot.command(&admin, "reindex", &[]).await;
    assert!(reindex.ephemeral());
    assert!(
        reindex.text().contains("only reads the index") && reindex.text().contains("attache index"),
        "one sentence saying where writes happen: {}",
        reindex.text()
    );
    let add = bot
        .interact(payloads::source_add(
            &bot.discord,
            "k.toml",
            KUMQUAT.as_bytes(),
            &admin,
        ))
        .await;
    assert!(
        add.text().contains("only reads the index"),
        "{}",
        add.text()
    );

    let body = assert_degraded(&bot, "the sources are newer than index generation 1").await;
    assert!(
        body.contains("watcher: ok: off (index.read_only)"),
        "{body}"
    );
    bot.check();
}

#[test]
fn a_damaged_generation_is_healed_by_a_writer_and_stepped_around_by_a_reader() {
    let project = Project::new(&checkout());
    build(&project);
    add_kumquat(&project);
    build(&project);
    assert_eq!(current(&project), "gen-2");
    let damaged = damage(&project, 2);

    // A reader answers from the generation before, and writes nothing.
    let out = run_in(
        &project,
        READ_ONLY,
        &[("ATTACHE__INDEX__READ_ONLY", "true")],
        &["ask", PRISONERS],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("1,200"), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("answering from index generation 1: generation 2 is damaged")
            && stderr(&out).contains("checksum"),
        "{}",
        stderr(&out)
    );

    // A writer marks it, rebuilds from the sources, and answers from the new generation.
    let out = project.run(&["ask", "What happened at the kumquat summit?"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).to_lowercase().contains("kumquat"),
        "{}",
        stdout(&out)
    );
    assert_eq!(current(&project), "gen-3");
    assert!(
        damaged.join("DAMAGED").exists(),
        "the damaged generation is marked"
    );

    // Rollback never makes it current again.
    let out = project.run(&["index", "--rollback"]);
    assert!(!out.status.success(), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("no previous generation"),
        "{}",
        stderr(&out)
    );
    assert_eq!(current(&project), "gen-3");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_with_a_damaged_generation_answers_degraded_and_says_so() {
    let project = Project::new(&checkout());
    build(&project);
    add_kumquat(&project);
    build(&project);
    damage(&project, 2);
    let bot = start_replica(project).await;
    assert_degraded(
        &bot,
        "answering from index generation 1: generation 2 is damaged",
    )
    .await;
    bot.check();
}

/// Kilobytes that files under `dir` take.
fn size_kb(dir: &Path) -> u64 {
    let out = Command::new("du").arg("-sk").arg(dir).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("du")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_fails_the_rebuild_in_one_sentence_and_the_old_generation_answers() {
    let mut project = Project::new(&checkout());
    build(&project);
    // Room for the generation it holds and a little more, not for a second one.
    let kb = size_kb(&index_dir(&project)) * 5 / 4 + 64;
    run_bot_in(&mut project, &small_disk(kb));
    let bot = Bot::start_on(project, &[]).await;
    let admin = Who::moderator(ASKER + 50);
    let reindex = bot.command(&admin, "reindex", &[]).await;
    assert!(
        reindex.text().contains("Reindex failed")
            && reindex
                .text()
                .contains("is full: free space and run `attache index` again"),
        "{}",
        reindex.text()
    );
    let a = bot.ask(&Who::member(ASKER), PRISONERS).await;
    assert!(a.text().contains("1,200"), "{}", a.text());
    bot.check();
}

#[test]
fn disk_full_read_only_and_permission_denied_each_read_as_one_sentence() {
    let project = Project::new(&checkout());
    std::fs::create_dir_all(index_dir(&project)).unwrap();
    let out = run_in(&project, &small_disk(16), &[], &["index"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("the disk holding")
            && err.contains("is full: free space and run `attache index` again"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "one sentence: {err}");

    let out = run_in(&project, READ_ONLY, &[], &["index"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("is on a read-only file system: build the index where it is written"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "one sentence: {err}");

    // As a user who may read the project but not write it.
    for dir in [
        project.dir.path().to_path_buf(),
        project.path("index"),
        index_dir(&project),
    ] {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let out = project
        .attache(&["index"])
        .uid(65534)
        .gid(65534)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("permission denied at") && err.contains("index.read_only = true"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "one sentence: {err}");
}

/// Damaged sentence vectors beside an intact generation made every `attache ask` exit 1
/// ("the index … is damaged: vectors.bin holds 150 rows, vectors.json names 300"): they
/// were read after the generation was opened and verified, where neither the fallback nor
/// the poller looked (issue 20). Now they are damage like a segment's: a reader answers
/// from the generation before, a writer marks and rebuilds.
#[test]
fn damaged_sentence_vectors_are_stepped_around_and_rebuilt_like_damaged_segments() {
    const ROW: usize = 16 + 384 * 4;
    type Harm = fn(&Path);
    let harms: [(&str, Harm); 4] = [
        ("truncated", |g| {
            let bytes = std::fs::read(g.join("vectors.bin")).unwrap();
            std::fs::write(g.join("vectors.bin"), &bytes[..bytes.len() / 2]).unwrap();
        }),
        ("empty", |g| {
            std::fs::write(g.join("vectors.bin"), b"").unwrap()
        }),
        ("rows of the wrong width", |g| {
            let rows = std::fs::metadata(g.join("vectors.bin")).unwrap().len() as usize / ROW;
            std::fs::write(g.join("vectors.bin"), vec![7u8; rows * (16 + 256 * 4)]).unwrap();
        }),
        ("vectors.json damaged", |g| {
            let bytes = std::fs::read(g.join("vectors.json")).unwrap();
            std::fs::write(g.join("vectors.json"), &bytes[..bytes.len() / 2]).unwrap();
        }),
    ];
    for (what, harm) in harms {
        let project = Project::new(&checkout());
        build(&project);
        add_kumquat(&project);
        build(&project);
        let generation = index_dir(&project).join("gen-2");
        assert!(
            generation.join("vectors.bin").exists(),
            "{what}: built with vectors"
        );
        harm(&generation);

        let out = project
            .attache(&["ask", PRISONERS])
            .env("ATTACHE__INDEX__READ_ONLY", "true")
            .output()
            .unwrap();
        assert!(out.status.success(), "{what}: {}", stderr(&out));
        assert!(stdout(&out).contains("1,200"), "{what}: {}", stdout(&out));
        assert!(
            stderr(&out).contains("answering from index generation 1: generation 2 is damaged")
                && stderr(&out).contains("vectors"),
            "{what}: {}",
            stderr(&out)
        );
        assert!(
            !generation.join("DAMAGED").exists(),
            "{what}: a reader marks nothing"
        );

        let out = project.run(&["ask", "What happened at the kumquat summit?"]);
        assert!(out.status.success(), "{what}: {}", stderr(&out));
        assert!(
            stdout(&out).to_lowercase().contains("kumquat"),
            "{what}: {}",
            stdout(&out)
        );
        assert_eq!(current(&project), "gen-3", "{what}");
        assert!(generation.join("DAMAGED").exists(), "{what}: marked");
    }
}
