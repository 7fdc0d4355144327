//! The timeline. From the command line: the picture written, the events explained,
//! ranges and bad input refused with exit code 2, a record added with a date on the
//! picture after the next build, and a bad `when` reported as `path:line`. Through the
//! local Discord: `/timeline` sends the PNG with its alt text and an embed showing it,
//! both as Discord would take them; a picture asked for again is not drawn again until a
//! reindex adds a record; questions are answered while pictures are drawn.

use serde_json::{json, Value};
use testkit::bot::Bot;
use testkit::local_discord::payloads::{self, Who, ASKER};
use testkit::local_discord::Request;
use testkit::project::{stderr, stdout};
use testkit::Project;

use crate::util::checkout;

/// Width and height of `png` (decoded whole, so a broken file fails here).
fn decoded_size(png: &[u8]) -> (u32, u32) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut pixels).expect("the PNG decodes");
    (frame.width, frame.height)
}

/// The one file sent with `reply`, and the attachment entry describing it.
fn picture_of(reply: &Request) -> (Vec<u8>, Value) {
    let files = reply
        .files
        .as_ref()
        .expect("the picture is uploaded (multipart)");
    assert_eq!(files.len(), 1, "one file");
    let attachments = reply.message()["attachments"].as_array().unwrap().clone();
    assert_eq!(attachments.len(), 1, "{attachments:?}");
    (files[0].bytes.clone(), attachments[0].clone())
}

/// `/timeline` with these options (topic: 0 all, 1 exchanges, 2 rounds, 3 children).
fn timeline(bot: &Bot, who: &Who, options: &[(&str, u8, Value)], locale: &str) -> Value {
    let mut i = payloads::slash(&bot.discord, "timeline", options, who);
    i["locale"] = json!(locale);
    i
}

/// Width and height of the PNG at `path`.
fn png_size(path: &std::path::Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[1..4], b"PNG", "a PNG");
    let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
    (be(16), be(20))
}

