//! Embeds `migrations/*.sql` into the library, so the migration command and the migration Lambda carry
//! the schema with them (the Lambda zip holds only `bootstrap`).

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    // Read at run time, not with env!(): a build-script binary can be reused from another checkout
    // of the same sources (a shared target dir), and must look at this one's migrations.
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".to_string());
    let dir = Path::new(&manifest_dir).join("../migrations");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut ups: Vec<(i64, String)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if let Some(stem) = name.strip_suffix(".up.sql") {
                let version = stem.split('_').next().and_then(|v| v.parse().ok());
                if let Some(v) = version {
                    ups.push((v, stem.to_string()));
                }
            }
        }
    }
    ups.sort();
    if ups.is_empty() {
        // An empty schema would fail every query at run time, far from the cause.
        panic!("no migrations found in {}", dir.display());
    }
    let mut out = String::from("pub static MIGRATIONS: &[Migration] = &[\n");
    for (v, stem) in &ups {
        let up = dir.join(format!("{stem}.up.sql"));
        let down = dir.join(format!("{stem}.down.sql"));
        let down_expr = if down.exists() {
            format!("Some(include_str!({:?}))", down.display().to_string())
        } else {
            "None".to_string()
        };
        let _ = writeln!(
            out,
            "    Migration {{ version: {v}, name: {stem:?}, up: include_str!({:?}), down: {down_expr} }},",
            up.display().to_string()
        );
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap_or_default()).join("migrations.rs");
    if let Err(e) = std::fs::write(&dest, out) {
        panic!("writing {}: {e}", dest.display());
    }
}
