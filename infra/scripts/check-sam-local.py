#!/usr/bin/env python3
"""What can be checked of `sam local` without a Docker engine (CI, sam-validate.sh).

- every command infra/scripts/sam-local.sh runs (its --print output, for each mode) uses only options
  the installed `sam local <command> --help` lists, names a function of template.yaml and an event
  file that exists;
- infra/sam/env.local.json sets only variables the template declares (sam local silently drops
  others), and every function reads them (Globals);
- the events/ fixtures have the keys, top level and requestContext, of the event that
  `sam local generate-event apigateway aws-proxy` produces.

Usage: check-sam-local.py <path to sam>
"""

import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sam = sys.argv[1]
env = dict(os.environ, SAM_CLI_TELEMETRY="0", AWS_DEFAULT_REGION=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"))
failures = []


def sam_help(sub: str) -> set:
    out = subprocess.run([sam, "local", sub, "--help"], capture_output=True, text=True, env=env, check=True).stdout
    return set(re.findall(r"--[a-z][a-z-]*", out))


def printed(extra_env: dict, *args: str) -> list:
    out = subprocess.run(
        ["bash", os.path.join(ROOT, "infra/scripts/sam-local.sh"), "--print", *args],
        capture_output=True, text=True, env=dict(env, **extra_env), check=True, cwd=ROOT,
    ).stdout
    return out.split()


with open(os.path.join(ROOT, "template.yaml"), encoding="utf-8") as f:
    template = f.read()
functions = set(re.findall(r"^  (\w+):\n    Type: AWS::Serverless::Function$", template, re.M))

cases = [
    ({}, "start-api"),
    ({"SAM_LOCAL_WARM": "EAGER"}, "start-api"),
    ({"SAM_LOCAL_DB_HOST": "host.docker.internal", "SAM_LOCAL_WARM": "none"}, "start-api"),
    ({}, "invoke", "health_db"),
    ({}, "invoke", "companies_list"),
]
helps = {}
for extra, *args in cases:
    words = printed(extra, *args)
    if words[:2] != ["sam", "local"]:
        failures.append(f"sam-local.sh {' '.join(args)} runs {' '.join(words[:3])}, not sam local")
        continue
    sub = words[2]
    helps.setdefault(sub, sam_help(sub))
    for word in words:
        if word.startswith("--") and word not in helps[sub]:
            failures.append(f"sam local {sub} has no option {word} (sam-local.sh {' '.join(args)})")
    if sub == "invoke":
        if words[3] not in functions:
            failures.append(f"sam local invoke {words[3]}: no such function in template.yaml")
        event = words[words.index("--event") + 1]
        if not os.path.isfile(os.path.join(ROOT, event)):
            failures.append(f"sam local invoke: {event} does not exist")
    warm = words[words.index("--warm-containers") + 1] if "--warm-containers" in words else None
    if warm not in (None, "EAGER", "LAZY"):
        failures.append(f"--warm-containers {warm}: sam accepts EAGER or LAZY")

globals_env = template[template.index("Globals:"):template.index("\nResources:")]
declared = set(re.findall(r"^        ([A-Z0-9_]+): ", globals_env, re.M))
with open(os.path.join(ROOT, "infra/sam/env.local.json"), encoding="utf-8") as f:
    local_env = json.load(f)
for key in local_env["Parameters"]:
    if key not in declared:
        failures.append(f"infra/sam/env.local.json sets {key}, which no function declares (sam local ignores it)")

generated = json.loads(
    subprocess.run(
        [sam, "local", "generate-event", "apigateway", "aws-proxy"], capture_output=True, text=True, env=env, check=True
    ).stdout
)
events_dir = os.path.join(ROOT, "events")
names = sorted(os.listdir(events_dir))
for name in names:
    with open(os.path.join(events_dir, name), encoding="utf-8") as f:
        event = json.load(f)
    for scope, ours, theirs in (("", event, generated), ("requestContext.", event["requestContext"], generated["requestContext"])):
        missing = set(theirs) - set(ours)
        if missing:
            failures.append(f"events/{name}: lacks {', '.join(scope + k for k in sorted(missing))} of sam's aws-proxy event")

if failures:
    print("check-sam-local:", file=sys.stderr)
    for f in failures:
        print(f"  - {f}", file=sys.stderr)
    sys.exit(1)
print(f"check-sam-local: {len(cases)} sam local commands use only options sam accepts; env.local.json sets declared "
      f"variables; {len(names)} events have every key of sam's aws-proxy event")
