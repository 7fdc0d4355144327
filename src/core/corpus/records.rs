//! Records files (`*.toml`): short dated facts with their sources.
//!
//! ```toml
//! section = "Round 3: 23 July 2025"      # optional, shown as the passage's section
//! weight = 1.0                           # optional ranking weight (0.1-2) for every record
//!
//! [[records]]
//! id = "R3-05"
//! title = "Russia's statements and offers after round 3"
//! date = "23 July 2025"                  # optional
//! body = "Medinsky said …"
//! flags = ["disputed"]                   # optional; inline [DISPUTED] etc. are found too
//! related = ["R3-06"]                    # optional
//! weight = 0.8                           # optional, overrides the file's weight
//!
//! [[records.sources]]
//! url = "https://…"
//! publisher = "Anadolu Agency"
//! published = "23 July 2025"             # optional
//! note = "updated 24 July"               # optional
//! ```

use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::{
    check_id, flags, line_of, Citation, Flag, FlagKind, Loaded, Passage, PassageKind, Source,
    SourceError, SourceKind,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    section: Option<String>,
    weight: Option<f32>,
    #[serde(default)]
    records: Vec<Spanned<RawRecord>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecord {
    id: String,
    title: String,
    date: Option<String>,
    body: String,
    #[serde(default)]
    flags: Vec<Spanned<String>>,
    #[serde(default)]
    related: Vec<String>,
    #[serde(default)]
    sources: Vec<Citation>,
    weight: Option<f32>,
}

pub(super) fn parse(path: &Path, relative: &str, text: &str) -> Result<Loaded, Vec<SourceError>> {
    let err = |line: usize, message: String| SourceError {
        path: path.to_path_buf(),
        line,
        message,
    };
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(0);
        vec![err(line, e.message().trim().to_string())]
    })?;
    if raw.records.is_empty() {
        return Err(vec![err(0, "no [[records]] found".into())]);
    }
    let mut errors = Vec::new();
    let file_weight = match raw.weight.map(super::check_weight).transpose() {
        Ok(w) => w.unwrap_or(1.0),
        Err(e) => return Err(vec![err(1, e)]),
    };
    let mut loaded = Loaded {
        sources: Vec::new(),
        passages: Vec::new(),
    };
    for spanned in raw.records {
        let line = line_of(text, spanned.span().start);
        let rec = spanned.into_inner();
        if let Err(e) = check_id(&rec.id) {
            errors.push(err(line, e));
            continue;
        }
        let body = rec.body.trim();
        if body.is_empty() {
            errors.push(err(line, format!("record `{}` has an empty body", rec.id)));
            continue;
        }
        if rec.title.trim().is_empty() {
            errors.push(err(line, format!("record `{}` has an empty title", rec.id)));
            continue;
        }
        let mut record_flags: Vec<Flag> = Vec::new();
        let mut bad_flag = false;
        for f in &rec.flags {
            match FlagKind::parse(f.get_ref()) {
                Some(kind) => flags::push_unique(&mut record_flags, Flag { kind, detail: None }),
                None => {
                    errors.push(err(
                        line_of(text, f.span().start),
                        format!("unknown flag `{}` (expected disputed, single_source, weak_source or claim)", f.get_ref()),
                    ));
                    bad_flag = true;
                }
            }
        }
        if bad_flag {
            continue;
        }
        let weight = match rec.weight.map(super::check_weight).transpose() {
            Ok(w) => w.unwrap_or(file_weight),
            Err(e) => {
                errors.push(err(line, format!("record `{}`: {e}", rec.id)));
                continue;
            }
        };
        for f in flags::detect(body) {
            // An inline flag with a detail says more than the same declared bare flag.
            record_flags.retain(|d| !(d.kind == f.kind && d.detail.is_none()));
            flags::push_unique(&mut record_flags, f);
        }
        let first = rec.sources.first();
        loaded.passages.push(Passage {
            id: rec.id.clone(),
            source_id: rec.id.clone(),
            kind: PassageKind::Record,
            section: raw.section.clone(),
            text: body.to_string(),
            credit: None,
        });
        loaded.sources.push((
            Source {
                id: rec.id,
                kind: SourceKind::Record,
                title: rec.title.trim().to_string(),
                publisher: first.map(|c| c.publisher.clone()),
                date: rec.date,
                url: first.map(|c| c.url.clone()),
                place: None,
                flags: record_flags,
                citations: rec.sources,
                related: rec.related,
                file: relative.to_string(),
                weight,
                primary: false,
            },
            line,
        ));
    }
    if errors.is_empty() {
        Ok(loaded)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Loaded, Vec<SourceError>> {
        parse(Path::new("r.toml"), "r.toml", text)
    }

    #[test]
    fn a_record_becomes_one_passage_with_flags_and_citations() {
        let loaded = parse_str(
            "section = \"Round 1\"\n[[records]]\nid = \"R1-03\"\ntitle = \"How long\"\ndate = \"16 May 2025\"\nbody = \"[DISPUTED] About two hours.\"\nflags = [\"weak_source\"]\n[[records.sources]]\nurl = \"https://example.org/a\"\npublisher = \"Example\"\npublished = \"16 May 2025\"\n",
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        let (source, line) = &loaded.sources[0];
        assert_eq!(*line, 2);
        assert_eq!(source.publisher.as_deref(), Some("Example"));
        assert_eq!(
            source.flags.iter().map(|f| f.kind).collect::<Vec<_>>(),
            [FlagKind::WeakSource, FlagKind::Disputed]
        );
        assert_eq!(loaded.passages[0].section.as_deref(), Some("Round 1"));
        assert_eq!(loaded.passages[0].text, "[DISPUTED] About two hours.");
    }

    #[test]
    fn errors_name_the_line_of_the_problem() {
        let e =
            parse_str("[[records]]\nid = \"A\"\ntitle = \"t\"\nbody = \"b\"\ncolour = \"red\"\n")
                .err()
                .unwrap();
        assert_eq!(e[0].line, 5, "{e:?}");
        assert!(e[0].message.contains("colour"), "{e:?}");

        let e = parse_str("[[records]]\nid = \"A\"\ntitle = \"t\"\nbody = \"b\"\n\n[[records]]\nid = \"B C\"\ntitle = \"t\"\nbody = \"b\"\n").err().unwrap();
        assert_eq!(
            (e[0].line, e[0].message.contains("may only contain")),
            (6, true),
            "{e:?}"
        );

        let e = parse_str(
            "[[records]]\nid = \"A\"\ntitle = \"t\"\nbody = \"b\"\nflags = [\"dubious\"]\n",
        )
        .err()
        .unwrap();
        assert_eq!(e[0].line, 5, "{e:?}");

        let e = parse_str("[[records]]\nid = \"A\"\ntitle = \"t\"\nbody = \"unterminated\n")
            .err()
            .unwrap();
        assert_eq!(e[0].line, 4, "{e:?}");
    }
}
