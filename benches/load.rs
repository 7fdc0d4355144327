//! `cargo bench --bench load`: the real bot under load, through the local Discord.
//!
//! The release `attache serve` process connects to the tests' local Discord (REST and
//! gateway on 127.0.0.1, from the test kit in `testkit/`); the benchmark dispatches `/ask` interactions at increasing
//! rates, each from another member, cycling through the evaluation questions, and times
//! each from its dispatch to the bot's reply request (the interaction callback). For each
//! rate: questions per second sustained, p50/p99/max, errors (no reply within 10 s, a
//! reply Discord would reject, or a reply that is not an answer), and the bot's peak
//! memory. The same run against a poise bot that answers every `/ask` with a fixed embed
//! (this binary, run again with `ATTACHE_LOAD_EMPTY_BOT` set) gives the baseline: the
//! framework's own cost on this machine.
//!
//! Three bots are measured:
//! - `semantic`: attache as shipped, with semantic search, asked **distinct** questions
//!   (every evaluation question in three languages, then with chatty openers and closers),
//!   so its cache of question vectors never hides the model's cost
//!   (`ATTACHE_LOAD_SEMANTIC_RATES=10,25,50,100`);
//! - `lexical`: attache with `semantic.enabled = false`, cycling the English questions as
//!   before (`ATTACHE_LOAD_RATES=100,250,500,1000`);
//! - `empty`: the poise baseline, at the lexical rates.
//!
//! `ATTACHE_LOAD_SECONDS=3` changes the length of each step.

mod common;

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use testkit::local_discord::payloads::{self, Who};
use testkit::local_discord::{LocalDiscord, Request, GUILD_ID, TOKEN};
use testkit::{Checkout, Project};

const EMPTY_BOT: &str = "ATTACHE_LOAD_EMPTY_BOT";

