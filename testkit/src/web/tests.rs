//! The local web server answered by hand-written HTTP/1.1 requests over a plain TCP stream.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::Web;

/// Sends `GET path` with `headers` and returns the status, the headers (names lowercase)
/// and the body (the connection is closed after one answer).
async fn get(web: &Web, path: &str, headers: &[&str]) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut stream = TcpStream::connect(web.addr()).await.unwrap();
    let mut request = format!(
        "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
        web.addr()
    );
    for header in headers {
        request.push_str(&format!("{header}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let end = answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8(answer[..end].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .map(|line| {
            let (name, value) = line.split_once(':').unwrap();
            (name.to_ascii_lowercase(), value.trim().to_owned())
        })
        .collect();
    (status, headers, answer[end + 4..].to_vec())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

#[tokio::test]
async fn article_etag_304_and_gzip_406() {
    let web = Web::start().await;

    let (status, headers, body) = get(&web, "/article", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "etag"), Some("\"v1\""));
    let page = String::from_utf8(body).unwrap();
    assert!(page.contains(super::ARTICLE_TITLE));

    let (status, headers, body) = get(&web, "/article", &["If-None-Match: \"v1\""]).await;
    assert_eq!(status, 304);
    assert_eq!(header(&headers, "etag"), Some("\"v1\""));
    assert!(body.is_empty());

    let (status, _, _) = get(&web, "/gzip", &[]).await;
    assert_eq!(status, 406);

    assert_eq!(web.hits("/article"), 2);
    let requests = web.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests[1]
        .headers
        .contains(&("if-none-match".to_owned(), "\"v1\"".to_owned())));
}
