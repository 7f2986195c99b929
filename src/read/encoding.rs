//! Bytes → text: which encoding a document is in, and decoding it to UTF-8.
//!
//! Precedence follows XML's own rules as browsers apply them: a byte-order mark wins, then
//! the HTTP `charset`, then the XML declaration, then UTF-8. Feeds in the wild often declare
//! a legacy encoding and then send UTF-8; valid multi-byte UTF-8 under a legacy label is read
//! as UTF-8 (with a warning), because the reverse accident is practically impossible.
//!
//! Bytes that are not UTF-8 and declare nothing, or that do not decode in the encoding they
//! declare (windows-1258 sent as UTF-8), are guessed with `chardetng` (Firefox's detector),
//! helped by the document URL's top-level domain, and the guess is reported as a warning.
//! A UTF-8 document with a few broken bytes stays UTF-8: it has at least as many valid
//! multi-byte characters as invalid sequences, which a legacy encoding's text practically
//! never has.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8};
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// A document decoded to UTF-8, XML-invalid characters already removed.
pub struct Decoded<'a> {
    /// The text.
    pub text: Cow<'a, str>,
    /// The encoding's name as reported in `RawFeed::encoding`.
    pub encoding: String,
    /// Problems met while decoding.
    pub warnings: Vec<String>,
}

/// Where the chosen encoding came from.
enum Source {
    Bom(usize),
    Http,
    Declaration,
    Default,
}

/// Decodes `bytes` to UTF-8 text; `tld` is the top-level domain of the document's URL
/// (lowercase letters), which helps guess an undeclared encoding.
pub fn decode<'a>(bytes: &'a [u8], content_type: Option<&str>, tld: Option<&str>) -> Decoded<'a> {
    let mut warnings = Vec::new();
    if let Some((text, name)) = decode_utf32(bytes, &mut warnings) {
        return finish(Cow::Owned(text), name.to_string(), warnings, false);
    }
    let http = content_type.and_then(charset_param);
    let (encoding, source) = if let Some((enc, len)) = Encoding::for_bom(bytes) {
        (enc, Source::Bom(len))
    } else if let Some(enc) = http.and_then(|label| label_to_encoding(label, &mut warnings)) {
        (enc, Source::Http)
    } else if let Some(enc) = sniff_utf16(bytes) {
        (enc, Source::Declaration)
    } else if let Some(enc) =
        declared_encoding(bytes).and_then(|label| label_to_encoding(&label, &mut warnings))
    {
        (enc, Source::Declaration)
    } else {
        (UTF_8, Source::Default)
    };
    let body = match source {
        Source::Bom(len) => bytes.get(len..).unwrap_or_default(),
        _ => bytes,
    };
    // A document labelled with a legacy encoding whose bytes are valid UTF-8 with non-ASCII
    // characters was almost certainly written as UTF-8 by a misconfigured server.
    if encoding != UTF_8 && !matches!(source, Source::Bom(_)) && is_ascii_compatible(encoding) {
        if let Ok(s) = simdutf8::basic::from_utf8(body) {
            if !s.is_ascii() {
                warnings.push(format!(
                    "the document is labelled {} but its bytes are UTF-8; read as UTF-8",
                    encoding.name()
                ));
                return finish(Cow::Borrowed(s), "UTF-8".into(), warnings, false);
            }
        }
    }
    if encoding == UTF_8 {
        // The SIMD validator is several times faster on non-ASCII text; std's error says where.
        if let Ok(s) = simdutf8::basic::from_utf8(body) {
            return finish(Cow::Borrowed(s), "UTF-8".into(), warnings, false);
        }
        return match std::str::from_utf8(body) {
            Ok(s) => finish(Cow::Borrowed(s), "UTF-8".into(), warnings, false),
            Err(_) if !matches!(source, Source::Bom(_)) && !mostly_utf8(body) => {
                let label = match source {
                    Source::Default => {
                        "no encoding is declared and the bytes are not UTF-8".to_string()
                    }
                    _ => "the document is labelled UTF-8 but its bytes are not UTF-8".to_string(),
                };
                decode_guessed(body, tld, &label, warnings)
            }
            Err(e) => {
                let (line, column) = line_col_bytes(body, e.valid_up_to());
                warnings.push(format!(
                    "invalid UTF-8 bytes (first at line {line}, column {column}) were replaced with U+FFFD"
                ));
                let text = String::from_utf8_lossy(body).into_owned();
                finish(Cow::Owned(text), "UTF-8".into(), warnings, false)
            }
        };
    }
    let (text, had_errors) = encoding.decode_without_bom_handling(body);
    if had_errors && !matches!(source, Source::Bom(_)) {
        let guess = guess(body, tld);
        if guess != encoding {
            let label = format!(
                "the document is labelled {} but its bytes are not valid {}",
                encoding.name(),
                encoding.name()
            );
            return decode_guessed(body, tld, &label, warnings);
        }
    }
    if had_errors {
        warnings.push(format!(
            "bytes invalid in {} were replaced with U+FFFD",
            encoding.name()
        ));
    }
    // windows-1258 spells Vietnamese tone marks as combining characters.
    let compose = encoding == encoding_rs::WINDOWS_1258;
    finish(text, encoding.name().to_string(), warnings, compose)
}

