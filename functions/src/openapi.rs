//! The OpenAPI 3.1 document, generated from the route table (`routes::ROUTES`) and each endpoint's
//! optional `docs` function (registered in `routes::DOCS`), which declares the request, query and
//! response types (schemars `JsonSchema`). Compiled only with the `openapi` feature, so Lambda binaries
//! never carry schemars.
//!
//! The document is committed as `openapi.json` at the repository root and served as-is by the
//! `docs_openapi` function; `cargo xtask gen` writes it (`rendered`) and `gen --check` fails when it
//! is stale.
//!
//! What an endpoint declares, in its own module:
//!
//! ```ignore
//! #[cfg(feature = "openapi")]
//! pub fn docs(op: &mut crate::openapi::Operation) {
//!     op.request::<Input>().response::<shared::app::auth::TokenPair>(200).error(409, "Name taken");
//! }
//! ```
//!
//! Everything else comes from the `Endpoint`: path parameters (`{x_id}` is an integer, other names
//! strings), security and permissions (`Endpoint::access`), and the standard errors every operation
//! can answer (422 with input, 401/403 for users, 404 with path parameters, 500).

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use schemars::generate::{SchemaGenerator, SchemaSettings};
use serde_json::{Map, Value, json};
use shared::http::{Access, Endpoint};

use crate::routes::{DOCS, ROUTES};

/// Where request-side schemas live, and where they stay.
const SCHEMAS: &str = "#/components/schemas/";
/// Response-side schemas are generated under a placeholder and merged into `SCHEMAS` at the end: the
/// same type can differ by direction (`skip_serializing_if` makes a field optional in answers only,
/// `serde(default)` in requests only).
const RESPONSE_SCHEMAS: &str = "#/components/x-response-schemas/";

/// Schema names too generic to stand alone in `components.schemas` (every endpoint has its `Input`):
/// they are prefixed with the operation, `Input` of `auth_register` becoming `AuthRegisterInput`.
const GENERIC_NAMES: &[&str] = &[
    "Input", "Body", "Query", "Output", "Response", "Form", "Payload", "Params", "Create",
    "Update", "Item", "Row", "Filter",
];

/// `{"message": "..."}`, the answer of `shared::http::respond::message`.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct Message {
    pub message: String,
}

/// The parameters `shared::http::Call::page` reads.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct PageQuery {
    /// How many rows to skip (default 0).
    #[schemars(with = "i64", range(min = 0), extend("default" = 0))]
    skip: Option<i64>,
    /// How many rows to return, 1 to 1000 (default 100).
    #[schemars(with = "i64", range(min = 1, max = 1000), extend("default" = 100))]
    limit: Option<i64>,
}

/// An endpoint module's `docs` function, as `routes::DOCS` lists it.
pub type Docs = fn(&mut Operation);

/// For the `Option<Option<T>>` fields of partial updates (`present`/`nullable`), as
/// `#[cfg_attr(feature = "openapi", schemars(transform = crate::openapi::clearable))]`: absent keeps
/// the value and `null` clears it, so `null` is not the default schemars makes of `serde(default)`.
pub fn clearable(schema: &mut schemars::Schema) {
    schema.remove("default");
    if schema.get("description").is_none() {
        schema.insert(
            "description".into(),
            json!("Absent keeps the value; `null` clears it."),
        );
    }
}

/// The `pattern` of a required text field: at least one character that is not whitespace (the
/// server trims and refuses what is left empty, `NonBlank::parse`). Use it with `length(min = 1, max
/// = <the constant the handler passes>)`, so the document and the parser read the same number.
pub const NOT_BLANK: &str = r"\S";

/// `enum` of the values a field accepts; `null` too when the field is optional (`null` is absent).
fn one_of<'a>(schema: &mut schemars::Schema, values: impl IntoIterator<Item = &'a str>) {
    let mut list: Vec<Value> = values.into_iter().map(Value::from).collect();
    let nullable = match schema.get("type") {
        Some(Value::Array(types)) => types.iter().any(|t| t == "null"),
        Some(t) => t == "null",
        None => false,
    };
    if nullable {
        list.push(Value::Null);
    }
    schema.insert("enum".into(), Value::Array(list));
}

