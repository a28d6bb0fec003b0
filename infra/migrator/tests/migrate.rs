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
