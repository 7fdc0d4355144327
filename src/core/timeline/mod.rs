//! The talks as a timeline, drawn from the corpus: the events are the records whose
//! kind (`kind = "round"`, `"exchange"`, `"bodies"`, `"children"`, `"next"`, given per
//! record or per records file) and date ([`when`]: the record's `when`, else its
//! `date`) can be read; their figures (`figures = { returned = 84 }`) size the bars of
//! the exchanges. Nothing here is about a particular corpus: a record added with a kind
//! and a date is on the picture after the next reindex. Records with a kind whose date
//! cannot be read are kept aside ([`Unread`]) for `attache timeline --explain`.

pub mod when;

use chrono::NaiveDate;

use crate::core::corpus::{FlagKind, Source};
pub use when::When;

/// What an event is; each is drawn in its own colour and lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Round,
    Exchange,
    Bodies,
    Children,
    Next,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Round,
        Kind::Exchange,
        Kind::Bodies,
        Kind::Children,
        Kind::Next,
    ];

    /// The kind a record names; `None` for `none` and anything else.
    pub fn parse(s: &str) -> Option<Kind> {
        Some(match s {
            "round" => Kind::Round,
            "exchange" => Kind::Exchange,
            "bodies" => Kind::Bodies,
            "children" => Kind::Children,
            "next" => Kind::Next,
            _ => return None,
        })
    }
}

/// One record on the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: String,
    pub title: String,
    pub when: When,
    pub kind: Kind,
    /// As the record gives them, in its order.
    pub figures: Vec<(String, u64)>,
    /// Disputed or weakly sourced (a flag of the record): drawn outlined.
    pub flagged: bool,
    /// Where, and how long in the body's words (a round's meeting, say).
    pub place: Option<String>,
    pub duration: Option<String>,
}

impl Event {
    /// People each side returned: the sum of the `returned…` figures, if any.
    pub fn returned(&self) -> Option<u64> {
        self.sum("returned")
    }

    /// Bodies handed over to Ukraine (`bodies`).
    pub fn bodies(&self) -> Option<u64> {
        self.figures
            .iter()
            .find(|(n, _)| n == "bodies")
            .map(|(_, v)| *v)
    }

    fn sum(&self, prefix: &str) -> Option<u64> {
        let mut parts = self
            .figures
            .iter()
            .filter(|(n, _)| n.starts_with(prefix))
            .peekable();
        parts.peek()?;
        Some(parts.map(|(_, v)| v).sum())
    }
}

/// A record with a kind whose date could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct Unread {
    pub id: String,
    pub file: String,
    /// What it says instead, if anything.
    pub date: Option<String>,
}

/// What to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic {
    /// Every kind, a lane each.
    All,
    /// A bar per exchange (people each side returned), bodies separately.
    Exchanges,
    Rounds,
    Children,
}

impl Topic {
    pub fn parse(s: &str) -> Option<Topic> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "" | "all" => Topic::All,
            "exchanges" | "exchange" => Topic::Exchanges,
            "rounds" | "round" => Topic::Rounds,
            "children" => Topic::Children,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Topic::All => "all",
            Topic::Exchanges => "exchanges",
            Topic::Rounds => "rounds",
            Topic::Children => "children",
        }
    }

    fn takes(self, kind: Kind) -> bool {
        match self {
            Topic::All => true,
            Topic::Exchanges => matches!(kind, Kind::Exchange | Kind::Bodies),
            Topic::Rounds => kind == Kind::Round,
            Topic::Children => kind == Kind::Children,
        }
    }
}

/// The events of `sources` (in date order) and the records left off.
pub fn events(sources: &[Source]) -> (Vec<Event>, Vec<Unread>) {
    let mut events = Vec::new();
    let mut unread = Vec::new();
    for s in sources {
        let Some(kind) = s.timeline_kind.as_deref().and_then(Kind::parse) else {
            continue;
        };
        let written = s.when.as_deref().or(s.date.as_deref());
        match written.and_then(when::parse) {
            Some(w) => events.push(Event {
                id: s.id.clone(),
                title: s.title.clone(),
                when: w,
                kind,
                figures: s.figures.clone(),
                flagged: s
                    .flags
                    .iter()
                    .any(|f| matches!(f.kind, FlagKind::Disputed | FlagKind::WeakSource)),
                place: s.place.clone(),
                duration: s.duration.clone(),
            }),
            None => unread.push(Unread {
                id: s.id.clone(),
                file: s.file.clone(),
                date: written.map(str::to_string),
            }),
        }
    }
    events.sort_by(|a, b| (a.when.first(), a.kind, &a.id).cmp(&(b.when.first(), b.kind, &b.id)));
    (events, unread)
}

