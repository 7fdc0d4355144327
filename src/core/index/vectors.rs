//! Sentence vectors of a generation, for semantic search.
//!
//! Every sentence of every passage (a caption as one unit) is embedded with its source's
//! title in front ("Prisoner exchange of 23 May: Ukraine got back 390…"): a sentence
//! alone often lacks its subject. Measured on the shared cases, one vector per sentence,
//! a passage scored by its best sentence, finds the passage for Ukrainian and Russian
//! questions better than one vector per passage.
//!
//! Two files sit beside the tantivy segments: `vectors.json` (which rows belong to which
//! passage, and each sentence's byte range) and `vectors.bin` (rows of a 16-byte key and
//! [`DIM`] little-endian floats). The key is a hash of the model and the embedded text,
//! so a rebuild reuses the rows of unchanged sentences from the previous generation (and
//! from an optional shared cache file), and only new text is embedded.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{io_err, BuildProgress, IndexError};
use crate::core::analysis;
use crate::core::corpus::{Corpus, PassageKind};
use crate::core::durable;
use crate::core::embed::DIM;

const META: &str = "vectors.json";
const ROWS: &str = "vectors.bin";
/// Sentences embedded per call: large enough that the engine streams each weight once
/// for many tokens, small enough that the progress bar moves and memory stays small.
const BATCH: usize = 64;

pub type Key = [u8; 16];

/// Where a passage's sentences are.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PassageRows {
    pub id: String,
    /// Index of its first row; its sentences are consecutive rows.
    pub first: u32,
    /// Byte range of each sentence in the passage text, one per row.
    pub sentences: Vec<(u32, u32)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Meta {
    model: String,
    dim: usize,
    passages: Vec<PassageRows>,
}

/// A generation's sentence vectors, loaded.
#[derive(Debug, Default)]
pub struct SentenceVectors {
    pub passages: Vec<PassageRows>,
    /// Row-major, [`DIM`] floats a row.
    pub data: Vec<f32>,
}

impl SentenceVectors {
    pub fn rows(&self) -> usize {
        self.data.len() / DIM
    }

    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * DIM..(i + 1) * DIM]
    }

    /// Load the vectors of the generation in `dir`: `None` when it has none (semantic
    /// search was off when it was built), an error when they are there but unreadable.
    pub fn load(dir: &Path, model: &str) -> Result<Option<SentenceVectors>, IndexError> {
        let meta_path = dir.join(META);
        if !meta_path.exists() {
            return Ok(None);
        }
        let damaged = |reason: String| IndexError::Damaged {
            path: dir.to_path_buf(),
            reason,
        };
        let meta: Meta = serde_json::from_slice(&std::fs::read(&meta_path).map_err(io_err(dir))?)
            .map_err(|e| damaged(format!("{META}: {e}")))?;
        if meta.model != model || meta.dim != DIM {
            // Built with another model: not comparable with this one's questions.
            return Ok(None);
        }
        let (_, data) = read_rows(&dir.join(ROWS)).map_err(|e| damaged(format!("{ROWS}: {e}")))?;
        let expected: usize = meta.passages.iter().map(|p| p.sentences.len()).sum();
        if data.len() != expected * DIM {
            return Err(damaged(format!(
                "{ROWS} holds {} rows, {META} names {expected}",
                data.len() / DIM
            )));
        }
        Ok(Some(SentenceVectors {
            passages: meta.passages,
            data,
        }))
    }
}

/// Whether the vectors of the generation in `dir`, if it has any, are whole: `vectors.json`
/// parses, and `vectors.bin` holds exactly the rows it names, of the width it names.
/// Checked where a generation is opened and verified ([`super::open_generation`]), so
/// damaged vectors are damage like a segment's: marked and rebuilt by a writer, stepped
/// around by a reader. Reads the file's length, not its rows.
pub fn verify(dir: &Path) -> Result<(), String> {
    let meta_path = dir.join(META);
    let bytes = match std::fs::read(&meta_path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(format!("{META}: {e}")),
    };
    let meta: Meta = serde_json::from_slice(&bytes).map_err(|e| format!("{META}: {e}"))?;
    if meta.dim == 0 {
        return Err(format!("{META}: rows of no width"));
    }
    let expected: u64 = meta.passages.iter().map(|p| p.sentences.len() as u64).sum();
    let row = 16 + meta.dim as u64 * 4;
    let len = std::fs::metadata(dir.join(ROWS))
        .map_err(|e| format!("{ROWS}: {e}"))?
        .len();
    if len != expected * row {
        return Err(format!(
            "{ROWS} holds {len} bytes, {META} names {expected} rows of {} floats ({} bytes)",
            meta.dim,
            expected * row
        ));
    }
    Ok(())
}

/// What embedding a generation's sentences did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct EmbedStats {
    /// Sentences in the generation.
    pub sentences: usize,
    /// Of those, embedded now (the rest were reused).
    pub embedded: usize,
}

/// How to embed a generation.
pub struct EmbedOptions<'a> {
    pub model: &'a str,
    pub embed: &'a (dyn Fn(&[&str]) -> Result<Vec<f32>, String> + Sync),
    /// A cache of rows shared between builds (tests share one across processes).
    pub cache_file: Option<PathBuf>,
}

/// The text a sentence is embedded as: its source's title, then the sentence.
pub fn sentence_text(title: &str, sentence: &str) -> String {
    if title.is_empty() {
        sentence.to_string()
    } else {
        format!("{title}: {sentence}")
    }
}

fn key(model: &str, text: &str) -> Key {
    let mut h = Sha256::new();
    h.update(model.as_bytes());
    h.update([0]);
    h.update(text.as_bytes());
    let digest = h.finalize();
    let mut k = [0u8; 16];
    k.copy_from_slice(&digest[..16]);
    k
}

