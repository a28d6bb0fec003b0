//! What the per-function mode needs from `template.yaml`, read the way CloudFormation and SAM read
//! it: every `AWS::Serverless::Function` with its API events, its `Globals` merged in, and its
//! `Environment`, `MemorySize`, `Timeout` and `ReservedConcurrentExecutions` after the template's
//! parameters, conditions and intrinsic functions (`!Ref`, `!Sub`, `!If`, `!Select`, `!Split`,
//! `!Join`, `!Equals`, `!Not`, `!And`, `!Or`, `!Condition`) are resolved; and the API's stage and
//! `GatewayResponses`. Anything else in the template is not looked at, and an intrinsic this reader
//! does not know is an error, not a guess.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// A YAML node with its CloudFormation tag kept (`!Ref X` is `Tagged("Ref", Scalar("X"))`).
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Scalar(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
    Tagged(String, Box<Node>),
}

impl Node {
    /// The value under `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn entries(&self) -> &[(String, Node)] {
        match self {
            Node::Map(entries) => entries,
            _ => &[],
        }
    }

    fn as_str(&self) -> Option<&str> {
        match self {
            Node::Scalar(s) => Some(s),
            _ => None,
        }
    }
}

/// Builds [`Node`]s from the parser's events (yaml-rust2's own loader drops tags).
#[derive(Default)]
struct Builder {
    /// Open collections: the node being filled, its tag, and a mapping key waiting for its value.
    stack: Vec<(Node, Option<String>, Option<String>)>,
    docs: Vec<Node>,
    error: Option<String>,
}

fn tag_name(tag: Option<yaml_rust2::parser::Tag>) -> Option<String> {
    // Only the `!Name` short forms of CloudFormation; standard tags (`!!str`) change nothing here.
    tag.filter(|t| t.handle == "!").map(|t| t.suffix)
}

impl Builder {
    fn push_value(&mut self, node: Node) {
        let Some((top, _, key)) = self.stack.last_mut() else {
            self.docs.push(node);
            return;
        };
        match top {
            Node::Seq(items) => items.push(node),
            Node::Map(entries) => match key.take() {
                Some(k) => entries.push((k, node)),
                None => match node {
                    Node::Scalar(k) => *key = Some(k),
                    _ => self.error = Some("a mapping key that is not a plain string".into()),
                },
            },
            _ => {}
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, _mark: Marker) {
        match ev {
            Event::Scalar(value, _, _, tag) => {
                let node = Node::Scalar(value);
                let node = match tag_name(tag) {
                    Some(t) => Node::Tagged(t, Box::new(node)),
                    None => node,
                };
                self.push_value(node);
            }
            Event::SequenceStart(_, tag) => {
                self.stack.push((Node::Seq(vec![]), tag_name(tag), None))
            }
            Event::MappingStart(_, tag) => {
                self.stack.push((Node::Map(vec![]), tag_name(tag), None))
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((node, tag, _)) = self.stack.pop() {
                    let node = match tag {
                        Some(t) => Node::Tagged(t, Box::new(node)),
                        None => node,
                    };
                    self.push_value(node);
                }
            }
            Event::Alias(_) => self.error = Some("YAML aliases are not supported".into()),
            _ => {}
        }
    }
}

/// Parse one YAML document, keeping tags.
pub fn parse_yaml(text: &str) -> Result<Node, String> {
    let mut builder = Builder::default();
    Parser::new_from_str(text)
        .load(&mut builder, false)
        .map_err(|e| e.to_string())?;
    if let Some(e) = builder.error {
        return Err(e);
    }
    builder
        .docs
        .into_iter()
        .next()
        .ok_or_else(|| "the template is empty".to_string())
}

/// A resolved value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(String),
    List(Vec<Value>),
    Map(Vec<(String, Value)>),
    /// `!Ref AWS::NoValue`: the property is left out.
    NoValue,
}

impl Value {
    fn into_string(self, what: &str) -> Result<String, String> {
        match self {
            Value::Str(s) => Ok(s),
            other => Err(format!("{what}: expected a string, got {other:?}")),
        }
    }