/// Decodes `body` in the encoding `chardetng` guesses, saying why (`why`) and what it read.
fn decode_guessed<'a>(
    body: &'a [u8],
    tld: Option<&str>,
    why: &str,
    mut warnings: Vec<String>,
) -> Decoded<'a> {
    let encoding = guess(body, tld);
    warnings.push(format!(
        "{why}: read as {}, the encoding guessed from the bytes",
        encoding.name()
    ));
    let (text, had_errors) = encoding.decode_without_bom_handling(body);
    if had_errors {
        warnings.push(format!(
            "bytes invalid in {} were replaced with U+FFFD",
            encoding.name()
        ));
    }
    let compose = encoding == encoding_rs::WINDOWS_1258;
    finish(text, encoding.name().to_string(), warnings, compose)
}

/// The legacy encoding `chardetng` finds most likely for `body` (never UTF-8: the callers
/// know it is not).
fn guess(body: &[u8], tld: Option<&str>) -> &'static Encoding {
    // ISO-2022-JP is an escape-sequence encoding no feed is sent in undeclared.
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(body, true);
    let tld = tld.filter(|t| t.len() >= 2 && t.bytes().all(|c| c.is_ascii_lowercase()));
    detector.guess(tld.map(str::as_bytes), chardetng::Utf8Detection::Deny)
}

/// Whether bytes that are not valid UTF-8 are UTF-8 with a few broken bytes: at least as
/// many valid multi-byte characters as invalid sequences (a legacy encoding's letters
/// practically never form valid UTF-8 sequences).
fn mostly_utf8(mut b: &[u8]) -> bool {
    let leads = |v: &[u8]| v.iter().filter(|&&c| c >= 0xC0).count();
    let (mut good, mut bad) = (0usize, 0usize);
    loop {
        match std::str::from_utf8(b) {
            Ok(s) => {
                good += leads(s.as_bytes());
                break;
            }
            Err(e) => {
                let (valid, rest) = b.split_at(e.valid_up_to());
                good += leads(valid);
                bad += 1;
                match e.error_len() {
                    Some(n) => b = rest.get(n..).unwrap_or_default(),
                    None => break,
                }
            }
        }
    }
    good > 0 && good >= bad
}

/// Strips XML-invalid characters and, when asked, composes to NFC.
fn finish<'a>(
    text: Cow<'a, str>,
    encoding: String,
    mut warnings: Vec<String>,
    compose: bool,
) -> Decoded<'a> {
    let mut text = text;
    if has_xml_invalid(&text) {
        let cleaned: String = text
            .chars()
            .filter(|&c| crate::text::is_xml_char(c))
            .collect();
        warnings.push("characters not allowed in XML (control characters) were dropped".into());
        text = Cow::Owned(cleaned);
    }
    if compose && is_nfc_quick(text.chars()) != IsNormalized::Yes {
        text = Cow::Owned(text.nfc().collect());
    }
    Decoded {
        text,
        encoding,
        warnings,
    }
}

/// Fast scan for C0 controls (other than tab, LF, CR) and U+FFFE / U+FFFF.
fn has_xml_invalid(s: &str) -> bool {
    const CHUNK: usize = 64;
    let b = s.as_bytes();
    // One branch-free pass over fixed chunks (the compiler vectorizes it) flags the chunks
    // holding a control or the lead byte of U+FFFE / U+FFFF (EF BF BE / EF BF BF); only
    // those are looked at byte by byte.
    let suspicious =
        |c: u8| ((c < 0x20) & (c != b'\t') & (c != b'\n') & (c != b'\r')) | (c == 0xEF);
    b.chunks(CHUNK).enumerate().any(|(n, chunk)| {
        chunk.iter().fold(false, |acc, &c| acc | suspicious(c))
            && chunk.iter().enumerate().any(|(j, &c)| {
                let i = n * CHUNK + j;
                (c < 0x20 && !matches!(c, b'\t' | b'\n' | b'\r'))
                    || (c == 0xEF
                        && b.get(i + 1) == Some(&0xBF)
                        && matches!(b.get(i + 2), Some(0xBE | 0xBF)))
            })
    })
}

fn is_ascii_compatible(enc: &'static Encoding) -> bool {
    enc.is_ascii_compatible() && enc != UTF_8
}

/// The `charset` parameter of a Content-Type header.
fn charset_param(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches(|c| c == '"' || c == '\''))
    })
}

/// Maps a label to an encoding, warning on labels encoding_rs does not know.
fn label_to_encoding(label: &str, warnings: &mut Vec<String>) -> Option<&'static Encoding> {
    let enc = Encoding::for_label(label.trim().as_bytes());
    if enc.is_none() {
        warnings.push(format!("unknown encoding {label:?}; falling back"));
    }
    // A UTF-16 label on a document without a BOM and without NULs is a lie: read as UTF-8.
    enc.map(|e| {
        if e == UTF_16LE || e == UTF_16BE {
            UTF_8
        } else {
            e
        }
    })
}

