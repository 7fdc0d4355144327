//! The tantivy index: its schema, how a corpus is written into it, and where it lives.
//!
//! An index root holds generations, each a complete tantivy index plus the source
//! catalog and a manifest, and a `CURRENT` file naming the one to serve:
//!
//! ```text
//! index/tantivy/
//!   CURRENT            "gen-3"
//!   gen-2/             previous generation, kept for rollback
//!   gen-3/             meta.json, segments…, catalog.json, manifest.json
//! ```
//!
//! A build writes into a staging directory and only then renames it into place and
//! replaces `CURRENT` by rename, so a reader sees the old generation or the new one,
//! never half of one. The manifest records the schema version and a hash of the source
//! files, which is how a stale index is noticed and rebuilt.
//!
//! Over 400 lines because writing a generation (schema, documents, manifest, catalog)
//! and opening one are two halves of one format, kept side by side so they cannot drift
//! apart; generations, vectors and the vocabulary have their own files.

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, STORED, STRING,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument};

use super::analysis;
use super::corpus::{self, Corpus, Passage, PassageKind, Source};

/// Bump whenever the schema or the analysis changes: older indexes are then rebuilt.
pub const SCHEMA_VERSION: u32 = 2;

mod generations;
mod read_only;
pub mod vectors;
mod vocabulary;

pub use vocabulary::IndexVocabulary;

pub use generations::{
    build_running, fallback, install, is_marked_damaged, lock, mark_damaged, number, read_status,
    rollback, stage, BuildLock, BuildStatus, Phase, Staged,
};

const CATALOG: &str = "catalog.json";
const MANIFEST: &str = "manifest.json";
const CURRENT: &str = "CURRENT";

/// Words that describe what a caption is, so "which photographer…" finds captions.
pub const CAPTION_TAGS: &str = "photo photograph photographer picture image caption credit";

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("the index at {path} has no current generation; run `attache index`")]
    Missing { path: PathBuf },
    #[error("the index at {path} is damaged: {reason}")]
    Damaged { path: PathBuf, reason: String },
    /// Reading or writing failed; the message says what to do about it.
    #[error("{}", io_sentence(path, error))]
    Io {
        path: PathBuf,
        /// Not the error's source: the sentence says it all, the raw error is logged
        /// (debug) where it happened.
        error: std::io::Error,
    },
    #[error("refusing to index an empty corpus")]
    EmptyCorpus,
    #[error("another reindex is already running ({})", status.as_ref().map_or_else(|| "just starting".to_string(), ToString::to_string))]
    Busy { status: Option<BuildStatus> },
    #[error("there is no previous generation to roll back to")]
    NoPrevious,
    #[error(transparent)]
    Tantivy(#[from] tantivy::TantivyError),
}

/// The schema's fields, looked up once.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub id: Field,
    pub source_id: Field,
    pub kind: Field,
    pub text: Field,
    pub title: Field,
    pub section: Field,
    pub date: Field,
    pub tags: Field,
    pub words: Field,
    pub credit: Field,
}

impl Fields {
    pub fn from_schema(schema: &Schema) -> tantivy::Result<Self> {
        Ok(Fields {
            id: schema.get_field("id")?,
            source_id: schema.get_field("source_id")?,
            kind: schema.get_field("kind")?,
            text: schema.get_field("text")?,
            title: schema.get_field("title")?,
            section: schema.get_field("section")?,
            date: schema.get_field("date")?,
            tags: schema.get_field("tags")?,
            words: schema.get_field("words")?,
            credit: schema.get_field("credit")?,
        })
    }
}

pub fn schema() -> Schema {
    let en = |stored: bool| {
        let opts = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(analysis::EN)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        if stored {
            opts.set_stored()
        } else {
            opts
        }
    };
    let mut b = Schema::builder();
    b.add_text_field("id", STRING | STORED);
    b.add_text_field("source_id", STRING | STORED);
    b.add_text_field("kind", STRING | STORED);
    b.add_text_field("text", en(true));
    b.add_text_field("title", en(false));
    b.add_text_field("section", en(true));
    b.add_text_field("date", en(false));
    b.add_text_field("tags", en(false));
    b.add_text_field(
        "words",
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(analysis::WORDS)
                .set_index_option(IndexRecordOption::Basic),
        ),
    );
    b.add_text_field("credit", STORED);
    b.build()
}

