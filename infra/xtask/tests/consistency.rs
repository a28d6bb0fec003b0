//! Fails when the route table, `functions/src/bin`, `template.yaml` and the migration stack
//! (`infra/sam/migrate.yaml`) disagree. The templates are read as YAML (not as text), so a
//! hand-written function with an API event outside the generated block, or a generated one edited
//! by hand, is caught too.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test: failing loudly is the point

use std::collections::{BTreeMap, BTreeSet};

use xtask::{RouteSpec, api_path, logical_id, normalized_path};
use yaml_rust2::YamlLoader;

/// One `AWS::Serverless::Function` of the template.
#[derive(Debug)]
struct TemplateFunction {
    logical_id: String,
    binary: Option<String>,
    code_uri: Option<String>,
    build_method: Option<String>,
    /// `!GetAtt X.Arn` reads as `X.Arn`.
    role: Option<String>,
    /// (method, path) of each `Api` event but the CORS preflights.
    api_events: Vec<(String, String)>,
    /// The path of each `Api` event with method `options`: a path's preflight, which `dispatch`
    /// answers in whichever of the path's functions it reaches.
    preflights: Vec<String>,
}

/// The migration stack: the function that ships the `migrate` binary, with its own role.
const MIGRATE_TEMPLATE: &str = "infra/sam/migrate.yaml";

/// The functions of the API stack (`template.yaml`).
fn template_functions() -> Vec<TemplateFunction> {
    functions_of(xtask::TEMPLATE)
}

fn functions_of(template: &str) -> Vec<TemplateFunction> {
    let path = xtask::workspace_root().join(template);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let docs = YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("{template}: {e}"));
    assert_eq!(docs.len(), 1, "{template} must be one YAML document");
    let resources = docs[0]["Resources"]
        .as_hash()
        .unwrap_or_else(|| panic!("{template} has a Resources mapping"));
    let mut out = Vec::new();
    for (name, res) in resources {
        if res["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        let name = name.as_str().expect("logical ids are strings").to_string();
        let binary = res["Metadata"]["BuildProperties"]["Binary"]
            .as_str()
            .map(str::to_string);
        let role = res["Properties"]["Role"].as_str().map(str::to_string);
        // SAM reads CodeUri relative to the template's directory; compared from the workspace root.
        let code_uri = res["Properties"]["CodeUri"].as_str().map(|uri| {
            let joined = std::path::Path::new(template)
                .parent()
                .unwrap_or(std::path::Path::new(""))
                .join(uri);
            joined
                .components()
                .filter(|c| !matches!(c, std::path::Component::CurDir))
                .collect::<std::path::PathBuf>()
                .to_string_lossy()
                .into_owned()
        });
        let build_method = res["Metadata"]["BuildMethod"].as_str().map(str::to_string);
        let mut api_events = Vec::new();
        let mut preflights = Vec::new();
        if let Some(events) = res["Properties"]["Events"].as_hash() {
            for (ev_name, ev) in events {
                if ev["Type"].as_str() != Some("Api") {
                    continue;
                }
                let props = &ev["Properties"];
                let field = |k: &str| -> String {
                    props[k]
                        .as_str()
                        .unwrap_or_else(|| panic!("{name}.Events.{ev_name:?}.Properties.{k}"))
                        .to_string()
                };
                assert_eq!(
                    props["RestApiId"].as_str(),
                    Some("Api"),
                    "{name}: every API event goes to the one `Api` resource"
                );
                match field("Method").as_str() {
                    "options" => preflights.push(field("Path")),
                    method => api_events.push((method.to_string(), field("Path"))),
                }
            }
        }
        out.push(TemplateFunction {
            logical_id: name,
            binary,
            code_uri,
            build_method,
            role,
            api_events,
            preflights,
        });
    }
    out
}

fn specs() -> Vec<RouteSpec> {
    xtask::project_specs()
}

#[test]
fn the_route_table_is_valid() {
    let specs = specs();
    assert!(!specs.is_empty(), "ROUTES is empty");
    let problems = xtask::validate(&specs);
    assert!(
        problems.is_empty(),
        "route table problems:\n{}",
        problems.join("\n")
    );
    // Spelled out again, independently of `validate`, because everything below depends on it.
    let ids: BTreeSet<&str> = specs.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids.len(), specs.len(), "ids must be unique");
    let pairs: BTreeSet<(String, String)> = specs
        .iter()
        .map(|s| (s.method.clone(), normalized_path(&s.path)))
        .collect();
    assert_eq!(
        pairs.len(),
        specs.len(),
        "(method, path) pairs must be unique"
    );
}