/// Embed every sentence of `corpus` into `dir`, reusing rows found in `previous` (the
/// generation this one replaces) or the cache file.
pub fn write(
    corpus: &Corpus,
    dir: &Path,
    previous: Option<&Path>,
    opts: &EmbedOptions<'_>,
    progress: &dyn BuildProgress,
) -> Result<EmbedStats, IndexError> {
    let titles: HashMap<&str, &str> = corpus
        .sources
        .iter()
        .map(|s| (s.id.as_str(), s.title.as_str()))
        .collect();
    let mut passages = Vec::with_capacity(corpus.passages.len());
    let mut texts: Vec<String> = Vec::new();
    for p in &corpus.passages {
        let units = if p.kind == PassageKind::Caption {
            vec![(0, p.text.len())]
        } else {
            analysis::sentences(&p.text)
        };
        let title = titles.get(p.source_id.as_str()).copied().unwrap_or("");
        passages.push(PassageRows {
            id: p.id.clone(),
            first: texts.len() as u32,
            sentences: units.iter().map(|&(a, b)| (a as u32, b as u32)).collect(),
        });
        texts.extend(
            units
                .iter()
                .map(|&(a, b)| sentence_text(title, &p.text[a..b])),
        );
    }
    let keys: Vec<Key> = texts.iter().map(|t| key(opts.model, t)).collect();

    let mut known: HashMap<Key, Vec<f32>> = HashMap::new();
    for file in previous
        .map(|d| d.join(ROWS))
        .into_iter()
        .chain(opts.cache_file.clone())
    {
        // A missing or unreadable cache only means more to embed.
        if let Ok((ks, data)) = read_rows(&file) {
            for (i, k) in ks.into_iter().enumerate() {
                known.insert(k, data[i * DIM..(i + 1) * DIM].to_vec());
            }
        }
    }
    let missing: Vec<usize> = {
        let mut seen = std::collections::HashSet::new();
        (0..texts.len())
            .filter(|&i| !known.contains_key(&keys[i]) && seen.insert(keys[i]))
            .collect()
    };
    progress.start(missing.len());
    let mut done = 0;
    for chunk in missing.chunks(BATCH) {
        let batch: Vec<&str> = chunk.iter().map(|&i| texts[i].as_str()).collect();
        let rows = (opts.embed)(&batch).map_err(|reason| IndexError::Damaged {
            path: dir.to_path_buf(),
            reason,
        })?;
        for (j, &i) in chunk.iter().enumerate() {
            known.insert(keys[i], rows[j * DIM..(j + 1) * DIM].to_vec());
        }
        done += chunk.len();
        progress.advance(done);
    }
    progress.finish();

    let mut data = Vec::with_capacity(texts.len() * DIM);
    for k in &keys {
        data.extend_from_slice(&known[k]);
    }
    write_rows(&dir.join(ROWS), &keys, &data).map_err(io_err(dir))?;
    let meta = Meta {
        model: opts.model.to_string(),
        dim: DIM,
        passages,
    };
    let bytes = serde_json::to_vec(&meta).map_err(|e| IndexError::Damaged {
        path: dir.to_path_buf(),
        reason: e.to_string(),
    })?;
    durable::replace(&dir.join(META), &bytes).map_err(io_err(dir))?;
    if let Some(cache) = &opts.cache_file {
        if !missing.is_empty() {
            // Best effort: a cache that cannot be written costs only time later.
            let all_keys: Vec<Key> = known.keys().copied().collect();
            let all: Vec<f32> = all_keys.iter().flat_map(|k| known[k].clone()).collect();
            if let Err(e) = write_rows(cache, &all_keys, &all) {
                tracing::warn!(path = %cache.display(), error = %e, "could not update the vector cache");
            }
        }
    }
    Ok(EmbedStats {
        sentences: texts.len(),
        embedded: missing.len(),
    })
}

/// Rows replaced whole, so processes sharing the cache never read half a file.
fn write_rows(path: &Path, keys: &[Key], data: &[f32]) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    durable::replace_with(path, |out| {
        for (i, k) in keys.iter().enumerate() {
            out.write_all(k)?;
            for x in &data[i * DIM..(i + 1) * DIM] {
                out.write_all(&x.to_le_bytes())?;
            }
        }
        Ok(())
    })
}

fn read_rows(path: &Path) -> std::io::Result<(Vec<Key>, Vec<f32>)> {
    let bytes = std::fs::read(path)?;
    let row = 16 + DIM * 4;
    if bytes.len() % row != 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "not a whole number of rows",
        ));
    }
    let n = bytes.len() / row;
    let mut keys = Vec::with_capacity(n);
    let mut data = Vec::with_capacity(n * DIM);
    for r in bytes.chunks_exact(row) {
        keys.push(r[..16].try_into().expect("16 bytes"));
        data.extend(
            r[16..]
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes"))),
        );
    }
    Ok((keys, data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_survive_a_round_trip_and_a_torn_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rows.bin");
        let keys = vec![[1u8; 16], [2u8; 16]];
        let data: Vec<f32> = (0..2 * DIM).map(|i| i as f32 / 7.0).collect();
        write_rows(&path, &keys, &data).unwrap();
        let (k, d) = read_rows(&path).unwrap();
        assert_eq!((k, d), (keys, data));
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.pop();
        std::fs::write(&path, bytes).unwrap();
        assert!(read_rows(&path).is_err());
    }

    #[test]
    fn the_key_depends_on_model_and_text() {
        assert_ne!(key("a", "x"), key("b", "x"));
        assert_ne!(key("a", "x"), key("a", "y"));
        assert_eq!(key("a", "x"), key("a", "x"));
    }
}
