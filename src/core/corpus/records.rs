//! Records files (`*.toml`): short dated facts with their sources.
//!
//! ```toml
//! section = "Round 3: 23 July 2025"      # optional, shown as the passage's section
//! weight = 1.0                           # optional ranking weight (0.1-2) for every record
//! kind = "round"                         # optional timeline kind for every record
//! place = "Ciragan Palace"               # optional place of every record
//!
//! [[records]]
//! id = "R3-05"
//! title = "Russia's statements and offers after round 3"
//! date = "23 July 2025"                  # optional
//! body = "Medinsky said …"
//! flags = ["disputed"]                   # optional; inline [DISPUTED] etc. are found too
//! related = ["R3-06"]                    # optional
//! weight = 0.8                           # optional, overrides the file's weight
//! # Optional, for the timeline (`/timeline`); they win over what `date` says:
//! when = "2025-07-23"                    # a date attache reads (see core::timeline::when)
//! kind = "exchange"                      # round, exchange, bodies, children, next or none
//! figures = { returned = 1200 }          # whole numbers the body states
//! place = "Ciragan Palace"               # where it happened (wins over the file's)
//! duration = "roughly 40 minutes"        # how long, in the body's own words
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
    kind: Option<Spanned<String>>,
    place: Option<String>,
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
    when: Option<Spanned<String>>,
    kind: Option<Spanned<String>>,
    figures: Option<Spanned<std::collections::BTreeMap<String, i64>>>,
    place: Option<String>,
    duration: Option<Spanned<String>>,
}

/// The timeline kinds a record may carry.
/// `none` keeps a record off the timeline where its file's kind would put it on.
pub const KINDS: [&str; 6] = ["round", "exchange", "bodies", "children", "next", "none"];