#[test]
fn every_route_has_exactly_one_binary_and_no_binary_lacks_a_route() {
    let root = xtask::workspace_root();
    let bins = xtask::existing_bins(&root).expect("reading functions/src/bin");
    let ids: BTreeSet<String> = specs().into_iter().map(|s| s.id).collect();
    let bin_ids: BTreeSet<String> = bins.keys().cloned().collect();
    let missing: Vec<_> = ids.difference(&bin_ids).collect();
    let stray: Vec<_> = bin_ids.difference(&ids).collect();
    assert!(
        missing.is_empty() && stray.is_empty(),
        "routes without a binary: {missing:?}; binaries without a route: {stray:?} (run `cargo xtask gen`)"
    );
    // Cargo also makes binaries of `src/bin/<name>/main.rs`: nothing but generated files belongs there.
    let dir = root.join(xtask::BIN_DIR);
    for entry in std::fs::read_dir(&dir).expect("functions/src/bin") {
        let path = entry.expect("dir entry").path();
        assert!(
            path.is_file() && path.extension().is_some_and(|x| x == "rs"),
            "unexpected entry in functions/src/bin: {}",
            path.display()
        );
    }
    for spec in specs() {
        let source = std::fs::read_to_string(&bins[&spec.id]).expect("reading a binary");
        let target = format!("{}::ENDPOINT", spec.module);
        assert!(
            source.contains(&target) && source.matches("::ENDPOINT").count() == 1,
            "functions/src/bin/{}.rs must serve exactly `{target}`",
            spec.id
        );
    }
}

#[test]
fn every_route_has_exactly_one_template_function_with_its_method_and_path() {
    let functions = template_functions();
    let specs = specs();
    let by_binary: BTreeMap<&str, Vec<&TemplateFunction>> =
        functions.iter().fold(BTreeMap::new(), |mut m, f| {
            if let Some(b) = &f.binary {
                m.entry(b.as_str()).or_default().push(f);
            }
            m
        });
    for spec in &specs {
        let fs = by_binary.get(spec.id.as_str()).cloned().unwrap_or_default();
        assert_eq!(
            fs.len(),
            1,
            "route `{}` needs exactly one template function building binary `{}`, found {}",
            spec.id,
            spec.id,
            fs.len()
        );
        let f = fs[0];
        assert_eq!(f.logical_id, logical_id(&spec.id));
        assert_eq!(
            f.api_events,
            vec![(spec.method.to_ascii_lowercase(), api_path(&spec.path))],
            "{}: the API event must be the route's method and path",
            f.logical_id
        );
    }
    // No API event that the route table does not know about.
    let routed: BTreeSet<(String, String)> = specs
        .iter()
        .map(|s| (s.method.to_ascii_lowercase(), api_path(&s.path)))
        .collect();
    let mut seen = BTreeSet::new();
    for f in &functions {
        for ev in &f.api_events {
            assert!(
                routed.contains(ev),
                "{} serves {} {}, which is not in the route table",
                f.logical_id,
                ev.0,
                ev.1
            );
            assert!(seen.insert(ev.clone()), "{} {} is served twice", ev.0, ev.1);
        }
    }
    // Every routed path has its preflight, in exactly one function, and no other path has one.
    let paths: BTreeSet<&str> = routed.iter().map(|(_, p)| p.as_str()).collect();
    let mut preflighted = BTreeSet::new();
    for f in &functions {
        for path in &f.preflights {
            assert!(
                paths.contains(path.as_str()),
                "{} answers the preflight of {path}, which no route has",
                f.logical_id
            );
            assert!(
                preflighted.insert(path.as_str()),
                "the preflight of {path} is routed twice"
            );
        }
    }
    assert_eq!(preflighted, paths, "every routed path needs its preflight");
}

#[test]
fn every_function_shares_the_one_execution_role() {
    // Without `Role`, SAM makes a role per function: ~90 more resources towards the 500 limit.
    for f in template_functions() {
        assert_eq!(
            f.role.as_deref(),
            Some("FunctionRole.Arn"),
            "{} must use `Role: !GetAtt FunctionRole.Arn`",
            f.logical_id
        );
    }
}

#[test]
fn every_function_is_built_by_its_makefile_target_from_its_binary() {
    let root = xtask::workspace_root();
    let makefile = std::fs::read_to_string(root.join(xtask::SAM_MAKEFILE))
        .expect("infra/sam/Makefile (run `cargo xtask gen`)");
    let mut functions = template_functions();
    functions.extend(functions_of(MIGRATE_TEMPLATE));
    for f in &functions {
        assert_eq!(
            f.code_uri.as_deref(),
            Some(xtask::SAM_CODE_URI),
            "{}: CodeUri must be the Makefile's directory (a larger one is copied for every function)",
            f.logical_id
        );
        assert_eq!(
            f.build_method.as_deref(),
            Some("makefile"),
            "{}: BuildMethod",
            f.logical_id
        );
        let binary = f
            .binary
            .as_deref()
            .unwrap_or_else(|| panic!("{}: Metadata.BuildProperties.Binary", f.logical_id));
        let package = if binary == xtask::MIGRATE_BINARY {
            "migrator"
        } else {
            "functions"
        };
        let target = format!(
            "\nbuild-{}:\n\t$(call stage,{package},{binary})\n",
            f.logical_id
        );
        assert!(
            makefile.contains(&target),
            "infra/sam/Makefile has no target build-{} staging `{binary}`",
            f.logical_id
        );
    }
    assert_eq!(
        makefile.matches("\nbuild-").count(),
        functions.len(),
        "one Makefile target per template function"
    );
}