// The value sets of the domain, as `schemars(transform = ...)` of the fields that take them. Each
// reads the domain's own list, so a new value appears in the document with `cargo xtask gen`.

/// `MetalType::parse`: `GOLD`, `SILVER`, ….
pub fn metal_type(schema: &mut schemars::Schema) {
    one_of(
        schema,
        shared::domain::metal::MetalType::ALL.map(|t| t.as_str()),
    );
}

/// `order_status`: `PENDING`, `IN_PROGRESS`, ….
pub fn order_status(schema: &mut schemars::Schema) {
    one_of(
        schema,
        shared::domain::order::ORDER_STATUSES.iter().copied(),
    );
}

/// `shipment_status`: `PREPARING`, `SHIPPED`, ….
pub fn shipment_status(schema: &mut schemars::Schema) {
    one_of(
        schema,
        shared::domain::order::SHIPMENT_STATUSES.iter().copied(),
    );
}

/// `SupplyType::parse` (which also takes other cases and surrounding blanks; the document asks
/// for the canonical spelling).
pub fn supply_type(schema: &mut schemars::Schema) {
    one_of(
        schema,
        shared::domain::metal_accounting::SupplyType::ALL.map(|t| t.as_str()),
    );
}

/// `Direction::parse` (any case; the canonical spelling here).
pub fn direction(schema: &mut schemars::Schema) {
    one_of(
        schema,
        shared::domain::ledger::Direction::ALL.map(|d| d.as_str()),
    );
}

/// `TransactionType::from_code` (any case; the canonical spelling here).
pub fn transaction_type(schema: &mut schemars::Schema) {
    one_of(
        schema,
        shared::domain::metal_accounting::TransactionType::ALL.map(|t| t.as_str()),
    );
}

/// `GroupBy::parse_list`: a comma-separated list of the groupings (blanks around each; the server
/// also takes other cases, the pattern the canonical lower case).
pub fn group_by(schema: &mut schemars::Schema) {
    let names: Vec<&str> = shared::domain::loss::GroupBy::ALL
        .iter()
        .map(|g| g.as_str())
        .collect();
    let one = format!("\\s*({})\\s*", names.join("|"));
    schema.insert("pattern".into(), json!(format!("^\\s*$|^{one}(,{one})*$")));
}

/// `wants_csv` of the metal loss report: `json` or `csv` (any case).
pub fn report_format(schema: &mut schemars::Schema) {
    one_of(schema, ["json", "csv"]);
}

/// More than 0 after rounding (`positive_grams`, `positive_quantity`): the amount is rounded half
/// away from zero to its 4 places first, so the least value taken is half the last place, 0.00005
/// (0.00004 rounds to 0, a 422). `exclusiveMinimum: 0` stated less than that: the schema-fuzzing
/// suite sent 0.00001 as valid data. Grams and quantities share the scale.
pub fn positive(schema: &mut schemars::Schema) {
    const _: () =
        assert!(shared::domain::amount::Grams::SCALE == shared::domain::amount::Quantity::SCALE);
    schema.remove("exclusiveMinimum");
    schema.insert(
        "minimum".into(),
        json!(least_positive(shared::domain::amount::Grams::SCALE)),
    );
}

/// Half the last decimal place of an amount with `scale` places: the least value that rounds, half
/// away from zero, to more than 0.
fn least_positive(scale: u32) -> f64 {
    0.5 / 10f64.powi(scale as i32)
}

/// `Username::parse`: letters, digits and `._-@+`. The server takes any Unicode letter or digit (and
/// trims blanks); the document states the ASCII ones, which need no `\p{…}` class (not every
/// client's regex engine has them), so what it calls valid the server takes. Without a pattern, a
/// client could not tell that `a b c` is refused.
pub const USERNAME: &str = "^[A-Za-z0-9._@+-]+$";

