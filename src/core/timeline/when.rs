//! When a record happened, read from the free text curators write in `date`: "16 May
//! 2025", "11–15 May 2025", "19 May – 1 June 2025", "Nov 2025", "Sept 2025", "2025",
//! "2025 (running totals)", "2023–2025", "March 2023 onward", and the ISO forms
//! "2025-05-16" and "2025-05" (which `/timeline from:`/`to:` also take).
//!
//! Written by hand on chrono because no date crate reads these: the date parsers on
//! crates.io (dateparser, chrono-english, and chrono's own formats) read one point in
//! time, not a range sharing its month or year ("11–15 May 2025", "19 May – 1 June
//! 2025"), nor a month or a year as a span, nor an open end ("onward"); and they guess
//! a day for "May 2025" where a timeline must draw the whole month. What each shape
//! becomes:
//!
//! | written | becomes |
//! | --- | --- |
//! | `16 May 2025`, `2025-05-16` | a day |
//! | `11–15 May 2025`, `19 May – 1 June 2025`, `23–24 Jan 2026` | a range of days |
//! | `Nov 2025`, `Sept 2025`, `May 2025`, `2025-05` | a month (drawn as a band with soft ends) |
//! | `2025`, `2025 (running totals)` | a year (a band with soft ends; the note is ignored) |
//! | `2023–2025` | years (a band) |
//! | `March 2023 onward`, `2023 onward` | from then on (an open end) |
//!
//! Anything else is `None`: the record is left off the picture and listed by `attache
//! timeline --explain`.

use chrono::NaiveDate;

/// When something happened, as precisely as the text says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Day(NaiveDate),
    /// First and last day, both included.
    Days(NaiveDate, NaiveDate),
    Month {
        year: i32,
        month: u32,
    },
    Year(i32),
    /// First and last year, both included.
    Years(i32, i32),
    /// From this day on (the first of a month or year for "March 2023 onward").
    Onward(NaiveDate),
}

impl When {
    /// The first day it covers.
    pub fn first(&self) -> NaiveDate {
        match *self {
            When::Day(d) | When::Days(d, _) | When::Onward(d) => d,
            When::Month { year, month } => ymd(year, month, 1),
            When::Year(y) | When::Years(y, _) => ymd(y, 1, 1),
        }
    }

    /// The last day it covers; `None` for an open end.
    pub fn last(&self) -> Option<NaiveDate> {
        match *self {
            When::Day(d) | When::Days(_, d) => Some(d),
            When::Month { year, month } => Some(last_of_month(year, month)),
            When::Year(y) | When::Years(_, y) => Some(ymd(y, 12, 31)),
            When::Onward(_) => None,
        }
    }

    /// Whether it is known to the day (a day or a range of days), not a band.
    pub fn is_exact(&self) -> bool {
        matches!(self, When::Day(_) | When::Days(..))
    }

    /// Whether it overlaps the days `from..=to` (either end open).
    pub fn overlaps(&self, from: Option<NaiveDate>, to: Option<NaiveDate>) -> bool {
        let starts_before_end = to.is_none_or(|t| self.first() <= t);
        let ends_after_start = match (from, self.last()) {
            (Some(f), Some(l)) => l >= f,
            _ => true,
        };
        starts_before_end && ends_after_start
    }
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

fn last_of_month(year: i32, month: u32) -> NaiveDate {
    let (y, m) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    ymd(y, m, 1).pred_opt().expect("a day before the first")
}

/// The month a word names, in English (full, three letters, or "Sept"), or `None`; the
/// question planner reads month words with it too.
pub fn month_of(word: &str) -> Option<u32> {
    let w = word.trim_end_matches('.').to_ascii_lowercase();
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    if w.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| *m == w || (m.starts_with(&w) && (w.len() == 3 || w == "sept")))
        .map(|i| i as u32 + 1)
}

fn year_of(word: &str) -> Option<i32> {
    (word.len() == 4 && word.bytes().all(|b| b.is_ascii_digit()))
        .then(|| word.parse().ok())
        .flatten()
        .filter(|y| (1900..=2200).contains(y))
}

