//! A local web server for tests of the bot's "sources from a link": news pages and
//! traps a fetcher must handle (redirect chains, a redirect to another loopback address,
//! endless and stalled bodies, files that are not HTML, windows-1251 pages, gzip,
//! conditional requests, an empty JavaScript app shell), all written by hand here.
//!
//! It binds 127.0.0.1 only, on an ephemeral port, and records every request it receives
//! (path and headers) before answering, so tests can assert on exactly what the bot sent.
//!
//! Routes:
//!
//! - `/article`: a full English news page (cookie banner, menu, share bar, related
//!   stories, comments, an ad), with `ETag` and `Last-Modified` for the current version
//!   ([`Web::set_article`]) and `304` on a matching `If-None-Match`;
//! - `/lastmod`: the same article (version 1) with only `Last-Modified`, and `304` on a
//!   matching `If-Modified-Since`;
//! - `/time-only`: a small news page dated only by a `<time>` element;
//! - `/redirect/N` (N = 0..=7): a chain of `302`s ending at `/article` after N + 1 hops;
//! - `/to-private`: a `302` to `127.0.0.2` on the same port;
//! - `/endless`: an HTML body that never ends; `/stall`: one that stops after a few bytes;
//! - `/report.pdf`, `/photo.png`: files that are not HTML;
//! - `/uk-1251`, `/uk-1251-meta`: a Ukrainian article in windows-1251, the charset in the
//!   `Content-Type` header or only in a `<meta>` tag;
//! - `/gzip`: the article gzip-compressed, only to a client that accepts gzip (else `406`);
//! - `/empty`: a JavaScript app shell with no text;
//! - anything else: `404`.

#[cfg(test)]
mod tests;