/// `Subdomain::parse`: 3–63 characters of letters (lower-cased), digits and inner hyphens.
pub const SUBDOMAIN: &str = "^[A-Za-z0-9][A-Za-z0-9-]{1,61}[A-Za-z0-9]$";
/// The same, or blank: sign-up derives the subdomain from the tenant's name then.
pub const SUBDOMAIN_OR_BLANK: &str = "^\\s*$|^[A-Za-z0-9][A-Za-z0-9-]{1,61}[A-Za-z0-9]$";

/// `order::due_date`: blank, RFC 3339 (`format: date-time`), a date (`format: date`) or the HTML
/// `datetime-local` form `YYYY-MM-DDTHH:mm[:ss[.f]]` read as UTC (a pattern that states only real
/// times, and days up to 28 of any month: a pattern cannot know a month's length). Without it, any
/// text was documented as valid.
pub fn due_date(schema: &mut schemars::Schema) {
    // `[0-9]`, not `\d`: in some regex engines (Python's) `\d` is any Unicode digit.
    const LOCAL: &str = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,9})?)?$";
    let mut forms = vec![
        json!({"type": "string", "pattern": r"^[ \t\r\n]*$"}),
        json!({"type": "string", "format": "date-time"}),
        json!({"type": "string", "format": "date"}),
        json!({"type": "string", "pattern": LOCAL}),
    ];
    if let Some(Value::Array(types)) = schema.get("type")
        && types.iter().any(|t| t == "null")
    {
        forms.push(json!({"type": "null"}));
    }
    schema.insert("anyOf".into(), Value::Array(forms));
}

/// A date as `ledger::date` and `date_filter` read it: `YYYY-MM-DD`.
pub fn date(schema: &mut schemars::Schema) {
    schema.insert("format".into(), json!("date"));
}

/// Schema generation state shared by all operations of one document.
struct Generators {
    requests: SchemaGenerator,
    responses: SchemaGenerator,
    /// Full `$ref` of a generically named schema → the name it gets in the document.
    renames: BTreeMap<String, String>,
}

struct RequestBody {
    schema: Value,
    form: bool,
    required: bool,
}

/// One operation being described. Endpoint `docs` functions fill it in; the rest comes from the
/// `Endpoint`.
pub struct Operation {
    endpoint: &'static Endpoint,
    gens: Generators,
    documented: bool,
    body: Option<RequestBody>,
    query: Vec<Value>,
    responses: BTreeMap<u16, Value>,
    description: Option<String>,
    deprecated: bool,
}

impl Operation {
    /// A JSON request body of type `T`, as `call.json::<T>()` parses it.
    pub fn request<T: JsonSchema>(&mut self) -> &mut Self {
        let schema = self.request_schema::<T>();
        self.body = Some(RequestBody {
            schema,
            form: false,
            required: true,
        });
        self
    }

    /// A body sent as `application/x-www-form-urlencoded` or as JSON, as `call.form_or_json::<T>()`
    /// accepts it (the React app posts forms to `/auth/login` and `/auth/refresh`).
    pub fn form_or_json<T: JsonSchema>(&mut self) -> &mut Self {
        let schema = self.request_schema::<T>();
        self.body = Some(RequestBody {
            schema,
            form: true,
            required: true,
        });
        self
    }

    /// The declared body may be left out (`call.json_or_default()`, or a `call.has_body()` check).
    pub fn optional_body(&mut self) -> &mut Self {
        if let Some(b) = &mut self.body {
            b.required = false;
        }
        self
    }