fn day_of(word: &str) -> Option<u32> {
    (1..=2)
        .contains(&word.len())
        .then(|| word.parse().ok())
        .flatten()
        .filter(|d| (1..=31).contains(d))
}

/// One end of a range as written: "16 May 2025", "16 May", "16", "May 2025", "2025".
#[derive(Debug, Clone, Copy, PartialEq)]
struct End {
    day: Option<u32>,
    month: Option<u32>,
    year: Option<i32>,
}

fn end_of(text: &str) -> Option<End> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut end = End {
        day: None,
        month: None,
        year: None,
    };
    for w in &words {
        if let Some(d) = day_of(w).filter(|_| end.day.is_none() && end.month.is_none()) {
            end.day = Some(d);
        } else if let Some(m) = month_of(w).filter(|_| end.month.is_none()) {
            end.month = Some(m);
        } else if let Some(y) = year_of(w).filter(|_| end.year.is_none()) {
            end.year = Some(y);
        } else {
            return None;
        }
    }
    (!words.is_empty()).then_some(end)
}

fn date_of(e: End) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(e.year?, e.month?, e.day?)
}

/// Read `text`; `None` when it is not one of the shapes above.
pub fn parse(text: &str) -> Option<When> {
    // A note in brackets ("(running totals)") says how to read the figures, not when.
    let text = match text.find('(') {
        Some(i) => &text[..i],
        None => text,
    };
    let text = text.trim().trim_end_matches('.').trim();
    if text.is_empty() {
        return None;
    }
    if let Some(w) = iso(text) {
        return Some(w);
    }
    let lower = text.to_ascii_lowercase();
    for open in [" onward", " onwards", " on"] {
        if let Some(start) = lower.strip_suffix(open) {
            let e = end_of(start)?;
            let first = match (e.day, e.month, e.year) {
                (Some(d), Some(m), Some(y)) => NaiveDate::from_ymd_opt(y, m, d)?,
                (None, Some(m), Some(y)) => NaiveDate::from_ymd_opt(y, m, 1)?,
                (None, None, Some(y)) => NaiveDate::from_ymd_opt(y, 1, 1)?,
                _ => return None,
            };
            return Some(When::Onward(first));
        }
    }
    let parts: Vec<&str> = text
        .split(['–', '—'])
        .flat_map(|p| p.split(" - "))
        .map(str::trim)
        .collect();
    match parts.as_slice() {
        [one] => single(one),
        [from, to] => range(from, to),
        _ => None,
    }
}

