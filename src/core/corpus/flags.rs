//! Sourcing flags (`[DISPUTED]`, `[SINGLE SOURCE]`, `[WEAK SOURCE]`, `[CLAIM: …]`): found in a
//! record's text, where readers see them, or declared in its `flags` list.

use std::sync::OnceLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagKind {
    /// Sources disagree.
    Disputed,
    /// Only one source was found.
    SingleSource,
    /// The only support is an aggregator, a mirror or an outlet of uncertain standing.
    WeakSource,
    /// A party's statement that no independent source confirms.
    Claim,
}

impl FlagKind {
    pub fn parse(s: &str) -> Option<Self> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace([' ', '-'], "_")
            .as_str()
        {
            "disputed" => Some(FlagKind::Disputed),
            "single_source" => Some(FlagKind::SingleSource),
            "weak_source" => Some(FlagKind::WeakSource),
            "claim" => Some(FlagKind::Claim),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flag {
    pub kind: FlagKind,
    /// What the flag is about ("for the start time", "Zelensky"), when the text says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

fn flag_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"\[((?:DISPUTED|SINGLE SOURCE|WEAK SOURCE|CLAIM)[^\]]*)\]")
            .expect("valid regex")
    })
}

/// Every flag written inline in `text`, in order. `[SINGLE SOURCE / WEAK SOURCE]` gives two.
pub fn detect(text: &str) -> Vec<Flag> {
    let mut flags = Vec::new();
    for cap in flag_regex().captures_iter(text) {
        for part in cap[1].split(" / ") {
            let part = part.trim();
            let (kind, rest) = [
                ("DISPUTED", FlagKind::Disputed),
                ("SINGLE SOURCE", FlagKind::SingleSource),
                ("WEAK SOURCE", FlagKind::WeakSource),
                ("CLAIM", FlagKind::Claim),
            ]
            .into_iter()
            .find_map(|(word, kind)| part.strip_prefix(word).map(|rest| (kind, rest)))
            .unwrap_or((FlagKind::Claim, part));
            let detail = rest.trim_start_matches([':', ',', ' ']).trim();
            push_unique(
                &mut flags,
                Flag {
                    kind,
                    detail: (!detail.is_empty()).then(|| detail.to_string()),
                },
            );
        }
    }
    flags
}

/// `text` without its inline flag markers, as a member reads it in an answer (the
/// markers become a caveat beside it; the corpus keeps them verbatim): "[DISPUTED start]
/// Russia's…" gives "Russia's…", "about 1,200 [DISPUTED]." gives "about 1,200.".
pub fn strip(text: &str) -> String {
    let without = flag_regex().replace_all(text, "");
    let mut out = String::with_capacity(without.len());
    for word in without.split_whitespace() {
        let glued = word.starts_with(['.', ',', ';', ':', '!', '?', ')']);
        if !out.is_empty() && !glued {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// The kinds among `flags`, each once, in order: what a reader is warned of.
pub fn kinds(flags: &[Flag]) -> Vec<FlagKind> {
    let mut kinds: Vec<FlagKind> = Vec::new();
    for f in flags {
        if !kinds.contains(&f.kind) {
            kinds.push(f.kind);
        }
    }
    kinds
}

/// Add a flag unless one of the same kind and detail is already there.
pub fn push_unique(flags: &mut Vec<Flag>, flag: Flag) {
    if !flags.contains(&flag) {
        flags.push(flag);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_inline_flags_with_their_details() {
        let flags = detect("[DISPUTED] Most outlets … start at 13:30 [WEAK SOURCE for the start time]. [CLAIM: Zelensky] [SINGLE SOURCE / WEAK SOURCE]");
        let kinds: Vec<_> = flags.iter().map(|f| f.kind).collect();
        assert_eq!(
            kinds,
            [
                FlagKind::Disputed,
                FlagKind::WeakSource,
                FlagKind::Claim,
                FlagKind::SingleSource,
                FlagKind::WeakSource
            ]
        );
        assert_eq!(flags[1].detail.as_deref(), Some("for the start time"));
        assert_eq!(flags[2].detail.as_deref(), Some("Zelensky"));
    }

    #[test]
    fn markers_leave_the_sentence_a_member_reads() {
        assert_eq!(
            strip("[DISPUTED start] Russia's ministry said so."),
            "Russia's ministry said so."
        );
        assert_eq!(
            strip("a swap of about 1,200 in all [DISPUTED total: Kyiv said \"more than 1,000\"]. Next."),
            "a swap of about 1,200 in all. Next."
        );
        assert_eq!(
            strip("No markers [derived] here."),
            "No markers [derived] here."
        );
    }

    #[test]
    fn ordinary_brackets_are_not_flags() {
        assert!(detect("[Numbers vary by date and source] and [derived]").is_empty());
    }
}
