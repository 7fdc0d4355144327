//! The timeline picture: a PNG drawn from the timeline's events
//! ([`crate::core::timeline`]) for Discord (`/timeline`) and the command line
//! (`attache timeline --out`). 1200 px wide and at most 1600 px tall, in Discord's dark
//! palette, with letters at least 24 px high (capitals and digits of the smallest text,
//! as drawn; Discord shows the picture at about a third of its size in the chat and
//! whole when opened), captions and legend in the asker's language. The font (DejaVu
//! Sans, Cyrillic included) comes with the build, never from the machine, so every
//! server draws the same picture.
//!
//! - `all`, `rounds`, `children`: a lane per kind (its name above it) over a time axis
//!   the width of the picture; a day is a dot, a
//!   range of days a bar, a month or a year a band with soft ends, an open end a band to
//!   the edge with an arrow; disputed or weakly sourced records are drawn outlined.
//! - `exchanges`: a bar per exchange (people each side returned, from the records'
//!   figures), and the bodies handed over separately.

use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};
use plotters::prelude::*;
use plotters::style::{register_font, FontStyle, RGBAColor};

use crate::core::lang::Lang;
use crate::core::timeline::{Event, Kind, Topic, When};

pub const WIDTH: u32 = 1200;
pub const MAX_HEIGHT: u32 = 1600;

/// Text sizes (px, the font's full height: DejaVu's capitals are about 0.62 of it, so
/// the labels' capitals are 24 px): captions, lane names, labels.
const CAPTION: u32 = 48;
const LANE: u32 = 40;
const LABEL: u32 = 39;

/// A line of the key that names each round's meeting (date, place, how long).
const KEY_LINE: u32 = LABEL + 14;

/// The meetings the key names: rounds whose record says where or how long.
fn meetings(events: &[Event]) -> Vec<&Event> {
    events
        .iter()
        .filter(|e| e.kind == Kind::Round && (e.place.is_some() || e.duration.is_some()))
        .collect()
}

/// A lane of `all`, `rounds` or `children`: its name, then three rows of events.
const NAME_ROW: u32 = LANE + 16;
const LANE_HEIGHT: u32 = NAME_ROW + 110;

const BACKGROUND: RGBColor = RGBColor(0x31, 0x33, 0x38);
const TEXT: RGBColor = RGBColor(0xDB, 0xDE, 0xE1);
const GRID: RGBColor = RGBColor(0x4E, 0x50, 0x58);

/// The colour of each kind (Discord's blurple, green, red, yellow, fuchsia).
pub fn colour(kind: Kind) -> RGBColor {
    match kind {
        Kind::Round => RGBColor(0x58, 0x65, 0xF2),
        Kind::Exchange => RGBColor(0x57, 0xF2, 0x87),
        Kind::Bodies => RGBColor(0xED, 0x42, 0x45),
        Kind::Children => RGBColor(0xFE, 0xE7, 0x5C),
        Kind::Next => RGBColor(0xEB, 0x45, 0x9E),
    }
}

/// A drawn timeline.
pub struct Picture {
    pub png: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// One line for above the picture.
    pub caption: String,
    /// What the picture shows, for readers who cannot see it (the attachment's
    /// description).
    pub alt: String,
}

