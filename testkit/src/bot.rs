//! The real `attache serve` process, connected to a [`LocalDiscord`], and the questions,
//! commands and clicks tests put to it.

use std::process::{Child, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

use crate::local_discord::payloads::{self, Who};
use crate::local_discord::{schema, LocalDiscord, Request, GUILD_ID, TOKEN};
use crate::project::{Checkout, Project};

/// `attache serve` running on a project of its own against a local Discord of its own;
/// killed when dropped.
pub struct Bot {
    pub discord: LocalDiscord,
    pub project: Project,
    child: Child,
    env: Vec<(String, String)>,
}

/// `attache serve` on `project`, pointed at `discord`, logging to `serve.log` (appended
/// to, so a restart keeps the earlier log).
fn spawn(discord: &LocalDiscord, project: &Project, env: &[(String, String)]) -> Child {
    spawn_logging(discord, project, env, "serve.log")
}

fn spawn_logging(
    discord: &LocalDiscord,
    project: &Project,
    env: &[(String, String)],
    log: &str,
) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(project.path(log))
        .unwrap();
    let mut cmd = project.attache(&["serve"]);
    cmd.env("DISCORD_TOKEN", TOKEN)
        .env("ATTACHE__DISCORD__API_URL", &discord.rest_url)
        .env("ATTACHE__DISCORD__GUILD_IDS", GUILD_ID.to_string())
        .env("ATTACHE__DISCORD__COOLDOWN", "0s")
        .env(
            "RUST_LOG",
            "info,attache=debug,serenity::client::dispatch=debug",
        )
        .stdout(Stdio::null())
        .stderr(log);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().unwrap()
}

/// What the bot answered to one interaction: the deferral, if it deferred, and the reply.
#[derive(Debug)]
pub struct Answer {
    pub deferred: Option<Request>,
    pub reply: Request,
}

impl Answer {
    pub fn ephemeral(&self) -> bool {
        self.deferred
            .as_ref()
            .map_or(self.reply.is_ephemeral(), Request::is_ephemeral)
    }

    pub fn text(&self) -> String {
        self.reply.text()
    }

    pub fn button(&self, label: &str) -> String {
        self.reply
            .buttons()
            .into_iter()
            .find(|(l, id, _)| l == label && id.is_some())
            .and_then(|(_, id, _)| id)
            .unwrap_or_else(|| panic!("no button {label}: {:?}", self.reply.buttons()))
    }
}

impl Bot {
    /// Start `attache serve` on a fresh copy of `checkout`'s shipped sources, and wait
    /// until it has registered its commands.
    pub async fn start(checkout: &Checkout) -> Bot {
        Bot::start_with(checkout, &[]).await
    }

    /// [`Bot::start`] with extra `env` settings.
    pub async fn start_with(checkout: &Checkout, env: &[(&str, &str)]) -> Bot {
        Bot::start_on(Project::new(checkout), env).await
    }

    /// `attache serve` on a project the test prepared (an index built, a fault made),
    /// with its binary (`project.checkout.attache`, which may be a wrapper that sets up
    /// the fault first) and extra `env` settings.
    pub async fn start_on(project: Project, env: &[(&str, &str)]) -> Bot {
        Bot::start_against(project, env, |_| {}).await
    }

    /// [`Bot::start_on`], with the local Discord set up by `prepare` before the bot
    /// connects (a failure it will meet at start, say).
    pub async fn start_against(
        project: Project,
        env: &[(&str, &str)],
        prepare: impl FnOnce(&LocalDiscord),
    ) -> Bot {
        let discord = LocalDiscord::start().await;
        prepare(&discord);
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let child = spawn(&discord, &project, &env);
        let mut bot = Bot {
            discord,
            project,
            child,
            env,
        };
        bot.wait_ready(0).await;
        bot
    }

