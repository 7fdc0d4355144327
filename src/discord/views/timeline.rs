//! `/timeline`: the picture as an embed's image (the PNG sent with the reply, its alt
//! text in the attachment's description), the topic's caption as the title, and the
//! records it was drawn from in one small citation line: the first few, each a link to
//! its first source where that is an https address, then "and N more".

use super::answer::site;
use super::reply::{Card, Reply, Upload, BLURPLE};
use super::text::{link_target, plain};
use crate::core::lang::Lang;
use crate::core::timeline::Topic;
use crate::render::timeline::{reply_words, Picture};
use crate::render::words::fill;

/// Records named in the citation line before "and N more".
pub const NAMED: usize = 4;

/// A record the picture was drawn from: its id and the address of its first source.
pub struct Drawn<'a> {
    pub id: &'a str,
    pub url: Option<&'a str>,
}

/// The reply carrying `picture` of `topic`, drawn from `records`, in `lang`.
pub fn timeline(picture: &Picture, topic: Topic, records: &[Drawn<'_>], lang: Lang) -> Reply {
    let w = reply_words(lang);
    let filename = format!("timeline-{}.png", topic.name());
    let named: Vec<String> = records
        .iter()
        .take(NAMED)
        .map(|r| {
            let id = plain(r.id);
            match r.url.and_then(site) {
                Some((url, _)) => format!("[{id}]({})", link_target(&url)),
                None => id,
            }
        })
        .collect();
    let rest = records.len().saturating_sub(NAMED);
    let mut line = format!("-# {} {}", w.drawn_from, named.join(" · "));
    if rest > 0 {
        line.push(' ');
        line.push_str(&fill(w.and_more, &[("n", &rest.to_string())]));
    }
    let card = Card {
        title: Some(picture.caption.clone()),
        description: line,
        colour: BLURPLE,
        image: Some(format!("attachment://{filename}")),
        ..Card::default()
    };
    let mut reply = Reply::card(card);
    reply.files.push(Upload {
        filename,
        bytes: picture.png.clone().into(),
        description: picture.alt.clone(),
    });
    reply
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picture() -> Picture {
        Picture {
            png: vec![1, 2, 3],
            width: 1200,
            height: 800,
            caption: "The rounds of talks".into(),
            alt: "A timeline of 6 events".into(),
        }
    }

    #[test]
    fn the_first_records_are_named_then_how_many_more() {
        let ids: Vec<String> = (1..=6).map(|i| format!("R-0{i}")).collect();
        let records: Vec<Drawn> = ids
            .iter()
            .map(|id| Drawn {
                id,
                url: Some("https://example.org/a"),
            })
            .collect();
        let r = timeline(&picture(), Topic::Rounds, &records, Lang::En);
        let d = &r.cards[0].description;
        assert!(
            d.starts_with("-# Drawn from [R-01](https://example.org/a)"),
            "{d}"
        );
        assert!(d.contains("R-04") && !d.contains("R-05"), "{d}");
        assert!(d.ends_with("and 2 more"), "{d}");
        assert_eq!(
            r.cards[0].image.as_deref(),
            Some("attachment://timeline-rounds.png")
        );
        assert_eq!(r.files[0].filename, "timeline-rounds.png");
        assert_eq!(r.files[0].description, "A timeline of 6 events");
    }

    #[test]
    fn a_record_without_an_https_source_is_named_unlinked_and_few_need_no_more() {
        let records = [
            Drawn {
                id: "PX-01",
                url: Some("http://example.org/plain"),
            },
            Drawn {
                id: "**X**",
                url: None,
            },
        ];
        let r = timeline(&picture(), Topic::All, &records, Lang::Uk);
        let d = &r.cards[0].description;
        assert_eq!(d, "-# Намальовано за PX-01 · \\*\\*X\\*\\*");
    }
}