    fn into_list(self, what: &str) -> Result<Vec<Value>, String> {
        match self {
            Value::List(l) => Ok(l),
            other => Err(format!("{what}: expected a list, got {other:?}")),
        }
    }
}

/// Pseudo parameters as a local account would have them.
const REGION: &str = "us-east-1";
const ACCOUNT: &str = "123456789012";

/// The template's parameters and conditions, to resolve intrinsics against.
pub struct Resolver<'t> {
    params: HashMap<String, Value>,
    conditions: HashMap<String, &'t Node>,
    resources: Vec<String>,
    stack_name: String,
}

impl<'t> Resolver<'t> {
    /// Parameters take their `Default` unless `overrides` names them; one without either is an
    /// error (CloudFormation would refuse the deploy). Overrides of unknown parameters are errors.
    pub fn new(root: &'t Node, overrides: &BTreeMap<String, String>) -> Result<Self, String> {
        let declared = root.get("Parameters").map(Node::entries).unwrap_or(&[]);
        for name in overrides.keys() {
            if !declared.iter().any(|(k, _)| k == name) {
                return Err(format!(
                    "parameter override {name}: the template has no such parameter"
                ));
            }
        }
        let mut params = HashMap::new();
        for (name, decl) in declared {
            let raw = match overrides.get(name) {
                Some(v) => v.clone(),
                None => decl
                    .get("Default")
                    .and_then(Node::as_str)
                    .ok_or_else(|| format!("parameter {name} has no Default and no override"))?
                    .to_string(),
            };
            let is_list = decl
                .get("Type")
                .and_then(Node::as_str)
                .is_some_and(|t| t == "CommaDelimitedList" || t.starts_with("List<"));
            let value = if is_list {
                Value::List(
                    raw.split(',')
                        .filter(|s| !s.is_empty())
                        .map(|s| Value::Str(s.trim().to_string()))
                        .collect(),
                )
            } else {
                Value::Str(raw)
            };
            params.insert(name.clone(), value);
        }
        let conditions = root
            .get("Conditions")
            .map(Node::entries)
            .unwrap_or(&[])
            .iter()
            .map(|(k, v)| (k.clone(), v))
            .collect();
        let resources = root
            .get("Resources")
            .map(Node::entries)
            .unwrap_or(&[])
            .iter()
            .map(|(k, _)| k.clone())
            .collect();
        let stage = match params.get("Stage") {
            Some(Value::Str(s)) => s.clone(),
            _ => "local".to_string(),
        };
        Ok(Resolver {
            params,
            conditions,
            resources,
            stack_name: format!("jmsk-{stage}"),
        })
    }

    fn reference(&self, name: &str) -> Result<Value, String> {
        if let Some(v) = self.params.get(name) {
            return Ok(v.clone());
        }
        let pseudo = match name {
            "AWS::NoValue" => return Ok(Value::NoValue),
            "AWS::Region" => REGION.to_string(),
            "AWS::AccountId" => ACCOUNT.to_string(),
            "AWS::Partition" => "aws".to_string(),
            "AWS::URLSuffix" => "amazonaws.com".to_string(),
            "AWS::StackName" => self.stack_name.clone(),
            // A resource's physical id does not exist locally: its logical id stands in for it.
            _ if self.resources.iter().any(|r| r == name) => name.to_string(),
            _ => return Err(format!("!Ref {name}: no such parameter or resource")),
        };
        Ok(Value::Str(pseudo))
    }

    /// Whether condition `name` holds.
    pub fn condition(&self, name: &str) -> Result<bool, String> {
        let node = self
            .conditions
            .get(name)
            .ok_or_else(|| format!("condition {name} is not defined"))?;
        self.truth(node)
    }

    fn truth(&self, node: &Node) -> Result<bool, String> {
        match self.resolve(node)? {
            Value::Str(s) if s == "true" => Ok(true),
            Value::Str(s) if s == "false" => Ok(false),
            other => Err(format!("expected a condition, got {other:?}")),
        }
    }