    /// Stop the bot (as a crash would) and start it again on the same project and the
    /// same local Discord.
    pub async fn restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let registrations = self.registrations();
        self.child = spawn(&self.discord, &self.project, &self.env);
        self.wait_ready(registrations).await;
    }

    fn registrations(&self) -> usize {
        self.discord
            .requests()
            .iter()
            .filter(|r| r.method == "PUT" && r.path.ends_with("/commands"))
            .count()
    }

    /// Wait until the bot has registered its commands (once more than `before` times).
    async fn wait_ready(&mut self, before: usize) {
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while self.registrations() <= before {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "attache serve exited ({status}) before it was ready:\n{}",
                    self.log()
                );
            }
            assert!(
                std::time::Instant::now() < deadline,
                "attache serve was not ready within a minute:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.project.path("serve.log")).unwrap_or_default()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Wait for the process to exit (after a signal), up to `limit`.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + limit;
        while std::time::Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    /// Dispatch an interaction and wait for the bot's answer to it (following a deferral
    /// to the message that completes it).
    pub async fn interact(&self, interaction: Value) -> Answer {
        let token = interaction["token"].as_str().unwrap().to_string();
        let mark = self.discord.mark();
        self.discord.dispatch("INTERACTION_CREATE", interaction);
        let first = self
            .discord
            .wait_for(mark, "a reply to the interaction", |r| {
                r.path.contains(&token) && r.status < 300
            })
            .await;
        let deferred =
            first.path.ends_with("/callback") && matches!(first.body["type"].as_u64(), Some(5 | 6));
        if !deferred {
            return Answer {
                deferred: None,
                reply: first,
            };
        }
        let reply = self
            .discord
            .wait_for(mark, "the deferred reply", |r| {
                r.path.contains(&token) && !r.path.ends_with("/callback") && r.status < 300
            })
            .await;
        Answer {
            deferred: Some(first),
            reply,
        }
    }

    /// The request that registered the bot's slash commands.
    pub fn registration(&self) -> Request {
        self.discord
            .requests()
            .into_iter()
            .find(|r| r.method == "PUT")
            .expect("the bot registered its commands")
    }

    pub async fn ask(&self, who: &Who, question: &str) -> Answer {
        self.interact(payloads::slash(
            &self.discord,
            "ask",
            &[("question", 3, json!(question))],
            who,
        ))
        .await
    }

    pub async fn sub(
        &self,
        who: &Who,
        name: &str,
        sub: &str,
        options: &[(&str, u8, Value)],
    ) -> Answer {
        self.interact(payloads::slash_sub(
            &self.discord,
            name,
            sub,
            options,
            None,
            who,
        ))
        .await
    }

    pub async fn command(&self, who: &Who, name: &str, options: &[(&str, u8, Value)]) -> Answer {
        self.interact(payloads::slash(&self.discord, name, options, who))
            .await
    }

    /// Click the button `custom_id` under the message `under` became.
    pub async fn click(&self, who: &Who, under: &Answer, custom_id: &str) -> Answer {
        let mut message = payloads::message_from(&self.discord, &under.reply, who);
        if under.ephemeral() {
            message["flags"] = json!(64);
        }
        self.interact(payloads::click(&self.discord, custom_id, message, who))
            .await
    }

    /// Send a message; wait for the bot's reply to it in the channel.
    pub async fn say(&self, who: &Who, content: &str, mentions: &[Value]) -> Request {
        let msg = payloads::message(&self.discord, content, who, mentions);
        let id = msg["id"].as_str().unwrap().to_string();
        let mark = self.discord.mark();
        self.discord.dispatch("MESSAGE_CREATE", msg);
        self.discord
            .wait_for(mark, "a reply to the message", |r| {
                r.path.ends_with("/messages")
                    && r.method == "POST"
                    && r.body["message_reference"]["message_id"] == id.as_str()
                    && r.status < 300
            })
            .await
    }

    /// What every test ends with: every request valid for Discord, authenticated, and
    /// the token nowhere in the log.
    pub fn check(&self) {
        let requests = self.discord.requests();
        let problems = schema::problems(&self.project.checkout.repo, &requests);
        assert!(
            problems.is_empty(),
            "requests Discord would reject:\n{}",
            problems.join("\n")
        );
        for r in &requests {
            assert_eq!(
                r.authorization.as_deref(),
                Some(format!("Bot {TOKEN}").as_str()),
                "{} {}",
                r.method,
                r.path
            );
            let m = r.message();
            if r.method != "PUT"
                && m.is_object()
                && (m.get("embeds").is_some() || m.get("content").is_some())
            {
                assert_no_mentions(r);
                assert_within_limits(m);
            }
        }
        let log = self.log();
        assert!(
            !log.contains(TOKEN) && !log.contains(TOKEN.split('.').nth(2).unwrap()),
            "the token leaked into the log"
        );
    }
}

