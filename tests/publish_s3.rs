//! `[publish] url = "s3://…"` against a real S3 server (s3s-fs on loopback, started by
//! `scripts/test-servers.sh`, which `.ci/run` runs): every file with its content type and
//! Cache-Control, nothing uploaded twice, only changed files uploaded and removed ones
//! deleted, a reader polling during publishes never sees a listed feed missing or half
//! written, and an unreachable endpoint fails the build's publish with the local output kept.
//!
//! Without the server these tests print NOT CHECKED and pass, unless `CI` is set: then they
//! fail, so CI can never skip them silently.

mod e2e_support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use e2e_support::{example_copy, files_below};
use futures_util::TryStreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::{Attribute, ClientOptions, ObjectStore};

/// The server `scripts/test-servers.sh start` exported.
#[derive(Clone)]
struct S3 {
    endpoint: String,
    bucket: String,
    key: String,
    secret: String,
}

/// The test server, or `None` (with a NOT CHECKED line) outside CI when it is not running.
fn s3(test: &str) -> Option<S3> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    match (
        var("FEEDMILL_TEST_S3_ENDPOINT"),
        var("FEEDMILL_TEST_S3_BUCKET"),
        var("FEEDMILL_TEST_S3_ACCESS_KEY"),
        var("FEEDMILL_TEST_S3_SECRET_KEY"),
    ) {
        (Some(endpoint), Some(bucket), Some(key), Some(secret)) => Some(S3 {
            endpoint,
            bucket,
            key,
            secret,
        }),
        _ if std::env::var_os("CI").is_some() => panic!(
            "{test}: FEEDMILL_TEST_S3_ENDPOINT (and _BUCKET, _ACCESS_KEY, _SECRET_KEY) are not set: CI must start s3s-fs with scripts/test-servers.sh"
        ),
        _ => {
            eprintln!(
                "NOT CHECKED: {test}: no S3 test server (eval \"$(scripts/test-servers.sh start)\")"
            );
            None
        }
    }
}

impl S3 {
    fn client(&self) -> AmazonS3 {
        AmazonS3Builder::new()
            .with_bucket_name(&self.bucket)
            .with_region("us-east-1")
            .with_endpoint(&self.endpoint)
            .with_access_key_id(&self.key)
            .with_secret_access_key(&self.secret)
            .with_client_options(ClientOptions::new().with_allow_http(true))
            .build()
            .unwrap()
    }
}

/// A copy of the example publishing to `prefix` of the test bucket.
fn example_publishing(s3: &S3, prefix: &str, extra: &str) -> tempfile::TempDir {
    let dir = example_copy();
    let path = dir.path().join("feeds.toml");
    let mut text = std::fs::read_to_string(&path).unwrap();
    // The example's own [publish] block (its defaults, no url) gives way to this one.
    if let Some(start) = text.find("\n[publish]\n") {
        let end = text[start + 1..]
            .find("\n\n")
            .map_or(text.len(), |e| start + 1 + e);
        text.replace_range(start..end, "");
    }
    text.push_str(&format!(
        "\n[publish]\nurl = \"s3://{}/{prefix}\"\n{extra}",
        s3.bucket
    ));
    std::fs::write(&path, text).unwrap();
    dir
}

/// A prefix no other test (or earlier run) uses.
fn fresh_prefix(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{name}-{}-{nanos}", std::process::id())
}

/// `feedmill build` in `dir` with the S3 environment pointing at `endpoint`.
fn build(dir: &Path, s3: &S3, endpoint: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_feedmill"))
        .args(["build", "-c", "feeds.toml"])
        .current_dir(dir)
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", &s3.key)
        .env("AWS_SECRET_ACCESS_KEY", &s3.secret)
        .env("AWS_REGION", "us-east-1")
        .output()
        .unwrap()
}

