#!/usr/bin/env python3
"""Transform template.yaml with the SAM translator, offline, and count the CloudFormation resources.

CloudFormation refuses a stack of more than 500 resources; every endpoint adds a function, its
permission for API Gateway and more. This fails above --max (450 by default: headroom for a few more
endpoints before the stack has to be split), and when the template does not transform at all.

Nothing here calls AWS: the managed-policy loader is a stub (the template names managed policies by
ARN, never by name), and the region comes from AWS_DEFAULT_REGION.

Usage: check-sam-resources.py [--max N] [TEMPLATE]   (needs `pip install aws-sam-translator`)
"""

import argparse
import collections
import os
import sys

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

from samtranslator.model.exceptions import InvalidDocumentException  # noqa: E402
from samtranslator.translator.transform import transform  # noqa: E402
from samtranslator.yaml_helper import yaml_parse  # noqa: E402


def as_packaged(sam: dict) -> dict:
    """Point local CodeUri values at S3, as `sam package` would: the translator accepts only S3 URIs."""
    for res in sam.get("Resources", {}).values():
        props = res.get("Properties") or {}
        if res.get("Type") == "AWS::Serverless::Function" and isinstance(props.get("CodeUri", "."), str):
            props["CodeUri"] = "s3://offline-check/code.zip"
            res["Properties"] = props
    return sam


class OfflinePolicyLoader:
    """Stands in for samtranslator's ManagedPolicyLoader, which lists IAM policies through the AWS API."""

    def load(self):
        return {}


def main() -> int:
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("template", nargs="?", default=os.path.join(root, "template.yaml"))
    parser.add_argument("--max", type=int, default=450, help="fail above this many resources")
    args = parser.parse_args()

    with open(args.template, encoding="utf-8") as f:
        sam = yaml_parse(f.read())
    try:
        cfn = transform(as_packaged(sam), {}, OfflinePolicyLoader())
    except InvalidDocumentException as e:
        print(f"{args.template}: the SAM translator refused the template:", file=sys.stderr)
        for cause in e.causes:
            print(f"  - {cause.message}", file=sys.stderr)
        return 1

    resources = cfn.get("Resources", {})
    by_type = collections.Counter(r.get("Type", "?") for r in resources.values())
    functions = by_type.get("AWS::Lambda::Function", 0)
    print(f"transformed template: {len(resources)} resources ({functions} functions; limit checked: {args.max}, CloudFormation's: 500)")
    for kind, n in sorted(by_type.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {n:4d}  {kind}")
    if len(resources) > args.max:
        print(
            f"too many resources: {len(resources)} > {args.max}. Split the API into nested stacks "
            "(one per resource area) before adding more endpoints.",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