/// `kind` checked against [`KINDS`].
fn check_kind(kind: &str) -> Result<String, String> {
    KINDS
        .contains(&kind)
        .then(|| kind.to_string())
        .ok_or_else(|| format!("unknown kind `{kind}` (expected {})", KINDS.join(", ")))
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
    let file_kind = match &raw.kind {
        Some(k) => match check_kind(k.get_ref()) {
            Ok(k) => Some(k),
            Err(e) => return Err(vec![err(line_of(text, k.span().start), e)]),
        },
        None => None,
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
        let kind = match &rec.kind {
            Some(k) => match check_kind(k.get_ref()) {
                Ok(k) => Some(k),
                Err(e) => {
                    errors.push(err(
                        line_of(text, k.span().start),
                        format!("record `{}`: {e}", rec.id),
                    ));
                    continue;
                }
            },
            None => file_kind.clone(),
        };
        if let Some(w) = &rec.when {
            if crate::core::timeline::when::parse(w.get_ref()).is_none() {
                errors.push(err(
                    line_of(text, w.span().start),
                    format!(
                        "record `{}`: `when = \"{}\"` is not a date attache reads (e.g. \"2025-05-16\", \"11–15 May 2025\", \"May 2025\", \"2025\")",
                        rec.id,
                        w.get_ref()
                    ),
                ));
                continue;
            }
        }
        let mut figures = Vec::new();
        if let Some(f) = &rec.figures {
            let at = line_of(text, f.span().start);
            for (name, value) in f.get_ref() {
                let name_ok = name.len() <= 32
                    && name.starts_with(|c: char| c.is_ascii_lowercase())
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
                match u64::try_from(*value) {
                    Ok(v) if name_ok => figures.push((name.clone(), v)),
                    _ => {
                        errors.push(err(at, format!("record `{}`: figure `{name} = {value}` must be a name of lowercase letters, digits and `_` and a whole number of at least 0", rec.id)));
                    }
                }
            }
            if figures.len() != f.get_ref().len() {
                continue;
            }
        }
        // A duration is quoted from the body, so the picture says only what the record
        // says.
        let duration = rec
            .duration
            .as_ref()
            .map(|d| d.get_ref().trim().to_string());
        if let (Some(d), Some(spanned)) = (&duration, &rec.duration) {
            if d.is_empty() || !body.to_lowercase().contains(&d.to_lowercase()) {
                errors.push(err(
                    line_of(text, spanned.span().start),
                    format!(
                        "record `{}`: `duration = \"{d}\"` is not words of its body (quote how long, as the body says it)",
                        rec.id
                    ),
                ));
                continue;
            }
        }
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
                place: rec
                    .place
                    .or_else(|| raw.place.clone())
                    .map(|p| p.trim().to_string())
                    .filter(|p| !p.is_empty()),
                flags: record_flags,
                citations: rec.sources,
                related: rec.related,
                file: relative.to_string(),
                weight,
                primary: false,
                when: rec.when.map(Spanned::into_inner),
                timeline_kind: kind,
                figures,
                duration,
                author: None,
                lang: None,
                link: None,
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

    #[test]
    fn place_and_duration_are_read_and_a_duration_must_quote_the_body() {
        let loaded = parse_str(
            "place = \"Ciragan Palace\"\n[[records]]\nid = \"A\"\ntitle = \"t\"\nduration = \"About an hour\"\nbody = \"It lasted about an hour.\"\n\n[[records]]\nid = \"B\"\ntitle = \"t\"\nplace = \"Dolmabahce Palace\"\nbody = \"b\"\n",
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        let (a, b) = (&loaded.sources[0].0, &loaded.sources[1].0);
        assert_eq!(
            (a.place.as_deref(), a.duration.as_deref()),
            (Some("Ciragan Palace"), Some("About an hour")),
            "the file's place; the duration as written"
        );
        assert_eq!(b.place.as_deref(), Some("Dolmabahce Palace"));
        assert_eq!(b.duration, None);

        let e = parse_str(
            "[[records]]\nid = \"A\"\ntitle = \"t\"\nbody = \"It lasted an hour.\"\nduration = \"two hours\"\n",
        )
        .err()
        .unwrap();
        assert!(
            e[0].to_string().starts_with(
                "r.toml:5: record `A`: `duration = \"two hours\"` is not words of its body"
            ),
            "{e:?}"
        );
    }

    #[test]
    fn timeline_fields_are_read_and_checked_with_their_line() {
        let loaded = parse_str(
            "kind = \"round\"\n[[records]]\nid = \"A\"\ntitle = \"t\"\ndate = \"spring\"\nwhen = \"2025-05-16\"\nbody = \"b 1,000\"\n\n[[records]]\nid = \"B\"\ntitle = \"t\"\nkind = \"exchange\"\nfigures = { returned = 1000 }\nbody = \"b\"\n",
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        let a = &loaded.sources[0].0;
        assert_eq!(
            (a.when.as_deref(), a.timeline_kind.as_deref()),
            (Some("2025-05-16"), Some("round")),
            "the file's kind for a record without one"
        );
        let b = &loaded.sources[1].0;
        assert_eq!(b.timeline_kind.as_deref(), Some("exchange"));
        assert_eq!(b.figures, [("returned".to_string(), 1000)]);

        let e =
            parse_str("[[records]]\nid = \"A\"\ntitle = \"t\"\nbody = \"b\"\nwhen = \"soon\"\n")
                .err()
                .unwrap();
        assert_eq!(e[0].line, 5, "{e:?}");
        assert!(
            e[0].to_string()
                .starts_with("r.toml:5: record `A`: `when = \"soon\"`"),
            "{e:?}"
        );
        let e =
            parse_str("[[records]]\nid = \"A\"\ntitle = \"t\"\nbody = \"b\"\nkind = \"party\"\n")
                .err()
                .unwrap();
        assert_eq!(e[0].line, 5, "{e:?}");
        assert!(e[0].message.contains("unknown kind `party`"), "{e:?}");
        let e = parse_str(
            "[[records]]\nid = \"A\"\ntitle = \"t\"\nbody = \"b\"\nfigures = { returned = -3 }\n",
        )
        .err()
        .unwrap();
        assert_eq!(e[0].line, 5, "{e:?}");
        let e =
            parse_str("kind = \"party\"\n[[records]]\nid = \"A\"\ntitle = \"t\"\nbody = \"b\"\n")
                .err()
                .unwrap();
        assert_eq!(e[0].line, 1, "{e:?}");
    }
}
