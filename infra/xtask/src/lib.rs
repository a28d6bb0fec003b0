//! The generator behind `cargo xtask gen`: the route table (`functions::routes::ROUTES`) is the single
//! source of truth, and two things are derived from it:
//!
//! - `functions/src/bin/<id>.rs`, one Lambda entry point per endpoint (bins without a route are deleted);
//! - the block of `template.yaml` between `# BEGIN GENERATED FUNCTIONS` and `# END GENERATED FUNCTIONS`:
//!   one `AWS::Serverless::Function` per endpoint with its API Gateway event and sizing;
//! - `infra/sam/Makefile`, the `sam build` targets (`BuildMethod: makefile`): one per function, the
//!   hand-written `MigrateFunction` included, each copying its binary out of one shared cargo build.
//!
//! Everything is computed as a list of [`Change`]s against the files on disk, so `gen` applies them and
//! `gen --check` (CI) reports them. The consistency test in `tests/` drives the same functions.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use shared::http::Endpoint;

pub const BEGIN_MARKER: &str = "# BEGIN GENERATED FUNCTIONS";
pub const END_MARKER: &str = "# END GENERATED FUNCTIONS";
/// Relative to the workspace root.
pub const BIN_DIR: &str = "functions/src/bin";
pub const TEMPLATE: &str = "template.yaml";
pub const FUNCTIONS_MANIFEST: &str = "functions/Cargo.toml";
pub const README: &str = "README.md";
/// The OpenAPI document, generated from the route table and the endpoints' `docs` declarations.
pub const OPENAPI: &str = "openapi.json";
pub const README_BEGIN: &str = "<!-- BEGIN GENERATED ENDPOINTS";
pub const README_END: &str = "<!-- END GENERATED ENDPOINTS";
pub const BINS_BEGIN: &str = "# BEGIN GENERATED BINS";
pub const BINS_END: &str = "# END GENERATED BINS";
/// The migration function's binary (package `migrator`); no endpoint may take this id.
pub const MIGRATE_BINARY: &str = "migrate";
/// The resource of infra/sam/migrate.yaml (the migration stack) that ships [`MIGRATE_BINARY`].
pub const MIGRATE_LOGICAL_ID: &str = "MigrateFunction";
/// Every function's `CodeUri`: the directory of the generated Makefile (all SAM copies per function).
pub const SAM_CODE_URI: &str = "infra/sam";
pub const SAM_MAKEFILE: &str = "infra/sam/Makefile";
/// `sam local invoke <Function> -e events/<id>.json`: one API Gateway event per endpoint.
pub const EVENTS_DIR: &str = "events";
/// The demo login the `auth_login` fixture carries (`shared::app::seed::DEMO_USERS`' admin), so it
/// returns tokens against the local stack's database.
const DEMO_LOGIN: &str = "username=admin&password=admin123";
/// The packages whose binaries the functions ship: the endpoints', then the migration's.
pub const LAMBDA_PACKAGES: &[&str] = &["functions", "migrator"];
/// HTTP methods an endpoint may use. OPTIONS is API Gateway's (CORS preflight on every path).
pub const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];
/// rustfmt's default `max_width`: a generated line longer than this is handed to rustfmt.
const MAX_WIDTH: usize = 100;

/// What the generator needs to know about one endpoint (a plain copy, so tests can make their own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteSpec {
    pub id: String,
    pub method: String,
    pub path: String,
    pub summary: String,
    /// `module_path!()` of the endpoint module, e.g. `functions::endpoints::auth::me`.
    pub module: String,
    pub memory_mb: u32,
    pub timeout_s: u32,
    /// `public`, `token`, or the permission the endpoint requires.
    pub access: String,
    pub tag: String,
}

impl From<&Endpoint> for RouteSpec {
    fn from(ep: &Endpoint) -> Self {
        RouteSpec {
            id: ep.id.to_string(),
            method: ep.method.to_string(),
            path: ep.path.to_string(),
            summary: ep.summary.to_string(),
            module: ep.module.to_string(),
            memory_mb: ep.sizing.memory_mb(),
            timeout_s: ep.sizing.timeout_s(),
            access: access_text(ep.access()),
            tag: ep.tag.to_string(),
        }
    }
}

/// `public`, `token`, the permissions (`` `a`, `b` ``), or `public; token: `p`` for an optional one.
fn access_text(access: shared::http::Access) -> String {
    use shared::http::Access;
    let listed = |ps: &[&str]| {
        ps.iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match access {
        Access::Public => "public".to_string(),
        Access::User { permissions: [] } => "token".to_string(),
        Access::User { permissions } => listed(permissions),
        Access::OptionalUser { permissions } => {
            format!("public; with a token {}", listed(permissions))
        }
    }
}

/// The specs of a route table, in table order.
pub fn specs(routes: &[&Endpoint]) -> Vec<RouteSpec> {
    routes.iter().map(|ep| RouteSpec::from(*ep)).collect()
}

/// The project's route table.
pub fn project_specs() -> Vec<RouteSpec> {
    specs(functions::routes::ROUTES)
}

/// The workspace root (this crate lives in `infra/xtask`).
pub fn workspace_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    here.canonicalize().unwrap_or(here)
}

#[derive(Debug)]
pub enum GenError {
    /// The route table breaks a rule; one line per problem.
    InvalidRoutes(Vec<String>),
    /// `template.yaml` lacks the markers, or has them more than once or out of order.
    Markers(String),
    Io(PathBuf, std::io::Error),
}