struct Words {
    title: [&'static str; 4],
    lanes: [&'static str; 5],
    exact: &'static str,
    flagged: &'static str,
    band: &'static str,
    returned: &'static str,
    bodies: &'static str,
    empty: &'static str,
    /// `{n}` events, `{from}`, `{to}`.
    alt: &'static str,
    months: [&'static str; 12],
    /// Between groups of three digits ("1,000", "1 000").
    thousands: char,
}

/// `n` with its digits grouped by three.
fn grouped(n: u64, separator: char) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(c);
    }
    out
}

fn words(lang: Lang) -> &'static Words {
    static EN: Words = Words {
        title: [
            "The talks, as the sources date them",
            "Prisoner exchanges and body handovers",
            "The rounds of talks",
            "Children",
        ],
        lanes: [
            "Rounds",
            "Exchanges",
            "Bodies",
            "Children",
            "What came next",
        ],
        exact: "date known",
        flagged: "disputed or weakly sourced",
        band: "month or year",
        returned: "People each side returned",
        bodies: "Bodies handed over to Ukraine",
        empty: "No dated events in this range",
        alt: "A timeline of {n} events from the sources, {from} to {to}",
        months: [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ],
        thousands: ',',
    };
    static UK: Words = Words {
        title: [
            "Переговори за датами джерел",
            "Обміни полоненими та передачі тіл",
            "Раунди переговорів",
            "Діти",
        ],
        lanes: ["Раунди", "Обміни", "Тіла", "Діти", "Що було далі"],
        exact: "дата відома",
        flagged: "спірне або слабке джерело",
        band: "місяць або рік",
        returned: "Повернуто людей з кожного боку",
        bodies: "Тіла, передані Україні",
        empty: "У цьому проміжку немає датованих подій",
        alt: "Часова шкала з {n} подій із джерел, від {from} до {to}",
        months: [
            "січ", "лют", "бер", "кві", "тра", "чер", "лип", "сер", "вер", "жов", "лис", "гру",
        ],
        thousands: '\u{202F}',
    };
    static RU: Words = Words {
        title: [
            "Переговоры по датам источников",
            "Обмены пленными и передачи тел",
            "Раунды переговоров",
            "Дети",
        ],
        lanes: ["Раунды", "Обмены", "Тела", "Дети", "Что было дальше"],
        exact: "дата известна",
        flagged: "спорно или слабый источник",
        band: "месяц или год",
        returned: "Возвращено людей с каждой стороны",
        bodies: "Тела, переданные Украине",
        empty: "В этом промежутке нет датированных событий",
        alt: "Хронология из {n} событий по источникам, с {from} по {to}",
        months: [
            "янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек",
        ],
        thousands: '\u{202F}',
    };
    match lang {
        Lang::En => &EN,
        Lang::Uk => &UK,
        Lang::Ru => &RU,
    }
}

fn font() -> &'static str {
    static REGISTERED: OnceLock<()> = OnceLock::new();
    REGISTERED.get_or_init(|| {
        register_font("attache", FontStyle::Normal, dejavu::sans::regular())
            .unwrap_or_else(|_| panic!("the DejaVu font built in is a valid font"));
        register_font("attache", FontStyle::Bold, dejavu::sans::bold())
            .unwrap_or_else(|_| panic!("the DejaVu font built in is a valid font"));
    });
    "attache"
}

fn text_style(size: u32, colour: RGBColor) -> TextStyle<'static> {
    (font(), size).into_font().color(&colour)
}

fn bold_style(size: u32, colour: RGBColor) -> TextStyle<'static> {
    (font(), size, FontStyle::Bold).into_font().color(&colour)
}

/// `d` as a short label ("23 May", "23 тра").
fn day_label(d: NaiveDate, w: &Words) -> String {
    format!("{} {}", d.day(), w.months[d.month0() as usize])
}

/// What `when` covers, shortly ("23–25 May", "9 Jun – 23 Jul", "Sep 2025").
fn when_label(when: &When, w: &Words) -> String {
    match *when {
        When::Day(d) => day_label(d, w),
        When::Days(a, b) if a.month() == b.month() => {
            format!("{}–{} {}", a.day(), b.day(), w.months[b.month0() as usize])
        }
        When::Days(a, b) => format!("{} – {}", day_label(a, w), day_label(b, w)),
        When::Month { year, month } => format!("{} {year}", w.months[month as usize - 1]),
        When::Year(y) => y.to_string(),
        When::Years(a, b) => format!("{a}–{b}"),
        When::Onward(d) => format!("{} {} →", w.months[d.month0() as usize], d.year()),
    }
}

fn title_of(topic: Topic, w: &Words) -> &'static str {
    w.title[match topic {
        Topic::All => 0,
        Topic::Exchanges => 1,
        Topic::Rounds => 2,
        Topic::Children => 3,
    }]
}

/// What a front end says around the picture, in one language.
pub struct ReplyWords {
    /// Before the records drawn, in the citation line.
    pub drawn_from: &'static str,
    /// After the first few records: `{n}` more.
    pub and_more: &'static str,
    /// `{value}` given as `from` or `to` is not a date.
    pub bad_date: &'static str,
    /// Nothing of `{topic}` in the range asked for.
    pub nothing: &'static str,
}

