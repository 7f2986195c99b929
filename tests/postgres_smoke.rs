//! The PostgreSQL server CI starts (`scripts/test-servers.sh`) answers through the client
//! the PostgreSQL store backend will use (tokio-postgres): the next session's backend lands
//! on working CI.
//!
//! Without `FEEDMILL_TEST_POSTGRES_URL` this prints NOT CHECKED and passes, unless `CI` is
//! set: then it fails, so CI can never skip it silently.

#[tokio::test]
async fn the_test_server_answers_select_1() {
    let Some(url) = std::env::var("FEEDMILL_TEST_POSTGRES_URL")
        .ok()
        .filter(|v| !v.is_empty())
    else {
        assert!(
            std::env::var_os("CI").is_none(),
            "FEEDMILL_TEST_POSTGRES_URL is not set: CI must start PostgreSQL with scripts/test-servers.sh"
        );
        eprintln!(
            "NOT CHECKED: postgres smoke test: no test server (eval \"$(scripts/test-servers.sh start)\")"
        );
        return;
    };
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"));
    let conn = tokio::spawn(connection);
    let row = client.query_one("SELECT 1::INT4", &[]).await.unwrap();
    assert_eq!(row.get::<_, i32>(0), 1);
    let version: String = client
        .query_one("SHOW server_version", &[])
        .await
        .unwrap()
        .get(0);
    eprintln!("PostgreSQL {version} at {url}");
    drop(client);
    conn.await.unwrap().unwrap();
}
