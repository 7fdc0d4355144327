//! Index generations on disk, and how they change safely:
//!
//! - **one build at a time**: a lock file (`.lock`, an OS advisory lock that dies with
//!   its process) shared by the CLI and every bot process; whoever holds it writes its
//!   progress to `BUILDING.json`, so the next one can say what is running;
//! - **staging**: a build writes `.staging-gen-N/`, checks it, and only then
//!   [`install`] renames it to `gen-N/` and replaces `CURRENT` by rename (the one atomic
//!   step); the manifest names the generation it replaced, for [`rollback`];
//! - **cleaning up**: a writer holding the lock calls [`BuildLock::clean_up`] before it
//!   builds or rolls back, removing what a crashed build left behind (staging
//!   directories, a generation that never became current, temporary files), so a kill at
//!   any moment leaves the current generation serving and the next build clean. Taking
//!   the lock only locks, and a process that only reads an index writes nothing to its
//!   directory ([`build_running`] looks without taking anything).
//!
//! About 400 lines of code; the rest are the tests of each step, crashes and damage
//! included.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Instant, SystemTime};

use serde::{Deserialize, Serialize};

use super::{
    current_generation, current_manifest, io_err, on_disk, write_generation, BuildOptions,
    BuildProgress, IndexError, Manifest, CURRENT,
};
use crate::core::corpus::Corpus;
use crate::core::durable;

const LOCK: &str = ".lock";
const STATUS: &str = "BUILDING.json";
const STAGING: &str = ".staging-";
/// In a generation's directory: it was found damaged (the file says how).
const DAMAGED: &str = "DAMAGED";

/// The steps of a rebuild, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Reading and validating every source file.
    Parsing,
    /// Adding passages to the new generation (announced halfway through).
    Writing,
    /// Making the written segments durable.
    Committing,
    /// Embedding the sentences that are new since the previous generation.
    Embedding,
    /// Opening the staged generation and asking it a question.
    Checking,
    /// The staged generation is in place as `gen-N`; `CURRENT` is about to change.
    Switching,
    /// `CURRENT` names the new generation; old ones are about to be removed.
    Switched,
}

/// What the build holding the lock is doing, for whoever finds it busy.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BuildStatus {
    pub pid: u32,
    /// Who asked: "cli", or a Discord user.
    pub by: String,
    /// RFC 3339, UTC.
    pub started_at: String,
    pub phase: Phase,
    pub done: usize,
    pub total: usize,
}

impl std::fmt::Display for BuildStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.phase {
            Phase::Parsing => write!(f, "reading the sources")?,
            Phase::Writing if self.total > 0 => {
                write!(f, "writing passages, {} of {}", self.done, self.total)?
            }
            Phase::Writing => write!(f, "writing passages")?,
            Phase::Committing => write!(f, "saving the new index")?,
            Phase::Embedding if self.total > 0 => {
                write!(f, "embedding sentences, {} of {}", self.done, self.total)?
            }
            Phase::Embedding => write!(f, "embedding sentences")?,
            Phase::Checking => write!(f, "checking the new index")?,
            Phase::Switching | Phase::Switched => write!(f, "switching to the new index")?,
        }
        let since = humantime::parse_rfc3339(&self.started_at)
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .map(|d| format!(", started {} s ago", d.as_secs()))
            .unwrap_or_default();
        write!(f, "{since} by {}", self.by)
    }
}

/// The build lock of one index root. Dropping it (or the process dying) releases it.
pub struct BuildLock {
    root: PathBuf,
    _file: File,
    status: Mutex<BuildStatus>,
}

/// Take the build lock of `root` for `by`, or say who holds it.
pub fn lock(root: &Path, by: &str) -> Result<BuildLock, IndexError> {
    std::fs::create_dir_all(root)
        .map_err(io_err(root))
        .map_err(on_disk(root))?;
    let path = root.join(LOCK);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&path)
        .map_err(io_err(&path))
        .map_err(on_disk(root))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            return Err(IndexError::Busy {
                status: read_status(root),
            })
        }
        Err(TryLockError::Error(e)) => return Err(on_disk(root)(io_err(&path)(e))),
    }
    let status = BuildStatus {
        pid: std::process::id(),
        by: by.to_string(),
        started_at: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        phase: Phase::Parsing,
        done: 0,
        total: 0,
    };
    let lock = BuildLock {
        root: root.to_path_buf(),
        _file: file,
        status: Mutex::new(status),
    };
    lock.set(Phase::Parsing);
    Ok(lock)
}

