//! Pure parsers for the value forms feeds.toml uses: durations, byte sizes, URLs, time
//! zones, language tags, paths. Each returns a message saying what was expected, which
//! the caller locates in the file.

use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use chrono_tz::Tz;
use url::Url;

use crate::config::SourceUrl;

/// `"500ms"`, `"30s"`, `"15m"`, `"6h"`, `"1d"`, or a sequence such as `"1h30m"`.
pub(super) fn duration(text: &str) -> Result<Duration, String> {
    let expected = || {
        format!(
            "invalid duration \"{text}\"; use a number with a unit ms, s, m, h or d, \
             such as \"500ms\", \"30s\", \"15m\", \"6h\", \"1d\""
        )
    };
    let s = text.trim();
    if s.is_empty() {
        return Err(expected());
    }
    let mut total = Duration::ZERO;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (num, tail) = rest.split_at(num_len);
        let unit_len = tail
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        let value: f64 = num.parse().map_err(|_| expected())?;
        let seconds = match unit {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "d" => 86400.0,
            _ => return Err(expected()),
        };
        let part = Duration::try_from_secs_f64(value * seconds).map_err(|_| expected())?;
        total = total.checked_add(part).ok_or_else(expected)?;
        rest = tail.trim_start();
    }
    Ok(total)
}

/// `"16MiB"`, `"512KB"`, `"2 MB"`, `"1048576"`: KB/MB/GB are powers of 1000, KiB/MiB/GiB
/// powers of 1024 (units are case-insensitive).
pub(super) fn byte_size(text: &str) -> Result<u64, String> {
    let expected = || {
        format!(
            "invalid size \"{text}\"; use a number of bytes or a number with a unit \
             B, KB, KiB, MB, MiB, GB or GiB, such as \"16MiB\" or \"512KB\""
        )
    };
    let s = text.trim();
    let num_len = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(num_len);
    let value: f64 = num.parse().map_err(|_| expected())?;
    let factor: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "kib" => 1024.0,
        "m" | "mb" => 1e6,
        "mib" => 1024.0 * 1024.0,
        "g" | "gb" => 1e9,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => return Err(expected()),
    };
    let bytes = (value * factor).round();
    if !(bytes.is_finite() && bytes >= 0.0 && bytes < u64::MAX as f64) {
        return Err(expected());
    }
    Ok(bytes as u64)
}

/// An absolute http(s) URL with a host.
///
/// Stricter than the WHATWG parser the `url` crate implements, which repairs what a
/// browser's address bar would (`https:///x` becomes `https://x/`): here the text must be
/// `scheme://authority…` with a non-empty authority and no whitespace or control
/// characters, so a typo is reported instead of fetched from somewhere unintended.
pub(super) fn http_url(text: &str) -> Result<Url, String> {
    let text = text.trim();
    let expected = "expected an absolute http(s) URL such as \"https://example.com/\"";
    if let Some(c) = text.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "invalid URL \"{text}\" (it contains {}); {expected}; write a space as %20",
            match c {
                ' ' => "a space".to_string(),
                c => format!("the character {c:?}"),
            }
        ));
    }
    if scheme_of(text).is_none() {
        let why = Url::parse(text)
            .err()
            .map_or_else(String::new, |e| format!(" ({e})"));
        return Err(format!("invalid URL \"{text}\"{why}; {expected}"));
    }
    let rest = text.split_once(':').map_or("", |(_, r)| r);
    let Some(after) = rest.strip_prefix("//") else {
        return Err(format!(
            "invalid URL \"{text}\" (no `//` after the scheme); {expected}"
        ));
    };
    let authority = after.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host.is_empty() || host.starts_with(':') {
        return Err(format!(
            "URL \"{text}\" has no host; expected such as \"https://example.com/\""
        ));
    }
    let url = Url::parse(text).map_err(|e| format!("invalid URL \"{text}\" ({e}); {expected}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "URL \"{text}\" has scheme \"{}\"; expected http or https",
            url.scheme()
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!(
            "URL \"{text}\" has no host; expected such as \"https://example.com/\""
        ));
    }
    Ok(url)
}

/// The scheme of `text` when it starts with one (RFC 3986 §3.1: a letter, then letters,
/// digits, `+`, `-` or `.`, then `:`), lowercased. A single letter is a Windows drive
/// (`C:\feeds\x.xml`), not a scheme.
fn scheme_of(text: &str) -> Option<String> {
    let (scheme, _) = text.split_once(':')?;
    let mut bytes = scheme.bytes();
    let first_ok = bytes.next().is_some_and(|b| b.is_ascii_alphabetic());
    let rest_ok = bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    (first_ok && rest_ok && scheme.len() > 1).then(|| scheme.to_ascii_lowercase())
}