use std::convert::Infallible;
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The title of the article at `/article` (its `<h1>`, `og:title` and JSON-LD headline;
/// the `<title>` adds " | Bosphorus Ledger").
pub const ARTICLE_TITLE: &str =
    "Negotiators agree on a second prisoner exchange after a day of talks in Istanbul";

/// The one `<h2>` section heading inside `/article`'s body. In both versions it comes after
/// the first four paragraphs of [`article_paragraphs`]; the paragraphs after it belong to
/// its section.
pub const ARTICLE_HEADING: &str = "What the talks left unresolved";

/// The site's name (`og:site_name`, JSON-LD publisher).
const SITE_NAME: &str = "Bosphorus Ledger";
const AUTHOR: &str = "Leyla Arslan";
const PUBLISHED: &str = "2025-08-14T09:30:00Z";

/// `/lastmod`'s `Last-Modified`, the date `If-Modified-Since` must repeat for a `304`.
const LASTMOD_DATE: &str = "Thu, 14 Aug 2025 10:00:00 GMT";

const P1: &str = "Negotiators from Ukraine and Russia agreed on Wednesday to exchange 1,200 \
    prisoners of war over the next three weeks, the largest swap discussed since the two \
    delegations first met in Istanbul in May. The session at the Çırağan Palace lasted just \
    under six hours, Turkish officials said.";
const P2_V1: &str = "Turkey’s deputy foreign minister, Selim Kaya, who chaired the meeting, \
    told reporters that the first group of 300 detainees would cross on 21 August at a point \
    on the Belarusian border. “Both sides came with lists, and both sides left with the same \
    list,” he said.";
const P2_V2: &str = "Turkey’s deputy foreign minister, Selim Kaya, who chaired the meeting, \
    told reporters that the first group of 300 detainees would now cross on 19 August, two \
    days earlier than first announced, at a point on the Belarusian border. “Both sides came \
    with lists, and both sides left with the same list,” he said.";
const P3: &str = "The Ukrainian delegation was led by Oksana Hrytsenko, a deputy head of the \
    coordination headquarters for prisoners of war, who said that 84 of the people on the \
    list were seriously wounded or ill. The Russian side was represented by Pavel Zorin of \
    the defence ministry, who did not speak to the press after the meeting.";
const P4: &str = "The two sides also agreed to hand over the remains of 2,000 soldiers, 1,000 \
    from each side, through the International Committee of the Red Cross. A joint working \
    group of six members will meet again in Istanbul on 10 September to review how the \
    exchanges have gone.";
const P5: &str = "Civilian detainees were not part of Wednesday’s agreement. Hrytsenko said \
    Kyiv had handed over the names of 412 civilians it believes are held in Russia, and \
    that Moscow had promised only to check the list. Human rights groups in both countries \
    have asked for the civilians to be included in the next round.";
const P6: &str = "Diplomats in Ankara cautioned that a wider ceasefire was not on the agenda. \
    One Western official who followed the talks called the exchange “a humanitarian step, \
    not a political one”, noting that the two previous rounds had produced swaps but no \
    movement towards a truce.";
const P7: &str = "Families of missing soldiers gathered outside the Ukrainian consulate in \
    Istanbul’s Şişli district during the talks, holding photographs of their relatives. \
    Marta Levchenko, whose son has been missing since March 2024, said she had travelled \
    from Zaporizhzhia for the third time this year.";
const P8_V2: &str = "On Thursday afternoon the Red Cross said its teams were ready to \
    accompany the first exchange. Tomas Berger, who heads the organisation’s delegation in \
    the region, said 14 doctors and nurses would travel with the 84 wounded detainees.";

/// The phrase of [`P4`] the page links to the Red Cross (the text stays the same).
const LINKED: &str = "International Committee of the Red Cross";

const UK_TITLE: &str = "У Дніпрі відкрили оновлену набережну після двох років ремонту";
const UK1: &str = "Міська рада Дніпра в неділю відкрила для відвідувачів оновлену ділянку \
    набережної завдовжки 2,3 кілометра між Монастирським островом і Новим мостом. Роботи \
    тривали майже два роки й коштували 186 мільйонів гривень, повідомили в департаменті \
    благоустрою.";
const UK2: &str = "На набережній з’явилися нові велодоріжки, 40 лавок і шість укриттів, \
    розрахованих загалом на 900 людей. Освітлення тепер живиться від сонячних панелей, а \
    вночі вмикається лише половина ліхтарів, щоб заощадити енергію.";
const UK3: &str = "«Ми хотіли, щоб люди знову приходили до річки, а не лише проїжджали повз \
    неї», — сказала головна архітекторка проєкту Ганна Мельничук. За її словами, частину \
    старих каштанів вдалося зберегти, а замість вирубаних дерев висадили 210 молодих лип.";
const UK4: &str = "Не всі мешканці задоволені результатом. Голова громадської організації \
    «Зелений берег» Віктор Савчук зазначив, що біля річкового вокзалу досі немає пандусів \
    для людей на візках, і пообіцяв подати до міської ради петицію.";
const UK5: &str = "У департаменті благоустрою відповіли, що пандуси встановлять до кінця \
    жовтня. Наступним етапом реконструкції стане ділянка біля парку Глоби, проєкт якої \
    обговорюватимуть на громадських слуханнях у вересні.";

/// The exact texts of `/article`'s body paragraphs (its `<p>` elements, not the heading),
/// in order. Version 2 edits the second paragraph (a new date), removes the sixth and adds
/// one at the end.
pub fn article_paragraphs(version: u32) -> Vec<&'static str> {
    match version {
        1 => vec![P1, P2_V1, P3, P4, P5, P6, P7],
        2 => vec![P1, P2_V2, P3, P4, P5, P7, P8_V2],
        _ => panic!("the article has versions 1 and 2, not {version}"),
    }
}

/// The exact texts of the Ukrainian article's paragraphs (`/uk-1251`), in order.
pub fn uk_paragraphs() -> Vec<&'static str> {
    vec![UK1, UK2, UK3, UK4, UK5]
}

/// One request the server received.
#[derive(Debug, Clone)]
pub struct WebRequest {
    /// The path, without the query string, e.g. `/article`.
    pub path: String,
    /// Every header as received, in order; names lowercase, values as sent.
    pub headers: Vec<(String, String)>,
}

/// The local web server; it serves until dropped (or until the test's runtime ends).
pub struct Web {
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

struct Shared {
    addr: SocketAddr,
    requests: Mutex<Vec<WebRequest>>,
    /// Which version `/article` serves: 1 or 2.
    article: AtomicU32,
}

impl Web {
    /// Binds 127.0.0.1 on an ephemeral port and serves in a tokio task.
    pub async fn start() -> Web {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let shared = Arc::new(Shared {
            addr: listener.local_addr().unwrap(),
            requests: Mutex::new(Vec::new()),
            article: AtomicU32::new(1),
        });
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(shared.clone());
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Web { shared, server }
    }

