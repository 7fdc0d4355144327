//! `cargo run --example capture_replies -- OUT_DIR [QUESTION …]`: the bot's replies to a
//! few questions, as Discord receives them (the JSON bodies of its requests), for
//! `tools/phone.py` to draw as a phone shows them: each question, "Ask attache" on a
//! message, a private answer and the same answer shared, `/timeline`, a link's preview
//! (`/source add url:`, a page of the tests' local web server), and "Show passages". It runs the real `attache serve`
//! (the debug build next to this example: `cargo build` first) against the local Discord
//! of the tests, on a fresh copy of the shipped sources.

use serde_json::Value;
use testkit::bot::Bot;
use testkit::local_discord::payloads::{self, Who, ASKER};
use testkit::Checkout;

/// One of each kind a member meets: a number, a dispute, a claim, another language, a
/// date, and a question the sources do not answer.
const QUESTIONS: [&str; 6] = [
    "How many prisoners will be exchanged?",
    "How long did the full meeting last?",
    "What did Medinsky say about the list of children?",
    "Скільки полонених обміняють?",
    "When was the third round of talks held?",
    "Who won the 2022 football World Cup?",
];

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut args = std::env::args().skip(1);
    let out = std::path::PathBuf::from(
        args.next()
            .expect("usage: capture_replies OUT_DIR [QUESTION …]"),
    );
    let asked: Vec<String> = args.collect();
    let questions: Vec<&str> = if asked.is_empty() {
        QUESTIONS.to_vec()
    } else {
        asked.iter().map(String::as_str).collect()
    };
    std::fs::create_dir_all(&out).expect("output folder");
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let examples = std::env::current_exe().expect("this example's path");
    let attache = examples
        .parent()
        .and_then(|d| d.parent())
        .expect("target/<profile>/examples")
        .join("attache");
    assert!(attache.exists(), "build the bot first: cargo build");
    // A local news page for `/source add url:` (the only address fetches may reach).
    let web = testkit::web::Web::start().await;
    let allow = format!("127.0.0.1:{}", web.addr().port());
    let bot = Bot::start_with(
        &Checkout::new(repo, attache),
        &[("ATTACHE__INDEX__FETCH_ALLOW", &allow)],
    )
    .await;
    let write = |n: usize, question: &str, body: &Value| {
        let path = out.join(format!("{n:02}.json"));
        let doc = serde_json::json!({ "question": question, "message": body });
        std::fs::write(&path, serde_json::to_vec_pretty(&doc).unwrap()).expect("write");
        println!("{}", path.display());
    };
    let mut first = None;
    for (i, q) in questions.iter().enumerate() {
        let who = Who::member(ASKER + i as u64);
        let answer = bot.ask(&who, q).await;
        write(i + 1, q, answer.reply.message());
        if first.is_none() && !answer.reply.buttons().is_empty() {
            first = Some((who, answer, q));
        }
    }
    // "Ask attache" on a member's message.
    let author = Who::member(ASKER + 100);
    let target = payloads::message(&bot.discord, questions[0], &author, &[]);
    let menu = bot
        .interact(payloads::message_command(
            &bot.discord,
            "Ask attache",
            &target,
            &Who::member(ASKER + 101),
        ))
        .await;
    write(questions.len() + 2, questions[0], menu.reply.message());
    // A private answer (with Share to channel) and the same answer shared.
    let who = Who::member(ASKER + 102);
    let private = bot
        .command(
            &who,
            "ask",
            &[
                ("question", 3, serde_json::json!(questions[0])),
                ("private", 5, serde_json::json!(true)),
            ],
        )
        .await;
    write(questions.len() + 3, questions[0], private.reply.message());
    if let Some((_, Some(share), _)) = private
        .reply
        .buttons()
        .into_iter()
        .find(|(label, _, _)| label == "Share to channel")
    {
        let shared = bot.click(&who, &private, &share).await;
        write(questions.len() + 4, questions[0], shared.reply.message());
    }
    // `/timeline`: the picture with its embed (the PNG written beside the JSON).
    let drawn = bot
        .interact({
            let who = Who::member(ASKER + 103);
            payloads::slash(&bot.discord, "timeline", &[], &who)
        })
        .await;
    let n = questions.len() + 5;
    let mut files = serde_json::Map::new();
    for f in drawn.reply.files.iter().flatten() {
        let name = f.filename.clone().unwrap_or_default();
        let local = format!("{n:02}-{name}");
        std::fs::write(out.join(&local), &f.bytes).expect("write the picture");
        files.insert(name, Value::String(local));
    }
    let path = out.join(format!("{n:02}.json"));
    let doc = serde_json::json!({
        "command": "/timeline", "question": "", "message": drawn.reply.message(), "files": files
    });
    std::fs::write(&path, serde_json::to_vec_pretty(&doc).unwrap()).expect("write");
    println!("{}", path.display());
    // What a moderator sees before adding a page from a link.
    let preview = bot
        .sub(
            &Who::moderator(ASKER + 104),
            "source",
            "add",
            &[("url", 3, serde_json::json!(web.url("/article")))],
        )
        .await;
    let n = questions.len() + 6;
    let path = out.join(format!("{n:02}.json"));
    let doc = serde_json::json!({
        "command": "/source add", "question": web.url("/article"), "message": preview.reply.message()
    });
    std::fs::write(&path, serde_json::to_vec_pretty(&doc).unwrap()).expect("write");
    println!("{}", path.display());
    // And what "Show passages" shows under the first answer.
    if let Some((who, answer, q)) = first {
        let shown = bot
            .click(
                &who,
                &answer,
                &answer.reply.buttons()[0].1.clone().expect("a button"),
            )
            .await;
        write(questions.len() + 1, q, shown.reply.message());
    }
}