fn said(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `published to …: N uploaded, N unchanged, N deleted` → (uploaded, unchanged, deleted).
fn published_counts(out: &Output) -> (usize, usize, usize) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find(|l| l.starts_with("published to "))
        .unwrap_or_else(|| panic!("no publish line\n{}", said(out)));
    let nums: Vec<usize> = line
        .split(": ")
        .nth(1)
        .unwrap()
        .split(", ")
        .map(|p| p.split(' ').next().unwrap().parse().unwrap())
        .collect();
    (nums[0], nums[1], nums[2])
}

/// Relative path → bytes of every file the build wrote (the manifest's files).
fn local_files(out_dir: &Path) -> BTreeMap<String, Vec<u8>> {
    files_below(out_dir)
        .into_iter()
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .map(|p| {
            let rel = p
                .strip_prefix(out_dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (rel, std::fs::read(&p).unwrap())
        })
        .collect()
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Relative key → (size, last modified, ETag) of every object under `prefix` but the
/// state object.
fn remote_objects(s3: &S3, prefix: &str) -> BTreeMap<String, (u64, String, Option<String>)> {
    let client = s3.client();
    rt().block_on(async {
        let p = ObjectPath::from(prefix);
        let metas: Vec<_> = client.list(Some(&p)).try_collect().await.unwrap();
        let mut out = BTreeMap::new();
        for m in metas {
            let rel = m.location.as_ref()[prefix.len() + 1..].to_string();
            if rel == feedmill::publish::STATE_OBJECT {
                continue;
            }
            let head = client.head(&m.location).await.unwrap();
            out.insert(rel, (m.size, m.last_modified.to_rfc3339(), head.e_tag));
        }
        out
    })
}

/// The type serve gives (archive pages `archive/<n>.xml|.atom|.json` as their feed's).
fn expected_type(rel: &str) -> &'static str {
    let name = rel.rsplit('/').next().unwrap();
    match name.rsplit('.').next().unwrap() {
        "xml" if name != "atom.xml" => "application/rss+xml; charset=utf-8",
        "xml" | "atom" => "application/atom+xml; charset=utf-8",
        "json" => "application/feed+json; charset=utf-8",
        "opml" => "text/x-opml; charset=utf-8",
        "html" => "text/html; charset=utf-8",
        "xsl" => "text/xsl; charset=utf-8",
        "ico" => "image/x-icon",
        _ => panic!("unexpected file {rel}"),
    }
}

#[test]
fn a_build_publishes_every_file_with_its_content_type_and_cache_control() {
    let Some(s3) = s3("a_build_publishes_every_file") else {
        return;
    };
    let prefix = fresh_prefix("all");
    let dir = example_publishing(&s3, &prefix, "");
    let out = build(dir.path(), &s3, &s3.endpoint);
    assert!(out.status.success(), "{}", said(&out));
    let local = local_files(&dir.path().join("public"));
    assert!(local.len() > 20, "{local:?}");
    assert_eq!(published_counts(&out), (local.len(), 0, 0));
    let client = s3.client();
    rt().block_on(async {
        for (rel, bytes) in &local {
            let got = client
                .get(&ObjectPath::from(format!("{prefix}/{rel}")))
                .await
                .unwrap_or_else(|e| panic!("{rel}: {e}"));
            let attrs = got.attributes.clone();
            assert_eq!(
                attrs.get(&Attribute::ContentType).map(|v| v.as_ref()),
                Some(expected_type(rel)),
                "{rel}"
            );
            // The example's shortest refresh is the default 15 minutes, as serve says.
            assert_eq!(
                attrs.get(&Attribute::CacheControl).map(|v| v.as_ref()),
                Some("public, max-age=900"),
                "{rel}"
            );
            assert_eq!(&got.bytes().await.unwrap()[..], &bytes[..], "{rel}");
        }
    });
    let remote = remote_objects(&s3, &prefix);
    assert_eq!(
        remote.keys().collect::<Vec<_>>(),
        local.keys().collect::<Vec<_>>(),
        "the bucket holds exactly the output's files"
    );
}

#[test]
fn a_second_publish_with_nothing_changed_uploads_nothing() {
    let Some(s3) = s3("a_second_publish_uploads_nothing") else {
        return;
    };
    let prefix = fresh_prefix("same");
    let dir = example_publishing(&s3, &prefix, "");
    let first = build(dir.path(), &s3, &s3.endpoint);
    assert!(first.status.success(), "{}", said(&first));
    let before = remote_objects(&s3, &prefix);
    // Last-Modified has whole seconds: a PUT now would show.
    std::thread::sleep(Duration::from_millis(1100));
    let second = build(dir.path(), &s3, &s3.endpoint);
    assert!(second.status.success(), "{}", said(&second));
    assert_eq!(published_counts(&second), (0, before.len(), 0));
    assert_eq!(
        remote_objects(&s3, &prefix),
        before,
        "no object was written again (sizes, dates and ETags are the same)"
    );
}

#[test]
fn a_changed_feed_uploads_only_the_changed_files_and_deletes_the_removed_ones() {
    let Some(s3) = s3("a_changed_feed_uploads_only_the_changed_files") else {
        return;
    };
    let prefix = fresh_prefix("change");
    let dir = example_publishing(&s3, &prefix, "");
    let first = build(dir.path(), &s3, &s3.endpoint);
    assert!(first.status.success(), "{}", said(&first));
    let out_dir = dir.path().join("public");
    let local_before = local_files(&out_dir);
    let remote_before = remote_objects(&s3, &prefix);

    // The Atom source goes: its own tags' feeds are removed, the feeds it shared change.
    let cfg = dir.path().join("feeds.toml");
    let text = std::fs::read_to_string(&cfg).unwrap();
    let block = "[[source]]\nname = \"lucyen\"\nurl = \"examples/feeds/lucyen.atom\"\ntags = [\"Yên Bái\"]\n";
    assert!(text.contains(block));
    std::fs::write(&cfg, text.replace(block, "")).unwrap();
    std::thread::sleep(Duration::from_millis(1100));
    let second = build(dir.path(), &s3, &s3.endpoint);
    assert!(second.status.success(), "{}", said(&second));

    let local_after = local_files(&out_dir);
    let changed: Vec<&String> = local_after
        .iter()
        .filter(|(rel, bytes)| local_before.get(*rel) != Some(*bytes))
        .map(|(rel, _)| rel)
        .collect();
    let removed: Vec<&String> = local_before
        .keys()
        .filter(|rel| !local_after.contains_key(*rel))
        .collect();
    assert!(
        !changed.is_empty() && !removed.is_empty(),
        "{changed:?} {removed:?}"
    );
    assert_eq!(
        published_counts(&second),
        (
            changed.len(),
            local_after.len() - changed.len(),
            removed.len()
        ),
        "{}",
        said(&second)
    );
    let remote_after = remote_objects(&s3, &prefix);
    assert_eq!(
        remote_after.keys().collect::<Vec<_>>(),
        local_after.keys().collect::<Vec<_>>(),
        "removed files were deleted from the bucket"
    );
    for (rel, meta) in &remote_after {
        if changed.contains(&rel) {
            assert_ne!(Some(meta), remote_before.get(rel), "{rel} was uploaded");
        } else {
            assert_eq!(Some(meta), remote_before.get(rel), "{rel} was not touched");
        }
    }
}

#[test]
fn a_publish_after_a_crashed_one_uploads_what_the_bucket_lacks_or_holds_wrong() {
    let Some(s3) = s3("a_publish_after_a_crashed_one") else {
        return;
    };
    let prefix = fresh_prefix("crash");
    let dir = example_publishing(&s3, &prefix, "");
    let first = build(dir.path(), &s3, &s3.endpoint);
    assert!(first.status.success(), "{}", said(&first));
    let local = local_files(&dir.path().join("public"));
    // What a publish killed half-way can leave: objects not yet uploaded, and (from an
    // older build) an object with other bytes of the same size.
    let client = s3.client();
    let rels: Vec<&String> = local.keys().collect();
    let (gone, stale) = (&rels[..3], rels[3]);
    rt().block_on(async {
        for rel in gone {
            client
                .delete(&ObjectPath::from(format!("{prefix}/{rel}")))
                .await
                .unwrap();
        }
        let mut other = local[stale].clone();
        other[0] ^= 1;
        client
            .put(&ObjectPath::from(format!("{prefix}/{stale}")), other.into())
            .await
            .unwrap();
    });
    let second = build(dir.path(), &s3, &s3.endpoint);
    assert!(second.status.success(), "{}", said(&second));
    assert_eq!(published_counts(&second), (4, local.len() - 4, 0));
    rt().block_on(async {
        for (rel, bytes) in &local {
            let got = client
                .get(&ObjectPath::from(format!("{prefix}/{rel}")))
                .await
                .unwrap_or_else(|e| panic!("{rel}: {e}"));
            assert_eq!(&got.bytes().await.unwrap()[..], &bytes[..], "{rel}");
        }
    });
}

#[test]
fn a_new_cache_control_uploads_every_object_again_with_it() {
    let Some(s3) = s3("a_new_cache_control_uploads_every_object_again") else {
        return;
    };
    let prefix = fresh_prefix("headers");
    let dir = example_publishing(&s3, &prefix, "");
    let first = build(dir.path(), &s3, &s3.endpoint);
    assert!(first.status.success(), "{}", said(&first));
    let cfg = dir.path().join("feeds.toml");
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(
        &cfg,
        text.replacen("[fetch]\n", "[fetch]\nrefresh = \"5m\"\n", 1),
    )
    .unwrap();
    let second = build(dir.path(), &s3, &s3.endpoint);
    assert!(second.status.success(), "{}", said(&second));
    let local = local_files(&dir.path().join("public"));
    assert_eq!(published_counts(&second), (local.len(), 0, 0));
    let client = s3.client();
    rt().block_on(async {
        for rel in local.keys() {
            let got = client
                .get(&ObjectPath::from(format!("{prefix}/{rel}")))
                .await
                .unwrap();
            assert_eq!(
                got.attributes
                    .get(&Attribute::CacheControl)
                    .map(|v| v.as_ref()),
                Some("public, max-age=300"),
                "{rel}"
            );
        }
    });
    let third = build(dir.path(), &s3, &s3.endpoint);
    assert_eq!(
        published_counts(&third),
        (0, local.len(), 0),
        "{}",
        said(&third)
    );
}

/// The feed paths (relative to the output) an index page links to.
fn listed_feeds(index: &str) -> Vec<String> {
    let base = "https://feeds.example.vn/";
    index
        .split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .filter_map(|href| match href.strip_prefix(base) {
            Some(rel) => Some(rel.to_string()),
            None => (!href.contains(':')).then(|| href.to_string()),
        })
        .filter(|rel| rel.ends_with("rss.xml") || rel.ends_with("atom.xml"))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// An RSS document of `n` items, each with a category no other item has.
fn many_tags_feed(n: usize) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Many</title><link>https://many.example.vn/</link><description>d</description>",
    );
    for i in 0..n {
        xml.push_str(&format!(
            "<item><title>Bài {i}</title><link>https://many.example.vn/{i}</link><guid>many-{i}</guid><pubDate>Mon, 02 May 2022 10:{:02}:00 +0700</pubDate><category>Chủ đề {i}</category></item>",
            i % 60
        ));
    }
    xml.push_str("</channel></rss>");
    xml
}