    /// The address it listens on (127.0.0.1 and its port).
    pub fn addr(&self) -> SocketAddr {
        self.shared.addr
    }

    /// The URL of `path` on this server: `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.shared.addr)
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<WebRequest> {
        self.shared.requests.lock().unwrap().clone()
    }

    /// How many requests had exactly this path (the query string is not part of it).
    pub fn hits(&self, path: &str) -> usize {
        let requests = self.shared.requests.lock().unwrap();
        requests.iter().filter(|r| r.path == path).count()
    }

    /// Which version `/article` serves from now on: 1 (the default) or 2 (the changed
    /// text of [`article_paragraphs`]`(2)`, with its own `ETag` and `Last-Modified`).
    pub fn set_article(&self, version: u32) {
        assert!(
            version == 1 || version == 2,
            "the article has versions 1 and 2, not {version}"
        );
        self.shared.article.store(version, Ordering::SeqCst);
    }
}

impl Drop for Web {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn handle(State(shared): State<Arc<Shared>>, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path();
    let recorded = headers
        .iter()
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            (name.as_str().to_ascii_lowercase(), value)
        })
        .collect();
    shared.requests.lock().unwrap().push(WebRequest {
        path: path.to_owned(),
        headers: recorded,
    });
    let get = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    match path {
        "/article" => {
            let version = shared.article.load(Ordering::SeqCst);
            let (etag, modified) = match version {
                1 => ("\"v1\"", "Thu, 14 Aug 2025 09:30:00 GMT"),
                _ => ("\"v2\"", "Thu, 14 Aug 2025 15:45:00 GMT"),
            };
            let validators = [(header::ETAG, etag), (header::LAST_MODIFIED, modified)];
            if get(header::IF_NONE_MATCH).map(str::trim) == Some(etag) {
                (StatusCode::NOT_MODIFIED, validators).into_response()
            } else {
                (validators, html(article_html(version))).into_response()
            }
        }
        "/lastmod" => {
            let validators = [(header::LAST_MODIFIED, LASTMOD_DATE)];
            if get(header::IF_MODIFIED_SINCE).map(str::trim) == Some(LASTMOD_DATE) {
                (StatusCode::NOT_MODIFIED, validators).into_response()
            } else {
                (validators, html(article_html(1))).into_response()
            }
        }
        "/time-only" => html(time_only_html()),
        "/with-banner" => html(with_banner_html()),
        "/to-private" => redirect(&format!("http://127.0.0.2:{}/article", shared.addr.port())),
        "/endless" => endless(),
        "/stall" => stall(),
        "/report.pdf" => ([(header::CONTENT_TYPE, "application/pdf")], PDF).into_response(),
        "/photo.png" => ([(header::CONTENT_TYPE, "image/png")], PNG).into_response(),
        "/uk-1251" => uk_1251("text/html; charset=windows-1251"),
        "/uk-1251-meta" => uk_1251("text/html"),
        "/gzip" => {
            let accepts = get(header::ACCEPT_ENCODING)
                .is_some_and(|v| v.to_ascii_lowercase().contains("gzip"));
            if accepts {
                gzip()
            } else {
                (
                    StatusCode::NOT_ACCEPTABLE,
                    "This page is only available gzip-compressed.\n",
                )
                    .into_response()
            }
        }
        "/empty" => html(EMPTY_HTML.to_owned()),
        _ => match path.strip_prefix("/redirect/") {
            Some("0") => redirect("/article"),
            Some(n @ ("1" | "2" | "3" | "4" | "5" | "6" | "7")) => {
                let next = n.parse::<u32>().unwrap() - 1;
                redirect(&format!("/redirect/{next}"))
            }
            _ => not_found(),
        },
    }
}