    /// Query parameters: one per field of `T`, as `call.query::<T>()` parses them.
    pub fn query<T: JsonSchema>(&mut self) -> &mut Self {
        let schema = T::json_schema(&mut self.gens.requests).to_value();
        let required: BTreeSet<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (name, prop) in props {
                let mut prop = prop.clone();
                let description = prop.as_object_mut().and_then(|p| p.remove("description"));
                // `serde(default)` on an `Option` field gives `"default": null`, which a query
                // parameter cannot have: it is absent or it has a value.
                if let Some(p) = prop.as_object_mut()
                    && p.get("default") == Some(&Value::Null)
                {
                    p.remove("default");
                }
                let mut param = json!({
                    "name": name,
                    "in": "query",
                    "required": required.contains(name.as_str()),
                    "schema": prop,
                });
                if let Some(d) = description {
                    param["description"] = d;
                }
                self.query.push(param);
            }
        }
        self
    }

    /// The `skip` and `limit` parameters of a list, as `call.page()` reads them.
    pub fn paged(&mut self) -> &mut Self {
        self.query::<PageQuery>()
    }

    /// A JSON answer of type `T` with `status` (normally the endpoint's `success` code).
    pub fn response<T: JsonSchema>(&mut self, status: u16) -> &mut Self {
        let schema = self.gens.responses.subschema_for::<T>().to_value();
        self.note_generic_names(&schema, RESPONSE_SCHEMAS);
        self.responses.insert(
            status,
            json!({
                "description": status_text(status),
                "content": {"application/json": {"schema": schema}},
            }),
        );
        self
    }

    /// `{"message": "..."}` with 200, as `respond::message` answers.
    pub fn message(&mut self) -> &mut Self {
        self.response::<Message>(200)
    }

    /// A non-JSON answer (HTML, JavaScript, CSS) with `status`; call it again for more media types
    /// of the same answer (the first description stays).
    pub fn content(&mut self, status: u16, media_type: &str, description: &str) -> &mut Self {
        let response = self
            .responses
            .entry(status)
            .or_insert_with(|| json!({"description": description, "content": {}}));
        if let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) {
            content.insert(media_type.to_string(), json!({}));
        }
        self
    }

    /// An error this endpoint answers besides the standard ones (400, 409, …): `{"detail": "..."}`.
    /// Also overrides the description of a standard one (e.g. what a 404 means here).
    pub fn error(&mut self, status: u16, description: &str) -> &mut Self {
        let schema = if status >= 500 {
            "InternalError"
        } else if status == 422 {
            "ValidationError"
        } else {
            "HTTPError"
        };
        self.responses.insert(
            status,
            json!({
                "description": description,
                "content": {"application/json": {"schema": {"$ref": format!("{SCHEMAS}{schema}")}}},
            }),
        );
        self
    }

    /// Longer prose than the endpoint's one-line summary.
    pub fn description(&mut self, text: &str) -> &mut Self {
        self.description = Some(text.to_string());
        self
    }

    pub fn deprecated(&mut self) -> &mut Self {
        self.deprecated = true;
        self
    }

    fn request_schema<T: JsonSchema>(&mut self) -> Value {
        let schema = self.gens.requests.subschema_for::<T>().to_value();
        self.note_generic_names(&schema, SCHEMAS);
        schema
    }

    /// Records renames for generically named schemas referenced by this operation's own schema
    /// (`Input`, `Vec<Output>`, …), not those nested in other definitions.
    fn note_generic_names(&mut self, schema: &Value, prefix: &str) {
        let mut refs = Vec::new();
        collect_refs(schema, &mut refs);
        for r in refs {
            let Some(name) = r.strip_prefix(prefix) else {
                continue;
            };
            let base = name.trim_end_matches(|c: char| c.is_ascii_digit());
            if GENERIC_NAMES.contains(&base) && !self.gens.renames.contains_key(&r) {
                let new = format!("{}{base}", upper_camel(self.endpoint.id));
                self.gens.renames.insert(r, new);
            }
        }
    }

    fn finish(self) -> (Value, Generators) {
        let ep = self.endpoint;
        let access = ep.access();
        let user = matches!(access, Access::User { .. });
        let optional_auth = matches!(access, Access::OptionalUser { .. });
        let mut op = Map::new();
        op.insert("operationId".into(), json!(ep.id));
        op.insert("summary".into(), json!(ep.summary));
        op.insert("tags".into(), json!([ep.tag]));
        let mut description = self.description.clone().unwrap_or_default();
        let permissions = ep.permissions();
        if !permissions.is_empty() {
            if !description.is_empty() {
                description.push_str("\n\n");
            }
            let names: Vec<String> = permissions.iter().map(|p| format!("`{p}`")).collect();
            let (noun, list) = match names.split_last() {
                Some((last, [])) => ("permission", last.clone()),
                Some((last, init)) => ("permissions", format!("{} and {last}", init.join(", "))),
                None => ("permissions", String::new()),
            };
            let when = if optional_auth {
                "With a bearer token, r"
            } else {
                "R"
            };
            description.push_str(&format!("{when}equires the {noun} {list}."));
            op.insert("x-permissions".into(), json!(permissions));
        }
        if !description.is_empty() {
            op.insert("description".into(), json!(description));
        }
        if self.deprecated {
            op.insert("deprecated".into(), json!(true));
        }
        if user {
            op.insert("security".into(), json!([{"bearerAuth": []}]));
        } else if optional_auth {
            op.insert("security".into(), json!([{}, {"bearerAuth": []}]));
        }

        let path_params = path_parameters(ep.path);
        let has_path = !path_params.is_empty();
        let has_query = !self.query.is_empty();
        let mut parameters = path_params;
        parameters.extend(self.query);
        let idempotent = ep.accepts_idempotency_key();
        if idempotent {
            parameters.push(json!({"$ref": "#/components/parameters/IdempotencyKey"}));
        }
        if !parameters.is_empty() {
            op.insert("parameters".into(), Value::Array(parameters));
        }

        // Undocumented writes surely take some body: say so rather than nothing.
        let body = self.body.or_else(|| {
            (!self.documented && matches!(ep.method, "POST" | "PUT" | "PATCH")).then(|| {
                RequestBody {
                    schema: json!({"type": "object"}),
                    form: false,
                    required: false,
                }
            })
        });
        let has_body = body.is_some();
        if let Some(b) = body {
            let mut content = Map::new();
            content.insert("application/json".into(), json!({"schema": b.schema}));
            if b.form {
                content.insert(
                    "application/x-www-form-urlencoded".into(),
                    json!({"schema": b.schema}),
                );
            }
            op.insert(
                "requestBody".into(),
                json!({"required": b.required, "content": content}),
            );
        }

        let mut responses: BTreeMap<String, Value> = self
            .responses
            .into_iter()
            .map(|(status, r)| (status.to_string(), r))
            .collect();
        // The success answer, if the endpoint declared none: some JSON object.
        responses.entry(ep.success.to_string()).or_insert_with(|| {
            json!({
                "description": status_text(ep.success),
                "content": {"application/json": {"schema": {"type": "object"}}},
            })
        });
        let mut standard = |status: u16, name: &str| {
            responses
                .entry(status.to_string())
                .or_insert_with(|| json!({"$ref": format!("#/components/responses/{name}")}));
        };
        if has_body || has_query || has_path || idempotent {
            standard(422, "ValidationError");
        }
        if user || optional_auth {
            standard(401, "Unauthorized");
            standard(403, "Forbidden");
        }
        if has_path {
            standard(404, "NotFound");
        }
        standard(500, "InternalError");
        op.insert("responses".into(), json!(responses));
        (Value::Object(op), self.gens)
    }
}

