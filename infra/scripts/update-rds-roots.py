#!/usr/bin/env python3
"""Rewrite shared/certs/rds-roots.pem from an Amazon RDS certificate bundle.

Keeps the self-signed root certificates that are still valid (intermediates and expired roots are
dropped: rustls needs only trust anchors), sorted by subject, each preceded by its subject and expiry.
The binaries embed the file (shared/src/db/tls.rs), so a direct RDS connection verifies without a
DATABASE_CA_PEM. Needs the openssl command line.

    curl -fsSO https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem
    infra/scripts/update-rds-roots.py global-bundle.pem "global-bundle.pem of <date>"
"""

import datetime
import os
import re
import subprocess
import sys


def describe(pem: str) -> dict:
    out = subprocess.run(
        ["openssl", "x509", "-noout", "-subject", "-issuer", "-enddate", "-nameopt", "RFC2253"],
        input=pem, capture_output=True, text=True, check=True,
    ).stdout
    fields = dict(line.split("=", 1) for line in out.strip().splitlines())
    fields["notAfter"] = datetime.datetime.strptime(fields["notAfter"], "%b %d %H:%M:%S %Y %Z")
    return fields


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    bundle, source = sys.argv[1], sys.argv[2]
    text = open(bundle, encoding="ascii").read()
    certs = re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", text, re.S)
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    roots = {}
    for pem in certs:
        d = describe(pem)
        if d["subject"] == d["issuer"] and d["notAfter"] > now:
            roots[d["subject"]] = (d["notAfter"], pem)
    if not roots:
        print(f"{bundle}: no valid self-signed certificate", file=sys.stderr)
        return 1
    root_dir = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    target = os.path.join(root_dir, "shared", "certs", "rds-roots.pem")
    with open(target, "w", encoding="ascii") as f:
        f.write(
            "# Amazon RDS root certificate authorities, one per region and key type: the trust anchors\n"
            "# of a direct RDS connection (shared/src/db/tls.rs embeds this file).\n"
            f"# From: {source}; only self-signed certificates valid on {now:%Y-%m-%d}.\n"
            "# Regenerate with infra/scripts/update-rds-roots.py.\n"
        )
        for subject in sorted(roots):
            not_after, pem = roots[subject]
            f.write(f"\n# {subject}\n# valid until {not_after:%Y-%m-%d}\n{pem}\n")
    print(f"{target}: {len(roots)} roots")
    return 0


if __name__ == "__main__":
    sys.exit(main())
