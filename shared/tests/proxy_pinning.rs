//! No SQL the API sends may pin an RDS Proxy session: RDS Proxy keeps a client connection on one
//! database connection for the rest of its session once it sees a statement change session state
//! (`set_config(`, `SET`, `RESET`, `PREPARE`, `LISTEN`, `DISCARD`), which defeats the proxy's
//! multiplexing. It does not look inside functions, so such work goes into SQL functions
//! (`auth_context`, `enter_tenant`). This scans the string literals of every `.rs` file under
//! `shared/src` (where all SQL lives); the migrations, which the migrator runs on a direct
//! connection, are exempt.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

/// Statements that change session state, as the start of a literal (lower-cased, trimmed).
const PINNING_STATEMENTS: [&str; 5] = ["set ", "reset ", "prepare ", "listen ", "discard "];

/// Why `literal` would pin a proxied session, if it would.
fn pinning(literal: &str) -> Option<&'static str> {
    let sql = literal.trim_start().to_ascii_lowercase();
    if sql.contains("set_config(") {
        return Some("calls set_config");
    }
    PINNING_STATEMENTS
        .iter()
        .find(|s| sql.starts_with(*s))
        .map(|_| "is a session statement")
}

/// The string literals of Rust source `src` (plain, raw and byte strings), with their lines.
/// Comments and char literals are skipped; escapes are kept as written, which is enough to read SQL.
fn string_literals(src: &str) -> Vec<(usize, String)> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let line_at = |i: usize| src[..i].matches('\n').count() + 1;
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let end = src[i + 2..].find("*/").map_or(b.len(), |e| i + 2 + e + 2);
                i = end;
            }
            // Raw strings: r"..", r#".."#, br"..".
            b'r' if (i == 0
                || !ident(b[i - 1])
                || (b[i - 1] == b'b' && (i < 2 || !ident(b[i - 2]))))
                && matches!(b.get(i + 1), Some(b'"') | Some(b'#')) =>
            {
                let mut j = i + 1;
                while b.get(j) == Some(&b'#') {
                    j += 1;
                }
                if b.get(j) != Some(&b'"') {
                    i += 1;
                    continue;
                }
                let hashes = "#".repeat(j - i - 1);
                let close = format!("\"{hashes}");
                let start = j + 1;
                let end = src[start..].find(&close).map_or(b.len(), |e| start + e);
                out.push((line_at(i), src[start..end].to_string()));
                i = end + close.len();
            }
            b'"' => {
                let start = i + 1;
                let mut j = start;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                let end = j.min(b.len());
                out.push((line_at(i), src[start..end].to_string()));
                i = end + 1;
            }
            // A char literal ('"', '\'', 'x'); otherwise a lifetime, skipped as one character.
            b'\'' => {
                if b.get(i + 1) == Some(&b'\\') {
                    let close = src[i + 2..].find('\'').map_or(b.len(), |e| i + 2 + e);
                    i = close + 1;
                } else if let Some(c) = src[i + 1..].chars().next() {
                    let after = i + 1 + c.len_utf8();
                    i = if b.get(after) == Some(&b'\'') {
                        after + 1
                    } else {
                        i + 1
                    };
                } else {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_sql_in_shared_pins_a_proxied_session() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 20, "the scan reached the sources: {files:?}");
    let mut literals = 0;
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (line, literal) in string_literals(&text) {
            literals += 1;
            if let Some(why) = pinning(&literal) {
                found.push(format!("{}:{line}: {why}: {literal:?}", file.display()));
            }
        }
    }
    assert!(literals > 500, "literals were found: {literals}");
    assert!(
        found.is_empty(),
        "SQL that would pin an RDS Proxy session (move it into a SQL function):\n{}",
        found.join("\n")
    );
}

/// Positive controls: the scanner sees the literals the check above relies on, and flags them.
#[test]
fn the_scanner_flags_pinning_sql_and_nothing_else() {
    let sample = r####"
        // "set role admin" in a comment is not SQL that is sent.
        /* neither is "select set_config('x', 'y', false)" here */
        let a = "select set_config('app.tenant_id', $1, true)";
        let b = "  SET search_path = x";
        let c = r#"Reset ALL"#;
        let d = "prepare q as select 1";
        let e = "LISTEN jobs";
        let f = "discard all";
        let quote = '"';
        let lifetime: &'static str = "update t set x = 1";
        let g = "select enter_tenant($1)";
        let h = "setting";
    "####;
    let literals = string_literals(sample);
    let flagged: Vec<&str> = literals
        .iter()
        .filter(|(_, l)| pinning(l).is_some())
        .map(|(_, l)| l.as_str())
        .collect();
    assert_eq!(
        flagged,
        [
            "select set_config('app.tenant_id', $1, true)",
            "  SET search_path = x",
            "Reset ALL",
            "prepare q as select 1",
            "LISTEN jobs",
            "discard all",
        ]
    );
    let all: Vec<&str> = literals.iter().map(|(_, l)| l.as_str()).collect();
    assert!(
        all.contains(&"update t set x = 1") && all.contains(&"select enter_tenant($1)"),
        "the char literal and the lifetime did not derail the scan: {all:?}"
    );
    assert_eq!(literals[0].0, 4, "line numbers count from 1");
}