/// UTF-16 without a BOM, recognised from the NUL pattern of `<?`.
fn sniff_utf16(bytes: &[u8]) -> Option<&'static Encoding> {
    match bytes.get(..4)? {
        [b'<', 0, b'?', 0] | [b'<', 0, _, 0] => Some(UTF_16LE),
        [0, b'<', 0, b'?'] | [0, b'<', 0, _] => Some(UTF_16BE),
        _ => None,
    }
}

/// The `encoding` pseudo-attribute of an XML declaration at the very start.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = bytes.get(..bytes.len().min(512))?;
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    let head = head.get(start..)?;
    if !head.starts_with(b"<?xml") {
        return None;
    }
    let end = head.windows(2).position(|w| w == b"?>")?;
    let decl = std::str::from_utf8(head.get(..end)?).ok()?;
    let at = decl.find("encoding")?;
    let rest = decl.get(at + "encoding".len()..)?.trim_start();
    let rest = rest.strip_prefix('=')?.trim_start();
    let quote = rest.chars().next()?;
    if quote != '"' && quote != '\'' {
        return None;
    }
    let rest = rest.get(1..)?;
    let close = rest.find(quote)?;
    Some(rest.get(..close)?.to_string())
}

/// UTF-32 is not in encoding_rs (the Encoding Standard dropped it); decode it by hand.
fn decode_utf32(bytes: &[u8], warnings: &mut Vec<String>) -> Option<(String, &'static str)> {
    let (big, name) = match bytes.get(..4)? {
        [0xFF, 0xFE, 0, 0] => (false, "UTF-32LE"),
        [0, 0, 0xFE, 0xFF] => (true, "UTF-32BE"),
        _ => return None,
    };
    let body = bytes.get(4..)?;
    let mut out = String::with_capacity(body.len() / 4);
    let mut bad = false;
    for chunk in body.chunks(4) {
        let Ok(arr) = <[u8; 4]>::try_from(chunk) else {
            bad = true;
            break;
        };
        let v = if big {
            u32::from_be_bytes(arr)
        } else {
            u32::from_le_bytes(arr)
        };
        match char::from_u32(v) {
            Some(c) => out.push(c),
            None => {
                bad = true;
                out.push('\u{FFFD}');
            }
        }
    }
    if bad {
        warnings.push(format!(
            "invalid {name} code units were replaced with U+FFFD"
        ));
    }
    Some((out, name))
}

/// 1-based line and column of a byte offset (columns count bytes before the offset).
fn line_col_bytes(bytes: &[u8], pos: usize) -> (usize, usize) {
    let upto = bytes.get(..pos).unwrap_or(bytes);
    let line = upto.iter().filter(|&&b| b == b'\n').count() + 1;
    let col = upto.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_beats_http_and_declaration() {
        let mut doc = vec![0xEF, 0xBB, 0xBF];
        doc.extend_from_slice(
            "<?xml version=\"1.0\" encoding=\"windows-1252\"?><a>é</a>".as_bytes(),
        );
        let d = decode(&doc, Some("text/xml; charset=koi8-r"), None);
        assert_eq!(d.encoding, "UTF-8");
        assert!(d.text.contains("<a>é</a>"));
    }

    #[test]
    fn http_charset_beats_declaration() {
        let doc = b"<?xml version=\"1.0\" encoding=\"utf-8\"?><a>\xe9</a>";
        let d = decode(
            doc,
            Some("application/rss+xml; charset=\"ISO-8859-1\""),
            None,
        );
        assert_eq!(d.encoding, "windows-1252");
        assert!(d.text.contains("<a>é</a>"));
    }

    #[test]
    fn windows_1258_is_composed() {
        // "Việt" in windows-1258: V i ê (0xEA) + combining dot below (0xF2) t
        let doc = b"<?xml version=\"1.0\" encoding=\"windows-1258\"?><a>Vi\xea\xf2t</a>";
        let d = decode(doc, None, None);
        assert_eq!(d.encoding, "windows-1258");
        assert!(d.text.contains("<a>Việt</a>"), "{}", d.text);
    }

    #[test]
    fn xml_invalid_characters_found_anywhere() {
        let clean = "ệ\t\n\r，\u{feff}".repeat(20);
        assert!(!has_xml_invalid(&clean));
        for bad in ["\u{1}", "\u{fffe}", "\u{ffff}"] {
            for at in [0, 5, 63, 64, clean.len()] {
                let mut s = clean.clone();
                s.insert_str(at, bad);
                assert!(has_xml_invalid(&s), "{bad:?} at {at}");
            }
        }
    }

    #[test]
    fn utf32_by_hand() {
        let mut doc = vec![0xFF, 0xFE, 0, 0];
        for c in "<a>ệ</a>".chars() {
            doc.extend_from_slice(&(c as u32).to_le_bytes());
        }
        let d = decode(&doc, None, None);
        assert_eq!(d.encoding, "UTF-32LE");
        assert_eq!(d.text, "<a>ệ</a>");
    }
}
