#!/usr/bin/env python3
"""Fill a running old Python service (armencho53/JMSK-Backend) through its own HTTP API with two
tenants' worth of realistic data, including the anomalies its bugs produce, so that `local import`
can be checked against a real old database (docs/import.md, "Checked against the real old service").

usage: old-service-data.py BASE_URL      (e.g. http://127.0.0.1:8765)
Uses only the standard library. Follows reference-rules.md §1's bootstrap sequence per tenant.
"""
import json
import sys
import urllib.error
import urllib.parse
import urllib.request

BASE = sys.argv[1].rstrip("/") + "/api/v1"


def call(method, path, body=None, token=None, form=None, ok=(200, 201)):
    headers = {}
    data = None
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(BASE + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req) as r:
            status, text = r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode()
    if status not in ok:
        raise SystemExit(f"{method} {path}: {status} {text}")
    return json.loads(text) if text else None


def login(username, password):
    return call("POST", "/auth/login", form={"username": username, "password": password})["access_token"]


def tenant(name, subdomain, prefix, metal_type, deposit):
    t = call("POST", "/tenants/", {"name": name, "subdomain": subdomain})
    tid = t["id"]
    call("POST", "/auth/register", {"username": f"{prefix}-clerk", "password": "clerk-password-1",
                                    "full_name": f"{name} Clerk", "tenant_id": tid})
    clerk = login(f"{prefix}-clerk", "clerk-password-1")
    role = call("POST", "/roles/", {"name": "admin"}, clerk)
    # The user is committed, then the response fails to serialise (reference-rules §1): 500.
    call("POST", "/auth/register", {"username": f"{prefix}-boss", "password": "boss-password-1",
                                    "full_name": f"{name} Boss", "tenant_id": tid,
                                    "email": f"boss@{subdomain}.example", "role_id": role["id"]},
         ok=(200, 500))
    call("POST", "/roles/", {"name": "Sales"}, clerk)
    boss = login(f"{prefix}-boss", "boss-password-1")
    call("POST", "/metals/seed", token=boss)
    call("POST", "/lookup-values/seed", token=boss)
    metals = {m["code"]: m for m in call("GET", "/metals/", token=boss)}
    casting = call("POST", "/departments/", {"name": "Casting"}, boss)
    polishing = call("POST", "/departments/", {"name": "Polishing"}, boss)
    companies, contacts = [], []
    for i, cname in enumerate(["Acme Jewels", "Beta Retail", "Gamma Gold"]):
        c = call("POST", "/companies-v2/", {"name": cname, "phone": f"+1 555 01{i}0",
                                            "email": f"orders{i}@{subdomain}.example"}, boss)
        companies.append(c)
        call("POST", f"/companies/{c['id']}/addresses",
             {"street_address": f"{i + 1} Main St", "city": "Springfield", "state": "IL",
              "zip_code": "62701", "company_id": c["id"]}, boss)
        contacts.append(call("POST", "/contacts/", {"name": f"Buyer {i}", "email": f"buyer{i}@{subdomain}.example",
                                                    "company_id": c["id"]}, boss))
    gold = metals.get("GOLD_18K") or next(iter(metals.values()))
    orders = []
    for i, contact in enumerate(contacts):
        o = call("POST", "/orders/", {
            "contact_id": contact["id"], "due_date": "2026-06-30T00:00:00",
            "line_items": [
                {"product_description": "Ring", "metal_id": gold["id"], "quantity": 2,
                 "target_weight_per_piece": 5.35, "price": 420.1 + i * 0.2, "labor_cost": 33.333},
                {"product_description": "Chain", "quantity": 1, "price": 0.1 + 0.2},
            ],
            "metal_deposit": {"metal_type": metal_type, "quantity_grams": deposit + i, "notes": "with the order"},
        }, boss)
        orders.append(o)
    call("POST", f"/companies/{companies[0]['id']}/metal-deposits",
         {"metal_type": "GOLD", "quantity_grams": 100.123456, "notes": "deposit"}, boss)
    call("POST", "/safe/purchases", {"metal_id": gold["id"], "supply_type": "FINE_METAL",
                                     "quantity_grams": 50, "cost_per_gram": 61.5}, boss)
    e1 = call("POST", "/department-ledger/", {"date": "2026-03-02", "department_id": casting["id"],
                                              "order_id": orders[0]["id"], "metal_id": gold["id"],
                                              "direction": "IN", "quantity": 2, "weight": 60}, boss)
    # Edited (60 g -> 64 g) and a second one deleted: the casting reversal never runs.
    call("PUT", f"/department-ledger/{e1['id']}", {"weight": 64}, boss)
    e2 = call("POST", "/department-ledger/", {"date": "2026-03-03", "department_id": casting["id"],
                                              "order_id": orders[1]["id"], "metal_id": gold["id"],
                                              "direction": "IN", "quantity": 1, "weight": 10}, boss)
    call("DELETE", f"/department-ledger/{e2['id']}", token=boss)
    call("POST", "/department-ledger/", {"date": "2026-03-05", "department_id": polishing["id"],
                                         "order_id": orders[0]["id"], "metal_id": gold["id"],
                                         "direction": "OUT", "quantity": 2, "weight": 63.2}, boss)
    call("POST", "/shipments/", {"order_id": orders[2]["id"], "carrier": "UPS",
                                 "shipping_address": "3 Main St, Springfield", "shipping_cost": 12.75}, boss)
    call("POST", "/supplies/", {"name": "Diamond 1ct", "type": "GEMSTONE", "quantity": 12.5, "unit": "pcs",
                                "cost_per_unit": 350.123456}, boss)
    # The GET that writes: recalculates the safe from balances and purchases (reference-rules §6).
    call("GET", f"/companies/{companies[0]['id']}/metal-balances", token=boss)
    # Contact moves to another company; its orders keep the old one.
    call("PUT", f"/contacts/{contacts[2]['id']}", {"company_id": companies[1]["id"]}, boss)
    return tid


t1 = tenant("Goldsmith & Co", "goldsmith", "gold", "GOLD", 40.5)
t2 = tenant("Silver Works", "silverworks", "silver", "SILVER", 200.25)
print(f"created tenants {t1} and {t2}")
