//! feeds.toml `[publish]`: its defaults, every key, and each mistake reported at its line and
//! column.

use std::time::Duration;

use feedmill::config::{PublishCfg, PublishUrl};

mod config_support;
use config_support::{assert_one, parse, SITE};

#[test]
fn without_publish_the_output_stays_local_with_the_default_bounds() {
    let cfg = parse(SITE).unwrap();
    assert_eq!(cfg.publish, PublishCfg::default());
    assert_eq!(cfg.publish.url, None);
    assert_eq!(cfg.publish.concurrency, 8);
    assert_eq!(cfg.publish.upload_timeout, Duration::from_secs(60));
}

#[test]
fn publish_takes_every_key() {
    let text = format!(
        "{SITE}[publish]\nurl = \"s3://tin-yen-bai/feeds/v1/\"\nconcurrency = 3\nupload_timeout = \"90s\"\n"
    );
    let cfg = parse(&text).unwrap();
    assert_eq!(
        cfg.publish.url,
        Some(PublishUrl {
            bucket: "tin-yen-bai".into(),
            prefix: "feeds/v1".into(),
        })
    );
    assert_eq!(
        cfg.publish.url.as_ref().unwrap().to_string(),
        "s3://tin-yen-bai/feeds/v1"
    );
    assert_eq!(cfg.publish.concurrency, 3);
    assert_eq!(cfg.publish.upload_timeout, Duration::from_secs(90));
    let root = parse(&format!("{SITE}[publish]\nurl = \"s3://tin.yen-bai\"\n")).unwrap();
    assert_eq!(root.publish.url.unwrap().prefix, "");
}

#[test]
fn a_bad_publish_url_is_an_error_at_its_value() {
    let at = |url: &str| format!("{SITE}[publish]\nurl = \"{url}\"\n");
    assert_one(&at("https://s3.example.com/b"), 5, 7, "is not an s3:// URL");
    assert_one(&at("s3://Feeds"), 5, 7, "not a valid S3 bucket name");
    assert_one(&at("s3://ab"), 5, 7, "not a valid S3 bucket name");
    assert_one(&at("s3://feeds/a//b"), 5, 7, "empty, `.` or `..` segment");
    assert_one(&at("s3://feeds/../b"), 5, 7, "empty, `.` or `..` segment");
    assert_one(&at("s3://feeds/a b"), 5, 7, "contains ' '");
}

#[test]
fn publish_bounds_out_of_range_or_unknown_keys_are_errors_at_their_place() {
    let t = |body: &str| format!("{SITE}[publish]\n{body}\n");
    assert_one(&t("concurrency = 0"), 5, 15, "concurrency");
    assert_one(&t("concurrency = 100000"), 5, 15, "concurrency");
    assert_one(&t("upload_timeout = \"0s\""), 5, 18, "upload_timeout");
    assert_one(&t("upload_timeot = \"5s\""), 5, 1, "upload_timeout");
}
