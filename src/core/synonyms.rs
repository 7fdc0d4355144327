//! Query-time synonyms: groups of words or phrases that mean the same thing here.
//!
//! The file uses the Solr/Elasticsearch synonym format, which moderators may know already:
//! one group per line, entries separated by commas, `#` starts a comment.
//!
//! ```text
//! POW, POWs, prisoners of war, captives
//! truce, ceasefire, cease-fire
//! ```
//!
//! Entries are compared after analysis (lower-case, folded, stemmed, stop words dropped),
//! so "prisoners of war" also matches "prisoner of war". Expansion happens only when a
//! question is asked; the index never changes, so editing this file needs no reindex.

use std::collections::HashMap;
use std::path::Path;

use tantivy::tokenizer::TextAnalyzer;

use super::analysis;
use super::corpus::SourceError;

/// An analysed entry: its terms with their position offsets (for phrase queries).
pub type Entry = Vec<(usize, String)>;

#[derive(Debug, Clone, Default)]
pub struct Synonyms {
    groups: Vec<Vec<Entry>>,
    /// First term of an entry → (group, entry) pairs, for matching questions quickly.
    by_first_term: HashMap<String, Vec<(usize, usize)>>,
    longest: usize,
}

/// A synonym match in a question: which question terms it covers and what else to search.
#[derive(Debug, Clone, PartialEq)]
pub struct Match<'a> {
    /// Number of (analysed) question terms the entry spans.
    pub len: usize,
    /// The other entries of the group.
    pub alternatives: Vec<&'a Entry>,
}

impl Synonyms {
    /// Parse the synonym file text; errors name `path:line`.
    pub fn parse(
        path: &Path,
        text: &str,
        analyzer: &mut TextAnalyzer,
    ) -> Result<Self, Vec<SourceError>> {
        let mut syn = Synonyms::default();
        let mut errors = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let err = |message: String| SourceError {
                path: path.to_path_buf(),
                line: n + 1,
                message,
            };
            if line.contains("=>") {
                errors.push(err("one-way rules (`=>`) are not supported; list equivalent entries separated by commas".into()));
                continue;
            }
            let errors_before = errors.len();
            let mut group: Vec<Entry> = Vec::new();
            let written = line.split(',').count();
            for raw in line.split(',') {
                let raw = raw.trim();
                if raw.is_empty() {
                    errors.push(err(
                        "empty entry (two commas in a row, or a trailing comma)".into(),
                    ));
                    continue;
                }
                let terms = analysis::analyze(analyzer, raw);
                let Some(first) = terms.first() else {
                    errors.push(err(format!(
                        "`{raw}` has only stop words and can never match"
                    )));
                    continue;
                };
                let entry: Entry = terms
                    .iter()
                    .map(|t| (t.position - first.position, t.text.clone()))
                    .collect();
                if !group.contains(&entry) {
                    group.push(entry);
                }
            }
            if errors.len() > errors_before {
                continue;
            }
            if written < 2 {
                errors.push(err(
                    "a group needs at least two entries separated by commas".into(),
                ));
                continue;
            }
            if group.len() < 2 {
                // Spellings that analysis already makes equal ("Zelensky, Zelenskiy").
                continue;
            }
            syn.add_group(group);
        }
        if errors.is_empty() {
            Ok(syn)
        } else {
            Err(errors)
        }
    }

    /// Read and parse a synonyms file. A missing file means no synonyms.
    pub fn load(path: &Path, analyzer: &mut TextAnalyzer) -> Result<Self, Vec<SourceError>> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(path, &text, analyzer),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(vec![SourceError {
                path: path.to_path_buf(),
                line: 0,
                message: format!("cannot read: {e}"),
            }]),
        }
    }

    fn add_group(&mut self, group: Vec<Entry>) {
        let g = self.groups.len();
        for (e, entry) in group.iter().enumerate() {
            self.longest = self.longest.max(entry.len());
            self.by_first_term
                .entry(entry[0].1.clone())
                .or_default()
                .push((g, e));
        }
        self.groups.push(group);
    }

    pub fn group_count(&self) -> usize {
        self.groups.len()
    }

    /// The longest entry that matches `terms` from its start (greedy), merged over every
    /// group that contains it. `terms` are the analysed question terms, in order.
    pub fn longest_match(&self, terms: &[&str]) -> Option<Match<'_>> {
        let first = terms.first()?;
        let candidates = self.by_first_term.get(*first)?;
        let mut best_len = 0;
        let mut alternatives: Vec<&Entry> = Vec::new();
        for &(g, e) in candidates {
            let entry = &self.groups[g][e];
            if entry.len() > terms.len() || !entry.iter().zip(terms).all(|((_, t), q)| t == q) {
                continue;
            }
            if entry.len() > best_len {
                best_len = entry.len();
                alternatives.clear();
            }
            if entry.len() == best_len {
                for (i, other) in self.groups[g].iter().enumerate() {
                    if i != e && !alternatives.contains(&other) {
                        alternatives.push(other);
                    }
                }
            }
        }
        (best_len > 0).then_some(Match {
            len: best_len,
            alternatives,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn syn(text: &str) -> Synonyms {
        Synonyms::parse(Path::new("s.txt"), text, &mut analysis::english())
            .unwrap_or_else(|e| panic!("{e:?}"))
    }

    #[test]
    fn phrases_match_after_analysis_and_the_longest_wins() {
        let s = syn("# comment\nPOW, prisoners of war\nprisoner, captive\n");
        let m = s.longest_match(&["prison", "war", "releas"]).unwrap();
        assert_eq!(m.len, 2);
        assert_eq!(m.alternatives, [&vec![(0, "pow".to_string())]]);
        let m = s.longest_match(&["prison", "releas"]).unwrap();
        assert_eq!((m.len, m.alternatives[0][0].1.as_str()), (1, "captiv"));
        assert!(s.longest_match(&["releas"]).is_none());
    }

    #[test]
    fn malformed_lines_are_reported_with_their_line() {
        let e = Synonyms::parse(
            Path::new("s.txt"),
            "a1, b1\nlonely\nx, , y\nthe, of\n",
            &mut analysis::english(),
        )
        .unwrap_err();
        let lines: Vec<usize> = e.iter().map(|e| e.line).collect();
        assert_eq!(lines, [2, 3, 4, 4]);
    }
}
