//! Sources from a link, against a local web server (127.0.0.1 only, the one pair on
//! `index.fetch_allow`): the article's paragraphs and nothing else, its metadata in the
//! citations, windows-1251 and gzip read right, every unsafe or unusable link refused
//! with its reason (every address expected to be refused is on this machine), a refresh
//! that asks the site whether the page changed, and the preview in Discord with Add
//! working after a restart and Cancel changing nothing.

use serde_json::json;
use testkit::bot::Bot;
use testkit::local_discord::payloads::{Who, ASKER};
use testkit::project::{stderr, stdout};
use testkit::web::{self, Web};
use testkit::Project;

use crate::util::checkout;

/// A project whose fetches may reach `web` (and nothing else on this machine), with
/// small limits so the traps end quickly.
fn project_for(web: &Web) -> Project {
    let project = Project::new(&checkout());
    std::fs::write(
        project.path("config/local.toml"),
        format!(
            "[index]\nfetch_allow = [\"127.0.0.1:{}\"]\nmax_fetch_kb = 256\nfetch_timeout = \"3s\"\n",
            web.addr().port()
        ),
    )
    .unwrap();
    project
}

/// The document a page became: its front matter and its passages, as the corpus reads
/// them.
fn added(project: &Project, id: &str) -> (String, Vec<(String, Option<String>)>) {
    let path = project.path(&format!("index/sources/{id}.md"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(format!("{id}.md")), &text).unwrap();
    let loaded = attache::core::corpus::load_dir_strict(dir.path()).unwrap();
    let passages = loaded
        .passages
        .iter()
        .map(|p| (p.text.clone(), p.section.clone()))
        .collect();
    (text, passages)
}

/// The article's id: its title as a slug, cut at a word within 60 characters.
const ARTICLE_ID: &str = "negotiators-agree-on-a-second-prisoner-exchange-after-a-day";

/// The id of the one document a link added (the `.md` beside the shipped article).
fn only_added(project: &Project) -> String {
    let found: Vec<String> = std::fs::read_dir(project.path("index/sources"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".md") && !n.starts_with("istanbul-talks"))
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    found[0].trim_end_matches(".md").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_news_page_becomes_a_document_of_its_article_only() {
    let web = Web::start().await;
    let project = project_for(&web);
    let o = project.run(&["source", "add", &web.url("/article"), "--yes"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains(web::ARTICLE_TITLE), "{out}");
    assert!(
        out.contains("Bosphorus Ledger · 2025-08-14 · by Leyla Arslan · language en"),
        "{out}"
    );
    assert!(out.contains("7 passages"), "{out}");
    let (text, passages) = added(&project, ARTICLE_ID);
    // The paragraphs, exactly, in order, with the heading as the later ones' section: no
    // menu, banner, share bar, related story, comment or ad.
    let expected: Vec<(String, Option<String>)> = web::article_paragraphs(1)
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let section = (i >= 4).then(|| web::ARTICLE_HEADING.to_string());
            (p.to_string(), section)
        })
        .collect();
    assert_eq!(passages, expected, "{text}");
    for line in [
        "publisher = \"Bosphorus Ledger\"",
        "date = \"2025-08-14\"",
        "author = \"Leyla Arslan\"",
        "lang = \"en\"",
        "etag = '\"v1\"'",
        &format!("url = \"{}\"", web.url("/article")),
    ] {
        assert!(text.contains(line), "{line} in:\n{text}");
    }
    // The User-Agent names attache; no cookie was sent.
    let request = &web.requests()[0];
    let header = |name: &str| {
        request
            .headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    assert!(header("user-agent").unwrap().starts_with("attache/"));
    assert_eq!(header("cookie"), None);

    // It answers, and the citation names the publisher and the date.
    let o = project.run(&[
        "ask",
        "When will the second exchange's first crossing happen?",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let answer = stdout(&o);
    assert!(answer.contains(ARTICLE_ID), "{answer}");
    assert!(answer.contains("Bosphorus Ledger"), "{answer}");

    // The same page again is offered as a refresh.
    let o = project.run(&["source", "add", &web.url("/redirect/0"), "--yes"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains(&format!(
            "already the source `{ARTICLE_ID}`: refresh it instead"
        )),
        "{}",
        stderr(&o)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_encodings_compression_redirects_and_dates_are_read() {
    let web = Web::start().await;
    for path in ["/uk-1251", "/uk-1251-meta"] {
        let project = project_for(&web);
        // Without --yes it asks; "n" adds nothing.
        let o = project.run_with_input(&["source", "add", &web.url(path)], "n\n");
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(
            stdout(&o).contains("read as windows-1251"),
            "{}",
            stdout(&o)
        );
        assert!(stdout(&o).contains("Nothing was added."));
        assert!(
            stdout(&o).contains(web::uk_paragraphs()[0]),
            "{}",
            stdout(&o)
        );
        let o = project.run_with_input(&["source", "add", &web.url(path)], "y\n");
        assert!(o.status.success(), "{}", stderr(&o));
        let id = only_added(&project);
        assert!(
            id.starts_with("u-dnipri-"),
            "a Latin id from the Ukrainian title: {id}"
        );
        let (text, passages) = added(&project, &id);
        let texts: Vec<&str> = passages.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(texts, web::uk_paragraphs(), "{path}: {text}");
        assert!(text.contains("lang = \"uk\""), "{text}");
        assert!(text.contains("publisher = \"Дніпровий вісник\""), "{text}");
    }
    let project = project_for(&web);
    let o = project.run(&["source", "add", &web.url("/gzip"), "--yes"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (_, passages) = added(&project, ARTICLE_ID);
    assert_eq!(passages.len(), web::article_paragraphs(1).len());
    let asked_gzip = web.requests().iter().any(|r| {
        r.path == "/gzip"
            && r.headers
                .iter()
                .any(|(n, v)| n == "accept-encoding" && v.contains("gzip"))
    });
    assert!(asked_gzip);

    let project = project_for(&web);
    let o = project.run(&["source", "add", &web.url("/redirect/3"), "--yes"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (text, _) = added(&project, ARTICLE_ID);
    assert!(
        text.contains(&format!("url = \"{}\"", web.url("/article"))),
        "the address after redirects: {text}"
    );

    let project = project_for(&web);
    let o = project.run(&["source", "add", &web.url("/time-only"), "--yes"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (text, _) = added(&project, &only_added(&project));
    assert!(text.contains("date = \"2025-09-02\""), "{text}");
    assert!(
        text.contains("publisher = \"127.0.0.1\""),
        "the host when no name is given: {text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_link_that_cannot_be_used_is_refused_with_its_reason() {
    let web = Web::start().await;
    let project = project_for(&web);
    let port = web.addr().port();
    let cases = [
        (web.url("/to-private"), "127.0.0.2 is not a public address"),
        (
            format!("http://127.0.0.2:{port}/article"),
            "127.0.0.2 is not a public address",
        ),
        (
            format!("http://[::1]:{port}/article"),
            "::1 is not a public address",
        ),
        (
            format!("http://[::ffff:127.0.0.1]:{port}/article"),
            "127.0.0.1 is not a public address",
        ),
        // 127.0.0.2, as a decimal number.
        (
            format!("http://2130706434:{port}/article"),
            "127.0.0.2 is not a public address",
        ),
        (
            "http://localhost/article".to_string(),
            "not a public address",
        ),
        (
            "file:///etc/passwd".to_string(),
            "only http and https links",
        ),
        (
            format!("http://moderator:secret@127.0.0.1:{port}/article"),
            "user name or password",
        ),
        (web.url("/redirect/7"), "redirected more than 5 times"),
        (web.url("/endless"), "larger than the 256 KB limit"),
        (web.url("/stall"), "longer than 3 s"),
        (
            web.url("/report.pdf"),
            "`application/pdf` file, not a web page",
        ),
        (web.url("/photo.png"), "`image/png` file, not a web page"),
        (web.url("/empty"), "no article text could be read"),
        (web.url("/nowhere"), "the site answered 404 Not Found"),
    ];
    for (link, reason) in cases {
        let o = project.run(&["source", "add", &link, "--yes"]);
        assert!(!o.status.success(), "{link} was added");
        let err = stderr(&o);
        assert!(err.contains(reason), "{link}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "one sentence: {err}");
    }
    // Nothing was written, and the endless page was not read to its end.
    assert!(
        testkit::project::files_under(&project.path("index/sources"))
            .iter()
            .all(|f| !f.contains("negotiators"))
    );
    assert_eq!(
        web.hits("/article"),
        0,
        "no refused address reached the server's article"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_asks_whether_the_page_changed_and_reindexes_only_if_it_did() {
    let web = Web::start().await;
    let project = project_for(&web);
    let add = |path: &str| project.run(&["source", "add", &web.url(path), "--yes"]);
    assert!(add("/article").status.success());
    let o = project.run(&["source", "refresh", ARTICLE_ID]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("not modified"), "{}", stdout(&o));
    let last = web.requests().last().unwrap().clone();
    assert!(
        last.headers
            .iter()
            .any(|(n, v)| n == "if-none-match" && v == "\"v1\""),
        "{last:?}"
    );

    // A page with only Last-Modified: If-Modified-Since gets the 304.
    let other = project_for(&web);
    assert!(other
        .run(&["source", "add", &web.url("/lastmod"), "--yes"])
        .status
        .success());
    let o = other.run(&["source", "refresh"]);
    assert!(
        stdout(&o).contains("not modified"),
        "{} {}",
        stdout(&o),
        stderr(&o)
    );

    // The page changes: one paragraph edited, one removed, one added; the answer follows.
    let question = "When will the first crossing of the second exchange take place?";
    let before = stdout(&project.run(&["ask", question]));
    web.set_article(2);
    let o = project.run(&["source", "refresh", ARTICLE_ID]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("1 passages added, 1 removed, 1 edited; reindexed"),
        "{}",
        stdout(&o)
    );
    let (_, passages) = added(&project, ARTICLE_ID);
    let texts: Vec<&str> = passages.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(texts, web::article_paragraphs(2));
    let after = stdout(&project.run(&["ask", question]));
    assert_ne!(before, after, "the answer changed with the page");
    assert!(after.contains("19 August"), "{after}");
    // And again: not modified.
    let o = project.run(&["source", "refresh", ARTICLE_ID]);
    assert!(stdout(&o).contains("not modified"), "{}", stdout(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_discord_a_preview_comes_first_and_add_works_after_a_restart() {
    let web = Web::start().await;
    let project = project_for(&web);
    let mut bot = Bot::start_on(project, &[]).await;
    let moderator = Who::moderator(ASKER + 5);
    let both = bot
        .sub(
            &moderator,
            "source",
            "add",
            &[("url", 3, json!(web.url("/article")))],
        )
        .await;
    let preview_text = both.text();
    assert!(both.ephemeral(), "a preview is private");
    let embed = &both.reply.message()["embeds"][0];
    assert_eq!(embed["title"], web::ARTICLE_TITLE);
    let description = embed["description"].as_str().unwrap();
    assert!(
        description.contains("Bosphorus Ledger · 2025-08-14"),
        "{description}"
    );
    assert!(description.contains("7 passages"), "{description}");
    assert!(
        description.contains(&web::article_paragraphs(1)[0][..60]),
        "{description}"
    );
    let labels: Vec<String> = both.reply.buttons().into_iter().map(|b| b.0).collect();
    assert_eq!(labels, ["Add", "Cancel"], "{preview_text}");

    // Cancel: nothing changes.
    let cancelled = bot.click(&moderator, &both, &both.button("Cancel")).await;
    assert!(
        cancelled.text().contains("Nothing was added"),
        "{}",
        cancelled.text()
    );
    assert!(!bot
        .project
        .path(&format!("index/sources/{ARTICLE_ID}.md"))
        .exists());

    // A new preview; the bot restarts; Add still works.
    let preview = bot
        .sub(
            &moderator,
            "source",
            "add",
            &[("url", 3, json!(web.url("/article")))],
        )
        .await;
    bot.restart().await;
    let member = bot
        .click(&Who::member(ASKER + 6), &preview, &preview.button("Add"))
        .await;
    assert!(
        member.text().contains("Only moderators"),
        "{}",
        member.text()
    );
    let done = bot
        .click(&moderator, &preview, &preview.button("Add"))
        .await;
    assert!(
        done.text().contains(&format!("Added `{ARTICLE_ID}.md`")),
        "{}",
        done.text()
    );
    assert!(bot
        .project
        .path(&format!("index/sources/{ARTICLE_ID}.md"))
        .exists());
    let again = bot
        .click(&moderator, &preview, &preview.button("Add"))
        .await;
    assert!(
        again.text().contains("expired or was used already"),
        "{}",
        again.text()
    );

    // Exactly one of file and url; a refused link says why.
    let neither = bot.sub(&moderator, "source", "add", &[]).await;
    assert!(
        neither.text().contains("either a file or a url"),
        "{}",
        neither.text()
    );
    let refused = bot
        .sub(
            &moderator,
            "source",
            "add",
            &[("url", 3, json!("http://[::1]/"))],
        )
        .await;
    assert!(
        refused.text().contains("::1 is not a public address"),
        "{}",
        refused.text()
    );
    assert!(
        bot.log().contains("a link was refused"),
        "the log says who asked"
    );

    // And a refresh through Discord.
    let refreshed = bot
        .sub(
            &moderator,
            "source",
            "refresh",
            &[("id", 3, json!(ARTICLE_ID))],
        )
        .await;
    assert!(
        refreshed.text().contains("has not changed"),
        "{}",
        refreshed.text()
    );
    // Two previews of one page: the first Add wins, the second is told.
    let first = bot
        .sub(
            &moderator,
            "source",
            "add",
            &[("url", 3, json!(web.url("/lastmod")))],
        )
        .await;
    let second = bot
        .sub(
            &moderator,
            "source",
            "add",
            &[("url", 3, json!(web.url("/lastmod")))],
        )
        .await;
    let won = bot.click(&moderator, &first, &first.button("Add")).await;
    assert!(won.text().contains("Added"), "{}", won.text());
    let lost = bot.click(&moderator, &second, &second.button("Add")).await;
    assert!(
        lost.text().contains("already the source"),
        "{}",
        lost.text()
    );

    bot.check();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_refresh_every_a_changed_page_is_fetched_again_by_itself() {
    let web = Web::start().await;
    let project = project_for(&web);
    let local = project.path("config/local.toml");
    let config = std::fs::read_to_string(&local).unwrap() + "refresh_every = \"1s\"\n";
    std::fs::write(&local, config).unwrap();
    let o = project.run(&["source", "add", &web.url("/article"), "--yes"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bot = Bot::start_on(project, &[]).await;
    web.set_article(2);
    let file = bot.project.path(&format!("index/sources/{ARTICLE_ID}.md"));
    let added = web::article_paragraphs(2).last().unwrap().to_string();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !std::fs::read_to_string(&file).unwrap().contains(&added) {
        assert!(std::time::Instant::now() < deadline, "{}", bot.log());
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    // One page at a time, and only when it changed: later rounds are 304s.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let log = bot.log();
    assert_eq!(log.matches("refresh: reindexed").count(), 1, "{log}");
    assert!(log.contains("refresh: not modified"), "{log}");
    bot.check();
}

/// `/source refresh` of a page whose file a curator saved with CRLF line ends dropped the
/// front-matter keys the curator set (a weight), silently: only `+++\n` was read as front
/// matter (issue 20).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_kept_no_curated_key_of_a_file_with_crlf_line_ends() {
    let web = Web::start().await;
    let project = project_for(&web);
    let add = project.run(&["source", "add", &web.url("/article"), "--yes"]);
    assert!(add.status.success(), "{}", stderr(&add));
    let path = project.path(&format!("index/sources/{ARTICLE_ID}.md"));
    let (text, _) = added(&project, ARTICLE_ID);
    let curated = text
        .replacen("+++\n", "+++\nweight = 1.5\nprimary = true\n", 1)
        .replace('\n', "\r\n");
    std::fs::write(&path, curated).unwrap();
    web.set_article(2);
    let o = project.run(&["source", "refresh", ARTICLE_ID]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (after, _) = added(&project, ARTICLE_ID);
    assert!(
        after.contains("weight = 1.5") && after.contains("primary = true"),
        "{after}"
    );
    assert!(after.contains("19 August"), "the page's new text: {after}");
}

/// Add under a preview deleted the preview before the add ran, so an add that failed
/// (here a file of the same name written meanwhile; a full disk or a failed reindex
/// alike) lost it: clicking Add again said the preview was used (issue 20). Now the page
/// is claimed, and released when the add fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_add_lost_the_preview() {
    let web = Web::start().await;
    let project = project_for(&web);
    let bot = Bot::start_on(project, &[]).await;
    let moderator = Who::moderator(ASKER + 5);
    let preview = bot
        .sub(
            &moderator,
            "source",
            "add",
            &[("url", 3, json!(web.url("/article")))],
        )
        .await;
    let file = bot.project.path(&format!("index/sources/{ARTICLE_ID}.md"));
    std::fs::write(&file, "in the way\n").unwrap();
    let failed = bot
        .click(&moderator, &preview, &preview.button("Add"))
        .await;
    assert!(
        failed.text().contains("already exists"),
        "{}",
        failed.text()
    );
    std::fs::remove_file(&file).unwrap();
    let done = bot
        .click(&moderator, &preview, &preview.button("Add"))
        .await;
    assert!(done.text().contains(ARTICLE_ID), "{}", done.text());
    assert!(file.exists());
    // Used once: a third click finds it gone.
    let again = bot
        .click(&moderator, &preview, &preview.button("Add"))
        .await;
    assert!(
        again.text().contains("was used already"),
        "{}",
        again.text()
    );
    bot.check();
}

/// A short news page (three paragraphs in an `<article>`) came back with its cookie
/// banner as a passage: the banner, a share bar and a "Related" box were `div`/`aside`
/// siblings of the article, and Readability took their common parent (issue 20).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_articles_cookie_banner_became_a_passage() {
    let web = Web::start().await;
    let project = project_for(&web);
    let o = project.run(&["source", "add", &web.url("/with-banner"), "--yes"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let id = only_added(&project);
    let (_, passages) = added(&project, &id);
    let texts: Vec<&str> = passages.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(texts, web::BANNER_PAGE_PARAGRAPHS);
}
