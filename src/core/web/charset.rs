//! A page's bytes as text. Ukrainian and Russian news sites still serve windows-1251 and
//! KOI8-R, often saying so only in a `<meta>` tag. The order browsers use: a byte order
//! mark, the `Content-Type` header's charset, a `<meta charset>` or
//! `<meta http-equiv="Content-Type">` in the first 1024 bytes, then UTF-8 if the bytes
//! are valid UTF-8, then chardetng's guess. encoding_rs reads the labels and decodes;
//! the `<meta>` prescan is written here because encoding_rs leaves it to its users.

use encoding_rs::{Encoding, UTF_8};

/// The encoding named by a `charset=` parameter in `text`, if any.
fn charset_in(text: &str) -> Option<&'static Encoding> {
    label_in(text).and_then(|l| Encoding::for_label(l.as_bytes()))
}

fn label_in(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let at = lower.find("charset")?;
    let rest = lower[at + "charset".len()..].trim_start();
    let rest = rest.strip_prefix('=')?.trim_start();
    let rest = rest.trim_start_matches(['"', '\'']);
    let label: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
        .collect();
    Some(label)
}

/// The encoding a `<meta>` tag in the first 1024 bytes declares.
fn declared_in_meta(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(1024)]);
    let lower = head.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = lower[from..].find("<meta") {
        let start = from + at;
        let end = lower[start..].find('>').map_or(lower.len(), |e| start + e);
        if let Some(e) = charset_in(&head[start..end]) {
            // A page that says UTF-16 in its own bytes cannot be UTF-16 (WHATWG).
            if e == encoding_rs::UTF_16LE || e == encoding_rs::UTF_16BE {
                return Some(UTF_8);
            }
            return Some(e);
        }
        from = end;
    }
    None
}

/// `bytes` decoded, with the encoding used; `content_type` is the header as sent, `host`
/// the page's (its top-level domain helps chardetng tell windows-1251 from KOI8-R).
pub fn decode(bytes: &[u8], content_type: &str, host: Option<&str>) -> (String, &'static Encoding) {
    let encoding = Encoding::for_bom(bytes)
        .map(|(e, _)| e)
        .or_else(|| charset_in(content_type))
        .or_else(|| declared_in_meta(bytes))
        .unwrap_or_else(|| {
            if std::str::from_utf8(bytes).is_ok() {
                UTF_8
            } else {
                let mut detector =
                    chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
                detector.feed(bytes, true);
                let tld = host
                    .and_then(|h| h.rsplit('.').next())
                    .filter(|t| t.bytes().all(|b| b.is_ascii_alphabetic()))
                    .map(str::as_bytes);
                detector.guess(tld, chardetng::Utf8Detection::Allow)
            }
        });
    let (text, used, _) = encoding.decode(bytes);
    (text.into_owned(), used)
}

#[cfg(test)]
mod tests {
    use super::*;

    const UK: &str = "Делегації зустрілися в Стамбулі й домовилися про обмін полоненими.";

    #[test]
    fn the_header_then_the_meta_tag_then_a_guess_decide() {
        let (cp1251, _, _) = encoding_rs::WINDOWS_1251.encode(UK);
        let (koi8, _, _) = encoding_rs::KOI8_U.encode(UK);
        let page = |meta: &str, text: &[u8]| {
            let mut b = format!("<html><head>{meta}</head><body><p>").into_bytes();
            b.extend_from_slice(text);
            b.extend_from_slice(b"</p></body></html>");
            b
        };
        let by_header = decode(&page("", &cp1251), "text/html; charset=windows-1251", None);
        assert!(by_header.0.contains(UK), "{}", by_header.0);
        let by_meta = decode(
            &page(
                "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1251\">",
                &cp1251,
            ),
            "text/html",
            None,
        );
        assert!(by_meta.0.contains(UK));
        let koi = decode(&page("<meta charset=\"koi8-u\">", &koi8), "text/html", None);
        assert!(koi.0.contains(UK));
        let utf8 = decode(&page("", UK.as_bytes()), "text/html", None);
        assert!(utf8.0.contains(UK));
        assert_eq!(utf8.1, UTF_8);
        // Nothing said: chardetng recognises Cyrillic in windows-1251.
        let guessed = decode(
            &page("", &cp1251.repeat(4)),
            "text/html",
            Some("news.example.ua"),
        );
        assert_eq!(guessed.1, encoding_rs::WINDOWS_1251, "{}", guessed.0);
        // KOI8-U unlabelled, from a Ukrainian site.
        let guessed = decode(
            &page("", &koi8.repeat(4)),
            "text/html",
            Some("news.example.ua"),
        );
        assert!(guessed.0.contains(UK), "{:?}", guessed.1);
    }
}
