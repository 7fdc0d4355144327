//! Fetching one page, safely (see [`super::address`] for which addresses may be reached):
//! redirects followed by hand, at most [`MAX_REDIRECTS`], each new address checked before
//! it is requested; host names resolved by a resolver that refuses the whole answer if
//! any address is not public, and whose vetted addresses are the ones connected to (a
//! name that resolves differently a second time cannot slip through); the address
//! actually connected to checked again; one time limit for the whole fetch; the body
//! read in chunks and refused as soon as it passes the size limit (decompressed bytes
//! are counted, so a small gzip bomb is stopped too); only HTML or plain text; no
//! cookies, no proxy from the environment; a User-Agent naming attache.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::StatusCode;
use url::Url;

use super::address::{self, Allowed, Refused};

/// Redirects followed before giving up.
pub const MAX_REDIRECTS: usize = 5;

/// What a fetch may do.
#[derive(Debug, Clone)]
pub struct Limits {
    /// The whole fetch: connecting, every redirect and the body.
    pub timeout: Duration,
    /// The body, as read (after decompression).
    pub max_bytes: usize,
    /// Addresses exempt from the public-address rule.
    pub allowed: Allowed,
}

/// What the page said last time, for a refresh (`If-None-Match`, `If-Modified-Since`).
#[derive(Debug, Clone, Default)]
pub struct Known {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// A page as fetched.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The address after redirects.
    pub url: Url,
    pub content_type: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub body: Vec<u8>,
}

/// The outcome of a fetch that did not fail.
#[derive(Debug, Clone)]
pub enum Outcome {
    Page(Fetched),
    /// 304: the page has not changed since [`Known`].
    NotModified,
}

/// Why a page could not be fetched: one sentence for the moderator.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error(transparent)]
    Refused(#[from] Refused),
    #[error("the link `{0}` is not a web address")]
    BadLink(String),
    #[error("the page redirected more than {MAX_REDIRECTS} times")]
    TooManyRedirects,
    #[error("the page took longer than {0} s to arrive")]
    TimedOut(u64),
    #[error("the page is larger than the {0} KB limit (index.max_fetch_kb)")]
    TooLarge(usize),
    #[error("the link is a `{0}` file, not a web page (HTML or plain text)")]
    NotAPage(String),
    #[error("the site did not say what kind of file the link is")]
    Unlabelled,
    #[error("the site answered {0}")]
    Status(String),
    #[error("no address was found for {0}")]
    NoSuchHost(String),
    #[error("the page could not be fetched: {0}")]
    Network(String),
}

/// Resolves host names for the client, keeping only answers made entirely of public
/// addresses (names are never on the allow-list).
struct VettingResolver;

impl Resolve for VettingResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            type Failure = Box<dyn std::error::Error + Send + Sync>;
            let no_such_host =
                |host: &str| -> Failure { Box::new(FetchError::NoSuchHost(host.to_string())) };
            let found: Vec<SocketAddr> = match tokio::net::lookup_host((host.as_str(), 0)).await {
                Ok(found) => found.collect(),
                Err(_) => return Err(no_such_host(&host)),
            };
            if found.is_empty() {
                return Err(no_such_host(&host));
            }
            if let Some(bad) = found.iter().find(|a| !address::is_public(a.ip())) {
                let refused: Failure = Box::new(FetchError::Refused(Refused::NotPublic(
                    bad.ip().to_canonical(),
                )));
                return Err(refused);
            }
            let addrs: Addrs = Box::new(found.into_iter());
            Ok(addrs)
        })
    }
}

/// The fetcher: one HTTP client, reused.
pub struct Fetcher {
    client: reqwest::Client,
    limits: Limits,
}

/// The User-Agent: attache, its version and, when the package has one, its address.
pub fn user_agent() -> String {
    let repository = env!("CARGO_PKG_REPOSITORY");
    if repository.is_empty() {
        format!("attache/{}", env!("CARGO_PKG_VERSION"))
    } else {
        format!("attache/{} (+{repository})", env!("CARGO_PKG_VERSION"))
    }
}