/// Whether a build holds the lock of `root` now. Only looks: creates nothing, takes
/// nothing, so a reader on a read-only volume may ask.
pub fn build_running(root: &Path) -> bool {
    let Ok(file) = File::open(root.join(LOCK)) else {
        return false;
    };
    matches!(file.try_lock_shared(), Err(TryLockError::WouldBlock))
}

/// The status the current lock holder last wrote, if any.
pub fn read_status(root: &Path) -> Option<BuildStatus> {
    serde_json::from_slice(&std::fs::read(root.join(STATUS)).ok()?).ok()
}

impl BuildLock {
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Record that the build entered `phase`.
    pub fn set(&self, phase: Phase) {
        let mut s = self.status.lock().expect("status lock");
        s.phase = phase;
        self.write(&s);
    }

    fn progress(&self, done: usize, total: Option<usize>) {
        let mut s = self.status.lock().expect("status lock");
        s.done = done;
        if let Some(t) = total {
            s.total = t;
        }
        self.write(&s);
    }

    /// Best effort: the status is for people, the lock is what counts.
    fn write(&self, s: &BuildStatus) {
        if let Ok(bytes) = serde_json::to_vec(s) {
            let _ = durable::replace(&self.root.join(STATUS), &bytes);
        }
    }

    /// Remove everything but the current generation and the one it replaced: staging
    /// directories, generations left by crashed or older builds, temporary files. Only
    /// the lock's holder, a writer, calls it.
    pub fn clean_up(&self) {
        let current = current_manifest(&self.root);
        let keep: Vec<u64> = current
            .iter()
            .flat_map(|m| [Some(m.generation), m.previous])
            .flatten()
            .collect();
        let Ok(entries) = std::fs::read_dir(&self.root) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let generation = name
                .strip_prefix("gen-")
                .and_then(|n| n.parse::<u64>().ok());
            // With no readable current generation, nothing is known to be safe to delete.
            let stale_generation =
                current.is_some() && generation.is_some_and(|g| !keep.contains(&g));
            if name.starts_with(STAGING) || stale_generation {
                if let Err(e) = std::fs::remove_dir_all(entry.path()) {
                    tracing::warn!(path = %entry.path().display(), error = %e, "could not remove an old index generation");
                }
            } else if durable::is_temporary(&name) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

impl Drop for BuildLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(self.root.join(STATUS));
    }
}

/// Passes progress on to the caller's reporter and to the status file.
struct Reporting<'a> {
    user: &'a dyn BuildProgress,
    lock: &'a BuildLock,
}

impl BuildProgress for Reporting<'_> {
    fn phase(&self, phase: Phase) {
        self.lock.set(phase);
        self.user.phase(phase);
    }
    fn start(&self, passages: usize) {
        self.lock.progress(0, Some(passages));
        self.user.start(passages);
    }
    fn advance(&self, done: usize) {
        self.lock.progress(done, None);
        self.user.advance(done);
    }
    fn finish(&self) {
        self.user.finish();
    }
}

/// A complete, checked-for-size generation in its staging directory, not yet current.
/// Dropped without [`install`], it is removed.
pub struct Staged {
    dir: PathBuf,
    pub manifest: Manifest,
    installed: bool,
}

impl Staged {
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.installed {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn next_generation(root: &Path) -> Result<u64, IndexError> {
    let mut highest = current_manifest(root).map_or(0, |m| m.generation);
    for entry in std::fs::read_dir(root).map_err(io_err(root))?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(n) = name
            .strip_prefix("gen-")
            .and_then(|n| n.parse::<u64>().ok())
        {
            highest = highest.max(n);
        }
    }
    Ok(highest + 1)
}

/// Write `corpus` as the next generation into a staging directory under the locked root.
pub fn stage(
    corpus: &Corpus,
    lock: &BuildLock,
    opts: BuildOptions<'_>,
) -> Result<Staged, IndexError> {
    if corpus.passages.is_empty() {
        return Err(IndexError::EmptyCorpus);
    }
    let started = Instant::now();
    let root = lock.root();
    let generation = next_generation(root)?;
    let dir = root.join(format!("{STAGING}gen-{generation}"));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(io_err(&dir))?;
    }
    std::fs::create_dir_all(&dir)
        .map_err(io_err(&dir))
        .map_err(on_disk(root))?;
    let reporting = Reporting {
        user: opts.progress,
        lock,
    };
    let opts = BuildOptions {
        progress: &reporting,
        ..opts
    };
    let mut staged = Staged {
        manifest: Manifest {
            schema_version: 0,
            sources_hash: String::new(),
            generation,
            built_at: String::new(),
            sources: 0,
            passages: 0,
            build_seconds: 0.0,
            previous: None,
            vectors: None,
        },
        dir,
        installed: false,
    };
    staged.manifest =
        write_generation(corpus, &staged.dir, generation, &opts, started).map_err(on_disk(root))?;
    Ok(staged)
}