/// `publish.url`: `s3://bucket` or `s3://bucket/prefix`, the bucket named as S3 allows (3 to
/// 63 lowercase letters, digits, `.` and `-`, starting and ending with a letter or digit),
/// the prefix without empty, `.` or `..` segments, so every key it gives is one S3 stores
/// as written.
pub(super) fn publish_url(text: &str) -> Result<crate::config::PublishUrl, String> {
    let text = text.trim();
    let expected = "expected \"s3://bucket\" or \"s3://bucket/prefix\"";
    let Some(rest) = text.strip_prefix("s3://") else {
        return Err(format!("\"{text}\" is not an s3:// URL; {expected}"));
    };
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    let bucket_ok = (3..=63).contains(&bucket.len())
        && bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && bucket.starts_with(|c: char| c.is_ascii_alphanumeric())
        && bucket.ends_with(|c: char| c.is_ascii_alphanumeric());
    if !bucket_ok {
        return Err(format!(
            "bucket \"{bucket}\" is not a valid S3 bucket name (3 to 63 lowercase letters, digits, `.` or `-`); {expected}"
        ));
    }
    let prefix = prefix.trim_end_matches('/');
    if let Some(c) = prefix
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || matches!(c, '?' | '#' | '\\'))
    {
        return Err(format!("prefix \"{prefix}\" contains {c:?}; {expected}"));
    }
    if !prefix.is_empty()
        && prefix
            .split('/')
            .any(|seg| seg.is_empty() || seg == "." || seg == "..")
    {
        return Err(format!(
            "prefix \"{prefix}\" has an empty, `.` or `..` segment; {expected}"
        ));
    }
    Ok(crate::config::PublishUrl {
        bucket: bucket.to_string(),
        prefix: prefix.to_string(),
    })
}

/// `site.base_url`: an http(s) URL without query or fragment, always ending with `/` so
/// feed paths can be joined onto it.
pub(super) fn base_url(text: &str) -> Result<Url, String> {
    let mut url = http_url(text)?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "base URL \"{text}\" has a query or fragment; expected the folder the output is published at, such as \"https://feeds.example.vn/\""
        ));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// A source's `url`: http(s), a `file:` URL, or a path (relative to `base_dir`).
pub(super) fn source_url(text: &str, base_dir: &Path) -> Result<SourceUrl, String> {
    let s = text.trim();
    if s.is_empty() {
        return Err("source url is empty; expected an http(s) URL, a file: URL, or a path relative to the config file".into());
    }
    // Anything that starts with a scheme is meant as a URL: it must parse as one, never
    // fall back to being a path (`https://exa mple.vn/feed` is a typo, not a file name).
    match scheme_of(s).as_deref() {
        Some("http" | "https") => http_url(s).map(SourceUrl::Http),
        Some("file") => match Url::parse(s) {
            Ok(url) => url.to_file_path().map(|p| SourceUrl::File(clean_path(&p))).map_err(|()| {
                format!("file URL \"{s}\" does not name a local file; expected such as \"file:///srv/feeds/news.xml\"")
            }),
            Err(e) => Err(format!(
                "invalid file URL \"{s}\" ({e}); expected such as \"file:///srv/feeds/news.xml\""
            )),
        },
        Some(other) => Err(format!(
            "URL \"{s}\" has unsupported scheme \"{other}\"; expected an http(s) URL, a file: URL, or a path relative to the config file"
        )),
        None => Ok(SourceUrl::File(resolve(base_dir, s))),
    }
}

/// A local source file as `check` wants it: present and a regular file (a FIFO or a
/// device would hang or never end a build).
pub(super) fn local_file(path: &Path) -> Result<(), String> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => Ok(()),
        Ok(_) => Err(format!("{} is not a regular file", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(format!("local file {} does not exist", path.display()))
        }
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// An IANA time zone name, with a suggestion for near misses.
pub(super) fn time_zone(text: &str) -> Result<Tz, String> {
    if let Ok(tz) = text.parse::<Tz>() {
        return Ok(tz);
    }
    let lower = text.to_lowercase();
    let suggestion = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|tz| {
            (
                strsim::levenshtein(&lower, &tz.name().to_lowercase()),
                tz.name(),
            )
        })
        .filter(|&(d, _)| d <= 2)
        .min_by_key(|&(d, _)| d);
    Err(match suggestion {
        Some((_, name)) => format!("unknown time zone \"{text}\"; did you mean \"{name}\"?"),
        None => format!(
            "unknown time zone \"{text}\"; use an IANA name such as \"Asia/Ho_Chi_Minh\" or \"UTC\""
        ),
    })
}