fn register_analyzers(index: &Index) {
    index
        .tokenizers()
        .register(analysis::EN, analysis::english());
    index
        .tokenizers()
        .register(analysis::WORDS, analysis::words());
}

/// What a generation holds, written beside it when it is built.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub schema_version: u32,
    /// Hash of the source files it was built from (see [`sources_hash`]).
    pub sources_hash: String,
    pub generation: u64,
    /// RFC 3339, UTC.
    pub built_at: String,
    pub sources: usize,
    pub passages: usize,
    pub build_seconds: f64,
    /// The generation that was current when this one replaced it: where a rollback goes.
    #[serde(default)]
    pub previous: Option<u64>,
    /// Its sentence vectors: how many sentences, and how many were embedded for it (the
    /// rest were reused). `None`: built without semantic search.
    #[serde(default)]
    pub vectors: Option<vectors::EmbedStats>,
}

/// A content hash of every source file under `dir` (names and bytes), in a stable order.
pub fn sources_hash(dir: &Path) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    for path in corpus::source_files(dir)? {
        let relative = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        hasher.update(relative.as_bytes());
        hasher.update([0]);
        hasher.update(std::fs::read(&path)?);
        hasher.update([0]);
    }
    Ok(format!("{:x}", hasher.finalize()))
}

/// An opened generation: the tantivy index, one long-lived reader, and the catalog.
pub struct OpenIndex {
    pub dir: PathBuf,
    pub index: Index,
    pub reader: IndexReader,
    pub fields: Fields,
    pub catalog: Vec<Source>,
    /// Source id → position in `catalog`; every answer looks sources up by id.
    by_id: std::collections::HashMap<String, usize>,
    pub manifest: Manifest,
}

impl OpenIndex {
    pub fn source(&self, id: &str) -> Option<&Source> {
        self.by_id.get(id).map(|&i| &self.catalog[i])
    }

    /// Every indexed passage of source `id`, in source order (`/source`).
    pub fn passages_of(&self, id: &str) -> tantivy::Result<Vec<Passage>> {
        use tantivy::collector::DocSetCollector;
        use tantivy::query::TermQuery;
        let term = tantivy::Term::from_field_text(self.fields.source_id, id);
        let searcher = self.reader.searcher();
        let hits = searcher.search(
            &TermQuery::new(term, IndexRecordOption::Basic),
            &DocSetCollector,
        )?;
        let f = &self.fields;
        let mut out = Vec::with_capacity(hits.len());
        for address in hits {
            let doc: TantivyDocument = searcher.doc(address)?;
            let text = |field: Field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            };
            out.push(Passage {
                id: text(f.id).unwrap_or_default(),
                source_id: id.to_string(),
                kind: text(f.kind)
                    .as_deref()
                    .and_then(PassageKind::parse)
                    .unwrap_or(PassageKind::Paragraph),
                section: text(f.section),
                text: text(f.text).unwrap_or_default(),
                credit: text(f.credit),
            });
        }
        // Document passages are `<slug>#<n>`; order by n, not as text ("#10" after "#9").
        let ordinal = |p: &Passage| {
            p.id.rsplit_once('#')
                .and_then(|(_, n)| n.parse::<u64>().ok())
                .unwrap_or(0)
        };
        out.sort_by(|a, b| ordinal(a).cmp(&ordinal(b)).then_with(|| a.id.cmp(&b.id)));
        Ok(out)
    }

    /// How many passages of source `id` are indexed.
    pub fn passage_count(&self, id: &str) -> u64 {
        let term = tantivy::Term::from_field_text(self.fields.source_id, id);
        self.reader.searcher().doc_freq(&term).unwrap_or(0)
    }
}

/// What an operator or a moderator reads when the disk says no: one sentence with the
/// place and what to do (the raw error goes to the log at debug level).
fn io_sentence(path: &Path, e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    let path = path.display();
    match e.kind() {
        K::StorageFull => format!(
            "the disk holding {path} is full: free space and run `attache index` again"
        ),
        K::PermissionDenied => format!(
            "permission denied at {path}: let the bot's user write there, or set index.read_only = true on a process that only reads the index"
        ),
        K::ReadOnlyFilesystem => format!(
            "{path} is on a read-only file system: build the index where it is written, and set index.read_only = true here"
        ),
        _ => format!("cannot write the index at {path}: {e}"),
    }
}

