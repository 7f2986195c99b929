//! What only the PostgreSQL store has: its migrations recorded per set in the database,
//! applied once when many processes open one new database at once, and a database of a
//! newer feedmill refused.
//!
//! Needs the test server of `scripts/test-servers.sh` (`FEEDMILL_TEST_POSTGRES_URL`):
//! without it this prints NOT CHECKED and passes, unless `CI` is set.

mod store_support;

use feedmill::store::{postgres_schema, Membership, PostgresStore, Store};
use store_support::{postgres_url, TempDb};

fn client(db: &TempDb) -> postgres::Client {
    postgres::Client::connect(&db.url, postgres::NoTls).expect("connect")
}

#[test]
fn openers_at_once_migrate_a_new_database_once() {
    let Some(admin) = postgres_url("concurrent migrations") else {
        return;
    };
    let db = TempDb::create(&admin);
    let url = db.store_url();
    std::thread::scope(|s| {
        let openers: Vec<_> = (0..6)
            .map(|_| s.spawn(|| PostgresStore::open(&url).map(|st| st.schema_version())))
            .collect();
        for o in openers {
            let v = o
                .join()
                .expect("no panic")
                .expect("opens")
                .expect("version");
            assert_eq!(v, postgres_schema::VERSION);
        }
    });
    let rows: Vec<(String, i32)> = client(&db)
        .query(
            "SELECT set, version FROM feedmill_migrations ORDER BY set, version",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let expected: Vec<(String, i32)> = (1..=postgres_schema::VERSION as i32)
        .map(|v| ("store".to_string(), v))
        .collect();
    assert_eq!(rows, expected, "each step recorded once");
    let stats = PostgresStore::open(&url).unwrap().stats().unwrap();
    assert_eq!(stats.schema_version, postgres_schema::VERSION);
}

#[test]
fn another_set_keeps_its_own_numbering_and_a_newer_store_is_refused() {
    let Some(admin) = postgres_url("migration sets") else {
        return;
    };
    let db = TempDb::create(&admin);
    let url = db.store_url();
    drop(PostgresStore::open(&url).unwrap());
    let mut c = client(&db);
    let steps = [
        "CREATE TABLE worker_test (n INTEGER)",
        "ALTER TABLE worker_test ADD m INTEGER",
    ];
    assert_eq!(
        postgres_schema::migrate(&mut c, "worker", &steps[..1]),
        Ok(0)
    );
    assert_eq!(postgres_schema::migrate(&mut c, "worker", &steps), Ok(1));
    assert_eq!(postgres_schema::migrate(&mut c, "worker", &steps), Ok(2));
    assert_eq!(postgres_schema::version(&mut c, "worker"), Ok(2));
    assert_eq!(
        postgres_schema::version(&mut c, "store"),
        Ok(postgres_schema::VERSION)
    );
    let err = postgres_schema::migrate(&mut c, "worker", &steps[..1]).unwrap_err();
    assert!(err.contains("newer than this feedmill"), "{err}");
    // The store's own set recorded one version further than this feedmill knows.
    c.execute(
        "INSERT INTO feedmill_migrations (set, version) VALUES ('store', $1)",
        &[&(postgres_schema::VERSION as i32 + 1)],
    )
    .unwrap();
    let err = PostgresStore::open(&url).unwrap_err().to_string();
    assert!(err.contains("newer than this feedmill"), "{err}");
    assert!(err.contains("upgrade feedmill"), "{err}");
}

#[test]
fn an_unreachable_database_is_named_without_its_password() {
    // A port nothing listens on (bound then closed).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = feedmill::config::StoreUrl::parse(&format!(
        "postgres://feedmill:hunter2@127.0.0.1:{port}/feeds"
    ))
    .unwrap();
    let err = PostgresStore::open(&url).unwrap_err().to_string();
    assert!(err.contains("cannot connect"), "{err}");
    assert!(err.contains(&format!("127.0.0.1:{port}")), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
}

fn article(id: &str, title: &str) -> feedmill::model::Article {
    feedmill::model::Article {
        id: id.into(),
        source: "nguon".into(),
        url: Some(format!("https://example.vn/{id}.html")),
        title: title.into(),
        ..Default::default()
    }
}

#[test]
fn an_article_changed_by_another_writer_while_stories_are_worked_out_stays_pending() {
    let Some(admin) = postgres_url("pending marks across writers") else {
        return;
    };
    let db = TempDb::create(&admin);
    let url = db.store_url();
    let t = |h: i64| chrono::DateTime::from_timestamp(1_740_000_000 + 3600 * h, 0).unwrap();
    let mut writer = PostgresStore::open(&url).unwrap();
    let mut emitter = PostgresStore::open(&url).unwrap();
    writer
        .upsert_source(
            "nguon",
            vec![article("a", "Một"), article("b", "Hai")],
            t(0),
        )
        .unwrap();
    let heads = emitter.pending_heads(i64::MIN, 100).unwrap();
    assert_eq!(heads.len(), 2);
    // Another process changes `a` after the emitter read it, before it is done with it.
    writer
        .upsert_source(
            "nguon",
            vec![article("a", "Một (sửa)"), article("b", "Hai")],
            t(1),
        )
        .unwrap();
    emitter
        .write_stories(&feedmill::store::StoryWrite {
            pending_through: heads.last().map(|h| h.aid),
            ..Default::default()
        })
        .unwrap();
    let left = emitter.pending_heads(i64::MIN, 100).unwrap();
    let titles: Vec<&str> = left.iter().map(|h| h.head.id.as_str()).collect();
    assert_eq!(
        titles,
        ["a"],
        "the change made meanwhile is still to work out"
    );
    assert_eq!(emitter.pending().unwrap().articles, 1);
}