    /// Resolve every intrinsic in `node`.
    pub fn resolve(&self, node: &Node) -> Result<Value, String> {
        match node {
            Node::Scalar(s) => Ok(Value::Str(s.clone())),
            Node::Seq(items) => Ok(Value::List(
                items
                    .iter()
                    .map(|i| self.resolve(i))
                    .filter(|v| !matches!(v, Ok(Value::NoValue)))
                    .collect::<Result<_, _>>()?,
            )),
            Node::Map(entries) => {
                // The long forms: `{Ref: X}`, `{"Fn::If": [...]}`.
                if let [(key, arg)] = entries.as_slice() {
                    if key == "Ref" {
                        return self.intrinsic("Ref", arg);
                    }
                    if let Some(name) = key.strip_prefix("Fn::") {
                        return self.intrinsic(name, arg);
                    }
                    if key == "Condition" {
                        return self.intrinsic("Condition", arg);
                    }
                }
                let mut out = Vec::new();
                for (k, v) in entries {
                    match self.resolve(v)? {
                        Value::NoValue => {}
                        v => out.push((k.clone(), v)),
                    }
                }
                Ok(Value::Map(out))
            }
            Node::Tagged(tag, arg) => self.intrinsic(tag, arg),
        }
    }

    fn args<'n, const N: usize>(&self, name: &str, arg: &'n Node) -> Result<[&'n Node; N], String> {
        match arg {
            Node::Seq(items) if items.len() == N => {
                let v: Vec<&Node> = items.iter().collect();
                v.try_into()
                    .map_err(|_| format!("Fn::{name} takes {N} arguments"))
            }
            _ => Err(format!("Fn::{name} takes a list of {N} arguments")),
        }
    }

    fn intrinsic(&self, name: &str, arg: &Node) -> Result<Value, String> {
        let bool_str = |b: bool| Value::Str(b.to_string());
        match name {
            "Ref" => self.reference(arg.as_str().ok_or("!Ref takes a name")?),
            "Condition" => Ok(bool_str(
                self.condition(arg.as_str().ok_or("!Condition takes a name")?)?,
            )),
            "If" => {
                let [cond, yes, no] = self.args::<3>(name, arg)?;
                let cond = cond
                    .as_str()
                    .ok_or("Fn::If's first argument is a condition name")?;
                if self.condition(cond)? {
                    self.resolve(yes)
                } else {
                    self.resolve(no)
                }
            }
            "Equals" => {
                let [a, b] = self.args::<2>(name, arg)?;
                Ok(bool_str(self.resolve(a)? == self.resolve(b)?))
            }
            "Not" => {
                let [a] = self.args::<1>(name, arg)?;
                Ok(bool_str(!self.truth(a)?))
            }
            "And" | "Or" => {
                let Node::Seq(items) = arg else {
                    return Err(format!("Fn::{name} takes a list"));
                };
                let mut values = items.iter().map(|i| self.truth(i));
                let result = if name == "And" {
                    values.try_fold(true, |acc, v| v.map(|v| acc && v))?
                } else {
                    values.try_fold(false, |acc, v| v.map(|v| acc || v))?
                };
                Ok(bool_str(result))
            }
            "Select" => {
                let [index, list] = self.args::<2>(name, arg)?;
                let index: usize = self
                    .resolve(index)?
                    .into_string("Fn::Select index")?
                    .parse()
                    .map_err(|_| "Fn::Select: the index is not a number".to_string())?;
                self.resolve(list)?
                    .into_list("Fn::Select")?
                    .into_iter()
                    .nth(index)
                    .ok_or_else(|| format!("Fn::Select: no element {index}"))
            }
            "Split" => {
                let [delim, s] = self.args::<2>(name, arg)?;
                let delim = self.resolve(delim)?.into_string("Fn::Split delimiter")?;
                let s = self.resolve(s)?.into_string("Fn::Split")?;
                Ok(Value::List(
                    s.split(delim.as_str())
                        .map(|p| Value::Str(p.to_string()))
                        .collect(),
                ))
            }
            "Join" => {
                let [delim, list] = self.args::<2>(name, arg)?;
                let delim = self.resolve(delim)?.into_string("Fn::Join delimiter")?;
                let parts = self
                    .resolve(list)?
                    .into_list("Fn::Join")?
                    .into_iter()
                    .map(|v| v.into_string("Fn::Join element"))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Value::Str(parts.join(&delim)))
            }
            "Sub" => {
                let (text, vars) = match arg {
                    Node::Scalar(s) => (s.clone(), Vec::new()),
                    Node::Seq(items) if items.len() == 2 => {
                        let text = self.resolve(&items[0])?.into_string("Fn::Sub")?;
                        let vars = match self.resolve(&items[1])? {
                            Value::Map(m) => m,
                            other => return Err(format!("Fn::Sub variables: {other:?}")),
                        };
                        (text, vars)
                    }
                    _ => return Err("Fn::Sub takes a string or [string, variables]".into()),
                };
                self.substitute(&text, &vars).map(Value::Str)
            }
            // An attribute of a resource that does not exist locally.
            "GetAtt" => Ok(Value::Str(match arg {
                Node::Scalar(s) => s.clone(),
                Node::Seq(items) => items
                    .iter()
                    .filter_map(Node::as_str)
                    .collect::<Vec<_>>()
                    .join("."),
                _ => return Err("Fn::GetAtt takes Resource.Attribute".into()),
            })),
            other => Err(format!("intrinsic function {other} is not supported here")),
        }
    }

    fn substitute(&self, text: &str, vars: &[(String, Value)]) -> Result<String, String> {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find('}')
                .ok_or_else(|| format!("Fn::Sub: unclosed ${{ in {text:?}"))?;
            let name = &after[..end];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else if let Some((_, v)) = vars.iter().find(|(k, _)| k == name) {
                out.push_str(&v.clone().into_string(name)?);
            } else if name.contains('.') {
                out.push_str(name);
            } else {
                out.push_str(&self.reference(name)?.into_string(name)?);
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// One API event of a function: API Gateway's method and resource path (`{name}` parameters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRoute {
    /// Upper case (`GET`, `OPTIONS`).
    pub method: String,
    pub path: String,
}

/// A function as the template declares it, resolved.
#[derive(Debug, Clone)]
pub struct Function {
    pub logical_id: String,
    /// `Metadata.BuildProperties.Binary`: the cargo binary `sam build` packs as its `bootstrap`.
    pub binary: String,
    pub memory_mb: u32,
    pub timeout_s: u32,
    /// `None`: no reserved concurrency (the account's shared pool).
    pub reserved_concurrency: Option<u32>,
    pub environment: BTreeMap<String, String>,
    pub routes: Vec<ApiRoute>,
}

/// One of the API's `GatewayResponses`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GatewayResponse {
    pub status: Option<u16>,
    pub headers: Vec<(String, String)>,
    /// The `application/json` template.
    pub template: Option<String>,
}

