//! The test harness: one throwaway PostgreSQL server per test process, one database per test, and a
//! `TestApp` that turns calls into API Gateway events and runs them through `dispatch`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::{Value, json};
use shared::config::Config;
use shared::db::Db;
use shared::{Ctx, http::dispatch};
use testkit::event::{EventInput, rest_v1_event, to_request};
use testkit::pgembed::PgServer;

use crate::tcp_proxy::Proxy;

pub struct TestPg {
    pub server: PgServer,
    pub template: String,
}

static PG: OnceLock<Result<TestPg, String>> = OnceLock::new();
static DB_SEQ: AtomicU32 = AtomicU32::new(0);

pub fn pg() -> &'static TestPg {
    let res = PG.get_or_init(|| {
        // Own thread and runtime: the server outlives every test's runtime.
        std::thread::spawn(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(start_pg())
        })
        .join()
        .map_err(|_| "starting PostgreSQL panicked".to_string())?
    });
    match res {
        Ok(pg) => pg,
        Err(e) => panic!("test PostgreSQL unavailable: {e}"),
    }
}

async fn start_pg() -> Result<TestPg, String> {
    let (server, _root) =
        PgServer::throwaway("jmsk-test-pg", &Default::default()).map_err(|e| e.to_string())?;
    let template = "app_tmpl".to_string();
    let (owner_url, _) = testkit::pgembed::bootstrap(&server, &template)
        .await
        .map_err(|e| e.to_string())?;
    let mut owner = connect(&owner_url).await;
    shared::migrate::up(&mut owner)
        .await
        .map_err(|e| e.to_string())?;
    drop(owner);
    Ok(TestPg { server, template })
}

/// A connection of the tools' kind (`shared::db::connect`), for what a test checks or sets up.
pub async fn connect(url: &str) -> tokio_postgres::Client {
    shared::db::connect(url).await.expect("connect")
}

/// A fresh database for one test, cloned from the migrated template.
pub async fn fresh_database() -> String {
    let pg = pg();
    let name = format!(
        "t_{}_{}",
        std::process::id(),
        DB_SEQ.fetch_add(1, Ordering::SeqCst)
    );
    let admin = connect(&pg.server.url("postgres", "postgres")).await;
    admin
        .batch_execute(&format!(
            "create database \"{name}\" template \"{}\" owner app_owner",
            pg.template
        ))
        .await
        .expect("create test database");
    name
}

pub fn test_config(extra: &[(&str, &str)]) -> Config {
    let mut map: HashMap<String, String> = [
        ("APP_ENV", "test"),
        ("SECRET_KEY", "test-secret-key-test-secret-key-0123456789"),
        ("BCRYPT_COST", "4"),
        (
            "ALLOWED_ORIGINS",
            "http://localhost:5173,http://localhost:3000",
        ),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in extra {
        map.insert(k.to_string(), v.to_string());
    }
    Config::from_lookup(|k| map.get(k).cloned()).expect("test config")
}

pub struct TestApp {
    pub ctx: Ctx,
    pub db_name: String,
}

pub struct Resp {
    pub status: u16,
    pub body: Value,
    pub headers: lambda_http::http::HeaderMap,
    /// The database flights the request cost, when it reached the database (`round_trips.rs`).
    pub flights: Option<u64>,
}

impl std::fmt::Debug for Resp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.body)
    }
}

impl Resp {
    /// Assert the status, showing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.body
        );
        self
    }

    /// The `detail` of an error answer, which must be a string.
    #[track_caller]
    pub fn detail(&self) -> String {
        match &self.body["detail"] {
            Value::String(s) => s.clone(),
            other => panic!(
                "detail must be a string, got {other} (status {})",
                self.status
            ),
        }
    }
}