#[test]
fn the_migration_function_has_no_api_event_and_its_own_role() {
    let builds_migrate = |f: &&TemplateFunction| f.binary.as_deref() == Some(xtask::MIGRATE_BINARY);
    assert!(
        !template_functions().iter().any(|f| builds_migrate(&f)),
        "the API stack ships no migration function"
    );
    let functions = functions_of(MIGRATE_TEMPLATE);
    let migrate: Vec<_> = functions.iter().filter(builds_migrate).collect();
    assert_eq!(migrate.len(), 1, "one function builds the `migrate` binary");
    assert_eq!(migrate[0].logical_id, xtask::MIGRATE_LOGICAL_ID);
    assert!(
        migrate[0].api_events.is_empty() && migrate[0].preflights.is_empty(),
        "the migration function must not be reachable over HTTP"
    );
    // Only its role may read the migration secret (the owner's URL): never the request functions'.
    assert_ne!(migrate[0].role.as_deref(), Some("FunctionRole.Arn"));
    assert!(migrate[0].role.is_some(), "MigrateFunction names its role");
}

#[test]
fn generated_files_are_current() {
    let root = xtask::workspace_root();
    let changes = xtask::plan(&root, &specs()).unwrap_or_else(|e| panic!("{e}"));
    let stale: Vec<String> = changes.iter().map(|c| c.describe(&root)).collect();
    assert!(
        stale.is_empty(),
        "stale generated files (run `cargo xtask gen`):\n{}",
        stale.join("\n")
    );
}

/// Each hot function's scaling lines refer to `<Prefix>ReservedConcurrency` /
/// `<Prefix>ProvisionedConcurrency` and their `Has…` conditions, which are written by hand: a prefix
/// added to `HOT_FUNCTIONS` without them would only fail at deploy time.
#[test]
fn every_hot_function_has_its_scaling_parameters_and_conditions() {
    let path = xtask::workspace_root().join(xtask::TEMPLATE);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let docs = YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("template.yaml: {e}"));
    let ids: BTreeSet<String> = specs().into_iter().map(|s| s.id).collect();
    for (id, prefix) in xtask::HOT_FUNCTIONS {
        assert!(ids.contains(*id), "hot function {id} is not a route");
        for kind in ["ReservedConcurrency", "ProvisionedConcurrency"] {
            let name = format!("{prefix}{kind}");
            assert_eq!(
                docs[0]["Parameters"][name.as_str()]["Type"].as_str(),
                Some("Number"),
                "template.yaml lacks the parameter {name}"
            );
            let condition = format!("Has{name}");
            assert!(
                !docs[0]["Conditions"][condition.as_str()].is_badvalue(),
                "template.yaml lacks the condition {condition}"
            );
        }
    }
}

/// The Architecture default of each template, through YAML (its `Default`).
fn architecture_default(template: &str) -> String {
    let path = xtask::workspace_root().join(template);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let docs = YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("{template}: {e}"));
    docs[0]["Parameters"]["Architecture"]["Default"]
        .as_str()
        .unwrap_or_else(|| panic!("{template}: no Architecture parameter with a Default"))
        .to_string()
}

#[test]
fn both_stacks_and_the_sam_makefile_build_for_one_architecture() {
    let api = architecture_default(xtask::TEMPLATE);
    assert_eq!(api, architecture_default(MIGRATE_TEMPLATE));
    let target = match api.as_str() {
        "arm64" => "aarch64-unknown-linux-gnu",
        "x86_64" => "x86_64-unknown-linux-gnu",
        other => panic!("Architecture default {other}"),
    };
    let makefile = xtask::sam_makefile(&xtask::project_specs());
    assert!(
        makefile.contains(&format!("LAMBDA_TARGET ?= {target}\n")),
        "infra/sam/Makefile must default to {target}, the target of the templates' {api}"
    );
    // Every function takes the parameter, none a fixed architecture.
    for template in [xtask::TEMPLATE, MIGRATE_TEMPLATE] {
        let text = std::fs::read_to_string(xtask::workspace_root().join(template)).unwrap();
        let fixed: Vec<&str> = text
            .lines()
            .filter(|l| l.trim_start().starts_with("Architectures:"))
            .filter(|l| !l.contains("!Ref Architecture"))
            .collect();
        assert!(fixed.is_empty(), "{template}: {fixed:?}");
        assert!(
            text.contains("Architectures: [!Ref Architecture]"),
            "{template}"
        );
    }
}