/// The parts of the template the per-function mode serves.
#[derive(Debug, Clone)]
pub struct Template {
    /// The API's `StageName`: the invoke URL's first segment.
    pub stage: String,
    pub functions: Vec<Function>,
    pub gateway_responses: HashMap<String, GatewayResponse>,
}

/// Read and resolve `path` with these parameter overrides.
pub fn load(path: &Path, overrides: &BTreeMap<String, String>) -> Result<Template, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    from_str(&text, overrides).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn from_str(text: &str, overrides: &BTreeMap<String, String>) -> Result<Template, String> {
    let root = parse_yaml(text)?;
    let r = Resolver::new(&root, overrides)?;
    let globals = root.get("Globals").and_then(|g| g.get("Function"));
    let resources = root.get("Resources").ok_or("no Resources")?;
    let present = |res: &Node| -> Result<bool, String> {
        match res.get("Condition").and_then(Node::as_str) {
            Some(cond) => r.condition(cond),
            None => Ok(true),
        }
    };
    let of_type = |ty: &'static str| {
        resources
            .entries()
            .iter()
            .filter(move |(_, res)| res.get("Type").and_then(Node::as_str) == Some(ty))
    };
    let mut apis = of_type("AWS::Serverless::Api");
    let (api_id, api) = apis.next().ok_or("no AWS::Serverless::Api resource")?;
    if apis.next().is_some() {
        return Err("more than one AWS::Serverless::Api: this reader serves one".into());
    }
    let mut functions = Vec::new();
    for (id, res) in of_type("AWS::Serverless::Function") {
        if present(res)? {
            functions
                .push(function(&r, id, res, globals, api_id).map_err(|e| format!("{id}: {e}"))?);
        }
    }
    let api_props = api.get("Properties").ok_or("the API has no Properties")?;
    let stage = r
        .resolve(
            api_props
                .get("StageName")
                .ok_or("the API has no StageName")?,
        )?
        .into_string("StageName")?;
    let mut gateway_responses = HashMap::new();
    if let Some(Value::Map(responses)) = api_props
        .get("GatewayResponses")
        .map(|n| r.resolve(n))
        .transpose()?
    {
        for (kind, v) in responses {
            gateway_responses.insert(
                kind.clone(),
                gateway_response(v).map_err(|e| format!("{kind}: {e}"))?,
            );
        }
    }
    Ok(Template {
        stage,
        functions,
        gateway_responses,
    })
}