#[test]
fn the_timeline_is_drawn_and_explained_from_the_records() {
    let project = Project::new(&checkout());
    let out = project.path("all.png");
    let o = project.run(&["timeline", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (w, h) = png_size(&out);
    assert_eq!(w, 1200);
    assert!(h <= 1600, "{h}");
    assert!(stdout(&o).contains("44 events"), "{}", stdout(&o));

    let o = project.run(&[
        "timeline",
        "--explain",
        "--topic",
        "exchanges",
        "--from",
        "2025-08",
        "--to",
        "Sept 2025",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    for id in ["PX-06", "PX-07", "PX-05"] {
        assert!(text.contains(id), "{id}: {text}");
    }
    assert!(
        !text.contains("PX-01") && !text.contains("PX-08"),
        "outside the range: {text}"
    );

    for bad in [
        vec!["timeline", "--explain", "--from", "soon"],
        vec!["timeline", "--explain", "--topic", "weather"],
        vec!["timeline", "--explain", "--lang", "fr"],
    ] {
        let o = project.run(&bad);
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {}", stderr(&o));
        assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    }
}

#[test]
fn a_record_added_with_a_date_is_on_the_timeline_and_a_bad_when_names_its_line() {
    let project = Project::new(&checkout());
    let file = project.path("index/sources/records/09-later.toml");
    std::fs::write(
        &file,
        "kind = \"exchange\"\n\n[[records]]\nid = \"PX-50\"\ntitle = \"A later swap\"\ndate = \"5 Dec 2025\"\nfigures = { returned = 50 }\nbody = \"Each side freed 50 people.\"\n\n[[records]]\nid = \"PX-51\"\ntitle = \"Undated\"\ndate = \"some time\"\nbody = \"No date given.\"\n",
    )
    .unwrap();
    let o = project.run(&["timeline", "--explain", "--topic", "exchanges"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("PX-50") && text.contains("2025-12-05"),
        "{text}"
    );
    assert!(
        text.contains("1 records with a kind left off")
            && text.contains("PX-51")
            && text.contains("some time"),
        "{text}"
    );

    std::fs::write(
        &file,
        "[[records]]\nid = \"PX-50\"\ntitle = \"A later swap\"\nkind = \"exchange\"\nwhen = \"the fifth\"\nbody = \"Each side freed 50 people.\"\n",
    )
    .unwrap();
    let o = project.run(&["index"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("09-later.toml:5: record `PX-50`: `when = \"the fifth\"`"),
        "{}",
        stderr(&o)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_timeline_command_sends_the_picture_and_redraws_after_a_reindex() {
    let bot = Bot::start(&checkout()).await;
    let member = Who::member(ASKER);
    let a = bot
        .interact(timeline(&bot, &member, &[("topic", 4, json!(1))], "en-US"))
        .await;
    assert!(!a.ephemeral(), "a timeline is for the channel");
    let (png, attachment) = picture_of(&a.reply);
    assert_eq!(attachment["filename"], "timeline-exchanges.png");
    let (w, h) = decoded_size(&png);
    assert_eq!(w, 1200);
    assert!(h <= 1600, "{h}");
    assert!(
        png.len() < 10 * 1024 * 1024,
        "within Discord's upload limit"
    );
    let alt = attachment["description"].as_str().unwrap();
    assert!(alt.starts_with("A timeline of 9 events"), "{alt}");
    let embed = &a.reply.message()["embeds"][0];
    assert_eq!(embed["image"]["url"], "attachment://timeline-exchanges.png");
    assert_eq!(embed["title"], "Prisoner exchanges and body handovers");
    let line = embed["description"].as_str().unwrap();
    assert!(
        line.starts_with("-# Drawn from [PX-01](https://www.pravda.com.ua/")
            && line.ends_with("and 5 more"),
        "{line}"
    );

    // In Ukrainian, the same picture's words are Ukrainian.
    let uk = bot
        .interact(timeline(&bot, &member, &[("topic", 4, json!(1))], "uk"))
        .await;
    let (_, attachment) = picture_of(&uk.reply);
    assert!(
        attachment["description"]
            .as_str()
            .unwrap()
            .starts_with("Часова шкала з 9 подій"),
        "{attachment}"
    );

    // Bad dates and empty ranges are told privately, in one sentence.
    let bad = bot
        .interact(timeline(
            &bot,
            &member,
            &[("from", 3, json!("soon"))],
            "en-US",
        ))
        .await;
    assert!(
        bad.ephemeral() && bad.text().contains("`soon` is not a month or a day"),
        "{}",
        bad.text()
    );
    let empty = bot
        .interact(timeline(
            &bot,
            &member,
            &[("to", 3, json!("2020-06"))],
            "en-US",
        ))
        .await;
    assert!(
        empty.ephemeral() && empty.text().contains("No dated record"),
        "{}",
        empty.text()
    );
    assert!(empty.reply.files.is_none());

    // The children's timeline, twice: drawn once.
    let children = |bot: &Bot| timeline(bot, &member, &[("topic", 4, json!(3))], "en-US");
    let first = bot.interact(children(&bot)).await;
    let (before, attachment) = picture_of(&first.reply);
    assert!(attachment["description"]
        .as_str()
        .unwrap()
        .starts_with("A timeline of 5 events"));
    let again = bot.interact(children(&bot)).await;
    assert_eq!(picture_of(&again.reply).0, before, "the same picture");
    let drawn = |bot: &Bot| bot.log().matches("timeline drawn").count();
    assert_eq!(
        drawn(&bot),
        3,
        "exchanges (en, uk), children once: {}",
        bot.log()
    );

    // A moderator adds a dated children's record and reindexes: the picture has it.
    std::fs::write(
        bot.project.path("index/sources/records/99-later.toml"),
        "kind = \"children\"\n\n[[records]]\nid = \"CH-90\"\ntitle = \"More children home\"\nwhen = \"2025-12-01\"\nbody = \"Twelve more children came home.\"\n",
    )
    .unwrap();
    let done = bot
        .command(&Who::moderator(ASKER + 1), "reindex", &[])
        .await;
    assert!(done.text().contains("generation 2"), "{}", done.text());
    let after = bot.interact(children(&bot)).await;
    let (png, attachment) = picture_of(&after.reply);
    assert_ne!(png, before);
    assert!(
        attachment["description"]
            .as_str()
            .unwrap()
            .starts_with("A timeline of 6 events"),
        "{attachment}"
    );
    assert_eq!(drawn(&bot), 4);
    bot.check();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_asked_while_pictures_are_drawn_is_answered_first() {
    let bot = Bot::start(&checkout()).await;
    let mark = bot.discord.mark();
    // Eight pictures no one drew before (four topics, two languages), drawn one at a
    // time; then a question.
    let mut tokens = Vec::new();
    for (i, locale) in ["en-US", "ru"].into_iter().enumerate() {
        for topic in 0..4 {
            let who = Who::member(ASKER + 10 + i as u64 * 4 + topic);
            let t = timeline(&bot, &who, &[("topic", 4, json!(topic))], locale);
            tokens.push(t["token"].as_str().unwrap().to_string());
            bot.discord.dispatch("INTERACTION_CREATE", t);
        }
    }
    let asked = bot
        .ask(
            &Who::member(ASKER),
            "How many prisoners were exchanged after the first round?",
        )
        .await;
    assert!(
        asked.text().contains("1,000") || asked.text().contains("1000"),
        "{}",
        asked.text()
    );
    let answered_at = asked.reply.at;
    // Every picture is sent, and some only after the answer: the question did not wait
    // for them.
    let mut last = answered_at;
    for token in &tokens {
        let r = bot
            .discord
            .wait_for(mark, "a timeline", |r| {
                r.path.contains(token.as_str()) && r.files.as_ref().is_some_and(|f| !f.is_empty())
            })
            .await;
        last = last.max(r.at);
    }
    assert!(
        last > answered_at,
        "the pictures were still being drawn when the answer went out"
    );
    bot.check();
}
