//! `Last-Modified` is when a feed's bytes last changed, not its newest article's date:
//! an article dated in the past still reaches a reader that sends only
//! `If-Modified-Since`, and the date survives a restart without going backwards.

mod serve_proc;
mod serve_support;

use std::time::{Duration, Instant};

use serve_proc::{get, header, Proc};
use serve_support::{rss, write_atomically, Site};

const FEED: &str = "/other-news/rss.xml";
const T: Duration = Duration::from_secs(5);

fn config(site: &Site) {
    site.write_config(
        "[site]\ntitle = \"t\"\nbase_url = \"https://feeds.example.vn/\"\n\n\
         [[source]]\nname = \"tin\"\nurl = \"feed.rss\"\nrefresh = \"1s\"\n",
    );
}

/// Waits until `path` answers 200 with an ETag other than `not`; returns its head.
fn wait_for_new_etag(proc: &Proc, not: Option<&str>) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, head) = get(proc.addr, FEED, "", T);
        if status == 200 && header(&head, "etag").as_deref() != not {
            return head;
        }
        assert!(Instant::now() < deadline, "no new feed:\n{}", proc.all());
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn an_older_dated_article_is_not_hidden_by_if_modified_since() {
    let site = Site::empty();
    let feed = site.path().join("feed.rss");
    write_atomically(&feed, rss("tin", &["Một", "Hai"]).as_bytes());
    config(&site);
    let mut proc = Proc::start(&site.config(), None);
    let first = wait_for_new_etag(&proc, None);
    let etag1 = header(&first, "etag").expect("etag");
    let lm1 = header(&first, "last-modified").expect("last-modified");

    // The same bytes answer 304 to their own date.
    let (status, _) = get(proc.addr, FEED, &format!("If-Modified-Since: {lm1}\r\n"), T);
    assert_eq!(status, 304);

    // An article dated years before the others: the feed's newest date does not move.
    let older = rss("tin", &["Một", "Hai"]).replace(
        "</channel>",
        "<item><title>Cũ</title><link>https://news.test/tin/old</link>\
         <guid>https://news.test/tin/old</guid><pubDate>01 Jan 2020 08:00:00 +0700</pubDate>\
         </item></channel>",
    );
    write_atomically(&feed, older.as_bytes());
    let second = wait_for_new_etag(&proc, Some(&etag1));
    let lm2 = header(&second, "last-modified").expect("last-modified");
    let (status, head) = get(proc.addr, FEED, &format!("If-Modified-Since: {lm1}\r\n"), T);
    assert_eq!(
        status, 200,
        "a reader holding the old copy must get the new one ({lm1} → {lm2}):\n{head}"
    );
    let t1 = httpdate::parse_http_date(&lm1).unwrap();
    let t2 = httpdate::parse_http_date(&lm2).unwrap();
    assert!(t2 > t1, "Last-Modified moved forward: {lm1} → {lm2}");
    let (status, _) = get(proc.addr, FEED, &format!("If-Modified-Since: {lm2}\r\n"), T);
    assert_eq!(status, 304);

    // A restart serves the same bytes with the same date (the file's mtime is the record).
    proc.sigterm();
    assert!(
        proc.wait_exit(Duration::from_secs(15)).is_some(),
        "{}",
        proc.all()
    );
    drop(proc);
    let proc = Proc::start(&site.config(), None);
    let again = wait_for_new_etag(&proc, None);
    assert_eq!(
        header(&again, "etag").as_deref(),
        header(&second, "etag").as_deref()
    );
    assert_eq!(
        header(&again, "last-modified").as_deref(),
        Some(lm2.as_str())
    );
}