fn lookup<'a>(own: Option<&'a Node>, globals: Option<&'a Node>, key: &str) -> Option<&'a Node> {
    own.and_then(|p| p.get(key))
        .or_else(|| globals.and_then(|g| g.get(key)))
}

fn number(r: &Resolver<'_>, node: Option<&Node>, what: &str) -> Result<Option<i64>, String> {
    let Some(node) = node else { return Ok(None) };
    match r.resolve(node)? {
        Value::NoValue => Ok(None),
        Value::Str(s) => s
            .parse()
            .map(Some)
            .map_err(|_| format!("{what}: {s:?} is not a number")),
        other => Err(format!("{what}: {other:?}")),
    }
}

fn function(
    r: &Resolver<'_>,
    id: &str,
    res: &Node,
    globals: Option<&Node>,
    api_id: &str,
) -> Result<Function, String> {
    let props = res.get("Properties");
    let binary = res
        .get("Metadata")
        .and_then(|m| m.get("BuildProperties"))
        .and_then(|b| b.get("Binary"))
        .and_then(Node::as_str)
        .ok_or("no Metadata.BuildProperties.Binary")?
        .to_string();
    let positive = |v: Option<i64>, what: &str, default: u32| -> Result<u32, String> {
        match v {
            None => Ok(default),
            Some(n) => u32::try_from(n)
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("{what} {n} is not positive")),
        }
    };
    // Lambda's defaults when neither the function nor Globals set them.
    let memory_mb = positive(
        number(r, lookup(props, globals, "MemorySize"), "MemorySize")?,
        "MemorySize",
        128,
    )?;
    let timeout_s = positive(
        number(r, lookup(props, globals, "Timeout"), "Timeout")?,
        "Timeout",
        3,
    )?;
    let reserved_concurrency = number(
        r,
        lookup(props, globals, "ReservedConcurrentExecutions"),
        "ReservedConcurrentExecutions",
    )?
    .map(|n| u32::try_from(n).map_err(|_| format!("ReservedConcurrentExecutions {n}")))
    .transpose()?;

    // SAM merges the Globals' variables with the function's, the function's winning.
    let mut environment = BTreeMap::new();
    for source in [globals, props] {
        let vars = source
            .and_then(|p| p.get("Environment"))
            .and_then(|e| e.get("Variables"));
        if let Some(vars) = vars {
            for (k, v) in vars.entries() {
                match r.resolve(v)? {
                    Value::NoValue => {
                        environment.remove(k);
                    }
                    Value::Str(s) => {
                        environment.insert(k.clone(), s);
                    }
                    other => return Err(format!("Environment {k}: {other:?} is not a string")),
                }
            }
        }
    }

    let mut routes = Vec::new();
    for (name, ev) in props
        .and_then(|p| p.get("Events"))
        .map(Node::entries)
        .unwrap_or(&[])
    {
        if ev.get("Type").and_then(Node::as_str) != Some("Api") {
            continue;
        }
        let p = ev
            .get("Properties")
            .ok_or_else(|| format!("event {name} has no Properties"))?;
        let field = |k: &str| -> Result<String, String> {
            r.resolve(p.get(k).ok_or_else(|| format!("event {name} has no {k}"))?)?
                .into_string(k)
        };
        // An event without RestApiId would get SAM's implicit API, which this template does not use.
        if field("RestApiId")? != api_id {
            return Err(format!("event {name} is not on the API {api_id}"));
        }
        routes.push(ApiRoute {
            method: field("Method")?.to_ascii_uppercase(),
            path: field("Path")?,
        });
    }
    Ok(Function {
        logical_id: id.to_string(),
        binary,
        memory_mb,
        timeout_s,
        reserved_concurrency,
        environment,
        routes,
    })
}