/// A 200 `text/html; charset=utf-8` answer.
fn html(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

fn redirect(location: &str) -> Response {
    (
        StatusCode::FOUND,
        [(header::LOCATION, location.to_owned())],
        "",
    )
        .into_response()
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<!DOCTYPE html>\n<html lang=\"en\"><head><title>Page not found | Bosphorus Ledger</title>\
         </head><body><h1>Page not found</h1><p>The page you asked for does not exist.</p>\
         </body></html>\n",
    )
        .into_response()
}

/// 64 KiB chunks of `<p>` filler, forever; every chunk is the same shared buffer, so the
/// server's memory stays bounded however much the client reads.
fn endless() -> Response {
    const LINE: &str = "<p>More filler text that never ends, on a page that never ends.</p>\n";
    let mut chunk =
        String::from("<!DOCTYPE html>\n<html><head><title>Endless</title></head><body>\n");
    while chunk.len() + LINE.len() <= 64 * 1024 {
        chunk.push_str(LINE);
    }
    chunk.push_str(&" ".repeat(64 * 1024 - chunk.len()));
    let chunk = Bytes::from(chunk);
    let body = futures_util::stream::repeat(Ok::<_, Infallible>(chunk));
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        Body::from_stream(body),
    )
        .into_response()
}

/// `<html><body>`, then an hour's sleep before each further chunk.
fn stall() -> Response {
    let body = futures_util::stream::unfold(true, |first| async move {
        if !first {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
        let chunk = if first {
            "<html><body>"
        } else {
            "<p>Still here.</p>"
        };
        Some((
            Ok::<_, Infallible>(Bytes::from_static(chunk.as_bytes())),
            false,
        ))
    });
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        Body::from_stream(body),
    )
        .into_response()
}

fn uk_1251(content_type: &'static str) -> Response {
    let page = uk_html();
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1251.encode(&page);
    assert!(
        !unmappable,
        "the Ukrainian page has a character windows-1251 lacks"
    );
    ([(header::CONTENT_TYPE, content_type)], bytes.into_owned()).into_response()
}

fn gzip() -> Response {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(article_html(1).as_bytes()).unwrap();
    let body = encoder.finish().unwrap();
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_ENCODING, "gzip"),
            (header::VARY, "Accept-Encoding"),
        ],
        body,
    )
        .into_response()
}

/// A paragraph as the page writes it: the same text, one phrase a link.
fn paragraph_html(text: &str) -> String {
    debug_assert!(!text.contains(['<', '>', '&']), "paragraphs are plain text");
    let linked = format!("<a href=\"https://www.icrc.org/en\" rel=\"noopener\">{LINKED}</a>");
    format!("<p>{}</p>", text.replacen(LINKED, &linked, 1))
}