/// A tantivy error while writing into `path`: when it comes from the disk (full, no
/// permission, read-only), as [`IndexError::Io`], so the operator reads what to do.
pub(super) fn tantivy_err(path: &Path) -> impl FnOnce(tantivy::TantivyError) -> IndexError + '_ {
    move |e| {
        let text = e.to_string();
        let kind = [
            ("(os error 28)", std::io::ErrorKind::StorageFull),
            ("(os error 13)", std::io::ErrorKind::PermissionDenied),
            ("(os error 30)", std::io::ErrorKind::ReadOnlyFilesystem),
        ]
        .into_iter()
        .find(|(code, _)| text.contains(code));
        match kind {
            Some((_, kind)) => {
                tracing::debug!(error = %text, "tantivy failed on the disk");
                IndexError::Io {
                    path: path.to_path_buf(),
                    error: std::io::Error::new(kind, text),
                }
            }
            None => IndexError::Tantivy(e),
        }
    }
}

/// An error of a build under `root`: when the disk refused (full, no permission,
/// read-only), it names `root`, the folder the operator knows, and says what to do.
pub(super) fn on_disk(root: &Path) -> impl Fn(IndexError) -> IndexError + '_ {
    move |e| match e {
        IndexError::Tantivy(t) => tantivy_err(root)(t),
        IndexError::Io { error, .. }
            if matches!(
                error.kind(),
                std::io::ErrorKind::StorageFull
                    | std::io::ErrorKind::PermissionDenied
                    | std::io::ErrorKind::ReadOnlyFilesystem
            ) =>
        {
            IndexError::Io {
                path: root.to_path_buf(),
                error,
            }
        }
        other => other,
    }
}

pub(super) fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> IndexError + '_ {
    move |error| {
        tracing::debug!(path = %path.display(), %error, "the disk refused");
        IndexError::Io {
            path: path.to_path_buf(),
            error,
        }
    }
}

/// The generation `CURRENT` names under `root`, if any.
pub fn current_generation(root: &Path) -> Option<PathBuf> {
    let name = std::fs::read_to_string(root.join(CURRENT)).ok()?;
    let name = name.trim();
    (!name.is_empty() && !name.contains(['/', '\\']) && name != "..").then(|| root.join(name))
}

/// The manifest of the current generation, without opening the index.
pub fn current_manifest(root: &Path) -> Option<Manifest> {
    let dir = current_generation(root)?;
    serde_json::from_slice(&std::fs::read(dir.join(MANIFEST)).ok()?).ok()
}

/// Open the current generation under `root`.
pub fn open(root: &Path) -> Result<OpenIndex, IndexError> {
    let dir = current_generation(root).ok_or_else(|| IndexError::Missing {
        path: root.to_path_buf(),
    })?;
    open_generation(dir)
}

/// Whether a generation holds what its manifest says, every segment file intact: its
/// checksums (opening reads only headers and footers, so damage inside the data would
/// open fine and fail, or mislead, on the first question that reads it) and its passage
/// count.
fn verify(dir: &Path, reader: &IndexReader, manifest: &Manifest) -> Result<(), String> {
    // Through a directory of its own, dropped after: reading every file maps all of
    // it, and those pages should not stay resident in the serving process.
    let scratch = read_only::ReadOnly::open(dir)
        .map_err(|e| e.to_string())
        .and_then(|d| Index::open(d).map_err(|e| e.to_string()))?;
    let damaged = scratch.validate_checksum().map_err(|e| e.to_string())?;
    drop(scratch);
    if !damaged.is_empty() {
        let mut files: Vec<String> = damaged.iter().map(|p| p.display().to_string()).collect();
        files.sort();
        return Err(format!(
            "segment files fail their checksum: {}",
            files.join(", ")
        ));
    }
    let docs = reader.searcher().num_docs();
    if docs != manifest.passages as u64 {
        return Err(format!(
            "it holds {docs} passages where its manifest says {}",
            manifest.passages
        ));
    }
    Ok(())
}

/// The number and build time of the generation in `dir`, from its manifest.
pub fn generation_of(dir: &Path) -> Option<(u64, String)> {
    let m: Manifest = serde_json::from_slice(&std::fs::read(dir.join(MANIFEST)).ok()?).ok()?;
    Some((m.generation, m.built_at))
}