impl fmt::Display for GenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GenError::InvalidRoutes(problems) => {
                writeln!(f, "the route table (functions/src/routes.rs) is invalid:")?;
                for p in problems {
                    writeln!(f, "  - {p}")?;
                }
                Ok(())
            }
            GenError::Markers(msg) => write!(f, "{TEMPLATE}: {msg}"),
            GenError::Io(path, e) => write!(f, "{}: {e}", path.display()),
        }
    }
}

impl std::error::Error for GenError {}

/// `auth_login_history` → `AuthLoginHistory`.
pub fn upper_camel(id: &str) -> String {
    id.split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            match cs.next() {
                Some(c) => c.to_ascii_uppercase().to_string() + cs.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// The CloudFormation logical id of an endpoint's function: `UpperCamel(id)` + `Function`.
pub fn logical_id(id: &str) -> String {
    format!("{}Function", upper_camel(id))
}

/// The path as API Gateway gets it: without the trailing slash (the handlers accept both), `/` stays `/`.
pub fn api_path(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        "/".to_string()
    } else {
        trimmed.to_string()
    }
}

/// The path with parameter names erased: two routes with the same method and normalized path collide.
pub fn normalized_path(path: &str) -> String {
    let p = api_path(path);
    if p == "/" {
        return p;
    }
    p.split('/')
        .map(|s| if is_param(s) { "{}" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

fn is_param(segment: &str) -> bool {
    segment.starts_with('{') && segment.ends_with('}')
}

fn is_snake(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some('a'..='z'))
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !s.ends_with('_')
        && !s.contains("__")
}

/// Every rule the generated files and API Gateway rely on; an empty list means the table is sound.
pub fn validate(specs: &[RouteSpec]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut ids: HashMap<&str, usize> = HashMap::new();
    let mut logical: HashMap<String, &str> = HashMap::new();
    let mut pairs: HashMap<(String, String), &str> = HashMap::new();
    // API Gateway allows one variable name per position under a given parent resource.
    let mut variables: BTreeMap<String, (String, &str)> = BTreeMap::new();
    for s in specs {
        let id = s.id.as_str();
        *ids.entry(id).or_default() += 1;
        if ids[id] == 2 {
            problems.push(format!("id `{id}` is used by more than one endpoint"));
        }
        if !is_snake(id) {
            problems.push(format!(
                "id `{id}` is not snake_case (`<resource>_<action>`: a-z, 0-9, single underscores)"
            ));
        }
        if id == MIGRATE_BINARY {
            problems.push(format!("id `{id}` is reserved for the migration function"));
        }
        let lid = logical_id(id);
        if let Some(other) = logical.get(&lid.to_ascii_lowercase()) {
            if *other != id {
                problems.push(format!(
                    "ids `{other}` and `{id}` give the same template resource name {lid}"
                ));
            }
        } else {
            logical.insert(lid.to_ascii_lowercase(), id);
        }
        if !METHODS.contains(&s.method.as_str()) {
            problems.push(format!(
                "{id}: method `{}` is not one of {}",
                s.method,
                METHODS.join(", ")
            ));
        }
        if !s.module.starts_with("functions::") || s.module.contains(char::is_whitespace) {
            problems.push(format!(
                "{id}: module `{}` is not inside the functions crate (use `module: module_path!()`)",
                s.module
            ));
        }
        let path = s.path.as_str();
        if !path.starts_with('/') || path.contains("//") || path.contains(char::is_whitespace) {
            problems.push(format!(
                "{id}: path `{path}` must start with `/` and have no empty segments or spaces"
            ));
        }
        let trimmed = api_path(path);
        let segments: Vec<&str> = trimmed.split('/').filter(|s| !s.is_empty()).collect();
        for (i, seg) in segments.iter().enumerate() {
            if seg.contains(['{', '}']) {
                let name = seg.trim_start_matches('{').trim_end_matches('}');
                if !is_param(seg) || !is_snake(name) {
                    problems.push(format!(
                        "{id}: path segment `{seg}` must be a whole `{{snake_case}}` parameter"
                    ));
                    continue;
                }
                let parent = normalized_path(&format!("/{}", segments[..i].join("/")));
                match variables.get(&parent) {
                    Some((existing, other)) if existing != name => problems.push(format!(
                        "{id}: parameter `{{{name}}}` under `{parent}` is `{{{existing}}}` in `{other}`; API Gateway needs one name per position"
                    )),
                    Some(_) => {}
                    None => {
                        variables.insert(parent, (name.to_string(), id));
                    }
                }
            }
        }
        let key = (s.method.clone(), normalized_path(path));
        if let Some(other) = pairs.get(&key) {
            problems.push(format!(
                "{id}: {} {} is already served by `{other}` (a trailing slash does not make a route different)",
                key.0, key.1
            ));
        } else {
            pairs.insert(key, id);
        }
        if s.memory_mb < 128 || s.memory_mb > 10240 || s.timeout_s == 0 || s.timeout_s > 29 {
            problems.push(format!(
                "{id}: sizing {} MB / {} s is outside Lambda's 128..=10240 MB and API Gateway's 29 s",
                s.memory_mb, s.timeout_s
            ));
        }
    }
    problems
}

/// The Lambda entry point of one endpoint: only the `serve` call on its own `ENDPOINT` (a binary that
/// looked itself up in `ROUTES` would link every handler).
pub fn bin_source(spec: &RouteSpec) -> String {
    let call = format!(
        "    shared::lambda::serve(&{}::ENDPOINT).await",
        spec.module
    );
    let source = format!(
        "//! Lambda entry point: `{id}`. Generated by `cargo xtask gen`; do not edit.\n\
         \n\
         #[tokio::main(flavor = \"current_thread\")]\n\
         async fn main() -> Result<(), lambda_http::Error> {{\n\
         {call}\n\
         }}\n",
        id = spec.id
    );
    if call.len() > MAX_WIDTH {
        // Long module paths get wrapped by rustfmt in ways not worth re-implementing: ask it, so that
        // `gen --check` and `cargo fmt --check` never disagree.
        if let Some(formatted) = rustfmt(&source) {
            return formatted;
        }
    }
    source
}

fn rustfmt(source: &str) -> Option<String> {
    let mut child = Command::new(std::env::var("RUSTFMT").unwrap_or_else(|_| "rustfmt".into()))
        .args(["--edition", "2024", "--emit", "stdout"])
        .current_dir(workspace_root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(source.as_bytes()).ok()?;
    let out = child.wait_with_output().ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8(out.stdout).ok()
}

/// A YAML scalar that survives any text: JSON string syntax is valid YAML double-quoted syntax.
fn yaml_string(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// The lines between the markers (both excluded), indented as members of `Resources:`.
/// Hot functions with their own scaling parameters in template.yaml (`<Prefix>ReservedConcurrency`,
/// `<Prefix>ProvisionedConcurrency` and the matching `Has…` conditions, written by hand in the template's
/// `Parameters` and `Conditions`): login (bcrypt) and the orders list, which every page of the app loads.
pub const HOT_FUNCTIONS: &[(&str, &str)] =
    &[("auth_login", "Login"), ("orders_list", "OrdersList")];

/// Template lines that size a hot function: its own reserved concurrency (falling back to the
/// per-function default) and optional provisioned concurrency on a published alias.
fn scaling_lines(id: &str) -> String {
    match HOT_FUNCTIONS.iter().find(|(hot, _)| *hot == id) {
        None => String::new(),
        Some((_, p)) => format!(
            "      ReservedConcurrentExecutions: !If [Has{p}ReservedConcurrency, !Ref {p}ReservedConcurrency, !If [HasReservedConcurrency, !Ref ReservedConcurrencyPerFunction, !Ref AWS::NoValue]]
      AutoPublishAlias: live
      ProvisionedConcurrencyConfig: !If [Has{p}ProvisionedConcurrency, {{ProvisionedConcurrentExecutions: !Ref {p}ProvisionedConcurrency}}, !Ref AWS::NoValue]
"
        ),
    }
}

/// The `Events` entry that routes a path's CORS preflight (`OPTIONS`) to one of its functions.
/// API Gateway's own preflight answer (SAM `Cors`) can only send one fixed `AllowedOrigins` string, so
/// a list of origins would break it; `dispatch` answers preflight for any method's route and reflects
/// the request's origin only when it is listed. The path's first endpoint takes it: a preflight
/// then warms the function the real request goes to next, and no extra binary is needed.
fn preflight_event(path: &str) -> String {
    format!(
        "        Preflight:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: {path}
            Method: options
"
    )
}

pub fn template_block(specs: &[RouteSpec]) -> String {
    let mut out = String::new();
    let mut preflighted = std::collections::HashSet::new();
    for s in specs {
        let mut description = s.summary.clone();
        description.truncate(256);
        let path = yaml_string(&api_path(&s.path));
        let preflight = if preflighted.insert(path.clone()) {
            preflight_event(&path)
        } else {
            String::new()
        };
        let _ = write!(
            out,
            "  {logical}:
    Type: AWS::Serverless::Function
    Properties:
      Description: {description}
      CodeUri: {code_uri}
      Handler: bootstrap
      Role: !GetAtt FunctionRole.Arn
      MemorySize: {memory}
      Timeout: {timeout}
{scaling}      Events:
        Api:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: {path}
            Method: {method}
{preflight}    Metadata:
      BuildMethod: makefile
      BuildProperties:
        Binary: {id}
",
            logical = logical_id(&s.id),
            description = yaml_string(&description),
            memory = s.memory_mb,
            timeout = s.timeout_s,
            scaling = scaling_lines(&s.id),
            method = s.method.to_ascii_lowercase(),
            id = s.id,
            code_uri = SAM_CODE_URI,
        );
    }
    out
}

/// `events/<id>.json`: the API Gateway REST (v1) proxy event of one call of the endpoint, as Lambda
/// receives it behind the template's API and as `sam local invoke -e` takes it. Path parameters are
/// `1`; a write carries `{}` as JSON (login: the demo admin's form), enough to reach the endpoint's
/// validation. No `Authorization` header: `make sam-local-invoke` adds a fresh token from the local
/// stack when the endpoint needs one, since a token in a committed file would expire.
pub fn event_fixture(spec: &RouteSpec) -> String {
    let resource = api_path(&spec.path);
    let mut params = Vec::new();
    let path = resource
        .split('/')
        .map(|segment| {
            if is_param(segment) {
                params.push((
                    segment.trim_matches(|c| c == '{' || c == '}').to_string(),
                    "1".to_string(),
                ));
                "1".to_string()
            } else {
                segment.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("/");
    let mut headers = vec![("Accept".to_string(), "application/json".to_string())];
    let body = match spec.method.as_str() {
        "POST" | "PUT" | "PATCH" if spec.id == "auth_login" => {
            headers.push((
                "Content-Type".into(),
                "application/x-www-form-urlencoded".into(),
            ));
            Some(DEMO_LOGIN.as_bytes())
        }
        "POST" | "PUT" | "PATCH" => {
            headers.push(("Content-Type".into(), "application/json".into()));
            Some(b"{}".as_slice())
        }
        _ => None,
    };
    let request_id = format!("events-{}", spec.id);
    let event = testkit::event::rest_v1_event(&testkit::event::EventInput {
        method: &spec.method,
        resource: &resource,
        path: &path,
        stage: "prod",
        path_params: &params,
        query: &[],
        headers: &headers,
        body,
        source_ip: "127.0.0.1",
        request_id: &request_id,
    });
    let mut out = serde_json::to_string_pretty(&event).unwrap_or_default();
    out.push('\n');
    out
}

/// `infra/sam/Makefile`: what `sam build` runs for each function (`make build-<LogicalId>` with
/// `ARTIFACTS_DIR` set). A target copies its binary from `target/lambda/<binary>/bootstrap` to
/// `$ARTIFACTS_DIR/bootstrap`. With `JMSK_LAMBDA_PREBUILT=1` (infra/scripts/sam-build.sh, after one
/// `cargo lambda build` of every binary) that is all it does; otherwise it first runs `cargo lambda
/// build` for its own binary, so a plain `sam build` works too (one binary per cargo run: cargo-lambda
/// moves every binary it built into target/lambda, so a shared build would race with the copies).
pub fn sam_makefile(specs: &[RouteSpec]) -> String {
    let mut out = String::from(
        "# `sam build` targets (BuildMethod: makefile), one per function of template.yaml.
# Generated by `cargo xtask gen` from functions/src/routes.rs; do not edit.
#
# SAM runs `make build-<LogicalId>` for each function, in a scratch copy of this directory (CodeUri),
# with ARTIFACTS_DIR set; the target copies its binary there as `bootstrap`.
# - infra/scripts/sam-build.sh (make sam-build) first builds every endpoint binary in ONE cargo run,
#   linking them two at a time (then `migrate`), and sets JMSK_LAMBDA_PREBUILT=1: the targets only copy.
# - A plain `sam build` (deploy.sh, the deploy workflow): each target builds its own binary first,
#   `cargo lambda build -p <package> --bin <binary>`; the first also builds the dependencies.
# README.md, \"Building for AWS\".

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/../..)
CARGO ?= cargo
# arm64, the default of the templates' Architecture parameter (x86_64: x86_64-unknown-linux-gnu); zig
# links against an old glibc (AL2023 has 2.34).
LAMBDA_TARGET ?= aarch64-unknown-linux-gnu

# $(call stage,<package>,<binary>)
define stage
\t@test -n \"$$ARTIFACTS_DIR\" || { echo 'ARTIFACTS_DIR is not set: run sam build (or infra/scripts/sam-build.sh)' >&2; exit 2; }
\tcd '$(ROOT)' && if [ \"$${JMSK_LAMBDA_PREBUILT:-}\" != 1 ]; then $(CARGO) lambda build --release --locked --target $(LAMBDA_TARGET) -p $(1) --bin $(2); fi
\tcd '$(ROOT)' && cp \"$${CARGO_TARGET_DIR:-target}/lambda/$(2)/bootstrap\" \"$$ARTIFACTS_DIR/bootstrap\"
endef
",
    );
    let mut targets: Vec<(String, &str, &str)> = specs
        .iter()
        .map(|s| (logical_id(&s.id), LAMBDA_PACKAGES[0], s.id.as_str()))
        .collect();
    targets.push((
        MIGRATE_LOGICAL_ID.to_string(),
        LAMBDA_PACKAGES[1],
        MIGRATE_BINARY,
    ));
    targets.sort();
    out.push_str("\n.PHONY:");
    for (logical, _, _) in &targets {
        out.push_str(&format!(" \\\n  build-{logical}"));
    }
    out.push('\n');
    for (logical, package, binary) in &targets {
        out.push_str(&format!(
            "\nbuild-{logical}:\n\t$(call stage,{package},{binary})\n"
        ));
    }
    out
}

/// `template` with the text between the marker lines replaced by `block`.
pub fn splice_template(template: &str, block: &str) -> Result<String, GenError> {
    splice_between(template, BEGIN_MARKER, END_MARKER, block)
}

/// The README's endpoint table, grouped by tag in route-table order.
pub fn readme_block(specs: &[RouteSpec]) -> String {
    let mut tags: Vec<&str> = Vec::new();
    for s in specs {
        if !tags.contains(&s.tag.as_str()) {
            tags.push(&s.tag);
        }
    }
    let mut out = String::from(
        "\n| method | path | function | access | what it does |\n|---|---|---|---|---|\n",
    );
    for tag in tags {
        for s in specs.iter().filter(|s| s.tag == tag) {
            out.push_str(&format!(
                "| {} | `{}` | `{}` | {} | {} |\n",
                s.method,
                s.path,
                s.id,
                s.access,
                s.summary.replace('|', "\\|")
            ));
        }
    }
    out.push('\n');
    out
}

/// The `[[bin]]` targets of the functions crate. Declared explicitly (with `autobins = false`) so each
/// gets `test = false`: ~90 empty test harnesses would otherwise be compiled and linked by every
/// `cargo test` and `clippy --all-targets`.
pub fn bins_block(specs: &[RouteSpec]) -> String {
    let mut ids: Vec<&str> = specs.iter().map(|s| s.id.as_str()).collect();
    ids.sort_unstable();
    let mut out = String::new();
    for id in ids {
        out.push_str(&format!(
            "[[bin]]\nname = \"{id}\"\npath = \"src/bin/{id}.rs\"\ntest = false\nbench = false\ndoc = false\n\n"
        ));
    }
    out
}

/// `text` with the lines strictly between the `begin` and `end` marker lines replaced by `block`.
pub fn splice_between(
    template: &str,
    begin_marker: &str,
    end_marker: &str,
    block: &str,
) -> Result<String, GenError> {
    let lines: Vec<&str> = template.split_inclusive('\n').collect();
    let find = |marker: &str| -> Result<usize, GenError> {
        let hits: Vec<usize> = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.trim_start().starts_with(marker))
            .map(|(i, _)| i)
            .collect();
        match hits.as_slice() {
            [one] => Ok(*one),
            [] => Err(GenError::Markers(format!("no `{marker}` line"))),
            _ => Err(GenError::Markers(format!(
                "`{marker}` appears {} times",
                hits.len()
            ))),
        }
    };
    let begin = find(begin_marker)?;
    let end = find(end_marker)?;
    if end < begin {
        return Err(GenError::Markers(format!(
            "`{end_marker}` comes before `{begin_marker}`"
        )));
    }
    let mut out = String::with_capacity(template.len() + block.len());
    for l in &lines[..=begin] {
        out.push_str(l);
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(block);
    for l in &lines[end..] {
        out.push_str(l);
    }
    Ok(out)
}

/// One difference between the files on disk and what the route table implies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Create {
        path: PathBuf,
        content: String,
    },
    Update {
        path: PathBuf,
        content: String,
    },
    /// A binary whose route is gone.
    Delete {
        path: PathBuf,
    },
}

impl Change {
    pub fn path(&self) -> &Path {
        match self {
            Change::Create { path, .. } | Change::Update { path, .. } | Change::Delete { path } => {
                path
            }
        }
    }

    /// For `gen --check`: what is wrong, relative to `root`.
    pub fn describe(&self, root: &Path) -> String {
        let rel = self.path().strip_prefix(root).unwrap_or(self.path());
        match self {
            Change::Create { .. } => format!("{} is missing", rel.display()),
            Change::Update { .. } => format!("{} is out of date", rel.display()),
            Change::Delete { .. } => format!(
                "{} has no route in functions/src/routes.rs (stray file)",
                rel.display()
            ),
        }
    }
}

fn read(path: &Path) -> Result<Option<String>, GenError> {
    match std::fs::read_to_string(path) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(GenError::Io(path.to_path_buf(), e)),
    }
}

/// The `.rs` files of the bin directory, by id (file stem).
pub fn existing_bins(root: &Path) -> Result<BTreeMap<String, PathBuf>, GenError> {
    let dir = root.join(BIN_DIR);
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(GenError::Io(dir, e)),
    };
    let mut bins = BTreeMap::new();
    for entry in entries {
        let entry = entry.map_err(|e| GenError::Io(dir.clone(), e))?;
        let path = entry.path();
        if path.extension().is_some_and(|x| x == "rs")
            && path.is_file()
            && let Some(stem) = path.file_stem().and_then(|s| s.to_str())
        {
            bins.insert(stem.to_string(), path);
        }
    }
    Ok(bins)
}

/// Everything `gen` would change under `root` for `specs`; empty when the files are current.
pub fn plan(root: &Path, specs: &[RouteSpec]) -> Result<Vec<Change>, GenError> {
    let problems = validate(specs);
    if !problems.is_empty() {
        return Err(GenError::InvalidRoutes(problems));
    }
    let mut changes = Vec::new();
    let existing = existing_bins(root)?;
    let wanted: BTreeSet<&str> = specs.iter().map(|s| s.id.as_str()).collect();
    for s in specs {
        let path = root.join(BIN_DIR).join(format!("{}.rs", s.id));
        changes.extend(plan_file(path, bin_source(s))?);
    }
    for (id, path) in existing {
        if !wanted.contains(id.as_str()) {
            changes.push(Change::Delete { path });
        }
    }
    let template_path = root.join(TEMPLATE);
    let template = read(&template_path)?.ok_or_else(|| {
        GenError::Markers(format!(
            "not found at {} (it holds the hand-written resources around the generated block)",
            template_path.display()
        ))
    })?;
    let content = splice_template(&template, &template_block(specs))?;
    if content != template {
        changes.push(Change::Update {
            path: template_path,
            content,
        });
    }
    let readme_path = root.join(README);
    if let Some(readme) = read(&readme_path)? {
        let content = splice_between(&readme, README_BEGIN, README_END, &readme_block(specs))?;
        if content != readme {
            changes.push(Change::Update {
                path: readme_path,
                content,
            });
        }
    }
    let events = root.join(EVENTS_DIR);
    for s in specs {
        changes.extend(plan_file(
            events.join(format!("{}.json", s.id)),
            event_fixture(s),
        )?);
    }
    if let Ok(entries) = std::fs::read_dir(&events) {
        for entry in entries.flatten() {
            let path = entry.path();
            let stem = path
                .file_stem()
                .and_then(|x| x.to_str())
                .unwrap_or_default();
            if path.extension().is_some_and(|x| x == "json") && !wanted.contains(stem) {
                changes.push(Change::Delete { path });
            }
        }
    }
    changes.extend(plan_file(root.join(SAM_MAKEFILE), sam_makefile(specs))?);
    let manifest_path = root.join(FUNCTIONS_MANIFEST);
    if let Some(manifest) = read(&manifest_path)? {
        let content = splice_between(&manifest, BINS_BEGIN, BINS_END, &bins_block(specs))?;
        if content != manifest {
            changes.push(Change::Update {
                path: manifest_path,
                content,
            });
        }
    }
    Ok(changes)
}

/// The change that makes the file at `path` hold exactly `content`, if any.
pub fn plan_file(path: PathBuf, content: String) -> Result<Option<Change>, GenError> {
    Ok(match read(&path)? {
        None => Some(Change::Create { path, content }),
        Some(current) if current != content => Some(Change::Update { path, content }),
        Some(_) => None,
    })
}

/// Write and delete files as planned.
pub fn apply(changes: &[Change]) -> Result<(), GenError> {
    for c in changes {
        match c {
            Change::Create { path, content } | Change::Update { path, content } => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| GenError::Io(dir.to_path_buf(), e))?;
                }
                std::fs::write(path, content).map_err(|e| GenError::Io(path.clone(), e))?;
            }
            Change::Delete { path } => {
                std::fs::remove_file(path).map_err(|e| GenError::Io(path.clone(), e))?
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(id: &str, method: &str, path: &str) -> RouteSpec {
        RouteSpec {
            id: id.into(),
            method: method.into(),
            path: path.into(),
            summary: format!("Summary of {id}"),
            module: format!("functions::endpoints::x::{id}"),
            memory_mb: 256,
            timeout_s: 10,
            access: "token".into(),
            tag: "x".into(),
        }
    }

    #[test]
    fn readme_table_groups_by_tag_and_escapes_pipes() {
        let mut a = spec("a_list", "GET", "/a/");
        a.tag = "a".into();
        a.summary = "lists | things".into();
        let mut b = spec("b_get", "GET", "/b/{id}");
        b.tag = "b".into();
        let mut c = spec("a_get", "GET", "/a/{id}");
        c.tag = "a".into();
        let t = readme_block(&[a, b, c]);
        let rows: Vec<&str> = t.lines().filter(|l| l.starts_with("| GET")).collect();
        assert_eq!(rows.len(), 3);
        assert!(
            rows[0].contains("`a_list`") && rows[0].contains("lists \\| things"),
            "{}",
            rows[0]
        );
        assert!(rows[1].contains("`a_get`"), "tags stay together: {t}");
        assert!(rows[2].contains("`b_get`"));
    }

    #[test]
    fn bins_block_declares_every_binary_without_a_test_harness() {
        let b = bins_block(&[spec("z_get", "GET", "/z"), spec("a_get", "GET", "/a")]);
        assert!(
            b.find("a_get").unwrap() < b.find("z_get").unwrap(),
            "sorted"
        );
        assert_eq!(b.matches("test = false").count(), 2);
        assert!(b.contains("path = \"src/bin/z_get.rs\""));
    }

    fn temp_root(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join(BIN_DIR)).unwrap();
        std::fs::write(
            dir.join(TEMPLATE),
            format!("Resources:\n  Api:\n    Type: X\n  {BEGIN_MARKER}\n  old: 1\n  {END_MARKER}\nOutputs: {{}}\n"),
        )
        .unwrap();
        dir
    }

    #[test]
    fn names_and_paths() {
        assert_eq!(upper_camel("auth_login_history"), "AuthLoginHistory");
        assert_eq!(logical_id("companies_v2_get"), "CompaniesV2GetFunction");
        assert_eq!(api_path("/api/v1/companies-v2/"), "/api/v1/companies-v2");
        assert_eq!(api_path("/"), "/");
        assert_eq!(
            normalized_path("/api/v1/metals/{metal_id}/"),
            "/api/v1/metals/{}"
        );
        assert_eq!(normalized_path("/"), "/");
    }

    #[test]
    fn validate_catches_every_kind_of_conflict() {
        let good = vec![
            spec("metals_list", "GET", "/api/v1/metals/"),
            spec("metals_get", "GET", "/api/v1/metals/{metal_id}"),
            spec("metals_seed", "POST", "/api/v1/metals/seed"),
        ];
        assert_eq!(validate(&good), Vec::<String>::new());

        let cases: Vec<(Vec<RouteSpec>, &str)> = vec![
            (
                vec![spec("a_b", "GET", "/a"), spec("a_b", "POST", "/a")],
                "more than one endpoint",
            ),
            (
                vec![spec("a_list", "GET", "/a/"), spec("a_all", "GET", "/a")],
                "already served by `a_list`",
            ),
            (
                vec![
                    spec("a_get", "GET", "/a/{a_id}"),
                    spec("a_put", "PUT", "/a/{id}"),
                ],
                "one name per position",
            ),
            (vec![spec("A_b", "GET", "/a")], "not snake_case"),
            (vec![spec("a_b", "OPTIONS", "/a")], "method `OPTIONS`"),
            (vec![spec("a_b", "GET", "a")], "must start with `/`"),
            (vec![spec("a_b", "GET", "/a/{proxy+}")], "parameter"),
            (vec![spec("migrate", "GET", "/m")], "reserved"),
        ];
        for (specs, expected) in cases {
            let problems = validate(&specs);
            assert!(
                problems.iter().any(|p| p.contains(expected)),
                "expected a problem containing {expected:?} for {specs:?}, got {problems:?}"
            );
        }
        let mut bad_module = spec("a_b", "GET", "/a");
        bad_module.module = "other::a".into();
        assert!(validate(&[bad_module])[0].contains("functions crate"));
    }

    #[test]
    fn bin_source_matches_the_handwritten_style() {
        let s = RouteSpec {
            module: "functions::endpoints::auth::me".into(),
            ..spec("auth_me", "GET", "/api/v1/auth/me")
        };
        assert_eq!(
            bin_source(&s),
            "//! Lambda entry point: `auth_me`. Generated by `cargo xtask gen`; do not edit.\n\n\
             #[tokio::main(flavor = \"current_thread\")]\n\
             async fn main() -> Result<(), lambda_http::Error> {\n    \
             shared::lambda::serve(&functions::endpoints::auth::me::ENDPOINT).await\n}\n"
        );
    }

    #[test]
    fn long_module_paths_are_formatted_like_rustfmt() {
        let s = RouteSpec {
            module: "functions::endpoints::department_ledger_entries::update_entry".into(),
            ..spec("ledger_update", "PUT", "/x")
        };
        let src = bin_source(&s);
        if let Some(formatted) = rustfmt(&src) {
            assert_eq!(src, formatted);
        }
        assert!(src.lines().all(|l| l.len() <= MAX_WIDTH), "{src}");
    }

    #[test]
    fn hot_functions_get_their_own_scaling() {
        let block = template_block(&[
            spec("auth_login", "POST", "/api/v1/auth/login"),
            spec("x_get", "GET", "/x"),
        ]);
        let (login, other) = block.split_at(block.find("XGetFunction").unwrap());
        assert!(login.contains("!Ref LoginReservedConcurrency"));
        assert!(
            login.contains("ProvisionedConcurrentExecutions: !Ref LoginProvisionedConcurrency")
        );
        assert!(
            !other.contains("Concurrency"),
            "ordinary functions use the Globals default: {other}"
        );
        let orders = template_block(&[spec("orders_list", "GET", "/api/v1/orders/")]);
        assert!(orders.contains("!Ref OrdersListReservedConcurrency"));
        assert!(
            orders
                .contains("ProvisionedConcurrentExecutions: !Ref OrdersListProvisionedConcurrency")
        );
    }

    #[test]
    fn event_fixtures_fill_path_parameters_and_carry_a_body_only_for_writes() {
        use serde_json::Value;
        let get: Value = serde_json::from_str(&event_fixture(&spec(
            "companies_get",
            "GET",
            "/api/v1/companies/{company_id}",
        )))
        .unwrap();
        assert_eq!(get["resource"], "/api/v1/companies/{company_id}");
        assert_eq!(get["path"], "/api/v1/companies/1");
        assert_eq!(get["pathParameters"]["company_id"], "1");
        assert_eq!(get["requestContext"]["path"], "/prod/api/v1/companies/1");
        assert!(get["body"].is_null());
        let post: Value = serde_json::from_str(&event_fixture(&spec(
            "metals_create",
            "POST",
            "/api/v1/metals/",
        )))
        .unwrap();
        assert_eq!(post["resource"], "/api/v1/metals", "as the template's Path");
        assert_eq!(post["body"], "{}");
        assert_eq!(post["headers"]["Content-Type"], "application/json");
        let login: Value = serde_json::from_str(&event_fixture(&spec(
            "auth_login",
            "POST",
            "/api/v1/auth/login",
        )))
        .unwrap();
        assert_eq!(login["body"], DEMO_LOGIN);
    }

    #[test]
    fn each_path_routes_its_preflight_to_exactly_one_function() {
        let block = template_block(&[
            spec("metals_list", "GET", "/api/v1/metals/"),
            spec("metals_create", "POST", "/api/v1/metals"),
            spec("metals_get", "GET", "/api/v1/metals/{id}"),
        ]);
        let options = |function: &str| {
            let start = block.find(&format!("  {function}:\n")).unwrap();
            let rest = &block[start + 1..];
            let end = rest.find("\n  M").map_or(rest.len(), |i| i + 1);
            rest[..end].contains("Method: options")
        };
        assert!(options("MetalsListFunction"), "{block}");
        assert!(
            !options("MetalsCreateFunction"),
            "the same path, with or without its trailing slash, is preflighted once: {block}"
        );
        assert!(options("MetalsGetFunction"), "{block}");
        assert_eq!(block.matches("Method: options").count(), 2);
    }

    #[test]
    fn template_block_quotes_text_and_trims_paths() {
        let mut s = spec("root_get", "GET", "/");
        s.summary = "Says: \"hi\" # not a comment".into();
        let block = template_block(&[s, spec("metals_list", "GET", "/api/v1/metals/")]);
        assert!(block.contains("  RootGetFunction:\n    Type: AWS::Serverless::Function\n"));
        assert!(block.contains("Description: \"Says: \\\"hi\\\" # not a comment\"\n"));
        assert!(block.contains("            Path: \"/\"\n            Method: get\n"));
        assert!(block.contains("            Path: \"/api/v1/metals\"\n"));
        assert!(block.contains("        Binary: metals_list\n"));
    }

    #[test]
    fn sam_makefile_has_one_target_per_function_and_the_migration() {
        let mk = sam_makefile(&[
            spec("metals_list", "GET", "/api/v1/metals/"),
            spec("auth_me", "GET", "/api/v1/auth/me"),
        ]);
        assert!(
            mk.contains("\nbuild-MetalsListFunction:\n\t$(call stage,functions,metals_list)\n")
        );
        assert!(mk.contains("\nbuild-AuthMeFunction:\n\t$(call stage,functions,auth_me)\n"));
        assert!(mk.contains("\nbuild-MigrateFunction:\n\t$(call stage,migrator,migrate)\n"));
        assert_eq!(mk.matches("\nbuild-").count(), 3);
        assert!(mk.contains("-p $(1) --bin $(2)"), "{mk}");
        assert!(mk.contains("/lambda/$(2)/bootstrap"), "{mk}");
        // Recipe lines of make start with a tab, never spaces.
        let recipes = mk.lines().filter(|l| {
            !l.starts_with('#') && (l.contains("$(call stage") || l.contains("cd '$(ROOT)'"))
        });
        for line in recipes {
            assert!(line.starts_with('\t'), "{line:?}");
        }
        let block = template_block(&[spec("auth_me", "GET", "/api/v1/auth/me")]);
        assert!(block.contains("      CodeUri: infra/sam\n"), "{block}");
        assert!(block.contains("      BuildMethod: makefile\n"), "{block}");
    }

    #[test]
    fn splice_replaces_only_the_block_and_needs_both_markers() {
        let t = format!("a\n  {BEGIN_MARKER} (generated)\n  x: 1\n  {END_MARKER}\nb\n");
        let out = splice_template(&t, "  y: 2\n").unwrap();
        assert_eq!(
            out,
            format!("a\n  {BEGIN_MARKER} (generated)\n  y: 2\n  {END_MARKER}\nb\n")
        );
        assert_eq!(splice_template(&out, "  y: 2\n").unwrap(), out);
        assert!(matches!(
            splice_template("a\n", ""),
            Err(GenError::Markers(_))
        ));
        let reversed = format!("{END_MARKER}\n{BEGIN_MARKER}\n");
        assert!(matches!(
            splice_template(&reversed, ""),
            Err(GenError::Markers(_))
        ));
        let twice = format!("{BEGIN_MARKER}\n{BEGIN_MARKER}\n{END_MARKER}\n");
        assert!(matches!(
            splice_template(&twice, ""),
            Err(GenError::Markers(_))
        ));
    }

    #[test]
    fn plan_creates_updates_deletes_and_then_is_clean() {
        let root = temp_root("plan");
        let specs = vec![
            spec("a_list", "GET", "/a/"),
            spec("a_get", "GET", "/a/{a_id}"),
        ];
        std::fs::write(root.join(BIN_DIR).join("a_get.rs"), "// edited by hand\n").unwrap();
        std::fs::write(root.join(BIN_DIR).join("gone_get.rs"), "// stale\n").unwrap();
        std::fs::write(root.join(BIN_DIR).join("notes.txt"), "not a binary\n").unwrap();
        std::fs::create_dir_all(root.join(EVENTS_DIR)).unwrap();
        std::fs::write(root.join(EVENTS_DIR).join("gone_get.json"), "{}\n").unwrap();

        let changes = plan(&root, &specs).unwrap();
        let described: Vec<String> = changes.iter().map(|c| c.describe(&root)).collect();
        assert_eq!(
            described,
            vec![
                "functions/src/bin/a_list.rs is missing".to_string(),
                "functions/src/bin/a_get.rs is out of date".to_string(),
                "functions/src/bin/gone_get.rs has no route in functions/src/routes.rs (stray file)"
                    .to_string(),
                "template.yaml is out of date".to_string(),
                "events/a_list.json is missing".to_string(),
                "events/a_get.json is missing".to_string(),
                "events/gone_get.json has no route in functions/src/routes.rs (stray file)"
                    .to_string(),
                "infra/sam/Makefile is missing".to_string(),
            ]
        );
        apply(&changes).unwrap();
        assert_eq!(plan(&root, &specs).unwrap(), vec![]);
        assert!(!root.join(BIN_DIR).join("gone_get.rs").exists());
        assert!(!root.join(EVENTS_DIR).join("gone_get.json").exists());
        assert!(root.join(EVENTS_DIR).join("a_get.json").exists());
        assert!(root.join(BIN_DIR).join("notes.txt").exists());
        let template = std::fs::read_to_string(root.join(TEMPLATE)).unwrap();
        assert!(template.starts_with("Resources:\n  Api:\n    Type: X\n"));
        assert!(template.contains("  AListFunction:\n"));
        assert!(template.ends_with(&format!("  {END_MARKER}\nOutputs: {{}}\n")));
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn plan_refuses_an_invalid_table_and_a_template_without_markers() {
        let root = temp_root("invalid");
        let dup = vec![spec("a_b", "GET", "/a"), spec("a_b", "GET", "/b")];
        assert!(matches!(plan(&root, &dup), Err(GenError::InvalidRoutes(_))));
        std::fs::write(root.join(TEMPLATE), "Resources: {}\n").unwrap();
        let err = plan(&root, &[spec("a_b", "GET", "/a")]).unwrap_err();
        assert!(err.to_string().contains(BEGIN_MARKER), "{err}");
        std::fs::remove_dir_all(&root).unwrap();
    }
}