/// The `/article` page of `version`.
fn article_html(version: u32) -> String {
    let paragraphs = article_paragraphs(version);
    let modified = if version == 1 {
        PUBLISHED
    } else {
        "2025-08-14T15:45:00Z"
    };
    let base = "https://www.bosphorusledger.example";
    let page = format!("{base}/world/2025/08/14/istanbul-second-prisoner-exchange/");
    let ld = json!({
        "@context": "https://schema.org",
        "@graph": [
            {
                "@type": "NewsArticle",
                "@id": format!("{page}#article"),
                "isPartOf": { "@id": page },
                "headline": ARTICLE_TITLE,
                "datePublished": PUBLISHED,
                "dateModified": modified,
                "author": { "@type": "Person", "name": AUTHOR, "@id": format!("{base}/#/schema/person/leyla-arslan") },
                "publisher": { "@id": format!("{base}/#organization") },
                "articleSection": ["World", "Diplomacy"],
                "wordCount": paragraphs.iter().map(|p| p.split_whitespace().count()).sum::<usize>(),
                "inLanguage": "en-GB"
            },
            {
                "@type": "WebPage",
                "@id": page,
                "name": format!("{ARTICLE_TITLE} | {SITE_NAME}"),
                "isPartOf": { "@id": format!("{base}/#website") },
                "datePublished": PUBLISHED,
                "breadcrumb": { "@id": format!("{page}#breadcrumb") }
            },
            {
                "@type": "BreadcrumbList",
                "@id": format!("{page}#breadcrumb"),
                "itemListElement": [
                    { "@type": "ListItem", "position": 1, "name": "Home", "item": format!("{base}/") },
                    { "@type": "ListItem", "position": 2, "name": "World", "item": format!("{base}/world/") },
                    { "@type": "ListItem", "position": 3, "name": ARTICLE_TITLE }
                ]
            },
            {
                "@type": "WebSite",
                "@id": format!("{base}/#website"),
                "name": SITE_NAME,
                "publisher": { "@id": format!("{base}/#organization") }
            },
            {
                "@type": "Organization",
                "@id": format!("{base}/#organization"),
                "name": SITE_NAME,
                "logo": { "@type": "ImageObject", "url": format!("{base}/assets/logo-512.png"), "width": 512, "height": 512 }
            },
            {
                "@type": "Person",
                "@id": format!("{base}/#/schema/person/leyla-arslan"),
                "name": AUTHOR,
                "jobTitle": "Diplomatic correspondent"
            }
        ]
    });
    let ld = serde_json::to_string_pretty(&ld).unwrap();

    let mut body = String::new();
    for (i, text) in paragraphs.iter().enumerate() {
        if i == 4 {
            body.push_str(&format!("        <h2>{ARTICLE_HEADING}</h2>\n"));
        }
        body.push_str(&format!("        {}\n", paragraph_html(text)));
        if i == 1 {
            body.push_str(
                "        <div class=\"ad-slot\" data-ad-unit=\"article-mid\" aria-hidden=\"true\">\n\
                 \x20         <span class=\"ad-label\">Advertisement</span>\n\
                 \x20         <div class=\"ad-frame\" style=\"min-height:250px\"></div>\n\
                 \x20       </div>\n",
            );
        }
    }
    let modified_meta = if version == 1 {
        String::new()
    } else {
        format!("  <meta property=\"article:modified_time\" content=\"{modified}\">\n")
    };

    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{ARTICLE_TITLE} | {SITE_NAME}</title>
  <meta name="description" content="Ukraine and Russia agreed in Istanbul to swap 1,200 prisoners of war and to return the remains of 2,000 soldiers.">
  <meta name="author" content="{AUTHOR}">
  <meta property="og:type" content="article">
  <meta property="og:site_name" content="{SITE_NAME}">
  <meta property="og:title" content="{ARTICLE_TITLE}">
  <meta property="og:description" content="The first group of detainees is due to cross in August; civilians were left out of the deal.">
  <meta property="og:image" content="{base}/uploads/2025/08/istanbul-talks-1200.jpg">
  <meta property="article:published_time" content="{PUBLISHED}">
{modified_meta}  <meta property="article:section" content="World">
  <meta name="twitter:card" content="summary_large_image">
  <link rel="stylesheet" href="/assets/site.min.css?ver=4.12.1">
  <link rel="icon" href="/favicon.ico">
  <script type="application/ld+json" class="yoast-schema-graph">
{ld}
  </script>
  <script>
    window.dataLayer = window.dataLayer || [];
    function gtag() {{ dataLayer.push(arguments); }}
    gtag('consent', 'default', {{ analytics_storage: 'denied' }});
  </script>
  <script async src="/assets/analytics.js"></script>
</head>
<body class="post-template-default single single-post">
  <div id="cookie-consent" class="gdpr-banner" role="dialog" aria-label="Cookie consent">
    <p>We use cookies to remember your preferences, to measure how our journalism is read and to show advertising. You can change your choice at any time under Privacy settings.</p>
    <button type="button" class="gdpr-accept">Accept all</button>
    <button type="button" class="gdpr-reject">Reject non-essential</button>
  </div>
  <header class="site-header">
    <a class="site-logo" href="/"><img src="/assets/logo.svg" alt="{SITE_NAME}" width="180" height="32"></a>
    <nav class="main-menu" aria-label="Main menu">
      <ul>
        <li><a href="/">Home</a></li>
        <li><a href="/world/">World</a></li>
        <li><a href="/turkey/">Turkey</a></li>
        <li><a href="/business/">Business</a></li>
        <li><a href="/opinion/">Opinion</a></li>
        <li><a href="/culture/">Culture</a></li>
        <li><a href="/sport/">Sport</a></li>
        <li><a href="/newsletters/">Newsletters</a></li>
      </ul>
    </nav>
    <form class="search" action="/search/" method="get"><input type="search" name="q" placeholder="Search"><button type="submit">Search</button></form>
  </header>
  <main id="content">
    <article class="post">
      <div class="post-meta"><a class="category" href="/world/">World</a></div>
      <h1 class="post-title">{ARTICLE_TITLE}</h1>
      <div class="byline">By <a rel="author" href="/author/leyla-arslan/">{AUTHOR}</a>, diplomatic correspondent · <time datetime="{PUBLISHED}">14 August 2025, 09:30 GMT</time></div>
      <div class="post-body">
{body}      </div>
      <div class="share-buttons">
        <span>Share this story</span>
        <a href="https://x.com/intent/post?text=Istanbul%20talks" class="share-x">Share on X</a>
        <a href="https://www.facebook.com/sharer/sharer.php" class="share-facebook">Share on Facebook</a>
        <a href="https://t.me/share/url" class="share-telegram">Share on Telegram</a>
        <button type="button" class="share-copy">Copy link</button>
      </div>
    </article>
    <aside class="related-stories">
      <h2>Related stories</h2>
      <ul>
        <li><a href="/world/2025/07/24/istanbul-third-round-talks/">Third round of Istanbul talks ends after forty minutes</a></li>
        <li><a href="/world/2025/06/03/prisoner-lists-handed-over/">Delegations hand over prisoner lists at Istanbul meeting</a></li>
        <li><a href="/turkey/2025/08/11/ankara-mediation-role/">Ankara weighs a larger mediation role as talks resume</a></li>
        <li><a href="/world/2025/08/06/red-cross-detainee-visits/">Red Cross asks for access to detainees on both sides</a></li>
      </ul>
    </aside>
    <section id="comments" class="comments-area">
      <h2 class="comments-title">3 comments</h2>
      <ol class="comment-list">
        <li class="comment"><div class="comment-author">Deniz K.</div><div class="comment-meta">2 hours ago</div><p>Good to see any agreement at all, but leaving the civilians out is hard to accept.</p></li>
        <li class="comment"><div class="comment-author">Andrew Hale</div><div class="comment-meta">1 hour ago</div><p>Does anyone know which border crossing they will use this time? The article does not say.</p></li>
        <li class="comment"><div class="comment-author">Nadia P.</div><div class="comment-meta">45 minutes ago</div><p>Thank you for mentioning the families outside the consulate. They are too often forgotten.</p></li>
      </ol>
      <form class="comment-form" action="/comments/" method="post"><textarea name="comment" placeholder="Join the discussion"></textarea><button type="submit">Post comment</button></form>
    </section>
  </main>
  <footer class="site-footer">
    <ul class="footer-links">
      <li><a href="/about/">About us</a></li>
      <li><a href="/contact/">Contact</a></li>
      <li><a href="/privacy/">Privacy settings</a></li>
      <li><a href="/terms/">Terms of use</a></li>
      <li><a href="/advertise/">Advertise with us</a></li>
    </ul>
    <p class="copyright">© 2025 {SITE_NAME}. All rights reserved.</p>
  </footer>
  <script src="/assets/site.min.js?ver=4.12.1"></script>
</body>
</html>
"#
    )
}