/// The OpenAPI 3.1 document of every route in `ROUTES`.
pub fn document() -> Value {
    let settings = |refs: &str| {
        SchemaSettings::draft2020_12().with(|s| {
            // `#/components/schemas/` → the JSON pointer `/components/schemas`.
            s.definitions_path = refs
                .trim_start_matches('#')
                .trim_end_matches('/')
                .to_string()
                .into();
            s.meta_schema = None;
        })
    };
    let mut gens = Generators {
        requests: settings(SCHEMAS).for_deserialize().into_generator(),
        responses: settings(RESPONSE_SCHEMAS).for_serialize().into_generator(),
        renames: BTreeMap::new(),
    };

    let mut paths = Map::new();
    let mut tags: Vec<&str> = Vec::new();
    for &ep in ROUTES {
        let mut op = Operation {
            endpoint: ep,
            gens,
            documented: false,
            body: None,
            query: Vec::new(),
            responses: BTreeMap::new(),
            description: None,
            deprecated: false,
        };
        if let Some((_, docs)) = DOCS.iter().find(|(id, _)| *id == ep.id) {
            op.documented = true;
            docs(&mut op);
        }
        let (value, back) = op.finish();
        gens = back;
        let item = paths
            .entry(ep.path)
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(item) = item {
            item.insert(ep.method.to_ascii_lowercase(), value);
        }
        if !tags.contains(&ep.tag) {
            tags.push(ep.tag);
        }
    }

    let requests = gens.requests.take_definitions(true);
    let responses = gens.responses.take_definitions(true);
    let (mut schemas, ref_map) = merge_schemas(requests, responses, &gens.renames);
    for (name, schema) in standard_schemas() {
        schemas.insert(name.to_string(), schema);
    }

    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "JMSK API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": concat!(
                "Multi-tenant backend for jewelry manufacturers.\n\n",
                "Log in with `POST /api/v1/auth/login` (form or JSON), then send ",
                "`Authorization: Bearer <access_token>` (the Authorize button takes the token). ",
                "Every route also answers without or with its trailing slash. Errors are ",
                "`{\"detail\": \"<string>\"}`; a 422 adds `errors`, a 500 a `request_id`.",
            ),
        },
        // Relative to where this document is served (OpenAPI 3.1 §4.8.5): behind an API Gateway stage,
        // "Try it out" then calls `/<stage>/api/...`, not `/api/...`.
        "servers": [{"url": ".", "description": "This API"}],
        "tags": tags.iter().map(|t| json!({"name": t})).collect::<Vec<_>>(),
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": standard_responses(),
            "parameters": {
                "IdempotencyKey": {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": false,
                    "schema": {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": shared::domain::idempotency::MAX_KEY_LEN,
                        "pattern": shared::domain::idempotency::KEY_PATTERN,
                    },
                    "description": concat!(
                        "Names this write so that retrying it is safe (API Gateway and the app's ",
                        "interceptor may send a request twice). The first request with a key runs; ",
                        "its answer (a 2xx, or a 400, 404, 409 or 422) is stored with its writes, ",
                        "for the caller, for 24 hours by default. A retry with the same key and the ",
                        "same request (endpoint, path, query and body) gets that answer again, with ",
                        "`Idempotent-Replayed: true`, and writes nothing; a retry while the first is ",
                        "still running waits for it. The same key with another request is a 422. ",
                        "A 401, 403 or 5xx is not stored: a retry runs again.",
                    ),
                },
            },
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "The `access_token` answered by `POST /api/v1/auth/login`.",
                },
            },
        },
    });
    rewrite_refs(&mut doc, &ref_map);
    doc
}