#[test]
fn a_reader_polling_during_publishes_never_sees_a_listed_feed_missing_or_half_written() {
    let Some(s3) = s3("a_reader_polling_during_publishes") else {
        return;
    };
    let prefix = fresh_prefix("reader");
    // One upload at a time makes each publish long enough for many reads within it.
    let dir = example_publishing(&s3, &prefix, "concurrency = 1\n");
    let first = build(dir.path(), &s3, &s3.endpoint);
    assert!(first.status.success(), "{}", said(&first));

    let stop = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicUsize::new(0));
    let reader = {
        let (s3, prefix, stop, reads) = (s3.clone(), prefix.clone(), stop.clone(), reads.clone());
        std::thread::spawn(move || {
            let client = s3.client();
            let get = |rel: &str| {
                let key = ObjectPath::from(format!("{prefix}/{rel}"));
                rt().block_on(async {
                    match client.get(&key).await {
                        Ok(g) => Some(g.bytes().await.unwrap().to_vec()),
                        Err(object_store::Error::NotFound { .. }) => None,
                        Err(e) => panic!("{rel}: {e}"),
                    }
                })
            };
            let mut problems = Vec::new();
            let deadline = Instant::now() + Duration::from_secs(120);
            while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
                let index =
                    String::from_utf8(get("index.html").expect("the index is always there"))
                        .unwrap();
                let feeds = listed_feeds(&index);
                assert!(!feeds.is_empty(), "{index}");
                for rel in feeds {
                    reads.fetch_add(1, Ordering::SeqCst);
                    match get(&rel) {
                        Some(bytes) => {
                            let text = String::from_utf8_lossy(&bytes);
                            let end = text.trim_end();
                            if !(end.ends_with("</rss>") || end.ends_with("</feed>")) {
                                problems
                                    .push(format!("{rel}: half a file ({} bytes)", bytes.len()));
                            }
                        }
                        // Only a feed a later index no longer lists may go (its deletion
                        // follows the upload of the index that drops it).
                        None => {
                            let now = String::from_utf8(get("index.html").unwrap()).unwrap();
                            if listed_feeds(&now).contains(&rel) {
                                problems.push(format!("{rel}: listed by the index but missing"));
                            }
                        }
                    }
                }
            }
            problems
        })
    };

    // Feeds come and go: a source whose 120 items each carry a tag of their own (240
    // feed files) added, then removed, three times.
    let cfg = dir.path().join("feeds.toml");
    let without = std::fs::read_to_string(&cfg).unwrap();
    let with = format!("{without}\n[[source]]\nname = \"many\"\nurl = \"many.rss\"\n");
    std::fs::write(dir.path().join("many.rss"), many_tags_feed(120)).unwrap();
    let mut changed_files = 0;
    for round in 0..6 {
        std::fs::write(&cfg, if round % 2 == 0 { &with } else { &without }).unwrap();
        let out = build(dir.path(), &s3, &s3.endpoint);
        assert!(out.status.success(), "{}", said(&out));
        let (up, _, del) = published_counts(&out);
        changed_files += up + del;
    }
    stop.store(true, Ordering::SeqCst);
    let problems = reader.join().unwrap();
    assert!(
        changed_files > 6 * 240,
        "publishes changed {changed_files} objects"
    );
    assert!(reads.load(Ordering::SeqCst) > 50, "reads: {reads:?}");
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn an_unreachable_endpoint_fails_the_publish_and_keeps_the_local_output() {
    // Needs no server: the endpoint is a loopback port nobody listens on.
    let s3 = S3 {
        endpoint: String::new(),
        bucket: "feedmill-test".into(),
        key: "k".into(),
        secret: "s".into(),
    };
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let dir = example_publishing(&s3, "gone", "upload_timeout = \"5s\"\n");
    let started = Instant::now();
    let out = build(dir.path(), &s3, &endpoint);
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("publish to s3://feedmill-test/gone:")
            && stderr.contains("cannot list the objects")
            && stderr.contains("the local output in"),
        "{stderr}"
    );
    let public = dir.path().join("public");
    let local = local_files(&public);
    assert!(
        local.contains_key("index.html") && local.len() > 20,
        "{local:?}"
    );
    for (rel, _) in local.iter().filter(|(r, _)| r.ends_with(".xml")) {
        e2e_support::parse_feed(&public.join(rel));
    }
}