pub enum Body<'a> {
    None,
    Json(Value),
    Form(&'a [(&'a str, &'a str)]),
    Raw(&'a str, Vec<u8>),
}

impl TestApp {
    /// A new app on a fresh database, connected as the runtime role through a pool.
    pub async fn spawn() -> Self {
        Self::spawn_with(&[], false).await
    }

    /// `single`: use the Lambda-style single connection instead of a pool.
    pub async fn spawn_with(config: &[(&str, &str)], single: bool) -> Self {
        testkit::init_tracing();
        let db_name = fresh_database().await;
        let url = pg().server.url("app_rw", &db_name);
        Self::on(config, single, &url, db_name)
    }

    /// A new app on a fresh database that it reaches through a [`Proxy`], which the test can make
    /// refuse or freeze without touching the PostgreSQL server the other tests share.
    #[allow(dead_code)] // only the outage tests break the database
    pub async fn spawn_behind_proxy(config: &[(&str, &str)], single: bool) -> (Self, Proxy) {
        testkit::init_tracing();
        let db_name = fresh_database().await;
        let proxy = Proxy::start(pg().server.port).await;
        let url = proxy.url("app_rw", &db_name);
        (Self::on(config, single, &url, db_name), proxy)
    }

    fn on(config: &[(&str, &str)], single: bool, url: &str, db_name: String) -> Self {
        let config = test_config(config);
        let db = if single {
            Db::single(url, &config.database_timeouts)
        } else {
            Db::pool(url, 4, &config.database_timeouts).expect("pool")
        };
        TestApp {
            ctx: Ctx::new(config, db),
            db_name,
        }
    }

    pub fn owner_url(&self) -> String {
        pg().server.url("app_owner", &self.db_name)
    }

    pub fn superuser_url(&self) -> String {
        pg().server.url("postgres", &self.db_name)
    }

    pub async fn call(
        &self,
        method: &str,
        path_and_query: &str,
        body: Body<'_>,
        token: Option<&str>,
    ) -> Resp {
        self.call_with_headers(method, path_and_query, body, token, &[])
            .await
    }

    pub async fn call_with_headers(
        &self,
        method: &str,
        path_and_query: &str,
        body: Body<'_>,
        token: Option<&str>,
        extra_headers: &[(&str, &str)],
    ) -> Resp {
        self.call_from(
            "127.0.0.1",
            method,
            path_and_query,
            body,
            token,
            extra_headers,
        )
        .await
    }

    /// A request that API Gateway received from `source_ip` (`requestContext.identity.sourceIp`).
    pub async fn call_from(
        &self,
        source_ip: &str,
        method: &str,
        path_and_query: &str,
        body: Body<'_>,
        token: Option<&str>,
        extra_headers: &[(&str, &str)],
    ) -> Resp {
        let (path, query) = match path_and_query.split_once('?') {
            Some((p, q)) => (p, q),
            None => (path_and_query, ""),
        };
        let query: Vec<(String, String)> = form_urlencoded_pairs(query);
        let lookup_method = if method == "OPTIONS" { "GET" } else { method };
        let (endpoint, params) = functions::routes::find(lookup_method, path)
            .or_else(|| {
                // Preflight may target any method's route.
                (method == "OPTIONS").then(|| {
                    functions::routes::ROUTES.iter().find_map(|ep| {
                        shared::http::route::match_path(ep.path, path).map(|p| (*ep, p))
                    })
                })?
            })
            .unwrap_or_else(|| panic!("no route for {method} {path}"));
        let mut headers: Vec<(String, String)> = vec![("user-agent".into(), "api-tests".into())];
        let bytes = match body {
            Body::None => None,
            Body::Json(v) => {
                headers.push(("content-type".into(), "application/json".into()));
                Some(v.to_string().into_bytes())
            }
            Body::Form(pairs) => {
                headers.push((
                    "content-type".into(),
                    "application/x-www-form-urlencoded".into(),
                ));
                let encoded = pairs
                    .iter()
                    .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
                    .collect::<Vec<_>>()
                    .join("&");
                Some(encoded.into_bytes())
            }
            Body::Raw(ct, b) => {
                headers.push(("content-type".into(), ct.to_string()));
                Some(b)
            }
        };
        if let Some(t) = token {
            headers.push(("authorization".into(), format!("Bearer {t}")));
        }
        for (k, v) in extra_headers {
            headers.push((k.to_string(), v.to_string()));
        }
        let event = rest_v1_event(&EventInput {
            method,
            resource: endpoint.path,
            path,
            stage: "prod",
            path_params: &params,
            query: &query,
            headers: &headers,
            body: bytes.as_deref(),
            source_ip,
            request_id: "test-request",
        });
        let req = to_request(&event).expect("event parses");
        let resp = dispatch(&self.ctx, endpoint, req).await;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let flights = resp
            .extensions()
            .get::<shared::http::DatabaseFlights>()
            .map(|f| f.0);
        let body = match resp.into_body() {
            lambda_http::Body::Empty => Value::Null,
            lambda_http::Body::Text(t) => serde_json::from_str(&t).unwrap_or(Value::String(t)),
            lambda_http::Body::Binary(b) => serde_json::from_slice(&b)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&b).into())),
            _ => Value::Null,
        };
        Resp {
            status,
            body,
            headers,
            flights,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.call("GET", path, Body::None, Some(token)).await
    }
    pub async fn post(&self, path: &str, body: Value, token: &str) -> Resp {
        self.call("POST", path, Body::Json(body), Some(token)).await
    }
    pub async fn put(&self, path: &str, body: Value, token: &str) -> Resp {
        self.call("PUT", path, Body::Json(body), Some(token)).await
    }
    /// A POST without a body (the seed and logout buttons).
    pub async fn post_empty(&self, path: &str, token: &str) -> Resp {
        self.call("POST", path, Body::None, Some(token)).await
    }
    #[allow(dead_code)] // not every test module deletes
    pub async fn delete(&self, path: &str, token: &str) -> Resp {
        self.call("DELETE", path, Body::None, Some(token)).await
    }

    /// Sign up a new tenant whose admin is `username` (password `password123`); returns its tokens.
    pub async fn signup(&self, tenant: &str, username: &str) -> Session {
        self.call(
            "POST",
            "/api/v1/auth/register",
            Body::Json(json!({
                "username": username, "password": "password123", "full_name": format!("{username} admin"),
                "tenant_name": tenant
            })),
            None,
        )
        .await
        .expect(200);
        self.login(username, "password123").await
    }

    /// POST each `(body, detail)` of `cases` to `path` as `token`'s user: every one must be refused
    /// with a 422 whose detail is `detail` ([`Detail::Is`]) or starts with it
    /// ([`Detail::StartsWith`]).
    pub async fn expect_422s<D: AsRef<str>>(
        &self,
        path: &str,
        token: &str,
        cases: impl IntoIterator<Item = (Value, D)>,
        how: Detail,
    ) {
        for (body, detail) in cases {
            let r = self.post(path, body.clone(), token).await.expect(422);
            let detail = detail.as_ref();
            match how {
                Detail::Is => assert_eq!(r.detail(), detail, "{body}"),
                Detail::StartsWith => assert!(
                    r.detail().starts_with(detail),
                    "{body}: detail {:?}",
                    r.detail()
                ),
            }
        }
    }

    /// `POST /auth/login` with a form of `username` and `password`, whatever the answer.
    pub async fn try_login(&self, username: &str, password: &str) -> Resp {
        self.try_login_from("127.0.0.1", username, password).await
    }

    /// `try_login` from another client address.
    pub async fn try_login_from(&self, ip: &str, username: &str, password: &str) -> Resp {
        self.call_from(
            ip,
            "POST",
            "/api/v1/auth/login",
            Body::Form(&[("username", username), ("password", password)]),
            None,
            &[],
        )
        .await
    }

    /// `POST /auth/refresh` with `refresh_token` in a form, whatever the answer.
    pub async fn refresh(&self, refresh_token: &str) -> Resp {
        self.call(
            "POST",
            "/api/v1/auth/refresh",
            Body::Form(&[("refresh_token", refresh_token)]),
            None,
        )
        .await
    }

    /// Log in as the React app does (form body).
    pub async fn login(&self, username: &str, password: &str) -> Session {
        let r = self
            .call(
                "POST",
                "/api/v1/auth/login",
                Body::Form(&[
                    ("username", username),
                    ("password", password),
                    ("remember_me", "false"),
                ]),
                None,
            )
            .await
            .expect(200);
        let me = self
            .get("/api/v1/auth/me", r.body["access_token"].as_str().unwrap())
            .await
            .expect(200);
        Session {
            token: r.body["access_token"].as_str().unwrap().to_string(),
            refresh: r.body["refresh_token"].as_str().unwrap().to_string(),
            user_id: me.body["id"].as_i64().unwrap(),
            tenant_id: me.body["tenant_id"].as_i64().unwrap(),
        }
    }

    /// The id of `s`'s tenant's role `name` (read as the owner, so no endpoint is involved).
    pub async fn role_id(&self, s: &Session, name: &str) -> i64 {
        connect(&self.owner_url())
            .await
            .query_opt(
                "select id from roles where tenant_id = $1 and name = $2",
                &[&s.tenant_id, &name],
            )
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no role {name} in tenant {}", s.tenant_id))
            .get(0)
    }

    /// Add `username` (password `password123`) to `admin`'s tenant with `role` and log in as them:
    /// `app.user_with_role(&admin, "bob", "staff")` for a role by name (a system role or one the
    /// test made), `app.user_with_role(&admin, "reader", &["companies:read"])` for a new custom role
    /// with exactly those permissions. The role is looked up or made as the owner, and `admin`
    /// registers the user into it (`/auth/register` with `tenant_id`), so that tests of other
    /// resources do not depend on the users and roles endpoints.
    pub async fn user_with_role<'a>(
        &self,
        admin: &Session,
        username: &str,
        role: impl Into<Role<'a>>,
    ) -> Session {
        let role_id = match role.into() {
            Role::Named(name) => self.role_id(admin, name).await,
            Role::Permissions(permissions) => {
                let owner = connect(&self.owner_url()).await;
                let role_id: i64 = owner
                    .query_one(
                        "insert into roles (tenant_id, name, description) values ($1, $2, 'test role') returning id",
                        &[&admin.tenant_id, &format!("role-of-{username}")],
                    )
                    .await
                    .unwrap()
                    .get(0);
                let names: Vec<String> = permissions.iter().map(|p| p.to_string()).collect();
                let granted = owner
                    .execute(
                        "insert into role_permissions (tenant_id, role_id, permission_id)
                         select $1, $2, id from permissions where name = any($3)",
                        &[&admin.tenant_id, &role_id, &names],
                    )
                    .await
                    .unwrap();
                assert_eq!(
                    granted as usize,
                    permissions.len(),
                    "unknown permission name in {permissions:?}"
                );
                role_id
            }
        };
        self.call(
            "POST",
            "/api/v1/auth/register",
            Body::Json(json!({
                "username": username, "password": "password123", "full_name": username,
                "tenant_id": admin.tenant_id, "role_id": role_id
            })),
            Some(&admin.token),
        )
        .await
        .expect(200);
        self.login(username, "password123").await
    }
}

