//! `cargo xtask <command>` (alias in `.cargo/config.toml`).
//!
//! - `gen`: rewrite everything derived from the route table: `functions/src/bin/*.rs`, their `[[bin]]`
//!   entries, the generated block of `template.yaml`, the SAM Makefile, `events/*.json`, the
//!   README's endpoint table and `openapi.json`;
//! - `gen --check`: change nothing, exit 1 listing whatever is stale (CI runs this);
//! - `bench`: cold start, warm latency and peak memory of built Lambda binaries (see `bench.rs`).

mod bench;
mod throughput;

use std::io::Write as _;
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask gen [--check] | bench [OPTIONS] | throughput [OPTIONS]

  gen           regenerate functions/src/bin/<id>.rs, their [[bin]] entries, template.yaml's
                generated block, infra/sam/Makefile, events/*.json, the README endpoint table
                and openapi.json from functions::routes::ROUTES (deleting binaries and events
                whose route is gone)
  gen --check   change nothing; exit 1 and list what is stale
  bench         measure cold start, warm latency and peak RSS of built binaries against a local
                Lambda Runtime API and PostgreSQL, each beside its floor; prints Markdown
                (cargo xtask bench --help)
  throughput    requests/s of the local server's release build under wrk, each request beside
                pgbench running its statements; prints Markdown (cargo xtask throughput --help)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["gen"] => generate(false),
        ["gen", "--check"] | ["gen", "check"] => generate(true),
        ["bench", "--help"] | ["bench", "-h"] => {
            eprintln!("{}", bench::USAGE);
            ExitCode::SUCCESS
        }
        ["bench", rest @ ..] => run_bench(rest),
        ["throughput", "--help"] | ["throughput", "-h"] => {
            eprintln!("{}", throughput::USAGE);
            ExitCode::SUCCESS
        }
        ["throughput", rest @ ..] => {
            match throughput::parse_args(rest).and_then(|o| throughput::run(&o)) {
                Ok(report) => {
                    let _ = writeln!(std::io::stdout().lock(), "{report}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("xtask throughput: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        ["help"] | ["--help"] | ["-h"] => {
            eprintln!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn generate(check: bool) -> ExitCode {
    let root = xtask::workspace_root();
    let specs = xtask::project_specs();
    let planned = xtask::plan(&root, &specs).and_then(|mut changes| {
        let openapi = root.join(xtask::OPENAPI);
        changes.extend(xtask::plan_file(openapi, functions::openapi::rendered())?);
        Ok(changes)
    });
    let changes = match planned {
        Ok(c) => c,
        Err(e) => {
            eprintln!("xtask gen: {e}");
            return ExitCode::from(2);
        }
    };
    if check {
        if changes.is_empty() {
            eprintln!(
                "xtask gen --check: {} binaries, template.yaml, the SAM Makefile, the events/ fixtures, \
                 the README table and openapi.json match the route table",
                specs.len()
            );
            return ExitCode::SUCCESS;
        }
        eprintln!("xtask gen --check: generated files are stale:");
        for c in &changes {
            eprintln!("  - {}", c.describe(&root));
        }
        eprintln!("run `cargo xtask gen` and commit the result");
        return ExitCode::FAILURE;
    }
    if let Err(e) = xtask::apply(&changes) {
        eprintln!("xtask gen: {e}");
        return ExitCode::FAILURE;
    }
    for c in &changes {
        let verb = match c {
            xtask::Change::Create { .. } => "created",
            xtask::Change::Update { .. } => "updated",
            xtask::Change::Delete { .. } => "deleted",
        };
        let rel = c.path().strip_prefix(&root).unwrap_or(c.path());
        eprintln!("  {verb} {}", rel.display());
    }
    eprintln!(
        "xtask gen: {} endpoints, {} file(s) changed",
        specs.len(),
        changes.len()
    );
    ExitCode::SUCCESS
}

fn run_bench(args: &[&str]) -> ExitCode {
    let opts = match bench::parse_args(args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("xtask bench: {e}\n\n{}", bench::USAGE);
            return ExitCode::from(2);
        }
    };
    match bench::run(&opts) {
        Ok(table) => {
            let mut out = std::io::stdout().lock();
            if out.write_all(table.as_bytes()).is_err() {
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("xtask bench: {e}");
            ExitCode::FAILURE
        }
    }
}