/// `'value'` in a gateway response's header mapping is a static value.
fn static_header(v: &str) -> String {
    v.strip_prefix('\'')
        .and_then(|v| v.strip_suffix('\''))
        .unwrap_or(v)
        .to_string()
}

fn gateway_response(v: Value) -> Result<GatewayResponse, String> {
    let Value::Map(props) = v else {
        return Err("not a mapping".into());
    };
    let mut out = GatewayResponse::default();
    for (k, v) in props {
        match (k.as_str(), v) {
            ("StatusCode", Value::Str(s)) => {
                out.status = Some(s.parse().map_err(|_| format!("StatusCode {s:?}"))?)
            }
            ("ResponseParameters", Value::Map(groups)) => {
                for (group, v) in groups {
                    if let ("Headers", Value::Map(headers)) = (group.as_str(), v) {
                        for (name, value) in headers {
                            out.headers
                                .push((name, static_header(&value.into_string("header")?)));
                        }
                    }
                }
            }
            ("ResponseTemplates", Value::Map(templates)) => {
                for (ty, t) in templates {
                    if ty == "application/json" {
                        out.template = Some(t.into_string("ResponseTemplates")?);
                    }
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn project(pairs: &[(&str, &str)]) -> Template {
        load(&crate::project_root().join("template.yaml"), &params(pairs)).unwrap()
    }

    #[test]
    fn the_project_template_resolves_to_every_route_with_its_environment() {
        let t = project(&[("Stage", "dev")]);
        assert_eq!(t.stage, "dev");
        let routes: usize = t.functions.iter().map(|f| f.routes.len()).sum();
        // Each endpoint has its own route, and each path one preflight (on one of its functions).
        let api_path = |p: &str| match p.trim_end_matches('/') {
            "" => "/".to_string(),
            p => p.to_string(),
        };
        let paths: std::collections::BTreeSet<String> = functions::routes::ROUTES
            .iter()
            .map(|ep| api_path(ep.path))
            .collect();
        assert_eq!(t.functions.len(), functions::routes::ROUTES.len());
        assert_eq!(routes, functions::routes::ROUTES.len() + paths.len());
        for ep in functions::routes::ROUTES {
            let f = t
                .functions
                .iter()
                .find(|f| f.binary == ep.id)
                .unwrap_or_else(|| panic!("{}", ep.id));
            assert!(
                f.routes
                    .iter()
                    .any(|r| r.method == ep.method && r.path == api_path(ep.path)),
                "{}: {:?}",
                ep.id,
                f.routes
            );
            assert_eq!(f.environment["APP_ENV"], "production");
            assert_eq!(f.environment["METRICS_NAMESPACE"], "JMSK/dev");
            assert_eq!(f.environment["DATABASE_URL"], "");
            assert_eq!(f.reserved_concurrency, None, "{}", ep.id);
            assert!(f.timeout_s > 0 && f.memory_mb >= 128);
        }
        let missing = &t.gateway_responses["MISSING_AUTHENTICATION_TOKEN"];
        assert_eq!(missing.status, Some(404));
        assert_eq!(
            missing.template.as_deref(),
            Some(r#"{"detail": "Not Found"}"#)
        );
        assert!(
            missing
                .headers
                .contains(&("Access-Control-Allow-Origin".into(), "*".into())),
            "{missing:?}"
        );
    }

    #[test]
    fn parameters_and_conditions_decide_what_the_functions_get() {
        let t = project(&[
            ("Stage", "staging"),
            ("ReservedConcurrencyPerFunction", "3"),
            ("LoginReservedConcurrency", "1"),
            ("AllowedOrigins", "https://app.example,https://b.example"),
        ]);
        let login = t
            .functions
            .iter()
            .find(|f| f.binary == "auth_login")
            .unwrap();
        assert_eq!(login.reserved_concurrency, Some(1));
        let me = t.functions.iter().find(|f| f.binary == "auth_me").unwrap();
        assert_eq!(me.reserved_concurrency, Some(3));
        assert_eq!(me.environment["METRICS_NAMESPACE"], "JMSK/staging");
        assert!(t.gateway_responses["DEFAULT_4XX"].headers.contains(&(
            "Access-Control-Allow-Origin".into(),
            "https://app.example".into()
        )));
        let err = load(
            &crate::project_root().join("template.yaml"),
            &params(&[("NoSuchParameter", "1")]),
        )
        .unwrap_err();
        assert!(err.contains("NoSuchParameter"), "{err}");
    }

    const SMALL: &str = r#"
Parameters:
  Stage: {Type: String, Default: dev}
  Names: {Type: CommaDelimitedList, Default: "a,b"}
  NoDefault: {Type: String}
Conditions:
  IsDev: !Equals [!Ref Stage, dev]
  Both: !And [!Condition IsDev, !Not [!Equals [!Select [1, !Ref Names], x]]]
Globals:
  Function:
    Timeout: 5
    Environment:
      Variables:
        A: !Sub "${Stage}-${AWS::Region}-${!Literal}"
        B: !If [Both, yes, no]
        C: !Join ["+", !Ref Names]
        GONE: !Ref AWS::NoValue
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties: {StageName: !Ref Stage}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      MemorySize: 512
      Environment: {Variables: {B: own, D: {"Fn::Sub": ["${X}!", {X: !Ref Stage}]}}}
      Events:
        Get: {Type: Api, Properties: {RestApiId: !Ref Api, Path: "/x/{id}", Method: get}}
    Metadata: {BuildProperties: {Binary: fn_bin}}
  Skipped:
    Type: AWS::Serverless::Function
    Condition: NotThere
"#;

    #[test]
    fn intrinsics_resolve_as_cloudformation_resolves_them() {
        let err = from_str(SMALL, &BTreeMap::new()).err().unwrap();
        assert!(err.contains("NoDefault"), "{err}");
        let no = params(&[("NoDefault", "v")]);
        // `Skipped` names a condition that does not exist.
        let err = from_str(SMALL, &no).err().unwrap();
        assert!(err.contains("NotThere"), "{err}");
        let text = SMALL.replace(
            "    Condition: NotThere\n",
            "    Condition: IsDev\n    Metadata: {BuildProperties: {Binary: other}}\n",
        );
        let t = from_str(&text, &params(&[("NoDefault", "v"), ("Stage", "prod")])).unwrap();
        // IsDev is false for prod: `Skipped` is left out.
        assert_eq!(t.functions.len(), 1);
        let f = &t.functions[0];
        assert_eq!(
            (f.memory_mb, f.timeout_s, f.binary.as_str()),
            (512, 5, "fn_bin")
        );
        assert_eq!(f.environment["A"], "prod-us-east-1-${Literal}");
        assert_eq!(f.environment["B"], "own");
        assert_eq!(f.environment["C"], "a+b");
        assert_eq!(f.environment["D"], "prod!");
        assert!(!f.environment.contains_key("GONE"));
        assert_eq!(
            f.routes,
            [ApiRoute {
                method: "GET".into(),
                path: "/x/{id}".into()
            }]
        );
        assert_eq!(t.stage, "prod");
        let dev = from_str(&text, &no).unwrap();
        assert_eq!(dev.functions.len(), 2);
        let unknown = text.replace("!Join [\"+\", !Ref Names]", "!Base64 x");
        assert!(from_str(&unknown, &no).err().unwrap().contains("Base64"));
    }
}