/// Why a generation in `dir` did not open: damage (a checksum, a count, a file that is
/// not there or does not parse), or the machine (too many open files, no memory, an I/O
/// error), which is not the generation's fault and must not get it marked damaged.
fn not_opened(dir: &Path, reason: String) -> IndexError {
    let machine = reason.contains("(os error") && !reason.contains("(os error 2)");
    if machine {
        IndexError::Io {
            path: dir.to_path_buf(),
            error: std::io::Error::other(reason),
        }
    } else {
        IndexError::Damaged {
            path: dir.to_path_buf(),
            reason,
        }
    }
}

/// Open the generation in `dir` (current or not: a staged one is checked this way),
/// read-only, verified ([`verify`], [`vectors::verify`]).
///
/// Damaged files can make tantivy panic rather than return an error (seen: an assertion
/// in `FileSlice` on flipped bytes of a `.idx`). Opening must never take the process
/// down, so a panic here is contained ([`contained`]) and reported as damage, like any
/// other: marked and rebuilt by a writer, stepped around by a reader.
pub fn open_generation(dir: PathBuf) -> Result<OpenIndex, IndexError> {
    let path = dir.clone();
    contained(move || open_unguarded(dir)).unwrap_or_else(|panic| {
        Err(IndexError::Damaged {
            path,
            reason: format!("opening it failed inside tantivy ({panic})"),
        })
    })
}

thread_local! {
    /// How many [`contained`] calls this thread is inside: their panics are not printed.
    static QUIET: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// Run `f`, catching a panic inside it as its message. The process's panic hook stays
/// as it was for every other thread and call; only panics inside `f` on this thread are
/// kept off stderr, so a command's stderr keeps its one sentence.
fn contained<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if QUIET.with(|q| q.get()) == 0 {
                previous(info);
            }
        }));
    });
    QUIET.with(|q| q.set(q.get() + 1));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    QUIET.with(|q| q.set(q.get() - 1));
    result.map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".to_string())
    })
}

fn open_unguarded(dir: PathBuf) -> Result<OpenIndex, IndexError> {
    let damaged = |reason: String| not_opened(&dir, reason);
    let manifest: Manifest = std::fs::read(dir.join(MANIFEST))
        .map_err(|e| damaged(format!("{MANIFEST}: {e}")))
        .and_then(|b| {
            serde_json::from_slice(&b).map_err(|e| damaged(format!("{MANIFEST}: {e}")))
        })?;
    let catalog: Vec<Source> = std::fs::read(dir.join(CATALOG))
        .map_err(|e| damaged(format!("{CATALOG}: {e}")))
        .and_then(|b| serde_json::from_slice(&b).map_err(|e| damaged(format!("{CATALOG}: {e}"))))?;
    let directory = read_only::ReadOnly::open(&dir).map_err(|e| damaged(e.to_string()))?;
    let index = Index::open(directory).map_err(|e| damaged(e.to_string()))?;
    register_analyzers(&index);
    let fields = Fields::from_schema(&index.schema()).map_err(|e| damaged(e.to_string()))?;
    let reader: IndexReader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()
        .map_err(|e: tantivy::TantivyError| damaged(e.to_string()))?;
    verify(&dir, &reader, &manifest).map_err(damaged)?;
    vectors::verify(&dir).map_err(damaged)?;
    let by_id = catalog
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.clone(), i))
        .collect();
    Ok(OpenIndex {
        dir,
        index,
        reader,
        fields,
        catalog,
        by_id,
        manifest,
    })
}

/// Progress of a build, for a progress bar or a log.
pub trait BuildProgress {
    /// A build enters `phase` (see [`Phase`] for the order).
    fn phase(&self, _phase: Phase) {}
    fn start(&self, _passages: usize) {}
    fn advance(&self, _done: usize) {}
    fn finish(&self) {}
}

impl BuildProgress for () {}

/// How to build: where the sources hash comes from and how much memory to use.
pub struct BuildOptions<'a> {
    pub sources_hash: String,
    /// tantivy's indexing memory budget, shared by its threads.
    pub memory_budget_bytes: usize,
    /// Indexing threads (see [`build_threads`]).
    pub threads: usize,
    pub progress: &'a dyn BuildProgress,
    /// How to embed sentences for semantic search; `None` builds without vectors.
    pub vectors: Option<vectors::EmbedOptions<'a>>,
}

/// Indexing threads for a build: every core (up to 4, where tantivy stops gaining) when
/// nothing else runs, half of them while the same process answers questions, so a live
/// rebuild leaves them room.
pub fn build_threads(serving: bool) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if serving {
        (cores / 2).max(1)
    } else {
        cores.min(4)
    }
}