/// Puts request- and response-side definitions into one `components.schemas`: generic names get their
/// operation prefix, a type whose two directions are identical appears once, and a response-side
/// variant that differs gets a `Response` suffix. Returns the schemas and old `$ref` → new `$ref`.
/// `openapi.json` as committed: `document()` in reading order, what `cargo xtask gen` writes.
pub fn rendered() -> String {
    in_reading_order(&document())
}

/// Pretty JSON with the top-level keys in the order of the specification (nested ones stay sorted):
/// nicer to read than alphabetical order.
fn in_reading_order(doc: &Value) -> String {
    let keys = ["openapi", "info", "servers", "tags", "paths", "components"];
    let entries: Vec<String> = keys
        .iter()
        .map(|k| {
            let value = serde_json::to_string_pretty(&doc[*k]).unwrap_or_default();
            format!("  \"{k}\": {}", value.replace('\n', "\n  "))
        })
        .collect();
    format!("{{\n{}\n}}\n", entries.join(",\n"))
}

fn merge_schemas(
    requests: Map<String, Value>,
    responses: Map<String, Value>,
    renames: &BTreeMap<String, String>,
) -> (Map<String, Value>, BTreeMap<String, String>) {
    let mut used: BTreeSet<String> = standard_schemas()
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    let unique = |wanted: &str, used: &mut BTreeSet<String>| {
        let mut name = wanted.to_string();
        let mut n = 2;
        while used.contains(&name) {
            name = format!("{wanted}{n}");
            n += 1;
        }
        used.insert(name.clone());
        name
    };
    let mut map = BTreeMap::new();
    let mut out = Map::new();

    for name in requests.keys() {
        let old = format!("{SCHEMAS}{name}");
        let wanted = renames.get(&old).cloned().unwrap_or_else(|| name.clone());
        let new = unique(&wanted, &mut used);
        map.insert(old, format!("{SCHEMAS}{new}"));
    }
    for (name, schema) in &requests {
        let mut schema = schema.clone();
        rewrite_refs(&mut schema, &map);
        if let Some(new) = map.get(&format!("{SCHEMAS}{name}")) {
            out.insert(new.trim_start_matches(SCHEMAS).to_string(), schema);
        }
    }

    // Optimistically share a name with the request side, then undo where the schemas differ.
    let mut shared: BTreeSet<String> = BTreeSet::new();
    for name in responses.keys() {
        let old = format!("{RESPONSE_SCHEMAS}{name}");
        let wanted = renames.get(&old).cloned().unwrap_or_else(|| name.clone());
        let new = if out.contains_key(&wanted) {
            shared.insert(name.clone());
            wanted
        } else {
            unique(&wanted, &mut used)
        };
        map.insert(old, format!("{SCHEMAS}{new}"));
    }
    loop {
        let mut changed = false;
        for name in shared.clone() {
            let old = format!("{RESPONSE_SCHEMAS}{name}");
            let mut schema = responses.get(&name).cloned().unwrap_or_default();
            rewrite_refs(&mut schema, &map);
            let target = map.get(&old).cloned().unwrap_or_default();
            if out.get(target.trim_start_matches(SCHEMAS)) != Some(&schema) {
                let new = unique(
                    &format!("{}Response", target.trim_start_matches(SCHEMAS)),
                    &mut used,
                );
                map.insert(old, format!("{SCHEMAS}{new}"));
                shared.remove(&name);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    for (name, schema) in &responses {
        if shared.contains(name) {
            continue;
        }
        let mut schema = schema.clone();
        rewrite_refs(&mut schema, &map);
        if let Some(new) = map.get(&format!("{RESPONSE_SCHEMAS}{name}")) {
            out.insert(new.trim_start_matches(SCHEMAS).to_string(), schema);
        }
    }
    (out, map)
}

/// The error bodies of `shared::http::respond::error`.
fn standard_schemas() -> [(&'static str, Value); 3] {
    [
        (
            "HTTPError",
            json!({
                "type": "object",
                "properties": {"detail": {"type": "string"}},
                "required": ["detail"],
            }),
        ),
        (
            "ValidationError",
            json!({
                "type": "object",
                "properties": {
                    "detail": {"type": "string", "description": "`<field>: <what is wrong>` for the first failing field"},
                    "errors": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "loc": {"type": "array", "items": {"type": "string"}, "description": "e.g. [\"body\", \"name\"]"},
                                "msg": {"type": "string"},
                                "type": {"type": "string"},
                            },
                            "required": ["loc", "msg", "type"],
                        },
                    },
                },
                "required": ["detail", "errors"],
            }),
        ),
        (
            "InternalError",
            json!({
                "type": "object",
                "properties": {
                    "detail": {"type": "string", "const": "Internal server error"},
                    "request_id": {"type": "string", "description": "Quote it when reporting the problem"},
                },
                "required": ["detail", "request_id"],
            }),
        ),
    ]
}

fn standard_responses() -> Value {
    let error = |description: &str, schema: &str| {
        json!({
            "description": description,
            "content": {"application/json": {"schema": {"$ref": format!("{SCHEMAS}{schema}")}}},
        })
    };
    json!({
        "ValidationError": error("Invalid input: `detail` names the first failing field, `errors` lists them all", "ValidationError"),
        "Unauthorized": error("Missing, invalid or expired access token", "HTTPError"),
        "Forbidden": error("The caller's role lacks the required permission", "HTTPError"),
        "NotFound": error("No such record in the caller's tenant", "HTTPError"),
        "InternalError": error("Internal error: no internals, a request id for the logs", "InternalError"),
    })
}

fn path_parameters(path: &str) -> Vec<Value> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| {
            let schema = if name.ends_with("_id") {
                json!({"type": "integer", "format": "int64", "minimum": 1})
            } else {
                json!({"type": "string"})
            };
            json!({"name": name, "in": "path", "required": true, "schema": schema})
        })
        .collect()
}

