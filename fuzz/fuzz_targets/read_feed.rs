//! Fuzzes the reader and the normalizer behind it: any bytes, with any Content-Type, must
//! give a feed or an error — never a panic, a hang or unbounded memory — and every item the
//! reader gives must normalize without a panic. The reader's fast lane must read exactly what
//! quick-xml's event loop reads (`read_feed_reference`).
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use feedmill::config::{Config, Source, SourceUrl};
use feedmill::normalize::Normalizer;
use libfuzzer_sys::fuzz_target;

fn setup() -> &'static (Normalizer, Source, url::Url) {
    static SETUP: OnceLock<(Normalizer, Source, url::Url)> = OnceLock::new();
    SETUP.get_or_init(|| {
        let base = url::Url::parse("https://example.vn/feeds/rss.xml").expect("static URL");
        let cfg = Config::minimal(Path::new("/tmp"));
        let source = Source::feed("fuzz", SourceUrl::Http(base.clone()));
        (Normalizer::new(&cfg), source, base)
    })
}

fuzz_target!(|data: &[u8]| {
    let (normalizer, source, base) = setup();
    // The first byte picks the Content-Type the "server" sent, to reach the charset paths.
    let (ct, body) = match data.split_first() {
        Some((b, rest)) => {
            let ct = match b % 6 {
                0 => None,
                1 => Some("application/rss+xml; charset=windows-1258"),
                2 => Some("text/xml; charset=utf-16"),
                3 => Some("application/json"),
                4 => Some("text/html; charset=shift_jis"),
                _ => Some("application/atom+xml; charset=utf-8"),
            };
            (ct, rest)
        }
        None => (None, data),
    };
    let read = feedmill::read::read_feed(body, ct, Some(base));
    assert_eq!(
        read,
        feedmill::read::read_feed_reference(body, ct, Some(base)),
        "the fast lane and quick-xml disagree"
    );
    if let Ok(feed) = read {
        let mut warnings = Vec::new();
        for raw in feed.items {
            let _ = normalizer.article(raw, source, &mut warnings);
        }
    }
});