/// Make `staged` the current generation: rename it into place, then replace `CURRENT`.
pub fn install(
    lock: &BuildLock,
    mut staged: Staged,
    progress: &dyn BuildProgress,
) -> Result<Manifest, IndexError> {
    let root = lock.root();
    let name = format!("gen-{}", staged.manifest.generation);
    let dir = root.join(&name);
    std::fs::rename(&staged.dir, &dir).map_err(io_err(&dir))?;
    staged.installed = true;
    lock.set(Phase::Switching);
    progress.phase(Phase::Switching);
    switch(root, &name)?;
    lock.set(Phase::Switched);
    progress.phase(Phase::Switched);
    lock.clean_up();
    Ok(staged.manifest.clone())
}

/// Point `CURRENT` at `name`, durably (the one atomic step of a build).
fn switch(root: &Path, name: &str) -> Result<(), IndexError> {
    let current = root.join(CURRENT);
    durable::replace(&current, name.as_bytes()).map_err(io_err(&current))
}

/// Make the newest older generation current again: the one the current one replaced,
/// unless it was marked damaged (then the newest older one that is not and opens). The
/// generation rolled back from is removed; a rebuild starts again from the sources.
pub fn rollback(lock: &BuildLock) -> Result<Manifest, IndexError> {
    let root = lock.root();
    let current = current_generation(root).ok_or_else(|| IndexError::Missing {
        path: root.to_path_buf(),
    })?;
    let below = number(&current).ok_or(IndexError::NoPrevious)?;
    let open = fallback(root, below).ok_or(IndexError::NoPrevious)?;
    let name = format!("gen-{}", open.manifest.generation);
    switch(root, &name)?;
    lock.clean_up();
    debug_assert_eq!(current_generation(root), Some(root.join(&name)));
    Ok(open.manifest)
}

/// The generation number of a generation directory (`gen-N`).
pub fn number(dir: &Path) -> Option<u64> {
    dir.file_name()?
        .to_str()?
        .strip_prefix("gen-")?
        .parse()
        .ok()
}

/// The newest generation under `root` older than `below` that is not marked damaged and
/// opens (read-only, verified): what serves when the current one cannot.
pub fn fallback(root: &Path, below: u64) -> Option<super::OpenIndex> {
    let mut older: Vec<(u64, PathBuf)> = std::fs::read_dir(root)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter_map(|p| number(&p).map(|n| (n, p)))
        .filter(|(n, p)| *n < below && !is_marked_damaged(p))
        .collect();
    older.sort_by(|a, b| b.0.cmp(&a.0));
    older
        .into_iter()
        .find_map(|(_, dir)| match super::open_generation(dir) {
            Ok(open) => Some(open),
            Err(e) => {
                tracing::warn!(error = %e, "an older index generation does not open either");
                None
            }
        })
}

/// Mark the generation in `dir` damaged (`reason` says how), so that nothing makes it
/// current again. Only a writer, holding the lock, marks.
pub fn mark_damaged(_lock: &BuildLock, dir: &Path, reason: &str) -> Result<(), IndexError> {
    let path = dir.join(DAMAGED);
    durable::replace(&path, reason.as_bytes()).map_err(io_err(&path))
}