/// The three paragraphs of `/with-banner`'s article, as the page has them.
pub const BANNER_PAGE_PARAGRAPHS: [&str; 3] = [
    "The city council approved a new night bus line on Tuesday that will link the university campus with the old harbour every twenty minutes between midnight and five in the morning.",
    "The line, numbered N7, will use four electric buses leased from a regional operator. The council expects about 1,400 riders a night once the spring term begins.",
    "Tickets will cost the same as on day services, and students with a campus card will ride free during the first month of the trial.",
];

/// `/with-banner`: a short article (three paragraphs) whose page puts a cookie banner, a
/// share bar and a "Related" box beside the `<article>` element, as sibling `div`s and
/// `aside`s: only the article's paragraphs are the article.
fn with_banner_html() -> String {
    let [p1, p2, p3] = BANNER_PAGE_PARAGRAPHS;
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Night bus to link campus and harbour - Riverside Courier</title>
</head>
<body>
  <div class="page">
    <div class="cookie-consent" id="consent">We use cookies to improve your experience on our site and to show you personalised advertising. Accept all cookies or manage your cookie preferences at any time in the settings of your account.</div>
    <aside class="share-bar">Share this story with your friends and family on social media: Facebook, X, WhatsApp, Telegram, or copy the link to send it by email.</aside>
    <article>
      <h1>Night bus to link campus and harbour</h1>
      <p>{p1}</p>
      <p>{p2}</p>
      <p>{p3}</p>
    </article>
    <aside class="related"><h2>Related</h2><p>Ferry timetable changes for the winter season announced by the harbour authority this week, with fewer evening departures.</p><p>Cycling lanes on the coast road to open next month after two years of delays and a long dispute over the budget.</p></aside>
  </div>
</body>
</html>
"#
    )
}