/// The events of `topic` that overlap `from..=to`.
pub fn select(
    events: &[Event],
    topic: Topic,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Vec<Event> {
    events
        .iter()
        .filter(|e| topic.takes(e.kind) && e.when.overlaps(from, to))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::corpus::load_dir_strict;

    fn shipped() -> Vec<Source> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("index/sources");
        load_dir_strict(&dir)
            .expect("the shipped corpus loads")
            .sources
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_shipped_records_give_these_events() {
        let (events, unread) = events(&shipped());
        assert!(unread.is_empty(), "{unread:?}");
        let count = |k: Kind| events.iter().filter(|e| e.kind == k).count();
        // Counted from the records files: 7 + 7 + 8 records of the three rounds, the
        // exchanges file's ten less its three handovers and its running totals, the
        // three handovers, the five children records, the eight of what came next.
        assert_eq!(
            (
                count(Kind::Round),
                count(Kind::Exchange),
                count(Kind::Bodies)
            ),
            (22, 6, 3)
        );
        assert_eq!((count(Kind::Children), count(Kind::Next)), (5, 8));
        let by_id = |id: &str| events.iter().find(|e| e.id == id).unwrap().clone();
        // Every shape of date, as the records write it.
        assert_eq!(
            by_id("PX-01").when,
            When::Days(d(2025, 5, 23), d(2025, 5, 25))
        );
        assert_eq!(
            by_id("PX-02").when,
            When::Days(d(2025, 6, 9), d(2025, 7, 23))
        );
        assert_eq!(
            by_id("NX-04").when,
            When::Month {
                year: 2025,
                month: 9
            }
        );
        assert_eq!(by_id("CH-01").when, When::Years(2023, 2025));
        assert_eq!(by_id("CH-05").when, When::Onward(d(2023, 3, 1)));
        assert_eq!(
            by_id("NX-08").when,
            When::Days(d(2026, 1, 23), d(2026, 1, 24))
        );
        // The exchange figures, as the records state them.
        let returned: Vec<(String, Option<u64>)> = events
            .iter()
            .filter(|e| e.kind == Kind::Exchange)
            .map(|e| (e.id.clone(), e.returned()))
            .collect();
        assert_eq!(
            returned,
            [
                ("PX-01".to_string(), Some(1000)),
                ("PX-02".to_string(), Some(1000)),
                ("PX-06".to_string(), Some(84)),
                ("PX-07".to_string(), Some(146)),
                ("PX-08".to_string(), Some(205)),
                ("PX-09".to_string(), None),
            ]
        );
        let bodies: Vec<Option<u64>> = events
            .iter()
            .filter(|e| e.kind == Kind::Bodies)
            .map(Event::bodies)
            .collect();
        assert_eq!(bodies, [Some(6057), Some(1000), Some(1000)]);
        assert!(by_id("PX-02").flagged, "disputed");
        assert!(!by_id("PX-06").flagged);
    }

    #[test]
    fn every_figure_a_record_gives_is_in_its_body() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("index/sources");
        let corpus = load_dir_strict(&dir).unwrap();
        let mut checked = 0;
        for s in &corpus.sources {
            let body: String = corpus
                .passages
                .iter()
                .filter(|p| p.source_id == s.id)
                .map(|p| p.text.replace(',', ""))
                .collect();
            for (name, value) in &s.figures {
                let digits = value.to_string();
                let found = body.match_indices(&digits).any(|(i, _)| {
                    let before = body[..i].chars().next_back();
                    let after = body[i + digits.len()..].chars().next();
                    !before.is_some_and(|c| c.is_ascii_digit())
                        && !after.is_some_and(|c| c.is_ascii_digit())
                });
                assert!(found, "{}: {name} = {value} is not in its body", s.id);
                checked += 1;
            }
        }
        assert!(checked >= 12, "{checked} figures");
    }

    #[test]
    fn each_round_says_where_it_met_and_for_how_long() {
        let (events, _) = events(&shipped());
        let meetings: Vec<(&str, When, Option<&str>, Option<&str>)> = events
            .iter()
            .filter(|e| e.duration.is_some())
            .map(|e| {
                (
                    e.id.as_str(),
                    e.when,
                    e.place.as_deref(),
                    e.duration.as_deref(),
                )
            })
            .collect();
        // As the three round files give them (R1-03, R2-02, R3-03).
        assert_eq!(
            meetings,
            [
                (
                    "R1-03",
                    When::Day(d(2025, 5, 16)),
                    Some("Dolmabahce Palace"),
                    Some("just under two hours")
                ),
                (
                    "R2-02",
                    When::Day(d(2025, 6, 2)),
                    Some("Ciragan Palace"),
                    Some("a little over an hour")
                ),
                (
                    "R3-03",
                    When::Day(d(2025, 7, 23)),
                    Some("Ciragan Palace"),
                    Some("roughly 40 minutes")
                ),
            ]
        );
    }

    #[test]
    fn topics_and_ranges_filter_the_events() {
        let (events, _) = events(&shipped());
        let june = select(
            &events,
            Topic::All,
            Some(d(2025, 6, 1)),
            Some(d(2025, 6, 30)),
        );
        assert!(june
            .iter()
            .all(|e| e.when.overlaps(Some(d(2025, 6, 1)), Some(d(2025, 6, 30)))));
        assert!(june.iter().any(|e| e.id == "PX-03"), "the June handovers");
        assert!(!june.iter().any(|e| e.id == "NX-08"), "January 2026 is out");
        assert!(
            june.iter().any(|e| e.id == "CH-05"),
            "an open end reaches June"
        );
        let exchanges = select(&events, Topic::Exchanges, None, None);
        assert!(exchanges
            .iter()
            .all(|e| matches!(e.kind, Kind::Exchange | Kind::Bodies)));
        assert_eq!(Topic::parse("Rounds"), Some(Topic::Rounds));
        assert_eq!(Topic::parse("weather"), None);
    }
}