fn status_text(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        _ => "Response",
    }
}

fn upper_camel(id: &str) -> String {
    id.split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => collect_refs(v, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

fn rewrite_refs(v: &mut Value, map: &BTreeMap<String, String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m.iter_mut() {
                match (k.as_str(), &mut *v) {
                    ("$ref", Value::String(r)) => {
                        if let Some(new) = map.get(r.as_str()) {
                            *r = new.clone();
                        }
                    }
                    _ => rewrite_refs(v, map),
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|v| rewrite_refs(v, map)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, dead_code)]

    use super::*;

    #[derive(JsonSchema)]
    struct Same {
        a: i64,
    }

    /// Optional in requests only (always sent in answers): two schemas.
    #[derive(JsonSchema)]
    struct Differs {
        #[serde(default)]
        c: i64,
        same: Same,
    }

    #[derive(JsonSchema)]
    struct Input {
        d: Differs,
    }

    fn merged() -> (Map<String, Value>, BTreeMap<String, String>) {
        let mut requests = SchemaSettings::draft2020_12()
            .with(|s| s.definitions_path = "/components/schemas".into())
            .for_deserialize()
            .into_generator();
        let mut responses = SchemaSettings::draft2020_12()
            .with(|s| s.definitions_path = "/components/x-response-schemas".into())
            .for_serialize()
            .into_generator();
        let r = requests.subschema_for::<Input>().to_value();
        assert_eq!(r["$ref"], "#/components/schemas/Input");
        responses.subschema_for::<Differs>();
        let renames = BTreeMap::from([(
            "#/components/schemas/Input".to_string(),
            "ThingsCreateInput".to_string(),
        )]);
        merge_schemas(
            requests.take_definitions(true),
            responses.take_definitions(true),
            &renames,
        )
    }

    #[test]
    fn identical_schemas_are_shared_and_different_ones_split() {
        let (schemas, map) = merged();
        let names: Vec<&str> = schemas.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            ["Differs", "DiffersResponse", "Same", "ThingsCreateInput"]
        );
        assert_eq!(
            map["#/components/x-response-schemas/Same"],
            "#/components/schemas/Same"
        );
        assert_eq!(
            map["#/components/x-response-schemas/Differs"],
            "#/components/schemas/DiffersResponse"
        );
        assert_eq!(
            schemas["ThingsCreateInput"]["properties"]["d"]["$ref"],
            "#/components/schemas/Differs"
        );
        assert_eq!(
            schemas["DiffersResponse"]["properties"]["same"]["$ref"],
            "#/components/schemas/Same"
        );
        assert_eq!(schemas["Differs"]["required"], json!(["same"]));
        assert_eq!(schemas["DiffersResponse"]["required"], json!(["c", "same"]));
    }

    #[test]
    fn path_parameters_are_typed_by_name() {
        let p = path_parameters("/api/v1/things/{thing_id}/files/{file}");
        assert_eq!(p[0]["schema"]["type"], "integer");
        assert_eq!(p[1]["schema"]["type"], "string");
        assert_eq!(upper_camel("things_create"), "ThingsCreate");
    }
}