/// `/time-only`: dated only by a `<time>` element in the article.
fn time_only_html() -> String {
    r#"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Harbour ferries to run later on weekdays - Marmara Coast News</title>
  <link rel="stylesheet" href="/static/style.css">
</head>
<body>
  <header><a href="/">Marmara Coast News</a> <nav><a href="/local/">Local</a> <a href="/transport/">Transport</a> <a href="/weather/">Weather</a></nav></header>
  <article>
    <h1>Harbour ferries to run later on weekdays</h1>
    <div class="dateline">Published <time datetime="2025-09-02">2 September 2025</time></div>
    <p>The municipal ferry company will add two late departures on weekdays from next month, with the last boat leaving the main pier at 23:40 instead of 22:15. The change follows a survey in which 3,100 passengers asked for later services.</p>
    <p>Captain Emre Doğan, the company’s operations manager, said the extra trips would use the two smaller vessels bought last year. Each of them carries up to 180 passengers and uses about a third less fuel than the older boats.</p>
    <p>Fares will not change, and monthly passes will remain valid on the new departures. Weekend timetables stay as they are for now, although the company said it would review them after the winter.</p>
  </article>
  <footer><a href="/contact/">Contact the newsroom</a></footer>
</body>
</html>
"#
    .to_owned()
}

/// The Ukrainian page of `/uk-1251` (as Unicode; it is sent in windows-1251).
fn uk_html() -> String {
    let body: String = uk_paragraphs()
        .iter()
        .map(|p| format!("      <p>{p}</p>\n"))
        .collect();
    format!(
        r#"<!DOCTYPE html>
<html lang="uk">
<head>
  <meta http-equiv="Content-Type" content="text/html; charset=windows-1251">
  <title>{UK_TITLE} — Дніпровий вісник</title>
  <meta property="og:site_name" content="Дніпровий вісник">
  <meta property="og:title" content="{UK_TITLE}">
  <meta property="article:published_time" content="2025-08-17T11:00:00+03:00">
  <meta name="author" content="Олена Коваль">
</head>
<body>
  <header>
    <a href="/">Дніпровий вісник</a>
    <nav><a href="/misto/">Місто</a> <a href="/ekonomika/">Економіка</a> <a href="/kultura/">Культура</a> <a href="/sport/">Спорт</a></nav>
  </header>
  <main>
    <article>
      <h1>{UK_TITLE}</h1>
      <div class="byline">Олена Коваль · <time datetime="2025-08-17T11:00:00+03:00">17 серпня 2025</time></div>
{body}    </article>
    <aside><h2>Читайте також</h2><ul><li><a href="/misto/tramvai/">Трамвай №1 повертається на маршрут</a></li><li><a href="/misto/mosty/">Як ремонтують мости через Дніпро</a></li></ul></aside>
  </main>
  <footer><p>© 2025 Дніпровий вісник. Усі права захищено.</p></footer>
</body>
</html>
"#
    )
}

const EMPTY_HTML: &str = "<html><head><title>Loading…</title></head><body><div id=\"root\"></div>\
<noscript>Please enable JavaScript</noscript><script src=\"/app.js\"></script></body></html>";

/// A small, well-formed-looking PDF.
const PDF: &[u8] = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n\
1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n\
2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n\
3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\n\
trailer\n<< /Root 1 0 R >>\n%%EOF\n";

/// The PNG signature and the start of an IHDR chunk.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89";
