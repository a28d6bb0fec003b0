//! Database TLS against a real PostgreSQL with `ssl=on` and a server certificate (for `localhost`
//! and `127.0.0.1`) from a throwaway CA: the URL's `sslmode` of libpq (`verify-full`, `verify-ca`)
//! and of the driver (`require`) all verify the chain and the host name, with the CA given to
//! `connect_with_ca` or in `DATABASE_CA_PEM`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::OnceLock;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use shared::error::DbError;
use testkit::pgembed::{PgServer, ServerOptions};

/// The modes that must all mean "TLS, chain and host name verified".
const VERIFYING: [&str; 3] = ["verify-full", "verify-ca", "require"];

struct TlsServer {
    server: PgServer,
    /// The CA that signed the server's certificate.
    ca_pem: String,
    /// A CA that signed nothing the server has.
    other_ca_pem: String,
}

fn ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

/// One server for the whole file, stopped when the test process exits.
fn tls_server() -> &'static TlsServer {
    static SERVER: OnceLock<TlsServer> = OnceLock::new();
    SERVER.get_or_init(|| {
        let ca = ca("jmsk test database CA");
        let mut params =
            CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &ca).unwrap();

        let options = ServerOptions::default()
            .file("server.crt", cert.pem())
            .file("server.key", key.serialize_pem())
            .setting("ssl", "on")
            .setting("ssl_cert_file", "server.crt")
            .setting("ssl_key_file", "server.key");
        let (server, _root) =
            PgServer::throwaway("shared-db-tls", &options).expect("start PostgreSQL");
        TlsServer {
            server,
            ca_pem: ca.pem(),
            other_ca_pem: self::ca("another CA").pem(),
        }
    })
}

/// `postgres://postgres@{host}:{port}/postgres?sslmode={mode}{extra}`.
fn url(host: &str, mode: &str, extra: &str) -> String {
    let port = tls_server().server.port;
    format!("postgres://postgres@{host}:{port}/postgres?sslmode={mode}{extra}")
}

fn chain(e: &DbError) -> String {
    let mut out = e.to_string();
    let mut next = std::error::Error::source(e);
    while let Some(cause) = next {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        next = cause.source();
    }
    out
}

/// Whether the server itself says this connection is encrypted.
async fn server_sees_tls(client: &tokio_postgres::Client) -> bool {
    client
        .query_one(
            "select ssl from pg_stat_ssl where pid = pg_backend_pid()",
            &[],
        )
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn every_verifying_sslmode_connects_over_tls_to_a_trusted_certificate() {
    let s = tls_server();
    for host in ["localhost", "127.0.0.1"] {
        for mode in VERIFYING {
            let client = shared::db::connect_with_ca(&url(host, mode, ""), &s.ca_pem)
                .await
                .unwrap_or_else(|e| panic!("{host} {mode}: {}", chain(&e)));
            assert!(server_sees_tls(&client).await, "{host} {mode}");
        }
    }
    // The same server over plain text, so the check above can tell the difference.
    let plain = shared::db::connect_with_ca(&url("127.0.0.1", "disable", ""), &s.ca_pem)
        .await
        .unwrap();
    assert!(!server_sees_tls(&plain).await);
}

#[tokio::test]
async fn a_certificate_from_another_ca_is_refused() {
    let s = tls_server();
    for mode in VERIFYING {
        let u = url("localhost", mode, "");
        let Err(e) = shared::db::connect_with_ca(&u, &s.other_ca_pem).await else {
            panic!("{mode}: a certificate of an untrusted CA was accepted");
        };
        let text = chain(&e);
        assert!(
            text.contains("invalid peer certificate") && text.contains("UnknownIssuer"),
            "{mode}: {text}"
        );
        // Positive control: the same URL with the signing CA trusted connects.
        shared::db::connect_with_ca(&u, &s.ca_pem).await.unwrap();
    }
}

#[tokio::test]
async fn a_certificate_for_another_host_name_is_refused() {
    let s = tls_server();
    for mode in VERIFYING {
        // The socket goes to the server either way (hostaddr); only the name verified differs.
        let wrong = url("db.other.example", mode, "&hostaddr=127.0.0.1");
        let Err(e) = shared::db::connect_with_ca(&wrong, &s.ca_pem).await else {
            panic!("{mode}: a certificate for another host name was accepted");
        };
        let text = chain(&e);
        assert!(
            text.contains(r#"certificate not valid for name "db.other.example""#),
            "{mode}: {text}"
        );
        let right = url("localhost", mode, "&hostaddr=127.0.0.1");
        let client = shared::db::connect_with_ca(&right, &s.ca_pem)
            .await
            .unwrap_or_else(|e| panic!("{mode}: {}", chain(&e)));
        assert!(server_sees_tls(&client).await);
    }
}

/// `shared::db::connect`, the process-wide trust, reads `DATABASE_CA_PEM` once per process: each
/// case runs this test again as a child process with its own environment.
#[tokio::test]
async fn connect_trusts_the_ca_in_database_ca_pem() {
    if let Ok(url) = std::env::var("DB_TLS_CHILD_URL") {
        let result = shared::db::connect(&url).await;
        match std::env::var("DB_TLS_CHILD_EXPECT").as_deref() {
            Ok("tls") => assert!(server_sees_tls(&result.unwrap()).await),
            Ok("refused") => {
                let Err(e) = result else {
                    panic!("an untrusted certificate was accepted")
                };
                let text = chain(&e);
                assert!(text.contains("UnknownIssuer"), "{text}");
            }
            other => panic!("DB_TLS_CHILD_EXPECT: {other:?}"),
        }
        return;
    }
    let s = tls_server();
    let run = |ca: Option<&str>, expect: &str| {
        let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
        cmd.args([
            "connect_trusts_the_ca_in_database_ca_pem",
            "--exact",
            "--nocapture",
        ])
        .env("DB_TLS_CHILD_URL", url("localhost", "verify-full", ""))
        .env("DB_TLS_CHILD_EXPECT", expect)
        .env_remove("DATABASE_CA_PEM");
        if let Some(ca) = ca {
            cmd.env("DATABASE_CA_PEM", ca);
        }
        let out = cmd.output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{expect}: {text}");
        // The child really ran the one test (a filter matching nothing also succeeds).
        assert!(text.contains("1 passed"), "{expect}: {text}");
    };
    run(Some(&s.ca_pem), "tls");
    run(None, "refused");
    run(Some(&s.other_ca_pem), "refused");
}
