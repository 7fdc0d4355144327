//! Running the bot: a token that cannot work, SIGTERM, health and Prometheus metrics,
//! shards split over processes, and what reaches the log.

use std::time::Duration;

use serde_json::json;
use testkit::bot::Bot;
use testkit::local_discord::payloads::{self, Who, ASKER};
use testkit::local_discord::GUILD_ID;
use testkit::project::stderr;
use testkit::Project;

use crate::util::checkout;

#[test]
fn serve_without_a_usable_token_says_so_and_exits_2() {
    let project = Project::new(&checkout());
    let out = project.run(&["serve"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("DISCORD_TOKEN") && err.lines().count() == 1,
        "{err}"
    );

    let secret = "not-a-token-but-secret-42";
    let out = project
        .attache(&["serve"])
        .env("DISCORD_TOKEN", secret)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("malformed") && err.contains("DISCORD_TOKEN"),
        "{err}"
    );
    assert!(
        !err.contains(secret),
        "the token must never be shown: {err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_and_disconnects_cleanly() {
    let mut bot = Bot::start(&checkout()).await;
    let a = bot
        .ask(&Who::member(ASKER), "How many prisoners will be exchanged?")
        .await;
    assert!(a.text().contains("1,200"));
    let status = std::process::Command::new("kill")
        .args(["-TERM", &bot.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = bot
        .wait_exit(Duration::from_secs(20))
        .expect("the bot exits after SIGTERM");
    assert!(exit.success(), "{exit:?}\n{}", bot.log());
    assert!(
        bot.log().contains("disconnected from Discord"),
        "{}",
        bot.log()
    );
    bot.check();
}

/// Ask a question whose reply Discord refuses `refusals` times with a 429, and return
/// once the search is done and the first attempt was refused: only the reply is in
/// flight. What it returns waits for the reply, after its retries.
pub(crate) async fn reply_in_flight(
    bot: &Bot,
    refusals: usize,
) -> impl std::future::Future<Output = testkit::local_discord::Request> + '_ {
    bot.discord.rate_limit_next("/callback", refusals);
    let slash = payloads::slash(
        &bot.discord,
        "ask",
        &[(
            "question",
            3,
            json!("How many prisoners will be exchanged?"),
        )],
        &Who::member(ASKER),
    );
    let token = slash["token"].as_str().unwrap().to_string();
    let mark = bot.discord.mark();
    bot.discord.dispatch("INTERACTION_CREATE", slash);
    bot.discord
        .wait_for(mark, "the first, refused attempt", |r| {
            r.path.contains(&token) && r.status == 429
        })
        .await;
    async move {
        bot.discord
            .wait_for(mark, "the reply, after its retries", |r| {
                r.path.contains(&token) && r.status < 300
            })
            .await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_waits_for_a_reply_still_being_sent() {
    let mut bot = Bot::start(&checkout()).await;
    // The reply meets two 429s: its retries wait 250 ms, then 500 ms.
    let delivered = reply_in_flight(&bot, 2).await;
    let status = std::process::Command::new("kill")
        .args(["-TERM", &bot.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let delivered = delivered.await;
    assert!(delivered.text().contains("1,200"), "{}", delivered.text());
    let exit = bot
        .wait_exit(Duration::from_secs(20))
        .expect("the bot exits after SIGTERM");
    assert!(exit.success(), "{exit:?}\n{}", bot.log());
    bot.check();
}

/// Where the bot serves `/healthz` and `/metrics` (`metrics.listen` on port 0), from its log.
pub(crate) fn metrics_addr(log: &str) -> String {
    log.lines()
        .find(|l| l.contains("metrics and health endpoint listening"))
        .and_then(|l| l.split("Some(").nth(1))
        .and_then(|rest| rest.split(')').next())
        .expect("the log names the metrics address")
        .to_string()
}

/// `GET path` on `addr`: the status code and the body.
pub(crate) async fn http_get(addr: &str, path: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_see_health_and_prometheus_metrics() {
    let bot = Bot::start_with(&checkout(), &[("ATTACHE__METRICS__LISTEN", "127.0.0.1:0")]).await;
    let admin = Who::moderator(ASKER + 50);
    let addr = metrics_addr(&bot.log());
    let (status, body) = http_get(&addr, "/healthz").await;
    assert_eq!(
        (status, body.lines().next()),
        (200, Some("ready")),
        "connected and loaded: {body}"
    );
    // Every part the process runs has its line, and says how it is.
    for part in [
        "gateway: ok: connected",
        "index: ok: generation 1",
        "metrics: ok: listening on",
        "poller: ok",
        "watcher: ok: off",
    ] {
        assert!(body.contains(part), "{part:?} in {body}");
    }
    let who = Who::member(ASKER);
    bot.ask(&who, "How many prisoners will be exchanged?").await;
    bot.ask(&who, "What is the airspeed velocity of an unladen swallow?")
        .await;
    bot.ask(&who, "").await;
    bot.command(&admin, "reindex", &[]).await;
    let (status, text) = http_get(&addr, "/metrics").await;
    assert_eq!(status, 200);
    for line in [
        r#"attache_questions_total{via="slash",outcome="answered"} 1"#,
        r#"attache_questions_total{via="slash",outcome="nothing_found"} 1"#,
        r#"attache_questions_total{via="slash",outcome="refused"} 1"#,
        r#"attache_reindexes_total{result="ok"} 1"#,
        "attache_answer_seconds_count 2",
        "attache_index_generation 2",
        "attache_gateway_reconnects_total 0",
    ] {
        assert!(text.contains(line), "missing `{line}` in:\n{text}");
    }
    // One line per answered question, without the question text.
    let log = bot.log();
    let answered: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("question answered"))
        .collect();
    assert_eq!(answered.len(), 2, "{answered:?}");
    assert!(
        answered.iter().all(|l| l.contains("latency_ms")
            && !l.contains("prisoners")
            && !l.contains("swallow")),
        "{answered:?}"
    );
    bot.check();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_split_the_gateway_shards_and_each_answers_its_guilds() {
    let bot = Bot::start_with(
        &checkout(),
        &[
            ("ATTACHE__DISCORD__SHARD_TOTAL", "2"),
            ("ATTACHE__DISCORD__SHARDS", "0"),
        ],
    )
    .await;
    let replica = bot.replica(&[("ATTACHE__DISCORD__SHARDS", "1")]).await;
    let mut shards: Vec<String> = bot
        .discord
        .identifies()
        .iter()
        .map(|i| i["d"]["shard"].to_string())
        .collect();
    shards.sort();
    assert_eq!(shards, ["[0,2]", "[1,2]"]);
    // Two guilds, one on each shard (Discord routes a guild by (id >> 22) % shards).
    let guild_on = |shard: u64| {
        (0..2u64)
            .map(|k| GUILD_ID + (k << 22))
            .find(|g| (g >> 22) % 2 == shard)
            .unwrap()
    };
    for shard in [0, 1] {
        let who = Who {
            guild: guild_on(shard),
            ..Who::member(ASKER + shard)
        };
        let a = bot.ask(&who, "How many prisoners will be exchanged?").await;
        assert!(a.text().contains("1,200"), "shard {shard}: {}", a.text());
    }
    let answered = |log: String| {
        log.lines()
            .filter(|l| l.contains("question answered"))
            .count()
    };
    assert_eq!(
        (answered(bot.log()), answered(replica.log())),
        (1, 1),
        "each process answered the guild on its shard"
    );
    bot.check();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn question_texts_reach_the_log_only_when_configured() {
    let bot = Bot::start_with(&checkout(), &[("ATTACHE__LOG__QUESTIONS", "true")]).await;
    bot.ask(&Who::member(ASKER), "Where did the talks take place?")
        .await;
    let log = bot.log();
    let line = log
        .lines()
        .find(|l| l.contains("question answered"))
        .expect("a line per answer");
    assert!(line.contains("Where did the talks take place?"), "{line}");
    bot.check();
}