/// A BCP 47-shaped language tag such as `vi`, `en-US`, `zh-Hant-TW`.
pub(super) fn language(text: &str) -> Result<String, String> {
    let mut parts = text.split('-');
    let primary_ok = parts
        .next()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic()));
    let rest_ok =
        parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    if primary_ok && rest_ok {
        Ok(text.to_string())
    } else {
        Err(format!(
            "invalid language \"{text}\"; expected a language tag such as \"vi\" or \"en-US\""
        ))
    }
}

/// `rel` joined onto `base` unless already absolute, with `.` and `..` removed lexically
/// (the file need not exist yet).
pub(super) fn resolve(base: &Path, rel: &str) -> PathBuf {
    clean_path(&base.join(rel))
}

/// Removes `.` and resolvable `..` components without touching the file system.
pub(super) fn clean_path(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for comp in path.components() {
        match comp {
            Component::CurDir => {}
            Component::ParentDir => {
                let popped =
                    matches!(out.components().next_back(), Some(Component::Normal(_))) && out.pop();
                if !popped && !out.has_root() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_every_unit() {
        assert_eq!(duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(duration("6h"), Ok(Duration::from_secs(21600)));
        assert_eq!(duration("1d"), Ok(Duration::from_secs(86400)));
        assert_eq!(duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(duration("1.5s"), Ok(Duration::from_millis(1500)));
    }

    #[test]
    fn bad_durations_say_what_is_expected() {
        for bad in ["", "30", "10 sec", "m", "5w", "-3s"] {
            let err = duration(bad).expect_err(bad);
            assert!(err.contains("\"30s\""), "{bad}: {err}");
        }
    }

    #[test]
    fn byte_sizes() {
        assert_eq!(byte_size("16MiB"), Ok(16 * 1024 * 1024));
        assert_eq!(byte_size("512KB"), Ok(512_000));
        assert_eq!(byte_size("512 kib"), Ok(512 * 1024));
        assert_eq!(byte_size("1048576"), Ok(1_048_576));
        assert!(byte_size("16 MiBs").is_err());
        assert!(byte_size("lots").is_err());
    }

    #[test]
    fn base_url_gets_a_trailing_slash() {
        let url = base_url("https://feeds.example.vn/tin").map(|u| u.to_string());
        assert_eq!(url, Ok("https://feeds.example.vn/tin/".to_string()));
        assert!(base_url("ftp://feeds.example.vn/").is_err());
        assert!(base_url("feeds.example.vn").is_err());
    }

    #[test]
    fn source_urls_of_each_form() {
        let base = Path::new("/etc/feedmill");
        assert_eq!(
            source_url("https://example.vn/rss", base),
            Ok(SourceUrl::Http(
                Url::parse("https://example.vn/rss").expect("static")
            ))
        );
        assert_eq!(
            source_url("../examples/tin.rss", base),
            Ok(SourceUrl::File(PathBuf::from("/etc/examples/tin.rss")))
        );
        assert_eq!(
            source_url("file:///srv/a%20b.xml", base),
            Ok(SourceUrl::File(PathBuf::from("/srv/a b.xml")))
        );
        assert!(source_url("gopher://example.vn/", base).is_err());
        for bad in [
            "https://exa mple.vn/feed",
            "http://",
            "https:///x",
            "https://example.vn:99999/rss",
            "https:example.vn",
            "HTTP://",
        ] {
            assert!(source_url(bad, base).is_err(), "{bad}");
        }
        assert_eq!(
            source_url("C:feeds.xml", base),
            Ok(SourceUrl::File(PathBuf::from("/etc/feedmill/C:feeds.xml")))
        );
    }

    #[test]
    fn time_zones_with_suggestions() {
        assert_eq!(
            time_zone("Asia/Ho_Chi_Minh"),
            Ok(chrono_tz::Asia::Ho_Chi_Minh)
        );
        let err = time_zone("asia/ho_chi_minh").expect_err("case");
        assert!(err.contains("did you mean \"Asia/Ho_Chi_Minh\""), "{err}");
        let err = time_zone("Mars/Olympus").expect_err("unknown");
        assert!(err.contains("IANA"), "{err}");
    }

    #[test]
    fn language_tags() {
        assert!(language("vi").is_ok());
        assert!(language("en-US").is_ok());
        assert!(language("Vietnamese!").is_err());
        assert!(language("").is_err());
    }
}
