"""Prepares a schema-fuzzing run (infra/scripts/fuzz.sh) against a local server with the demo tenant.

    python fixture.py BASE_URL OUT_DIR     # writes OUT_DIR/schemathesis.toml and OUT_DIR/guards.json

Logs in as the demo admin, reads the real ids of the demo tenant (companies, contacts, orders, metals,
departments, ...), creates one throwaway record per kind for the operations that delete or deactivate,
and writes a schemathesis.toml that:

- authenticates every operation as the demo admin, logging in again whenever an answer is 401 (so
  `POST /auth/logout?all=true` and the password change, which end the admin's sessions, do not leave
  the rest of the run unauthenticated);
- gives path, query and body ids the demo tenant's real ids most of the time (otherwise almost every
  request would be a 404 or a 422 for an id that does not exist, which says nothing about the handler);
- lists, in guards.json, what hooks.py keeps fixed in every request: every operation that deletes or
  deactivates acts on its throwaway record, so that the real records the other operations use stay (a
  deleted contact would turn later orders into 422s for an id that no longer exists: an answer about
  state, not about the request), and the demo admin stays able to log in (the password change keeps
  the password, the tenant update keeps the tenant active, users are changed and deactivated only
  through a throwaway user).
"""

from __future__ import annotations

import json
import os
import sys

import requests

ADMIN = ("admin", "admin123")


class Api:
    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")
        self.session = requests.Session()
        r = self.session.post(
            f"{self.base}/api/v1/auth/login", data={"username": ADMIN[0], "password": ADMIN[1]}, timeout=30
        )
        r.raise_for_status()
        self.session.headers["Authorization"] = f"Bearer {r.json()['access_token']}"

    def get(self, path: str) -> object:
        r = self.session.get(f"{self.base}/api/v1{path}", timeout=30)
        r.raise_for_status()
        return r.json()

    def post(self, path: str, body: dict | None = None) -> dict:
        r = self.session.post(f"{self.base}/api/v1{path}", json=body, timeout=30)
        if r.status_code >= 300:
            raise SystemExit(f"fixture: POST {path} answered {r.status_code}: {r.text}")
        return r.json()


def ids(rows: object) -> list[int]:
    assert isinstance(rows, list), rows
    return sorted(row["id"] for row in rows)


def toml_value(value: object) -> str:
    # JSON's strings, numbers, booleans and arrays of them are TOML's too.
    return json.dumps(value)