/// Whether the generation in `dir` was marked damaged.
pub fn is_marked_damaged(dir: &Path) -> bool {
    dir.join(DAMAGED).exists()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::corpus;

    fn corpus_with(text: &str) -> Corpus {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("r.toml"),
            format!("[[records]]\nid = \"A-1\"\ntitle = \"T\"\nbody = \"{text}\"\n"),
        )
        .unwrap();
        corpus::load_dir_strict(dir.path()).unwrap()
    }

    fn build(root: &Path, text: &str) -> Manifest {
        let lock = lock(root, "test").unwrap();
        let opts = BuildOptions {
            sources_hash: "h".into(),
            memory_budget_bytes: 50_000_000,
            threads: 1,
            progress: &(),
            vectors: None,
        };
        let staged = stage(&corpus_with(text), &lock, opts).unwrap();
        install(&lock, staged, &()).unwrap()
    }

    fn generations(root: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(root)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("gen-") || n.starts_with(STAGING))
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_build_becomes_current_and_keeps_the_one_it_replaced() {
        let root = tempfile::tempdir().unwrap();
        for n in 1..=3 {
            let m = build(root.path(), "alpha beta");
            assert_eq!((m.generation, m.previous), (n, (n > 1).then(|| n - 1)));
        }
        assert_eq!(
            super::super::open(root.path()).unwrap().manifest.generation,
            3
        );
        assert_eq!(generations(root.path()), ["gen-2", "gen-3"]);
        assert!(
            read_status(root.path()).is_none(),
            "the status goes with the lock"
        );
    }

    #[test]
    fn one_build_at_a_time_and_the_second_is_told_what_runs() {
        let root = tempfile::tempdir().unwrap();
        let first = lock(root.path(), "alice").unwrap();
        first.set(Phase::Writing);
        match lock(root.path(), "bob") {
            Err(IndexError::Busy { status: Some(s) }) => {
                assert_eq!((s.by.as_str(), s.phase), ("alice", Phase::Writing));
                assert!(IndexError::Busy { status: Some(s) }
                    .to_string()
                    .contains("by alice"));
            }
            other => panic!("expected busy, got {:?}", other.err()),
        }
        drop(first);
        assert!(lock(root.path(), "bob").is_ok(), "released on drop");
    }

    #[test]
    fn rollback_returns_to_the_replaced_generation_once() {
        let root = tempfile::tempdir().unwrap();
        build(root.path(), "first text");
        build(root.path(), "second text");
        let back = rollback(&lock(root.path(), "t").unwrap()).unwrap();
        assert_eq!(back.generation, 1);
        assert_eq!(current_manifest(root.path()).unwrap().generation, 1);
        assert_eq!(generations(root.path()), ["gen-1"]);
        assert!(matches!(
            rollback(&lock(root.path(), "t").unwrap()),
            Err(IndexError::NoPrevious)
        ));
        assert_eq!(
            build(root.path(), "third").generation,
            2,
            "numbers go on from the highest left"
        );
    }

    #[test]
    fn rollback_never_makes_a_damaged_generation_current() {
        let root = tempfile::tempdir().unwrap();
        build(root.path(), "first text");
        build(root.path(), "second text");
        let lock = lock(root.path(), "t").unwrap();
        mark_damaged(&lock, &root.path().join("gen-1"), "test").unwrap();
        assert!(is_marked_damaged(&root.path().join("gen-1")));
        assert!(fallback(root.path(), 2).is_none());
        assert!(matches!(rollback(&lock), Err(IndexError::NoPrevious)));
        assert_eq!(current_manifest(root.path()).unwrap().generation, 2);
    }

    #[test]
    fn leftovers_of_a_crashed_build_are_removed_by_the_next_writers_clean_up() {
        let root = tempfile::tempdir().unwrap();
        build(root.path(), "alpha");
        std::fs::create_dir_all(root.path().join(".staging-gen-2/x")).unwrap();
        std::fs::create_dir_all(root.path().join("gen-7")).unwrap();
        let torn = root.path().join(".CURRENT.tmp-1-0");
        std::fs::write(&torn, "gen-7").unwrap();
        let lock = lock(root.path(), "t").unwrap();
        assert_eq!(
            generations(root.path()),
            [".staging-gen-2", "gen-1", "gen-7"],
            "taking the lock only locks"
        );
        lock.clean_up();
        assert_eq!(generations(root.path()), ["gen-1"]);
        assert!(!torn.exists());
    }

    #[test]
    fn whether_a_build_runs_is_seen_without_taking_anything() {
        let root = tempfile::tempdir().unwrap();
        assert!(!build_running(root.path()));
        assert_eq!(
            std::fs::read_dir(root.path()).unwrap().count(),
            0,
            "nothing written"
        );
        let held = lock(root.path(), "t").unwrap();
        assert!(build_running(root.path()));
        drop(held);
        assert!(!build_running(root.path()));
    }
}
