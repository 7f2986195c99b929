//! Real feed clients against `feedmill serve` on 127.0.0.1: newsboat and feedparser read
//! every archive page of a tag feed with 231 articles, and rss2email mails each digest
//! item with its article list (to a sendmail stand-in that writes each message to a
//! file). Ignored by default, since it needs the clients installed:
//!
//! ```sh
//! apt-get install -y newsboat && pip install rss2email feedparser
//! cargo test --test real_clients -- --ignored
//! ```

mod build_support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use build_support::Site;
use chrono::{DateTime, Utc};

fn rss(n: usize) -> String {
    let start = DateTime::parse_from_rfc3339("2024-03-04T06:30:00+07:00").unwrap();
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>Nguồn</title>\
         <link>https://nguon.example.vn/</link><description>d</description>",
    );
    for i in 0..n {
        let d = (start + chrono::Duration::minutes(i as i64)).to_rfc2822();
        x.push_str(&format!(
            "<item><title>Bài {i:03}</title><link>https://nguon.example.vn/{i}.html</link>\
             <guid>https://nguon.example.vn/{i}.html</guid><description>Tóm tắt bài {i}</description>\
             <pubDate>{d}</pubDate></item>"
        ));
    }
    x.push_str("</channel></rss>\n");
    x
}

fn at(s: &str) -> Option<DateTime<Utc>> {
    Some(DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc))
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A site with 231 articles in one tag (four archive pages) and a digest with two closed
/// days, built with pinned clocks, its `base_url` the loopback address it is served on.
fn site(port: u16) -> Site {
    let site = Site::new(
        &format!("base_url = \"http://127.0.0.1:{port}/\""),
        "[feeds]\nitems = 50\n\n[tags]\ndigest = \"daily\"\ndigest_tags = [\"Lục Yên\"]\n\n\
         [[source]]\nname = \"nguon\"\nurl = \"nguon.rss\"\ntags = [\"Lục Yên\"]\n",
    );
    // build_support writes base_url itself; the one given here comes last and wins.
    let text = std::fs::read_to_string(site.config_path()).unwrap();
    let text = text.replacen("base_url = \"https://feeds.example.vn/\"\n", "", 1);
    std::fs::write(site.config_path(), text).unwrap();
    site.write("nguon.rss", &rss(230));
    site.build(at("2024-03-04T12:00:00+07:00"));
    site.write("nguon.rss", &rss(231));
    site.build(at("2024-03-05T12:00:00+07:00"));
    site
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
#[ignore = "needs newsboat, rss2email and feedparser: cargo test --test real_clients -- --ignored"]
fn newsboat_feedparser_and_rss2email_read_archives_and_digests() {
    let port = free_port();
    let site = site(port);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt
        .block_on(feedmill::serve::Server::start(
            site.config_path(),
            format!("127.0.0.1:{port}").parse().unwrap(),
        ))
        .expect("serve starts");
    assert!(rt.block_on(server.wait_for_builds(1, Duration::from_secs(30))));
    let base = format!("http://127.0.0.1:{port}/");
    let pages: Vec<String> = [
        "rss.xml",
        "archive/4.xml",
        "archive/3.xml",
        "archive/2.xml",
        "archive/1.xml",
    ]
    .iter()
    .map(|p| format!("{base}tag/luc-yen/{p}"))
    .collect();
    let work = tempfile::tempdir().unwrap();
    let w = work.path();

    // newsboat: every page (and the digest) reloaded into its cache.
    let urls: String = pages
        .iter()
        .chain([&format!("{base}tag/luc-yen/digest/rss.xml")])
        .map(|u| format!("{u}\n"))
        .collect();
    std::fs::write(w.join("urls"), urls).unwrap();
    std::fs::write(w.join("config"), "").unwrap();
    run(Command::new("newsboat")
        .env("HOME", w)
        .args(["-x", "reload", "-u"])
        .arg(w.join("urls"))
        .arg("-C")
        .arg(w.join("config"))
        .arg("-c")
        .arg(w.join("cache.db")));
    let db = rusqlite::Connection::open(w.join("cache.db")).unwrap();
    let counts: BTreeMap<String, i64> = db
        .prepare("SELECT feedurl, count(*) FROM rss_item GROUP BY feedurl")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    eprintln!("newsboat items per feed: {counts:?}");
    let got: Vec<i64> = pages
        .iter()
        .map(|p| counts.get(p).copied().unwrap_or(0))
        .collect();
    assert_eq!(got, [50, 31, 50, 50, 50], "{counts:?}");
    let digest = counts[&format!("{base}tag/luc-yen/digest/rss.xml")];
    assert_eq!(digest, 2);
    let distinct: i64 = db
        .query_row(
            "SELECT count(DISTINCT guid) FROM rss_item WHERE feedurl LIKE '%/tag/luc-yen/%' AND feedurl NOT LIKE '%digest%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(distinct, 231, "every article once across the pages");

    // feedparser: follows prev-archive from the subscription document.
    let script = r#"
import feedparser, json, sys
url, seen, pages, bozo = sys.argv[1], [], [], []
while url:
    d = feedparser.parse(url)
    bozo.append(int(d.bozo))
    pages.append((url, len(d.entries)))
    seen += [e.id for e in d.entries]
    url = next((l.href for l in d.feed.get('links', []) if l.get('rel') == 'prev-archive'), None)
print(json.dumps({"pages": pages, "entries": len(seen), "unique": len(set(seen)), "bozo": bozo}))
"#;
    let out = run(Command::new("python3").args(["-c", script]).arg(&pages[0]));
    eprintln!("feedparser: {out}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["entries"], 231);
    assert_eq!(v["unique"], 231);
    assert_eq!(v["pages"].as_array().unwrap().len(), 5);
    assert!(v["bozo"].as_array().unwrap().iter().all(|b| b == 0), "{v}");

    // rss2email: each digest item is mailed, with its article list.
    let mails = w.join("mails");
    std::fs::create_dir_all(&mails).unwrap();
    let stub = w.join("sendmail");
    std::fs::write(
        &stub,
        format!(
            "#!/bin/sh\ncat > \"{}/mail-$$-$(date +%s%N).eml\"\n",
            mails.display()
        ),
    )
    .unwrap();
    make_executable(&stub);
    let cfg = w.join("r2e.cfg");
    let data = w.join("r2e.json");
    let r2e = |args: &[&str]| {
        let mut c = Command::new("r2e");
        c.env("HOME", w)
            .arg("-c")
            .arg(&cfg)
            .arg("-d")
            .arg(&data)
            .args(args);
        run(&mut c)
    };
    r2e(&["new", "reader@example.com"]);
    // The settings `r2e new` wrote, with the sendmail stand-in and HTML mail.
    let conf: String = std::fs::read_to_string(&cfg)
        .unwrap()
        .lines()
        .map(|l| match l.split('=').next().map(str::trim) {
            Some("email-protocol") => "email-protocol = sendmail".to_string(),
            Some("sendmail") => format!("sendmail = {}", stub.display()),
            Some("html-mail") => "html-mail = True".to_string(),
            _ => l.to_string(),
        })
        .map(|l| l + "\n")
        .collect();
    std::fs::write(&cfg, conf).unwrap();
    r2e(&[
        "add",
        "digest",
        &format!("{base}tag/luc-yen/digest/rss.xml"),
    ]);
    r2e(&["run"]);
    let mut sent: Vec<String> = std::fs::read_dir(&mails)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    sent.sort();
    eprintln!("rss2email sent {} messages", sent.len());
    for m in &sent {
        let subject = m
            .lines()
            .find(|l| l.starts_with("Subject:"))
            .unwrap_or_default();
        eprintln!("  {subject}");
    }
    assert_eq!(sent.len(), 2, "one mail per digest item");
    let decoded: Vec<String> = sent.iter().map(|m| decode_mail(m)).collect();
    let day5 = decoded
        .iter()
        .find(|m| m.contains("05/03/2024"))
        .expect("the 5th's digest");
    for needle in [
        "Bài 229",
        "https://nguon.example.vn/229.html",
        "Tóm tắt bài 229",
        "Nguồn: nguon",
        "và các bài khác: 30",
    ] {
        assert!(day5.contains(needle), "{needle} in the mail:\n{day5}");
    }
    assert!(decoded
        .iter()
        .any(|m| m.contains("06/03/2024") && m.contains("Bài 230")));
    drop(rt.block_on(server.shutdown()));
}

fn make_executable(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// The text of a mail with its base64 / quoted-printable parts decoded (by Python's
/// `email` package, which is there with rss2email).
fn decode_mail(raw: &str) -> String {
    let script = r#"
import email, sys
from email import policy
m = email.message_from_string(sys.stdin.read(), policy=policy.default)
out = [str(m['Subject'])]
for part in m.walk():
    if part.get_content_maintype() == 'text':
        out.append(part.get_content())
print('\n'.join(out))
"#;
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(raw.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}
