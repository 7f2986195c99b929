//! The rule tester: `feedmill inspect --source NAME` (the binary) shows, per article,
//! which filter kept, dropped or re-tagged it and, for a `full_text` source, the length of
//! the text it got and where it came from.

mod e2e_support;
mod enrich_support;

use std::process::Command;

use enrich_support::{site_dir, Site};

fn inspect(dir: &std::path::Path, json: bool) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_feedmill"));
    cmd.args(["inspect", "--source", "lucyen", "--config"])
        .arg(dir.join("feeds.toml"));
    if json {
        cmd.arg("--json");
    }
    let out = cmd.output().expect("run feedmill");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn inspect_shows_each_filters_say_and_the_full_texts_length_and_origin() {
    let other = Site::start(site_dir(), &[]);
    let site = Site::start(site_dir(), &[("OTHER", &other.origin)]);
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("feeds.toml"),
        format!(
            "[site]\ntitle = \"t\"\nbase_url = \"https://feeds.example.vn/\"\n\n[fetch]\nretries = 0\n\n\
             [[source]]\nname = \"lucyen\"\nurl = \"{}\"\nfull_text = true\n\n\
             [[source.filter]]\nname = \"không quế\"\naction = \"discard\"\nfields = [\"content\"]\nwords = [\"que\"]\n\n\
             [[filter]]\nname = \"giáo dục\"\naction = \"tag\"\nfields = [\"tags\"]\nmatch = \"(?i)giáo dục\"\nadd_category = \"Học đường\"\n",
            site.url("/feed.xml")
        ),
    )
    .unwrap();
    let out = inspect(tmp.path(), false);
    // bai-2 speaks of quế only in its body: the full text is what the filter read.
    assert!(
        out.contains("filters:   DROPPED: \"giáo dục\" (tag) passed; \"không quế\" (discard) dropped, matched content"),
        "{out}"
    );
    assert!(
        out.contains("filters:   kept: \"giáo dục\" (tag) tagged, matched tags, added category Học đường; \"không quế\" (discard) passed"),
        "{out}"
    );
    assert!(
        out.contains("characters, from the page by readability"),
        "{out}"
    );
    assert!(
        out.contains("full text: the feed's own content kept")
            && out.contains("not the listing's host"),
        "{out}"
    );
    // Inspect fetched every page as a first build would, and wrote nothing.
    assert_eq!(site.page_requests().len(), 3, "{:?}", site.page_requests());
    assert!(!tmp.path().join("feedmill.db").exists());

    let json: serde_json::Value = serde_json::from_str(&inspect(tmp.path(), true)).unwrap();
    let first = &json["articles"][0];
    assert_eq!(first["full_text"]["from"], "fetched");
    assert_eq!(first["full_text"]["origin"], "readability");
    assert!(
        first["full_text"]["chars"].as_u64().unwrap() > 900,
        "{first}"
    );
    assert_eq!(first["filters"]["kept"], true);
    assert_eq!(json["articles"][1]["filters"]["kept"], false);
    assert_eq!(
        json["articles"][1]["filters"]["steps"][1]["matched"],
        "content"
    );
}

#[test]
fn inspect_of_an_html_source_shows_the_filters_say_on_each_article_page() {
    let tmp = e2e_support::example_copy();
    let path = tmp.path().join("feeds.toml");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(
        "\n[[filter]]\nname = \"không Lục Yên\"\nsources = [\"baoyenbai-web\"]\naction = \"discard\"\nfields = [\"title\"]\nwords = [\"luc yen\"]\n",
    );
    std::fs::write(&path, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_feedmill"))
        .args(["inspect", "--source", "baoyenbai-web", "--config"])
        .arg(&path)
        .output()
        .expect("run feedmill");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8(out.stdout).unwrap();
    assert!(
        said.contains("filters   DROPPED: \"không Lục Yên\" (discard) dropped, matched title"),
        "{said}"
    );
    assert!(
        said.contains("filters   kept: \"không Lục Yên\" (discard) passed"),
        "{said}"
    );
}