/// "2025-05-16" or "2025-05".
fn iso(text: &str) -> Option<When> {
    let parts: Vec<&str> = text.split('-').collect();
    let number = |s: &str, len: usize| {
        (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    match parts.as_slice() {
        [y, m, d] => Some(When::Day(NaiveDate::from_ymd_opt(
            number(y, 4)? as i32,
            number(m, 2)?,
            number(d, 2)?,
        )?)),
        [y, m] if m.len() == 2 => {
            let (year, month) = (number(y, 4)? as i32, number(m, 2)?);
            NaiveDate::from_ymd_opt(year, month, 1)?;
            Some(When::Month { year, month })
        }
        _ => None,
    }
}

fn single(text: &str) -> Option<When> {
    let e = end_of(text)?;
    match (e.day, e.month, e.year) {
        (Some(_), Some(_), Some(_)) => date_of(e).map(When::Day),
        (None, Some(month), Some(year)) => Some(When::Month { year, month }),
        (None, None, Some(year)) => Some(When::Year(year)),
        _ => None,
    }
}

/// "11–15 May 2025", "19 May – 1 June 2025", "2023–2025": the first end takes what it
/// leaves out (month, year) from the second.
fn range(from: &str, to: &str) -> Option<When> {
    let (a, b) = (end_of(from)?, end_of(to)?);
    if let (None, None, Some(x), None, None, Some(y)) =
        (a.day, a.month, a.year, b.day, b.month, b.year)
    {
        return (x < y).then_some(When::Years(x, y));
    }
    let last = date_of(b)?;
    let first = date_of(End {
        day: a.day,
        month: a.month.or(b.month),
        year: a.year.or(b.year),
    })?;
    (first < last).then_some(When::Days(first, last))
}

/// A `/timeline from:` or `to:` as a member types it: "2025-05", "2025-05-16", "May
/// 2025", "16 May 2025" or "2025"; the first day it covers (or, for `to`, the last).
pub fn bound(text: &str, end: bool) -> Option<NaiveDate> {
    let w = parse(text).filter(|w| !matches!(w, When::Onward(_)))?;
    if end {
        w.last()
    } else {
        Some(w.first())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        ymd(y, m, day)
    }

    #[test]
    fn every_shape_the_shipped_records_use_is_read() {
        let cases = [
            ("16 May 2025", When::Day(d(2025, 5, 16))),
            ("23 July 2025", When::Day(d(2025, 7, 23))),
            ("24 Aug 2025", When::Day(d(2025, 8, 24))),
            ("18 Sept 2025", When::Day(d(2025, 9, 18))),
            ("11–15 May 2025", When::Days(d(2025, 5, 11), d(2025, 5, 15))),
            (
                "19 May – 1 June 2025",
                When::Days(d(2025, 5, 19), d(2025, 6, 1)),
            ),
            (
                "9 June – 23 July 2025",
                When::Days(d(2025, 6, 9), d(2025, 7, 23)),
            ),
            ("23–24 Jan 2026", When::Days(d(2026, 1, 23), d(2026, 1, 24))),
            (
                "Nov 2025",
                When::Month {
                    year: 2025,
                    month: 11,
                },
            ),
            (
                "Sept 2025",
                When::Month {
                    year: 2025,
                    month: 9,
                },
            ),
            ("2025", When::Year(2025)),
            ("2025 (running totals)", When::Year(2025)),
            ("2023–2025", When::Years(2023, 2025)),
            ("March 2023 onward", When::Onward(d(2023, 3, 1))),
            ("2025-05-16", When::Day(d(2025, 5, 16))),
            (
                "2025-05",
                When::Month {
                    year: 2025,
                    month: 5,
                },
            ),
        ];
        for (text, want) in cases {
            assert_eq!(parse(text), Some(want), "{text}");
        }
    }

    #[test]
    fn what_is_not_a_date_is_none() {
        for text in [
            "",
            "soon",
            "32 May 2025",
            "15–11 May 2025",
            "May",
            "16 May",
            "2025–2023",
            "30 Feb 2025",
            "2025-13",
            "1 2 3 2025",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }

    #[test]
    fn spans_and_filters() {
        let june = parse("June 2025").unwrap();
        assert_eq!(june.first(), d(2025, 6, 1));
        assert_eq!(june.last(), Some(d(2025, 6, 30)));
        assert!(!june.is_exact());
        assert_eq!(parse("Feb 2024").unwrap().last(), Some(d(2024, 2, 29)));
        assert_eq!(parse("Dec 2025").unwrap().last(), Some(d(2025, 12, 31)));
        let onward = parse("March 2023 onward").unwrap();
        assert_eq!(onward.last(), None);
        assert!(onward.overlaps(Some(d(2030, 1, 1)), None));
        let round = parse("16 May 2025").unwrap();
        assert!(round.overlaps(bound("2025-05", false), bound("2025-05", true)));
        assert!(!round.overlaps(bound("June 2025", false), None));
        assert!(!round.overlaps(None, bound("2025-05-15", true)));
        assert_eq!(bound("2025", true), Some(d(2025, 12, 31)));
        assert_eq!(bound("March 2023 onward", false), None);
    }

    #[test]
    fn every_date_in_the_shipped_records_is_read() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("index/sources/records");
        let mut read = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for line in text.lines() {
                if let Some(value) = line.strip_prefix("date = \"") {
                    let value = value.trim_end_matches('"');
                    assert!(parse(value).is_some(), "{value}");
                    read += 1;
                }
            }
        }
        assert!(read > 50, "{read} dates");
    }
}