fn main() {
    if let Ok(api_url) = std::env::var(EMPTY_BOT) {
        empty_bot(api_url);
        return;
    }
    let rates: Vec<u32> = std::env::var("ATTACHE_LOAD_RATES")
        .unwrap_or_else(|_| "100,250,500,1000".into())
        .split(',')
        .filter_map(|r| r.trim().parse().ok())
        .collect();
    let seconds: f64 = std::env::var("ATTACHE_LOAD_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);
    let semantic_rates: Vec<u32> = std::env::var("ATTACHE_LOAD_SEMANTIC_RATES")
        .unwrap_or_else(|_| "10,25,50,100".into())
        .split(',')
        .filter_map(|r| r.trim().parse().ok())
        .collect();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let checkout = Checkout::new(root, env!("CARGO_BIN_EXE_attache"));
    let questions = common::questions(root);
    let most = semantic_rates
        .iter()
        .map(|&r| r as f64 * seconds)
        .sum::<f64>() as usize
        + 200;
    let distinct = common::distinct_questions(root, most.min(13_000));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    println!(
        "attache load benchmark: {} distinct questions (semantic), {} cycled (lexical, empty), {seconds} s per rate, {} cores (the bot and this driver share them)",
        distinct.len(),
        questions.len(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "{:<8} {:>8} {:>10} {:>9} {:>9} {:>9} {:>7} {:>10}",
        "bot", "rate/s", "done/s", "p50 ms", "p99 ms", "max ms", "errors", "peak MiB"
    );
    runtime.block_on(async {
        for label in ["semantic", "lexical", "empty"] {
            let discord = LocalDiscord::start().await;
            let project = Project::new(&checkout);
            let empty = label == "empty";
            let mut child = match label {
                "empty" => spawn_empty_bot(&discord),
                _ => spawn_attache(&discord, &project, label == "semantic"),
            };
            wait_ready(&discord, &mut child).await;
            let (rates, questions) = if label == "semantic" {
                (&semantic_rates, &distinct)
            } else {
                (&rates, &questions)
            };
            // Warm up: the first questions build caches, on every bot alike (the
            // semantic run's distinct questions then start after the warm-up's).
            let warm_rate = rates[0].max(10);
            drive(&discord, warm_rate, 200, questions, 0, 0, empty).await;
            let mut user = 1_000_000;
            let mut next = 200;
            for &rate in rates {
                let count = (rate as f64 * seconds) as usize;
                let stats = drive(&discord, rate, count, questions, next, user, empty).await;
                next += count;
                user += count as u64;
                println!(
                    "{label:<8} {rate:>8} {:>10.0} {:>9.3} {:>9.3} {:>9.3} {:>7} {:>10.1}",
                    stats.sustained,
                    stats.p50,
                    stats.p99,
                    stats.max,
                    stats.errors,
                    common::memory_of(&child.id().to_string()).1
                );
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    });
}

struct Stats {
    sustained: f64,
    p50: f64,
    p99: f64,
    max: f64,
    errors: usize,
}

/// Dispatch `count` questions at `rate` per second; collect the replies.
async fn drive(
    discord: &LocalDiscord,
    rate: u32,
    count: usize,
    questions: &[String],
    first_question: usize,
    first_user: u64,
    empty: bool,
) -> Stats {
    let mark = discord.mark();
    let mut sent: HashMap<String, Instant> = HashMap::with_capacity(count);
    let start = Instant::now();
    for i in 0..count {
        let due = start + Duration::from_secs_f64(i as f64 / rate as f64);
        tokio::time::sleep_until(due.into()).await;
        let question = &questions[(first_question + i) % questions.len()];
        let who = Who::member(first_user + i as u64);
        let payload = payloads::slash(discord, "ask", &[("question", 3, json!(question))], &who);
        let token = payload["token"].as_str().expect("token").to_string();
        sent.insert(token, Instant::now());
        discord.dispatch_raw("INTERACTION_CREATE", payload);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    let replies = loop {
        let replies: Vec<Request> = discord
            .requests()
            .into_iter()
            .skip(mark)
            .filter(|r| r.path.ends_with("/callback"))
            .collect();
        if replies.len() >= count || Instant::now() > deadline {
            break replies;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let mut latencies = Vec::with_capacity(count);
    let mut errors = count.saturating_sub(replies.len());
    let mut last = start;
    for r in &replies {
        let token = r.path.rsplit('/').nth(1).unwrap_or_default();
        let Some(at) = sent.get(token) else { continue };
        // An answer is an embed; a refusal ("busy", "please wait") is plain content.
        let answered = r.body["type"] == 4
            && (empty
                || r.body["data"]["embeds"]
                    .as_array()
                    .is_some_and(|e| !e.is_empty()));
        if r.status >= 300 || !answered {
            errors += 1;
            continue;
        }
        latencies.push(r.at.duration_since(*at).as_secs_f64() * 1000.0);
        last = last.max(r.at);
    }
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1))
            .copied()
            .unwrap_or(f64::NAN)
    };
    Stats {
        sustained: latencies.len() as f64 / last.duration_since(start).as_secs_f64().max(1e-9),
        p50: pct(0.50),
        p99: pct(0.99),
        max: latencies.last().copied().unwrap_or(f64::NAN),
        errors,
    }
}

fn spawn_attache(discord: &LocalDiscord, project: &Project, semantic: bool) -> Child {
    project
        .attache(&["serve"])
        .env("ATTACHE__SEMANTIC__ENABLED", semantic.to_string())
        .env("DISCORD_TOKEN", TOKEN)
        .env("ATTACHE__DISCORD__API_URL", &discord.rest_url)
        .env("ATTACHE__DISCORD__GUILD_IDS", GUILD_ID.to_string())
        .env("ATTACHE__DISCORD__COOLDOWN", "0s")
        .env("ATTACHE__LOG__LEVEL", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("attache serve starts")
}

fn spawn_empty_bot(discord: &LocalDiscord) -> Child {
    Command::new(std::env::current_exe().expect("this benchmark"))
        .env(EMPTY_BOT, &discord.rest_url)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the empty bot starts")
}

async fn wait_ready(discord: &LocalDiscord, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !discord
        .requests()
        .iter()
        .any(|r| r.method == "PUT" && r.path.ends_with("/commands"))
    {
        assert!(
            child.try_wait().expect("child status").is_none(),
            "the bot exited before it was ready"
        );
        assert!(
            Instant::now() < deadline,
            "the bot was not ready within a minute"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The baseline: a poise bot whose `/ask` answers every question with the same embed,
/// connected exactly as attache is.
fn empty_bot(api_url: String) {
    use poise::serenity_prelude as serenity;

    #[poise::command(slash_command)]
    async fn ask(
        ctx: poise::Context<'_, (), anyhow::Error>,
        question: String,
        private: Option<bool>,
    ) -> Result<(), anyhow::Error> {
        let _ = (question, private);
        let embed = serenity::CreateEmbed::new()
            .title("Answer")
            .description("The same answer to every question.");
        ctx.send(
            poise::CreateReply::default()
                .embed(embed)
                .allowed_mentions(serenity::CreateAllowedMentions::new()),
        )
        .await?;
        Ok(())
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let http = serenity::HttpBuilder::new(TOKEN)
            .proxy(api_url)
            .ratelimiter_disabled(true)
            .build();
        let framework = poise::Framework::builder()
            .options(poise::FrameworkOptions {
                commands: vec![ask()],
                initialize_owners: false,
                ..Default::default()
            })
            .setup(|ctx, _ready, framework| {
                Box::pin(async move {
                    poise::builtins::register_in_guild(
                        ctx,
                        &framework.options().commands,
                        serenity::GuildId::new(GUILD_ID),
                    )
                    .await?;
                    Ok(())
                })
            })
            .build();
        let mut client =
            serenity::ClientBuilder::new_with_http(http, serenity::GatewayIntents::GUILDS)
                .framework(framework)
                .await
                .expect("client");
        client.start().await.expect("gateway");
    });
}
