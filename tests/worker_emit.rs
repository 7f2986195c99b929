//! One emitter among `feedmill worker` processes: of two workers that may emit, the one
//! holding the emit lock renders and publishes to the S3 server (s3s-fs, started by
//! `scripts/test-servers.sh`) while the other only fetches; a reader polling the bucket
//! meanwhile finds every file whole; when the emitter is killed, the other takes over.
//!
//! Without the servers this prints NOT CHECKED and passes, unless `CI` is set: then it
//! fails, so CI can never skip it silently.

mod worker_support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use object_store::{ClientOptions, ObjectStore};
use worker_support::{
    fresh_database, postgres_url, rt, wait_for, write_config, FeedServer, Worker,
};

/// Whether `bytes` is a whole file of its kind.
fn whole(rel: &str, bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    let end = text.trim_end();
    if rel.ends_with(".json") {
        serde_json::from_slice::<serde_json::Value>(bytes).is_ok()
    } else if rel.ends_with(".html") {
        end.ends_with("</html>")
    } else if rel.ends_with(".xml") || rel.ends_with(".atom") {
        end.ends_with("</rss>") || end.ends_with("</feed>") || end.ends_with("</xsl:stylesheet>")
    } else if rel.ends_with(".opml") {
        end.ends_with("</opml>")
    } else {
        true
    }
}

#[test]
fn of_two_emitting_workers_one_publishes_whole_files_and_the_other_takes_over_when_it_dies() {
    let Some(pg) = postgres_url("two_emitters") else {
        return;
    };
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let (Some(endpoint), Some(bucket), Some(key), Some(secret)) = (
        var("FEEDMILL_TEST_S3_ENDPOINT"),
        var("FEEDMILL_TEST_S3_BUCKET"),
        var("FEEDMILL_TEST_S3_ACCESS_KEY"),
        var("FEEDMILL_TEST_S3_SECRET_KEY"),
    ) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "FEEDMILL_TEST_S3_ENDPOINT (and _BUCKET, _ACCESS_KEY, _SECRET_KEY) are not set: CI must start s3s-fs with scripts/test-servers.sh"
        );
        eprintln!("NOT CHECKED: two_emitters: no S3 test server (eval \"$(scripts/test-servers.sh start)\")");
        return;
    };
    let prefix = format!(
        "workers-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let db = fresh_database(&pg, "emit");
    let server = FeedServer::start(2);
    // Every feed gains an item at every third fetch: the emitter has changes to publish.
    server.change_every(3);
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        &server,
        10,
        "1s",
        &format!(
            "[worker]\ndatabase = \"{db}\"\nlease = \"6s\"\nidle = \"100ms\"\n\
             [publish]\nurl = \"s3://{bucket}/{prefix}\"\n"
        ),
    );
    let env = [
        ("AWS_ENDPOINT_URL", endpoint.as_str()),
        ("AWS_ACCESS_KEY_ID", key.as_str()),
        ("AWS_SECRET_ACCESS_KEY", secret.as_str()),
        ("AWS_REGION", "us-east-1"),
    ];
    let mut workers: Vec<Worker> = (0..2)
        .map(|k| Worker::start(dir.path(), &format!("e{k}"), &[], &env))
        .collect();

    let client = AmazonS3Builder::new()
        .with_bucket_name(&bucket)
        .with_region("us-east-1")
        .with_endpoint(&endpoint)
        .with_access_key_id(&key)
        .with_secret_access_key(&secret)
        .with_client_options(ClientOptions::new().with_allow_http(true))
        .build()
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicUsize::new(0));
    let reader = {
        let (stop, reads, prefix) = (stop.clone(), reads.clone(), prefix.clone());
        std::thread::spawn(move || {
            let rt = rt();
            let mut problems = Vec::new();
            let mut versions: BTreeMap<String, BTreeSet<Vec<u8>>> = BTreeMap::new();
            while !stop.load(Ordering::SeqCst) {
                let listed: Vec<_> = rt
                    .block_on(
                        client
                            .list(Some(&ObjectPath::from(prefix.as_str())))
                            .try_collect::<Vec<_>>(),
                    )
                    .unwrap();
                for m in listed {
                    let rel = m.location.as_ref()[prefix.len() + 1..].to_string();
                    if rel.starts_with(".feedmill") {
                        continue;
                    }
                    let got = rt.block_on(async {
                        match client.get(&m.location).await {
                            Ok(g) => Some(g.bytes().await.unwrap().to_vec()),
                            // Deleted between the listing and the read (a feed gone).
                            Err(object_store::Error::NotFound { .. }) => None,
                            Err(e) => panic!("{rel}: {e}"),
                        }
                    });
                    if let Some(bytes) = got {
                        reads.fetch_add(1, Ordering::SeqCst);
                        if !whole(&rel, &bytes) {
                            problems.push(format!("{rel}: not whole ({} bytes)", bytes.len()));
                        }
                        versions.entry(rel).or_default().insert(bytes);
                    }
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            (problems, versions)
        })
    };

    let emitter = wait_for(Duration::from_secs(30), || {
        workers.iter().any(|w| w.said().contains("published to"))
    });
    assert!(emitter, "nobody published:\n{}", workers[0].said());
    std::thread::sleep(Duration::from_secs(8));
    let said: Vec<String> = workers.iter().map(Worker::said).collect();
    let holders: Vec<usize> = (0..2)
        .filter(|&k| said[k].contains("holds the emit lock"))
        .collect();
    assert_eq!(
        holders.len(),
        1,
        "emit lock holders: {holders:?}\n{}",
        said.join("\n---\n")
    );
    let (e, other) = (holders[0], 1 - holders[0]);
    assert!(said[e].contains("published to"), "{}", said[e]);
    assert!(
        !said[other].contains("emitted"),
        "both emitted:\n{}",
        said[other]
    );
    assert!(said[other].contains("sources fetched"), "{}", said[other]);

    // The emitter dies: its session (and lock) goes, the other worker emits from then on.
    workers[e].kill();
    let killed = Instant::now();
    assert!(
        wait_for(Duration::from_secs(20), || {
            let s = workers[other].said();
            s.contains("holds the emit lock") && s.contains("published to")
        }),
        "{}",
        workers[other].said()
    );
    let took_over = killed.elapsed();
    std::thread::sleep(Duration::from_secs(3));
    stop.store(true, Ordering::SeqCst);
    let (problems, versions) = reader.join().unwrap();
    let reads = reads.load(Ordering::SeqCst);
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(reads > 100, "reads: {reads}");
    let changed = versions.values().filter(|v| v.len() > 1).count();
    assert!(changed > 0, "no file changed while the reader looked");
    eprintln!(
        "{reads} reads of {} files, {changed} seen in several versions, all whole; takeover {took_over:?} after the kill",
        versions.len()
    );
    assert!(server.total() > 0);
}
