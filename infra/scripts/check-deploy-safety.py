#!/usr/bin/env python3
"""The deployment rules of docs/deploying.md, checked on the files themselves (offline, no AWS).

cfn-lint and `sam validate --lint` say a template is well formed; this says it is still safe:
  least privilege  the deploy role trusts one GitHub environment, has no IAM or Lambda write rights,
                   and submits change sets only through the CloudFormation service role, which creates
                   roles only with the permissions boundary and may never remove it;
  split secrets    the request functions' role reads the application secret only; the migration
                   function is its own stack and role, and alone reads the migration secret;
  bounded          reserved concurrency is a parameter required outside dev, the stage throttles (the
                   bcrypt endpoints tighter), a throttled function answers 503 with a JSON detail;
  observable       one log group with a retention, access logs, the alarms of the runbook, EMF metrics;
  safe order       the build job has no credentials, every action is pinned to a commit, releases are
                   serialised per environment, artifacts outlive a rollback.
Each failure names the rule and the file. Exit status 1 on any.

Usage: check-deploy-safety.py   (needs aws-sam-translator for its CloudFormation YAML reader, pyyaml)
"""

import os
import re
import sys

import yaml
from samtranslator.yaml_helper import yaml_parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
failures = []


def check(ok: bool, rule: str, where: str) -> None:
    if not ok:
        failures.append(f"{where}: {rule}")


def load(path: str):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return yaml_parse(f.read())


def statements(role: dict):
    for policy in role["Properties"].get("Policies", []):
        if isinstance(policy, dict) and "PolicyDocument" in policy:
            yield from policy["PolicyDocument"]["Statement"]
        elif isinstance(policy, dict) and "Fn::If" in policy:
            branch = policy["Fn::If"][1]
            if isinstance(branch, dict):
                yield from branch["PolicyDocument"]["Statement"]


def actions(statement: dict) -> list:
    a = statement.get("Action", [])
    return a if isinstance(a, list) else [a]


def text(value) -> str:
    return yaml.safe_dump(value, default_flow_style=True)


