//! The migration function against a throwaway PostgreSQL: up, status, down, up again.

use migrator::{Action, handle, run};
use serde_json::json;
use testkit::pgembed::PgServer;

#[tokio::test(flavor = "current_thread")]
async fn up_status_down_up() {
    let (server, _root) =
        PgServer::throwaway("migrator-test-pg", &Default::default()).expect("start PostgreSQL");
    let (owner_url, _) = testkit::pgembed::bootstrap(&server, "migrator_test")
        .await
        .expect("bootstrap");
    let count = shared::migrate::MIGRATIONS.len();

    let up = handle(&json!({}), &owner_url).await.expect("up");
    assert_eq!(up["action"], "up");
    assert_eq!(up["applied"].as_array().map(Vec::len), Some(count));

    let again = run(Action::Up, &owner_url).await.expect("up again");
    assert_eq!(again["applied"], json!([]), "up is idempotent");

    let status = handle(&json!({"action": "status"}), &owner_url)
        .await
        .expect("status");
    assert_eq!(status["applied"].as_array().map(Vec::len), Some(count));
    assert_eq!(status["pending"], json!([]));
    assert_eq!(status["applied"][0]["checksum_ok"], true);

    let down = handle(&json!({"action": "down"}), &owner_url)
        .await
        .expect("down");
    let last = shared::migrate::MIGRATIONS[count - 1].name;
    assert_eq!(down["reverted"], last);
    let status = run(Action::Status, &owner_url).await.expect("status");
    assert_eq!(status["pending"], json!([last]));

    let up = run(Action::Up, &owner_url).await.expect("up after down");
    assert_eq!(up["applied"], json!([last]));

    let bad = handle(&json!({"action": "sideways"}), &owner_url).await;
    assert!(bad.unwrap_err().to_string().contains("invalid payload"));
    let unreachable = run(Action::Status, "postgres://nobody@127.0.0.1:1/x").await;
    assert!(unreachable.is_err());
    // The import action reaches the import (infra/import/tests has its real runs): an old database
    // that cannot be reached fails the invocation and says which side failed.
    let import = handle(
        &json!({"action": "import", "from_url": "postgres://nobody@127.0.0.1:1/old", "dry_run": true}),
        &owner_url,
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(import.contains("the old database"), "{import}");
    server.stop();
}

/// `{"action": "import", ...}` runs the import with the payload's options: a dry run over the
/// import tests' old-service fixture answers a clean report of both tenants and writes nothing.
#[tokio::test(flavor = "current_thread")]
async fn the_import_action_answers_the_report() {
    let (server, _root) =
        PgServer::throwaway("migrator-import-pg", &Default::default()).expect("start PostgreSQL");
    let (owner_url, _) = testkit::pgembed::bootstrap(&server, "ours")
        .await
        .expect("bootstrap");
    let (old_url, _) = testkit::pgembed::bootstrap(&server, "old_service")
        .await
        .expect("old database");
    let (old, conn) = tokio_postgres::connect(&old_url, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(conn);
    old.batch_execute(include_str!("../../import/tests/fixture/old_schema.sql"))
        .await
        .expect("old schema");
    old.batch_execute(include_str!("../../import/tests/fixture/old_data.sql"))
        .await
        .expect("old data");
    handle(&json!({"action": "up"}), &owner_url)
        .await
        .expect("up");

    let out = handle(
        &json!({"action": "import", "from_url": old_url, "dry_run": true, "rename_invalid": true}),
        &owner_url,
    )
    .await
    .expect("import");
    assert_eq!(out["action"], "import");
    assert_eq!(out["clean"], true, "{out}");
    assert_eq!(out["report"]["dry_run"], true);
    assert_eq!(out["report"]["tenants"].as_array().map(Vec::len), Some(2));
    // Without rename_invalid, tenant 2 stops: the answer says so instead of failing.
    let out = handle(
        &json!({"action": "import", "from_url": old_url, "dry_run": true, "tenant": 2}),
        &owner_url,
    )
    .await
    .expect("import");
    assert_eq!(out["clean"], false, "{out}");
    assert!(out["report"]["tenants"][0]["stopped"].is_string(), "{out}");

    let (ours, conn) = tokio_postgres::connect(&owner_url, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(conn);
    let tenants: i64 = ours
        .query_one("select count(*) from tenants", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(tenants, 0, "a dry run writes nothing");
    server.stop();
}