pub fn reply_words(lang: Lang) -> &'static ReplyWords {
    static EN: ReplyWords = ReplyWords {
        drawn_from: "Drawn from",
        and_more: "and {n} more",
        bad_date: "`{value}` is not a month or a day I can read: try `2025-05`, `2025-05-16` or `May 2025`.",
        nothing: "No dated record falls in that range. Try a wider one, or leave `from` and `to` out.",
    };
    static UK: ReplyWords = ReplyWords {
        drawn_from: "Намальовано за",
        and_more: "і ще {n}",
        bad_date: "`{value}` не схоже на місяць чи день: спробуйте `2025-05`, `2025-05-16` або `травень 2025`.",
        nothing: "У цьому проміжку немає датованих записів. Спробуйте ширший або не вказуйте `from` і `to`.",
    };
    static RU: ReplyWords = ReplyWords {
        drawn_from: "Нарисовано по",
        and_more: "и ещё {n}",
        bad_date: "`{value}` не похоже на месяц или день: попробуйте `2025-05`, `2025-05-16` или `май 2025`.",
        nothing: "В этом промежутке нет датированных записей. Попробуйте шире или не указывайте `from` и `to`.",
    };
    match lang {
        Lang::En => &EN,
        Lang::Uk => &UK,
        Lang::Ru => &RU,
    }
}

/// What a picture is asked for: the index generation it is drawn from, the topic, the
/// range and the language. A reindex makes a new generation, so a picture is never
/// served from records that changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Asked {
    pub generation: u64,
    pub topic: Topic,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub lang: Lang,
}

/// Pictures already drawn, by [`Asked`]: the same picture asked for again is sent
/// without drawing it. Pictures of older generations are dropped when a newer one is
/// kept, and at most [`Drawings::KEEP`] are kept (a few hundred KB each).
#[derive(Default)]
pub struct Drawings {
    kept: std::sync::Mutex<Vec<(Asked, std::sync::Arc<Picture>)>>,
}

impl Drawings {
    pub const KEEP: usize = 32;

    pub fn get(&self, asked: &Asked) -> Option<std::sync::Arc<Picture>> {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.iter()
            .find(|(a, _)| a == asked)
            .map(|(_, p)| p.clone())
    }

    pub fn keep(&self, asked: Asked, picture: std::sync::Arc<Picture>) {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.retain(|(a, _)| a.generation >= asked.generation && a != &asked);
        if kept.len() >= Self::KEEP {
            kept.remove(0);
        }
        kept.push((asked, picture));
    }
}

/// Draw `events` (already selected for `topic`) in `lang`.
pub fn draw(events: &[Event], topic: Topic, lang: Lang) -> Result<Picture, String> {
    let w = words(lang);
    let height = match topic {
        Topic::Exchanges => 1180,
        _ => {
            let lanes = lanes_of(events).len().max(1) as u32;
            let key = meetings(events).len() as u32 * KEY_LINE;
            (110 + lanes * LANE_HEIGHT + 240 + key).min(MAX_HEIGHT)
        }
    };
    let mut buffer = vec![0u8; (WIDTH * height * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buffer, (WIDTH, height)).into_drawing_area();
        root.fill(&BACKGROUND).map_err(|e| e.to_string())?;
        let title = title_of(topic, w);
        root.draw_text(title, &bold_style(CAPTION, TEXT), (40, 30))
            .map_err(|e| e.to_string())?;
        if events.is_empty() {
            root.draw_text(w.empty, &text_style(LANE, TEXT), (40, 140))
                .map_err(|e| e.to_string())?;
        } else if topic == Topic::Exchanges {
            draw_bars(&root, events, w).map_err(|e| e.to_string())?;
        } else {
            draw_lanes(&root, events, w, height).map_err(|e| e.to_string())?;
        }
        root.present().map_err(|e| e.to_string())?;
    }
    let png = encode(&buffer, WIDTH, height)?;
    let (from, to) = extent(events);
    let alt = w
        .alt
        .replace("{n}", &events.len().to_string())
        .replace(
            "{from}",
            &from
                .map(|d| day_label(d, w) + &format!(" {}", d.year()))
                .unwrap_or_default(),
        )
        .replace(
            "{to}",
            &to.map(|d| day_label(d, w) + &format!(" {}", d.year()))
                .unwrap_or_default(),
        );
    let alt = format!("{alt}. {}", described(events, topic, w));
    Ok(Picture {
        png,
        width: WIDTH,
        height,
        caption: title_of(topic, w).to_string(),
        alt,
    })
}