# 1. Least privilege.
where = "infra/cfn/deploy-role.yaml"
deploy = load(where)["Resources"]
trust = deploy["DeployRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
check(len(trust) == 1, "the deploy role has exactly one trust statement", where)
condition = trust[0].get("Condition", {})
check("StringLike" not in condition, "the deploy role's trust has no wildcard (StringLike)", where)
subject = condition.get("StringEquals", {}).get("token.actions.githubusercontent.com:sub")
check(
    text(subject).find(":environment:${Environment}") >= 0 and ":ref:" not in text(subject),
    "the deploy role trusts only repo:<org>/<repo>:environment:<env>, no branch",
    where,
)
for st in statements(deploy["DeployRole"]):
    for action in actions(st):
        if action.startswith("iam:"):
            check(
                action == "iam:PassRole" and "CloudFormationRole" in text(st["Resource"]),
                f"the deploy role has no IAM right but passing the service role ({action})",
                where,
            )
        if action.startswith("lambda:"):
            check(action == "lambda:InvokeFunction", f"the deploy role cannot change functions ({action})", where)
        if action in ("cloudformation:CreateChangeSet", "cloudformation:CreateStack", "cloudformation:UpdateStack"):
            if "transform/Serverless" in text(st["Resource"]):
                continue
            check(
                "cloudformation:RoleArn" in text(st.get("Condition", {})),
                f"{action} only with the CloudFormation service role (cloudformation:RoleArn)",
                where,
            )
        if action.startswith("cloudformation:") and "transform/" not in text(st["Resource"]) and st["Resource"] != "*":
            stacks = set(re.findall(r"stack/([^/]+)/", text(st["Resource"])))
            check(
                stacks <= {"jmsk-${Environment}", "jmsk-${Environment}-migrate"},
                f"the deploy role reaches only its two stacks, not {sorted(stacks)}",
                where,
            )
cfn_role = deploy["CloudFormationRole"]
creating = {"iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary"}
for st in statements(cfn_role):
    if st["Effect"] == "Allow" and creating & set(actions(st)):
        check(
            "iam:PermissionsBoundary" in text(st.get("Condition", {})),
            "the service role creates and changes roles only with the boundary attached",
            where,
        )
denied = {a for st in statements(cfn_role) if st["Effect"] == "Deny" for a in actions(st)}
check("iam:DeleteRolePermissionsBoundary" in denied, "the service role may never remove the boundary", where)

# 3. Split secrets.
where = "template.yaml"
api = load(where)
resources = api["Resources"]
check("MigrateFunction" not in resources, "the migration function is its own stack, not the API's", where)
role_text = text(resources["FunctionRole"])
check("AppSecretArn" in role_text and "Migration" not in role_text, "the request role reads the app secret only", where)
check("PermissionsBoundary" in resources["FunctionRole"]["Properties"], "the request role carries the boundary", where)
env = api["Globals"]["Function"]["Environment"]["Variables"]
check(not any(k.startswith("MIGRATION") for k in env), "no request function sees a migration setting", where)
migrate_where = "infra/sam/migrate.yaml"
migrate = load(migrate_where)["Resources"]
check(
    "MigrationSecretArn" in text(migrate["MigrateRole"]) and "AppSecretArn" not in text(migrate["MigrateRole"]),
    "the migrate role reads the migration secret only",
    migrate_where,
)
check(
    text(migrate["MigrateFunction"]["Properties"]["Role"]).find("MigrateRole") >= 0,
    "the migration function runs with its own role",
    migrate_where,
)
secrets_where = "infra/cfn/app-secret.yaml"
secrets = load(secrets_where)["Resources"]
check(
    "MIGRATION" not in text(secrets["AppSecret"]) and "MIGRATION_DATABASE_URL" in text(secrets["MigrationSecret"]),
    "the schema owner's URL is in the migration secret, not the app secret",
    secrets_where,
)

# 4. Bounded connections.
check(
    "ReservedConcurrencyPerFunction" in text(api["Globals"]["Function"]["ReservedConcurrentExecutions"]),
    "every function's reserved concurrency is the ReservedConcurrencyPerFunction parameter",
    where,
)
check(
    "ReservedConcurrencyPerFunction" in text(api.get("Rules", {})),
    "a Rule requires reserved concurrency outside dev",
    where,
)
props = resources["Api"]["Properties"]
paths = {m["ResourcePath"]: m for m in props.get("MethodSettings", [])}
check("/*" in paths and "ThrottlingRateLimit" in paths["/*"], "the stage throttles every method", where)
check("/~1api~1v1~1auth~1login" in paths, "login has its own, tighter throttle", where)
failure = props.get("GatewayResponses", {}).get("INTEGRATION_FAILURE", {})
check(
    failure.get("StatusCode") == "503" and '"detail"' in text(failure.get("ResponseTemplates", {})),
    "a throttled function answers 503 with a JSON detail (INTEGRATION_FAILURE)",
    where,
)
check("Cors" not in props, "preflight is answered by the functions (a list of origins), not API Gateway", where)

# 7. Observability.
log_group = text(api["Globals"]["Function"].get("LoggingConfig", {}).get("LogGroup"))
group_name = re.search(r"Ref: (\w+)", log_group)
check(
    bool(group_name) and "RetentionInDays" in resources.get(group_name.group(1), {}).get("Properties", {}),
    "the functions log to one declared log group with a retention",
    where,
)
check("AccessLogSetting" in props, "the stage writes access logs", where)
alarms = [r for r in resources.values() if r.get("Type") == "AWS::CloudWatch::Alarm"]
metrics = {r["Properties"]["MetricName"] for r in alarms}
for metric in ("5XXError", "Latency", "Throttles", "Errors", "DatabaseConnections"):
    check(metric in metrics, f"an alarm watches {metric}", where)
check(all("AlarmActions" in r["Properties"] for r in alarms), "every alarm notifies the topic", where)
check("METRICS_NAMESPACE" in env, "functions write EMF metrics under a namespace", where)

# 8. Safe order.
wf_where = ".github/workflows/deploy.yml"
with open(os.path.join(ROOT, wf_where), encoding="utf-8") as f:
    workflow_text = f.read()
workflow = yaml.safe_load(workflow_text)
jobs = workflow["jobs"]
build = jobs["build"]
check("id-token" not in text(build.get("permissions", {})), "the build job cannot get AWS credentials", wf_where)
check(
    "configure-aws-credentials" not in text(build["steps"]) and "sam build" in text(build["steps"]),
    "the build job builds and never assumes a role",
    wf_where,
)
for name, job in jobs.items():
    if "configure-aws-credentials" in text(job.get("steps", [])):
        check("build" in text(job.get("needs", "")) or "plan-prod" in text(job.get("needs", "")),
              f"job {name} assumes a role only after the build", wf_where)
        check("environment" in job, f"job {name} runs in a GitHub environment (its role's only trust)", wf_where)
for workflow_file in ("ci.yml", "deploy.yml"):
    with open(os.path.join(ROOT, ".github/workflows", workflow_file), encoding="utf-8") as f:
        for line in f:
            m = re.search(r"uses:\s*([^\s#]+)", line)
            if m and not m.group(1).startswith("./"):
                check(
                    re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", m.group(1)) is not None,
                    f"action {m.group(1)} is pinned to a commit",
                    f".github/workflows/{workflow_file}",
                )
group = text(workflow.get("concurrency", {}).get("group", ""))
check("prod" in group and "staging" in group, "releases are serialised per environment", wf_where)
check(workflow.get("concurrency", {}).get("cancel-in-progress") is False, "a release is never cancelled", wf_where)
oidc_where = "infra/cfn/github-oidc.yaml"
oidc = load(oidc_where)
check(
    oidc["Parameters"]["ArtifactRetentionDays"].get("MinValue", 0) >= 90,
    "artifacts are kept at least 90 days (rollback needs the previous zips)",
    oidc_where,
)
with open(os.path.join(ROOT, "infra/scripts/release.sh"), encoding="utf-8") as f:
    release = f.read()
all_phase = release[release.index("  all)"):release.index("  plan)")]
check(
    all_phase.index("migrate\n") < all_phase.index('deploy "$env_name" '),
    "the migration runs before the API stack is deployed",
    "infra/scripts/release.sh",
)

if failures:
    print("check-deploy-safety: the deployment rules fail:", file=sys.stderr)
    for f in failures:
        print(f"  - {f}", file=sys.stderr)
    sys.exit(1)
print("check-deploy-safety: least privilege, split secrets, bounded connections, observability and order hold")