/// A second `attache serve` process on the same project and local Discord.
pub struct Replica {
    child: Child,
    log: std::path::PathBuf,
}

impl Replica {
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Bot {
    /// Start another process like this one, with `env` on top; wait for its IDENTIFY.
    pub async fn replica(&self, env: &[(&str, &str)]) -> Replica {
        let before = self.discord.identifies().len();
        let env: Vec<(String, String)> = self
            .env
            .iter()
            .cloned()
            .chain(env.iter().map(|(k, v)| (k.to_string(), v.to_string())))
            .collect();
        let mut child = spawn_logging(&self.discord, &self.project, &env, "replica.log");
        let log = self.project.path("replica.log");
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while self.discord.identifies().len() <= before {
            if let Some(status) = child.try_wait().unwrap() {
                panic!(
                    "the replica exited ({status}):\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the replica did not connect"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Replica { child, log }
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Allowed mentions present and empty: nothing the bot echoes can ping.
pub fn assert_no_mentions(r: &Request) {
    let am = &r.message()["allowed_mentions"];
    assert!(
        am.is_object(),
        "{} {} sent no allowed_mentions: {}",
        r.method,
        r.path,
        r.body
    );
    assert_eq!(am["parse"], json!([]), "{}", r.body);
    assert!(
        am["users"].as_array().is_none_or(Vec::is_empty)
            && am["roles"].as_array().is_none_or(Vec::is_empty),
        "{am}"
    );
    assert_ne!(am["replied_user"], json!(true));
}

fn chars(v: &Value) -> usize {
    v.as_str().map_or(0, |s| s.chars().count())
}

/// Discord's limits, counted in characters.
pub fn assert_within_limits(m: &Value) {
    assert!(chars(&m["content"]) <= 2000, "content too long");
    let embeds = m["embeds"].as_array().cloned().unwrap_or_default();
    assert!(embeds.len() <= 10);
    let mut total = 0;
    for e in &embeds {
        assert!(chars(&e["title"]) <= 256, "title: {}", e["title"]);
        assert!(chars(&e["description"]) <= 4096);
        assert!(chars(&e["footer"]["text"]) <= 2048);
        let fields = e["fields"].as_array().cloned().unwrap_or_default();
        assert!(fields.len() <= 25);
        for f in &fields {
            assert!(
                chars(&f["name"]) <= 256 && chars(&f["value"]) <= 1024,
                "{f}"
            );
            total += chars(&f["name"]) + chars(&f["value"]);
        }
        total += chars(&e["title"])
            + chars(&e["description"])
            + chars(&e["footer"]["text"])
            + chars(&e["author"]["name"]);
    }
    assert!(total <= 6000, "embeds total {total} characters");
    for row in m["components"].as_array().into_iter().flatten() {
        let buttons = row["components"].as_array().unwrap();
        assert!(buttons.len() <= 5);
        for b in buttons {
            assert!(
                chars(&b["custom_id"]) <= 100 && chars(&b["label"]) <= 80,
                "{b}"
            );
        }
    }
}