/// What the picture shows, for the alt text: each lane and how many events it has, and
/// the rounds' meetings; or each bar with its date and number.
fn described(events: &[Event], topic: Topic, w: &Words) -> String {
    if topic == Topic::Exchanges {
        let bars = |kind: Kind, value: fn(&Event) -> Option<u64>| {
            events
                .iter()
                .filter(|e| e.kind == kind)
                .filter_map(|e| {
                    value(e)
                        .map(|n| format!("{} {}", when_label(&e.when, w), grouped(n, w.thousands)))
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        return format!(
            "{}: {}. {}: {}.",
            w.returned,
            bars(Kind::Exchange, Event::returned),
            w.bodies,
            bars(Kind::Bodies, Event::bodies)
        );
    }
    let mut parts: Vec<String> = lanes_of(events)
        .iter()
        .map(|k| {
            let n = events.iter().filter(|e| e.kind == *k).count();
            format!("{} {n}", w.lanes[*k as usize])
        })
        .collect();
    for e in meetings(events) {
        let mut line = when_label(&e.when, w);
        for part in [&e.place, &e.duration].into_iter().flatten() {
            line.push_str(", ");
            line.push_str(part);
        }
        parts.push(line);
    }
    parts.join("; ") + "."
}

fn encode(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer.write_image_data(rgb).map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())?;
    Ok(out)
}

/// The kinds present, in lane order.
fn lanes_of(events: &[Event]) -> Vec<Kind> {
    Kind::ALL
        .into_iter()
        .filter(|k| events.iter().any(|e| e.kind == *k))
        .collect()
}

/// The days the axis shows: the days known exactly, with a margin; bands alone decide
/// only when nothing is known to the day.
fn extent(events: &[Event]) -> (Option<NaiveDate>, Option<NaiveDate>) {
    let exact: Vec<&Event> = events.iter().filter(|e| e.when.is_exact()).collect();
    let pick = if exact.is_empty() {
        events.iter().collect()
    } else {
        exact
    };
    let from = pick.iter().map(|e| e.when.first()).min();
    let to = pick
        .iter()
        .map(|e| e.when.last().unwrap_or(e.when.first()))
        .max();
    (from, to)
}

type Area<'a> = DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>;
type Drawn =
    Result<(), DrawingAreaErrorKind<<BitMapBackend<'static> as DrawingBackend>::ErrorType>>;

fn draw_lanes(root: &Area<'_>, events: &[Event], w: &Words, height: u32) -> Drawn {
    let (Some(first), Some(last)) = extent(events) else {
        return Ok(());
    };
    let start = first - chrono::Days::new(12);
    let end = last + chrono::Days::new(12);
    let span = (end - start).num_days().max(1) as f64;
    let lanes = lanes_of(events);
    // Each lane's name is written above it, so the time axis has the whole width.
    let (left, right) = (40i32, WIDTH as i32 - 40);
    let x = |d: NaiveDate| {
        let t = (d - start).num_days() as f64 / span;
        left + (t.clamp(-0.02, 1.02) * (right - left) as f64) as i32
    };
    let top = 110i32;
    let lane_h = LANE_HEIGHT as i32;
    let name_row = NAME_ROW as i32;
    let bottom = top + lane_h * lanes.len() as i32;
    // Month lines and labels.
    let mut month = NaiveDate::from_ymd_opt(start.year(), start.month(), 1).expect("a month");
    let mut previous_year = None;
    while month <= end {
        if month >= start {
            let mx = x(month);
            root.draw(&PathElement::new(
                vec![(mx, top), (mx, bottom)],
                GRID.stroke_width(1),
            ))?;
            // A month too near the right edge to be written whole is left unnamed.
            let name = w.months[month.month0() as usize];
            let fits = root
                .estimate_text_size(name, &text_style(LABEL, TEXT))
                .is_ok_and(|(width, _)| mx + 4 + width as i32 <= WIDTH as i32 - 4);
            if fits {
                root.draw_text(name, &text_style(LABEL, TEXT), (mx + 4, bottom + 10))?;
            }
            // The year under the first month shown and under each January.
            if previous_year != Some(month.year()) {
                root.draw_text(
                    &month.year().to_string(),
                    &bold_style(LABEL, TEXT),
                    (mx + 4, bottom + 10 + LABEL as i32 + 8),
                )?;
                previous_year = Some(month.year());
            }
        }
        month = month
            .checked_add_months(chrono::Months::new(1))
            .expect("a later month");
    }
    for (i, kind) in lanes.iter().enumerate() {
        let lane_top = top + lane_h * i as i32;
        let c = colour(*kind);
        root.draw(&PathElement::new(
            vec![(left, lane_top), (right, lane_top)],
            GRID.stroke_width(1),
        ))?;
        root.draw_text(
            w.lanes[*kind as usize],
            &bold_style(LANE, c),
            (left, lane_top + 10),
        )?;
        let area = lane_top + name_row;
        for (row, e) in events.iter().filter(|e| e.kind == *kind).enumerate() {
            let y = area + 18 + (row as i32 % 3) * 34;
            let style = if e.flagged {
                c.stroke_width(4)
            } else {
                c.filled()
            };
            match e.when {
                When::Day(d) => marker(root, *kind, (x(d), y), c, e.flagged)?,
                When::Days(a, b) => {
                    let (x1, x2) = (x(a), x(b).max(x(a) + 14));
                    root.draw(&Rectangle::new([(x1, y - 10), (x2, y + 10)], style))?;
                }
                When::Month { .. } | When::Year(_) | When::Years(..) | When::Onward(_) => {
                    // A band reaching past the axis fades out at its edge.
                    let x1 = x(e.when.first()).max(left);
                    let x2 = e.when.last().map_or(right, x).min(right);
                    band(root, x1, x2, area + 2, lane_top + lane_h - 6, c, e.flagged)?;
                    if matches!(e.when, When::Onward(_)) {
                        root.draw_text(
                            "→",
                            &bold_style(LANE, c),
                            (right - 40, lane_top + lane_h - 14 - LANE as i32),
                        )?;
                    }
                }
            }
        }
    }
    root.draw(&PathElement::new(
        vec![(left, bottom), (right, bottom)],
        GRID.stroke_width(2),
    ))?;
    // The key: each round's meeting, its day, place and length, as the records say.
    let key_top = bottom + 10 + 2 * LABEL as i32 + 24;
    for (i, e) in meetings(events).iter().enumerate() {
        let y = key_top + i as i32 * KEY_LINE as i32;
        let c = colour(Kind::Round);
        marker(
            root,
            Kind::Round,
            (left + 11, y + LABEL as i32 / 2 - 10),
            c,
            e.flagged,
        )?;
        let mut line = when_label(&e.when, w);
        for part in [&e.place, &e.duration].into_iter().flatten() {
            line.push_str(" · ");
            line.push_str(part);
        }
        root.draw_text(&line, &text_style(LABEL, TEXT), (left + 34, y))?;
    }
    legend(root, w, height as i32 - 110)
}

/// The mark of a day of `kind`: a circle (rounds), a diamond (exchanges), a square
/// (bodies), a triangle (children) or a triangle pointing down (what came next); filled,
/// or outlined when `flagged`.
fn marker(root: &Area<'_>, kind: Kind, (x, y): (i32, i32), c: RGBColor, flagged: bool) -> Drawn {
    let r = 13;
    let points: Vec<(i32, i32)> = match kind {
        Kind::Round => {
            let style = if flagged {
                c.stroke_width(4)
            } else {
                c.filled()
            };
            return root.draw(&Circle::new((x, y), 11, style));
        }
        Kind::Exchange => vec![(x, y - r), (x + r, y), (x, y + r), (x - r, y)],
        Kind::Bodies => vec![
            (x - 10, y - 10),
            (x + 10, y - 10),
            (x + 10, y + 10),
            (x - 10, y + 10),
        ],
        Kind::Children => vec![(x, y - r), (x + r, y + 10), (x - r, y + 10)],
        Kind::Next => vec![(x - r, y - 10), (x + r, y - 10), (x, y + r)],
    };
    if flagged {
        let mut closed = points.clone();
        closed.push(points[0]);
        root.draw(&PathElement::new(closed, c.stroke_width(4)))
    } else {
        root.draw(&Polygon::new(points, c.filled()))
    }
}

/// A band from `x1` to `x2` with soft ends: nested rectangles, more opaque inwards.
#[allow(clippy::too_many_arguments)]
fn band(root: &Area<'_>, x1: i32, x2: i32, y1: i32, y2: i32, c: RGBColor, flagged: bool) -> Drawn {
    let soft = ((x2 - x1) / 6).clamp(4, 24);
    for step in 0..3 {
        let inset = soft * step / 3;
        let alpha = 0.05 + 0.04 * step as f64;
        root.draw(&Rectangle::new(
            [(x1 + inset, y1), (x2 - inset, y2)],
            RGBAColor(c.0, c.1, c.2, alpha).filled(),
        ))?;
    }
    if flagged {
        root.draw(&Rectangle::new([(x1, y1), (x2, y2)], c.stroke_width(3)))?;
    }
    Ok(())
}

fn legend(root: &Area<'_>, w: &Words, y: i32) -> Drawn {
    // Markers sit on the middle of the text line.
    let mid = y + LABEL as i32 / 2 - 10;
    let mut x = 40;
    root.draw(&Circle::new((x + 11, mid), 11, TEXT.filled()))?;
    x += 32;
    root.draw_text(w.exact, &text_style(LABEL, TEXT), (x, y))?;
    x += text_width(root, w.exact) + 40;
    root.draw(&Circle::new((x + 11, mid), 11, TEXT.stroke_width(4)))?;
    x += 32;
    root.draw_text(w.flagged, &text_style(LABEL, TEXT), (x, y))?;
    x += text_width(root, w.flagged) + 40;
    let band_fill = RGBAColor(TEXT.0, TEXT.1, TEXT.2, 0.25).filled();
    // The third entry goes on a line of its own when it does not fit on the first.
    let (bx, by) = if x + 50 + text_width(root, w.band) <= WIDTH as i32 - 20 {
        (x, y)
    } else {
        (40, y + LABEL as i32 + 14)
    };
    let bmid = by + LABEL as i32 / 2 - 10;
    root.draw(&Rectangle::new(
        [(bx, bmid - 12), (bx + 40, bmid + 12)],
        band_fill,
    ))?;
    root.draw_text(w.band, &text_style(LABEL, TEXT), (bx + 50, by))?;
    Ok(())
}

fn text_width(root: &Area<'_>, text: &str) -> i32 {
    root.estimate_text_size(text, &text_style(LABEL, TEXT))
        .map_or(text.chars().count() as i32 * 16, |(w, _)| w as i32)
}

fn draw_bars(root: &Area<'_>, events: &[Event], w: &Words) -> Drawn {
    let exchanges: Vec<(&Event, u64)> = events
        .iter()
        .filter(|e| e.kind == Kind::Exchange)
        .filter_map(|e| e.returned().map(|n| (e, n)))
        .collect();
    let bodies: Vec<(&Event, u64)> = events
        .iter()
        .filter(|e| e.kind == Kind::Bodies)
        .filter_map(|e| e.bodies().map(|n| (e, n)))
        .collect();
    panel(root, w.returned, &exchanges, colour(Kind::Exchange), 110, w)?;
    panel(root, w.bodies, &bodies, colour(Kind::Bodies), 600, w)?;
    // Bars have no days, months or years to tell apart: only the outlined bars.
    let y = 1180 - 110;
    let mid = y + LABEL as i32 / 2 - 10;
    root.draw(&Rectangle::new(
        [(40, mid - 14), (68, mid + 14)],
        TEXT.stroke_width(4),
    ))?;
    root.draw_text(w.flagged, &text_style(LABEL, TEXT), (80, y))?;
    Ok(())
}

/// One bar chart: `title`, then a bar per (event, value), its value above and its date
/// below, from `top` down over 430 px.
fn panel(
    root: &Area<'_>,
    title: &str,
    bars: &[(&Event, u64)],
    c: RGBColor,
    top: i32,
    w: &Words,
) -> Drawn {
    root.draw_text(title, &bold_style(LANE, c), (40, top))?;
    if bars.is_empty() {
        return root.draw_text(w.empty, &text_style(LABEL, TEXT), (40, top + 60));
    }
    let (left, right) = (40i32, WIDTH as i32 - 40);
    let base = top + 370;
    let max = bars.iter().map(|(_, v)| *v).max().unwrap_or(1).max(1) as f64;
    let slot = (right - left) / bars.len() as i32;
    let bar_w = (slot * 3 / 5).min(160);
    root.draw(&PathElement::new(
        vec![(left, base), (right, base)],
        GRID.stroke_width(2),
    ))?;
    for (i, (e, value)) in bars.iter().enumerate() {
        let cx = left + slot * i as i32 + slot / 2;
        let h = ((*value as f64 / max) * 260.0).max(4.0) as i32;
        let style = if e.flagged {
            c.stroke_width(4)
        } else {
            c.filled()
        };
        root.draw(&Rectangle::new(
            [(cx - bar_w / 2, base - h), (cx + bar_w / 2, base)],
            style,
        ))?;
        let number = grouped(*value, w.thousands);
        let nw = text_width(root, &number);
        root.draw_text(
            &number,
            &bold_style(LABEL, TEXT),
            (cx - nw / 2, base - h - 38),
        )?;
        let label = when_label(&e.when, w);
        let lw = text_width(root, &label).min(slot - 8);
        root.draw_text(&label, &text_style(LABEL, TEXT), (cx - lw / 2, base + 12))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::corpus::load_dir_strict;
    use crate::core::timeline::{events, select};

    fn shipped() -> Vec<Event> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("index/sources");
        events(&load_dir_strict(&dir).unwrap().sources).0
    }

    #[test]
    fn pictures_are_kept_for_their_generation_and_at_most_keep_of_them() {
        let drawings = Drawings::default();
        let picture = || {
            std::sync::Arc::new(Picture {
                png: vec![],
                width: WIDTH,
                height: 1,
                caption: String::new(),
                alt: String::new(),
            })
        };
        let asked = |generation, lang| Asked {
            generation,
            topic: Topic::All,
            from: None,
            to: None,
            lang,
        };
        drawings.keep(asked(1, Lang::En), picture());
        assert!(drawings.get(&asked(1, Lang::En)).is_some());
        assert!(
            drawings.get(&asked(1, Lang::Uk)).is_none(),
            "another language"
        );
        drawings.keep(asked(2, Lang::Uk), picture());
        assert!(
            drawings.get(&asked(1, Lang::En)).is_none(),
            "an older generation's picture is dropped"
        );
        for day in 1..=40 {
            let mut a = asked(2, Lang::En);
            a.from = NaiveDate::from_ymd_opt(2025, 5, day % 28 + 1);
            a.to = NaiveDate::from_ymd_opt(2025 + day as i32, 1, 1);
            drawings.keep(a, picture());
        }
        assert_eq!(drawings.kept.lock().unwrap().len(), Drawings::KEEP);
        assert!(
            drawings.get(&asked(2, Lang::Uk)).is_none(),
            "the oldest goes first"
        );
    }

    /// The height in pixels of the ink of `text` drawn in `style` (rows with any lit
    /// pixel).
    fn ink_height(text: &str, style: TextStyle<'static>) -> u32 {
        let (w, h) = (400u32, 200u32);
        let mut buffer = vec![0u8; (w * h * 3) as usize];
        {
            let root = BitMapBackend::with_buffer(&mut buffer, (w, h)).into_drawing_area();
            root.draw_text(text, &style, (10, 40)).unwrap();
            root.present().unwrap();
        }
        let lit = |y: u32| (0..w).any(|x| buffer[((y * w + x) * 3) as usize] > 100);
        let rows: Vec<u32> = (0..h).filter(|&y| lit(y)).collect();
        rows.last().unwrap() - rows.first().unwrap() + 1
    }

    #[test]
    fn letters_are_at_least_24_px_high() {
        // Capitals (and digits) of the smallest text, and a lowercase letter with an
        // ascender, as drawn.
        for text in ["H", "1", "Д", "k"] {
            let h = ink_height(text, text_style(LABEL, TEXT));
            assert!(h >= 24, "{text}: {h} px");
        }
    }

    /// Width, height and the RGB pixels of `png`.
    fn decode(png: &[u8]) -> (u32, u32, Vec<u8>) {
        let mut reader = png::Decoder::new(std::io::Cursor::new(png))
            .read_info()
            .unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        buf.truncate(info.buffer_size());
        (info.width, info.height, buf)
    }

    fn count(pixels: &[u8], c: RGBColor) -> usize {
        pixels
            .chunks(3)
            .filter(|p| p[0] == c.0 && p[1] == c.1 && p[2] == c.2)
            .count()
    }

    #[test]
    fn every_topic_draws_a_phone_readable_png_in_every_language() {
        let all = shipped();
        for topic in [Topic::All, Topic::Exchanges, Topic::Rounds, Topic::Children] {
            for lang in [Lang::En, Lang::Uk, Lang::Ru] {
                let chosen = select(&all, topic, None, None);
                let p = draw(&chosen, topic, lang).unwrap();
                let (width, height, pixels) = decode(&p.png);
                assert_eq!((width, height), (WIDTH, p.height), "{topic:?}");
                assert!(height <= MAX_HEIGHT, "{height}");
                assert!(
                    p.png.len() < 10 * 1024 * 1024,
                    "under Discord's upload limit"
                );
                assert!(count(&pixels, TEXT) > 500, "text drawn: {topic:?} {lang:?}");
                assert!(p.alt.contains(&chosen.len().to_string()), "{}", p.alt);
            }
        }
    }

    #[test]
    fn each_kind_has_its_colour_where_the_data_has_it() {
        let all = shipped();
        let p = draw(&select(&all, Topic::All, None, None), Topic::All, Lang::En).unwrap();
        let (_, _, pixels) = decode(&p.png);
        for kind in Kind::ALL {
            assert!(count(&pixels, colour(kind)) > 200, "{kind:?}");
        }
        let rounds = draw(
            &select(&all, Topic::Rounds, None, None),
            Topic::Rounds,
            Lang::En,
        )
        .unwrap();
        let (_, _, pixels) = decode(&rounds.png);
        assert!(count(&pixels, colour(Kind::Round)) > 200);
        assert_eq!(count(&pixels, colour(Kind::Exchange)), 0, "only the rounds");
    }

    #[test]
    fn flagged_events_are_drawn_outlined() {
        let all = shipped();
        let one = all.iter().find(|e| e.id == "PX-06").unwrap().clone();
        let mut flagged = one.clone();
        flagged.flagged = true;
        for topic in [Topic::All, Topic::Exchanges] {
            // The plot only: right of the lane names, or below the panel's title.
            let (min_x, min_y) = if topic == Topic::All {
                (250, 0)
            } else {
                (0, 160)
            };
            let plot = |png: &[u8]| {
                let (width, _, pixels) = decode(png);
                let kept: Vec<u8> = pixels
                    .chunks(3)
                    .enumerate()
                    .filter(|(i, _)| (i % width as usize) >= min_x && (i / width as usize) >= min_y)
                    .flat_map(|(_, p)| p.to_vec())
                    .collect();
                count(&kept, colour(Kind::Exchange))
            };
            let s = plot(
                &draw(std::slice::from_ref(&one), topic, Lang::En)
                    .unwrap()
                    .png,
            );
            let o = plot(
                &draw(std::slice::from_ref(&flagged), topic, Lang::En)
                    .unwrap()
                    .png,
            );
            assert!(
                o > 0 && o * 10 < s * 9,
                "{topic:?}: outlined {o}, solid {s}"
            );
        }
    }

    #[test]
    fn each_rounds_meeting_is_written_under_the_axis() {
        let rounds = select(&shipped(), Topic::Rounds, None, None);
        let unsaid: Vec<Event> = rounds
            .iter()
            .cloned()
            .map(|mut e| {
                e.place = None;
                e.duration = None;
                e
            })
            .collect();
        let with = draw(&rounds, Topic::Rounds, Lang::En).unwrap();
        let without = draw(&unsaid, Topic::Rounds, Lang::En).unwrap();
        assert_eq!(
            with.height - without.height,
            3 * KEY_LINE,
            "a line for each of the three meetings"
        );
        // The key's lines are text, not blank: the rows they take hold light pixels.
        let (w, h, pixels) = decode(&with.png);
        let rows_lit = |from: u32, to: u32| {
            (from..to)
                .filter(|y| (0..w).any(|x| pixels[((y * w + x) * 3) as usize] > 0xC0))
                .count()
        };
        assert!(rows_lit(without.height - 130, h - 130) > 3 * KEY_LINE as usize / 2);
    }

    #[test]
    fn numbers_are_grouped_as_each_language_writes_them() {
        assert_eq!(grouped(6057, ','), "6,057");
        assert_eq!(grouped(84, ','), "84");
        assert_eq!(grouped(1_234_567, '\u{202F}'), "1\u{202F}234\u{202F}567");
    }

    #[test]
    fn an_empty_range_says_so() {
        let p = draw(&[], Topic::All, Lang::Uk).unwrap();
        let (_, _, pixels) = decode(&p.png);
        assert!(count(&pixels, TEXT) > 100);
    }
}