impl Fetcher {
    pub fn new(limits: Limits) -> Result<Fetcher, FetchError> {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_static("text/html,application/xhtml+xml,text/plain;q=0.9"),
        );
        let client = reqwest::Client::builder()
            .user_agent(user_agent())
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(VettingResolver))
            .connect_timeout(limits.timeout)
            .build()
            .map_err(|e| FetchError::Network(e.to_string()))?;
        Ok(Fetcher { client, limits })
    }

    /// Fetch `link`, following redirects; with `known`, ask only for a changed page.
    pub async fn fetch(&self, link: &str, known: &Known) -> Result<Outcome, FetchError> {
        let url = Url::parse(link.trim()).map_err(|_| FetchError::BadLink(link.to_string()))?;
        let seconds = self.limits.timeout.as_secs().max(1);
        tokio::time::timeout(self.limits.timeout, self.follow(url, known))
            .await
            .map_err(|_| FetchError::TimedOut(seconds))?
    }

    async fn follow(&self, mut url: Url, known: &Known) -> Result<Outcome, FetchError> {
        let mut redirects = 0;
        loop {
            address::check_url(&url, &self.limits.allowed)?;
            let mut request = self.client.get(url.clone());
            if let Some(etag) = &known.etag {
                request = request.header(header::IF_NONE_MATCH, etag);
            }
            if let Some(date) = &known.last_modified {
                request = request.header(header::IF_MODIFIED_SINCE, date);
            }
            let mut response = request.send().await.map_err(network)?;
            // The address actually connected to, checked once more (before its body is
            // read); an unknown one is refused.
            match response.remote_addr() {
                Some(to) if address::is_public(to.ip()) || self.limits.allowed.socket(to) => {}
                Some(to) => return Err(Refused::NotPublic(to.ip().to_canonical()).into()),
                None => {
                    return Err(FetchError::Network(
                        "the address connected to is unknown".into(),
                    ))
                }
            }
            let status = response.status();
            if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
                let location = response
                    .headers()
                    .get(header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .ok_or_else(|| FetchError::Status(describe(status)))?;
                let next = url
                    .join(location)
                    .map_err(|_| FetchError::BadLink(location.to_string()))?;
                redirects += 1;
                if redirects > MAX_REDIRECTS {
                    return Err(FetchError::TooManyRedirects);
                }
                url = next;
                continue;
            }
            if status == StatusCode::NOT_MODIFIED {
                return Ok(Outcome::NotModified);
            }
            if !status.is_success() {
                return Err(FetchError::Status(describe(status)));
            }
            let text = |name: header::HeaderName| {
                response
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            };
            let content_type = text(header::CONTENT_TYPE).unwrap_or_default();
            let essence = content_type
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            if !matches!(
                essence.as_str(),
                "text/html" | "application/xhtml+xml" | "text/plain"
            ) {
                if essence.is_empty() {
                    return Err(FetchError::Unlabelled);
                }
                return Err(FetchError::NotAPage(essence));
            }
            let (etag, last_modified) = (text(header::ETAG), text(header::LAST_MODIFIED));
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(network)? {
                if body.len() + chunk.len() > self.limits.max_bytes {
                    return Err(FetchError::TooLarge(self.limits.max_bytes / 1024));
                }
                body.extend_from_slice(&chunk);
            }
            return Ok(Outcome::Page(Fetched {
                url,
                content_type,
                etag,
                last_modified,
                body,
            }));
        }
    }
}

/// A status as a reader knows it: "404 Not Found".
fn describe(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

/// A client error as one sentence; a refusal from the resolver keeps its own words.
fn network(e: reqwest::Error) -> FetchError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(s) = source {
        if let Some(f) = s.downcast_ref::<FetchError>() {
            return match f {
                FetchError::Refused(r) => FetchError::Refused(r.clone()),
                FetchError::NoSuchHost(h) => FetchError::NoSuchHost(h.clone()),
                other => FetchError::Network(other.to_string()),
            };
        }
        source = s.source();
    }
    if e.is_timeout() {
        return FetchError::Network("the connection timed out".into());
    }
    if e.is_connect() {
        return FetchError::Network("the site could not be reached".into());
    }
    FetchError::Network(e.without_url().to_string())
}