/// How [`TestApp::expect_422s`] compares an answer's `detail` with the expected text.
#[derive(Debug, Clone, Copy)]
pub enum Detail {
    Is,
    StartsWith,
}

/// The role [`TestApp::user_with_role`] gives a new user.
#[derive(Debug, Clone, Copy)]
pub enum Role<'a> {
    /// A role of the tenant by name: `admin`, `manager`, `staff`, or a custom one the test made.
    Named(&'a str),
    /// A new custom role (`role-of-<username>`) with exactly these permissions.
    Permissions(&'a [&'a str]),
}

impl<'a> From<&'a str> for Role<'a> {
    fn from(name: &'a str) -> Self {
        Role::Named(name)
    }
}

impl<'a, const N: usize> From<&'a [&'a str; N]> for Role<'a> {
    fn from(permissions: &'a [&'a str; N]) -> Self {
        Role::Permissions(permissions)
    }
}

/// The elements of a JSON array answer (a list endpoint's body).
#[track_caller]
pub fn arr(v: &Value) -> &Vec<Value> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected an array, got {v}"))
}

/// The `id`s of a list answer, in order.
#[track_caller]
pub fn ids(list: &Value) -> Vec<i64> {
    arr(list)
        .iter()
        .map(|x| x["id"].as_i64().unwrap())
        .collect()
}

#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub refresh: String,
    pub user_id: i64,
    pub tenant_id: i64,
}

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn form_urlencoded_pairs(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.replace('+', " ").into_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[allow(dead_code)]
pub fn tmp_dir(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("jmsk-{name}-{}", std::process::id()))
}

/// Every row of every table but `except`, as the owner sees it (a line per table): what a request
/// may have changed.
pub async fn whole_database(app: &TestApp, except: &[&str]) -> Vec<String> {
    let owner = connect(&app.owner_url()).await;
    let except: Vec<String> = except.iter().map(|t| t.to_string()).collect();
    let tables: Vec<String> = owner
        .query(
            "select table_name::text as t from information_schema.tables
              where table_schema = 'public' and table_type = 'BASE TABLE'
                and table_name <> all($1) order by 1",
            &[&except],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get("t"))
        .collect();
    let mut out = Vec::new();
    for t in tables {
        let rows: String = owner
            .query_one(
                &format!(
                    "select coalesce(json_agg(x order by x::text)::text, '[]') as j from {t} x"
                ),
                &[],
            )
            .await
            .unwrap()
            .get("j");
        out.push(format!("{t}: {rows}"));
    }
    out
}
