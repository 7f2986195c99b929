//! Builds against one store never run at once: a second build fails fast naming the one
//! running, `serve` waits for its next tick, and temporary files belong to their build.
#![cfg(unix)]

mod build_support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use build_support::*;
use feedmill::store::BuildLock;

/// Exit code of a build that found another one running.
const EXIT_LOCKED: i32 = 75;

fn site() -> Site {
    let site = Site::new(
        "",
        "[[source]]\nname = \"nguon\"\nurl = \"nguon.rss\"\n[[source]]\nname = \"khac\"\nurl = \"khac.rss\"\n",
    );
    write_sources(&site, 0);
    site
}

/// Sources whose articles differ per `round`, so every build has files to write.
fn write_sources(site: &Site, round: usize) {
    for (name, n) in [("nguon", 40), ("khac", 30)] {
        let items: Vec<Item> = (0..n)
            .map(|i| {
                let tag = format!("Chủ đề {}", i % 17);
                item(
                    &format!("{name}-{i}"),
                    &format!("Bài {i} của {name}, lần {round}"),
                    i % 24,
                    &[&tag, "Yên Bái"],
                )
            })
            .collect();
        site.write(&format!("{name}.rss"), &rss(&items));
    }
}

fn cli_build(site: &Site) -> Child {
    feedmill()
        .args(["build", "--quiet", "--config"])
        .arg(site.config_path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run feedmill")
}

#[test]
fn a_build_fails_fast_naming_the_build_that_holds_the_store() {
    let site = site();
    let lock = BuildLock::acquire(&site.store()).expect("lock the store");
    let started = Instant::now();
    let run = cli_build(&site).wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(EXIT_LOCKED), "{stderr}");
    let pid = format!("another build is running (pid {})", std::process::id());
    assert!(stderr.contains(&pid), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(10), "fails fast");
    assert!(!site.out().join("index.html").exists(), "wrote nothing");
    drop(lock);
    let run = cli_build(&site).wait_with_output().expect("wait");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(site.out().join("index.html").is_file());
}

#[test]
fn two_builds_at_once_never_break_each_other() {
    let site = site();
    let mut locked = 0;
    for round in 0..4 {
        write_sources(&site, round);
        let (a, b) = (cli_build(&site), cli_build(&site));
        let runs = [
            a.wait_with_output().expect("a"),
            b.wait_with_output().expect("b"),
        ];
        let mut ok = 0;
        for run in &runs {
            let stderr = String::from_utf8_lossy(&run.stderr);
            assert!(
                !stderr.contains("database is locked"),
                "round {round}: {stderr}"
            );
            assert!(
                !stderr.contains("cannot replace"),
                "round {round}: {stderr}"
            );
            match run.status.code() {
                Some(0) => ok += 1,
                Some(EXIT_LOCKED) => {
                    assert!(stderr.contains("another build is running"), "{stderr}");
                    locked += 1;
                }
                other => panic!("round {round}: exit {other:?}: {stderr}"),
            }
        }
        assert!(ok >= 1, "round {round}: one build ran");
        let titles = site.titles("other-news/rss.xml");
        assert!(
            titles.iter().all(|t| t.ends_with(&format!("lần {round}"))),
            "round {round}: {titles:?}"
        );
    }
    eprintln!("{locked} of 8 builds found the other running");
}

#[test]
fn serve_builds_at_its_next_tick_once_the_lock_is_released() {
    let site = site();
    let lock = BuildLock::acquire(&site.store()).expect("lock the store");
    let mut child = feedmill()
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(site.config_path())
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve starts");
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let stderr = child.stderr.take().expect("stderr");
    let l = lines.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            l.lock().expect("lock").push(line);
        }
    });
    let feed = site.out().join("other-news/rss.xml");
    let wait_for = |what: &dyn Fn() -> bool, secs: u64| {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < deadline {
            if what() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    };
    let said = |needle: &str| {
        let needle = needle.to_string();
        let lines = lines.clone();
        move || {
            lines
                .lock()
                .expect("lock")
                .iter()
                .any(|l| l.contains(&needle))
        }
    };
    let held = wait_for(&said("another build is running"), 30);
    let all = || lines.lock().expect("lock").join("\n");
    assert!(held, "serve reports the lock:\n{}", all());
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        !feed.exists(),
        "no build while the lock is held:\n{}",
        all()
    );
    drop(lock);
    let built = wait_for(&|| feed.is_file(), 30);
    let _ = child.kill();
    let _ = child.wait();
    assert!(built, "serve builds once the lock is free:\n{}", all());
    assert!(site.out().join("tag/chu-de-0/rss.xml").is_file());
}

#[test]
fn temp_files_of_a_running_build_are_left_alone_and_dead_ones_swept() {
    let site = site();
    site.build(None);
    let dir = site.out().join("tag/yen-bai");
    let mut live = std::process::Command::new("sleep")
        .arg("60")
        .spawn()
        .expect("sleep");
    let mut dead = std::process::Command::new("true").spawn().expect("true");
    let dead_pid = dead.id();
    dead.wait().expect("wait");
    let live_tmp = dir.join(format!(".feedmill-{}-0123abcd.tmp", live.id()));
    let dead_tmp = dir.join(format!(".feedmill-{dead_pid}-0123abcd.tmp"));
    let old_tmp = dir.join(".feedmill-a1b2C3.tmp");
    for p in [&live_tmp, &dead_tmp, &old_tmp] {
        std::fs::write(p, "x").expect("plant");
    }
    // A build without memory of the last emit (a new store) sweeps leftovers.
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", site.store().display()));
    }
    site.build(None);
    let _ = live.kill();
    let _ = live.wait();
    assert!(live_tmp.exists(), "a running build's temporary file stays");
    assert!(!dead_tmp.exists(), "a dead build's temporary file is swept");
    assert!(!old_tmp.exists(), "an old-style leftover is swept");
}