pub(super) fn write_generation(
    corpus: &Corpus,
    dir: &Path,
    generation: u64,
    opts: &BuildOptions<'_>,
    started: Instant,
) -> Result<Manifest, IndexError> {
    let index = Index::create_in_dir(dir, schema())?;
    register_analyzers(&index);
    let fields = Fields::from_schema(&index.schema())?;
    let threads = opts.threads.max(1);
    let mut writer: IndexWriter = index
        .writer_with_num_threads(threads, opts.memory_budget_bytes.max(threads * 20_000_000))?;
    let sources: std::collections::HashMap<&str, &Source> =
        corpus.sources.iter().map(|s| (s.id.as_str(), s)).collect();
    opts.progress.start(corpus.passages.len());
    let halfway = corpus.passages.len() / 2;
    for (n, passage) in corpus.passages.iter().enumerate() {
        writer.add_document(document(
            &fields,
            passage,
            sources.get(passage.source_id.as_str()).copied(),
        ))?;
        if n % 4096 == 4095 {
            opts.progress.advance(n + 1);
        }
        // Announced halfway, so a crash test stopping here leaves half-written segments.
        if n == halfway {
            opts.progress.phase(Phase::Writing);
        }
    }
    opts.progress.phase(Phase::Committing);
    writer.commit()?;
    writer.wait_merging_threads()?;
    opts.progress.finish();
    let vectors = match &opts.vectors {
        Some(v) => {
            opts.progress.phase(Phase::Embedding);
            let previous = current_generation(dir.parent().unwrap_or(dir));
            Some(vectors::write(
                corpus,
                dir,
                previous.as_deref(),
                v,
                opts.progress,
            )?)
        }
        None => None,
    };
    let catalog = serde_json::to_vec(&corpus.sources).map_err(|e| IndexError::Damaged {
        path: dir.to_path_buf(),
        reason: e.to_string(),
    })?;
    crate::core::durable::replace(&dir.join(CATALOG), &catalog).map_err(io_err(dir))?;
    let manifest = Manifest {
        schema_version: SCHEMA_VERSION,
        sources_hash: opts.sources_hash.clone(),
        generation,
        built_at: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        sources: corpus.sources.len(),
        passages: corpus.passages.len(),
        build_seconds: started.elapsed().as_secs_f64(),
        previous: current_manifest(dir.parent().unwrap_or(dir)).map(|m| m.generation),
        vectors,
    };
    let bytes = serde_json::to_vec_pretty(&manifest).map_err(|e| IndexError::Damaged {
        path: dir.to_path_buf(),
        reason: e.to_string(),
    })?;
    crate::core::durable::replace(&dir.join(MANIFEST), &bytes).map_err(io_err(dir))?;
    Ok(manifest)
}

fn document(f: &Fields, p: &Passage, source: Option<&Source>) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(f.id, &p.id);
    doc.add_text(f.source_id, &p.source_id);
    doc.add_text(f.kind, p.kind.as_str());
    doc.add_text(f.text, &p.text);
    doc.add_text(f.words, &p.text);
    if let Some(section) = &p.section {
        doc.add_text(f.section, section);
        doc.add_text(f.words, section);
    }
    if let Some(source) = source {
        doc.add_text(f.title, &source.title);
        doc.add_text(f.words, &source.title);
        if let Some(date) = &source.date {
            doc.add_text(f.date, date);
        }
    }
    if p.kind == PassageKind::Caption {
        doc.add_text(f.tags, CAPTION_TAGS);
    }
    if let Some(credit) = &p.credit {
        doc.add_text(f.credit, credit);
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_changes_when_a_source_changes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.toml"), "x").unwrap();
        let before = sources_hash(dir.path()).unwrap();
        std::fs::write(dir.path().join("a.toml"), "y").unwrap();
        assert_ne!(before, sources_hash(dir.path()).unwrap());
    }

    #[test]
    fn a_panic_inside_is_contained_as_its_message_and_the_next_call_works() {
        let caught = contained(|| -> u32 { panic!("start <= orig_range.end") });
        assert_eq!(caught, Err("start <= orig_range.end".to_string()));
        assert_eq!(contained(|| 7), Ok(7));
    }

    #[test]
    fn opening_a_missing_index_says_how_to_build_it() {
        let root = tempfile::tempdir().unwrap();
        let err = open(root.path()).err().unwrap();
        assert!(err.to_string().contains("attache index"), "{err}");
    }
}