def main() -> None:
    base, out = sys.argv[1], sys.argv[2]
    hooks = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hooks.py")
    api = Api(base)

    tenant = api.get("/auth/me")["tenant_id"]
    companies = ids(api.get("/companies-v2/"))
    contacts = ids(api.get("/contacts/"))
    orders = ids(api.get("/orders/"))
    metal_rows = api.get("/metals/")
    metals = ids(metal_rows)
    departments = ids(api.get("/departments/"))
    supplies = ids(api.get("/supplies/"))
    shipments = ids(api.get("/shipments/"))
    entries = ids(api.get("/department-ledger/"))
    lookups = api.get("/lookup-values/")
    lookup_ids = ids(lookups)
    supply_types = sorted({v["code"] for v in lookups if v["category"] == "supply_type" and v["is_active"]})
    role_rows = api.get("/roles/")
    roles = ids(role_rows)
    users = api.get("/users/")
    addresses = sorted(a["id"] for c in companies for a in api.get(f"/companies/{c}/addresses"))
    permissions = ids(api.get("/roles/permissions"))
    if not all([companies, contacts, orders, metals, departments, supplies, shipments, entries, addresses]):
        raise SystemExit("fixture: the demo tenant lacks some records; is this the seeded database?")

    # Throwaway records for the operations that delete or deactivate.
    staff_role = next(r["id"] for r in role_rows if r["name"] == "staff")
    victim_user = api.post(
        "/users/",
        {"username": "fuzz-victim", "password": "fuzz-victim-123", "full_name": "Fuzz Victim", "role_id": staff_role},
    )["id"]
    victim_company = api.post("/companies-v2/", {"name": "Fuzz victim company"})["id"]
    victim_contact = api.post("/contacts/", {"name": "Fuzz victim contact", "company_id": victim_company})["id"]
    victim_address = api.post(
        f"/companies/{victim_company}/addresses",
        {"street_address": "1 Fuzz St", "city": "Fuzz", "state": "FZ", "zip_code": "00000"},
    )["id"]
    victim_order = api.post(
        "/orders/", {"contact_id": victim_contact, "line_items": [{"product_description": "Fuzz victim ring"}]}
    )["id"]
    victim_metal = api.post(
        "/metals/", {"code": "FUZZ", "name": "Fuzz victim metal", "metal_type": "OTHER", "fine_percentage": 0.5}
    )["id"]
    victim_department = api.post("/departments/", {"name": "Fuzz victim department"})["id"]
    victim_supply = api.post(
        "/supplies/", {"name": "Fuzz victim supply", "type": supply_types[0], "quantity": 1, "unit": "pcs"}
    )["id"]
    victim_shipment = api.post("/shipments/", {"order_id": victim_order, "shipping_address": "1 Fuzz St"})["id"]
    victim_lookup = api.post(
        "/lookup-values/", {"category": "fuzz", "code": "VICTIM", "display_label": "Fuzz victim"}
    )["id"]
    victim_role = api.post("/roles/", {"name": "fuzz-victim", "permission_ids": permissions[:1]})["id"]
    victim_entry = api.post(
        "/department-ledger/",
        {
            "department_id": victim_department,
            "order_id": victim_order,
            "metal_id": metals[0],
            "direction": "IN",
            "quantity": 1,
            "weight": 1.5,
        },
    )["id"]

    dictionaries = {
        "company_ids": companies,
        "contact_ids": contacts,
        "order_ids": orders,
        "metal_ids": metals,
        "department_ids": departments,
        "supply_ids": supplies,
        "shipment_ids": shipments,
        "entry_ids": entries,
        "lookup_ids": lookup_ids,
        "role_ids": roles,
        "user_ids": sorted(u["id"] for u in users),
        "address_ids": addresses,
        "permission_ids": permissions,
        "supply_types": supply_types,
        "metal_codes": sorted(m["code"] for m in metal_rows),
        "tenant_ids": [tenant],
    }
    # Where each dictionary is used: parameters and body fields, by name. A path or query id is a real
    # one nine times out of ten and a generated one otherwise (mostly unknown: a 404, an answer about
    # state). A body id is always a real one: the API answers an unknown body id with a 422 naming the
    # field (README, Decisions), which the positive-data check could not tell from a validation bug.
    bindings = {
        "company_ids": ["path.company_id", "query.company_id", "body.company_id"],
        "contact_ids": ["path.contact_id", "body.contact_id"],
        "order_ids": ["path.order_id", "query.order_id", "body.order_id"],
        "metal_ids": ["path.metal_id", "query.metal_id", "body.metal_id", "body.line_items[*].metal_id",
                      "body.metal_deposit.metal_id"],
        "department_ids": ["path.department_id", "query.department_id", "body.department_id"],
        "supply_ids": ["path.supply_id"],
        "shipment_ids": ["path.shipment_id"],
        "entry_ids": ["path.entry_id"],
        "lookup_ids": ["path.lookup_id"],
        "role_ids": ["path.role_id", "body.role_id"],
        "user_ids": ["path.user_id"],
        "address_ids": ["path.address_id"],
        "permission_ids": ["body.permission_ids[*]"],
        "supply_types": ["body.type"],
        "metal_codes": ["path.metal_code"],
        "tenant_ids": ["path.tenant_id", "body.tenant_id"],
    }
    # Operations that delete or deactivate, each fixed to its throwaway record (hooks.py).
    victims = {
        "users_update": {"path.user_id": victim_user},
        "users_delete": {"path.user_id": victim_user},
        "companies_delete": {"path.company_id": victim_company},
        "companies_legacy_delete": {"path.company_id": victim_company},
        "contacts_delete": {"path.contact_id": victim_contact},
        "addresses_delete": {"path.address_id": victim_address},
        "orders_delete": {"path.order_id": victim_order},
        "metals_update": {"path.metal_id": victim_metal},
        "metals_delete": {"path.metal_id": victim_metal},
        "departments_delete": {"path.department_id": victim_department},
        "supplies_delete": {"path.supply_id": victim_supply},
        "shipments_delete": {"path.shipment_id": victim_shipment},
        "lookup_values_update": {"path.lookup_id": victim_lookup},
        "lookup_values_delete": {"path.lookup_id": victim_lookup},
        "roles_update": {"path.role_id": victim_role},
        "roles_delete": {"path.role_id": victim_role},
        "ledger_delete": {"path.entry_id": victim_entry},
        # The demo tenant stays active, else every later request is refused.
        "tenants_update": {"path.tenant_id": tenant, "body.is_active": True},
        # The admin's password stays what the re-login sends.
        "auth_change_password": {"body.current_password": ADMIN[1], "body.new_password": ADMIN[1]},
    }

    lines = [
        "# Written by infra/fuzz/fixture.py for one run of infra/scripts/fuzz.sh; not committed.",
        f"base-url = {toml_value(base)}",
        f"hooks = {toml_value(hooks)}",
        "",
        "[auth.dynamic.openapi.bearerAuth]",
        'path = "/api/v1/auth/login"',
        'method = "post"',
        f"payload = {{ username = {toml_value(ADMIN[0])}, password = {toml_value(ADMIN[1])} }}",
        'extract_selector = "/access_token"',
        "retry_on = [401]",
        "",
    ]
    for name, values in dictionaries.items():
        lines += [f"[dictionaries.{name}]", f"values = {toml_value(values)}", ""]
    lines.append("[parameters]")
    for name, keys in bindings.items():
        for key in keys:
            probability = 1.0 if key.startswith("body.") else 0.9
            lines.append(f'"{key}" = {{ dictionary = "{name}", probability = {probability} }}')
    lines.append("")
    with open(os.path.join(out, "schemathesis.toml"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    with open(os.path.join(out, "guards.json"), "w", encoding="utf-8") as f:
        json.dump(victims, f, indent=1)
    print(f"fixture: tenant {tenant}, {len(companies)} companies, {len(orders)} orders, {len(metals)} metals; "
          f"guards for {len(victims)} operations; config in {out}")


if __name__ == "__main__":
    main()
