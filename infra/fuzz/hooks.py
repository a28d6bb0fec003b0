"""Schemathesis hooks of the schema-fuzzing run (infra/scripts/fuzz.sh; the config names this file).

`before_call` runs before every request of every phase (examples, coverage, fuzzing, stateful), so it
is where the run's few invariants are kept, whatever generated the request:

- An operation that deletes or deactivates acts on its throwaway record only (infra/fuzz/fixture.py
  creates them and writes their ids to $FUZZ_GUARDS). Otherwise a generated `DELETE /users/1` could
  deactivate the demo admin the run logs in as, and a deleted contact or a deactivated metal would turn
  later valid requests into 422s for an id that no longer exists (answers about state, not bugs).
- The demo tenant stays active (`PUT /tenants/{id}` with `is_active: false` would lock everyone out),
  and the password change keeps the admin's password (the run logs in again after it, with that password).
- The dates of a range come in order. `date_to` before `date_from` is a 422 by design, a rule between two
  fields that JSON Schema cannot state; the hook swaps a reversed pair of valid dates, so the positive
  data check judges everything else about those requests.

The values are only replaced where the generated value has the right JSON type, so the negative cases
(a string for an id, a number for a date) still reach the server as generated.

`filter_failure` lets through (drops) only the positive-data failures that are answers about the
tenant's data, named precisely below, and those whose request body does not in fact validate against
its schema (the generator sometimes calls a body positive that an `anyOf` of the document refuses; the
body is re-checked with jsonschema_rs, a dependency of schemathesis, against the committed
openapi.json, which is the one served); every other failure fails the run.
"""

from __future__ import annotations

import datetime
import json
import os
import re
from pathlib import Path

import jsonschema_rs
import schemathesis

with open(os.environ["FUZZ_GUARDS"], encoding="utf-8") as f:
    GUARDS: dict[str, dict[str, object]] = json.load(f)

# Operations whose query or body carries a date range.
DATE_RANGES = {"ledger_list": "query", "reports_metal_loss": "query", "ledger_archive": "body"}


# The document the server serves (`cargo xtask gen --check` keeps the committed file equal to it).
with open(Path(__file__).resolve().parents[2] / "openapi.json", encoding="utf-8") as f:
    DOC = json.load(f)


def _body_is_valid(case) -> bool:
    """Whether the case's JSON body validates against its operation's request schema."""
    body = getattr(case, "body", None)
    if not isinstance(body, (dict, list)):
        return True
    content = case.operation.definition.raw.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    if schema is None:
        return True
    root = {**schema, "components": DOC["components"]}
    return jsonschema_rs.Draft202012Validator(root).is_valid(body)


def _operation_id(case) -> str | None:
    return case.operation.definition.raw.get("operationId")


def _is_positive(case) -> bool:
    meta = case.meta
    return meta is not None and meta.generation.mode.is_positive


def _same_type(generated: object, fixed: object) -> bool:
    if isinstance(fixed, bool):
        return isinstance(generated, bool)
    if isinstance(fixed, int):
        return isinstance(generated, int) and not isinstance(generated, bool)
    return isinstance(generated, type(fixed))


def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def _order_range(container: dict) -> None:
    start, end = container.get("date_from"), container.get("date_to")
    if _is_date(start) and _is_date(end) and end < start:
        container["date_from"], container["date_to"] = end, start


@schemathesis.hook
def before_call(context, case, kwargs) -> None:
    op = _operation_id(case)
    for key, value in GUARDS.get(op, {}).items():
        location, _, name = key.partition(".")
        if location == "path":
            generated = (case.path_parameters or {}).get(name)
            if isinstance(generated, int) or (isinstance(generated, str) and generated.strip().isdigit()):
                case.path_parameters = {**case.path_parameters, name: value}
        elif location == "body" and isinstance(case.body, dict) and name in case.body:
            if _same_type(case.body[name], value):
                case.body[name] = value
    # The dictionary of real metal ids fills `metal_id` after generation, also where the schema wants
    # none (an ALLOY purchase); such a request is no longer the valid one that was generated.
    if op == "safe_purchase" and isinstance(case.body, dict) and _is_positive(case):
        kind = case.body.get("supply_type")
        if isinstance(kind, str) and kind.strip().upper() == "ALLOY":
            case.body.pop("metal_id", None)
    where = DATE_RANGES.get(op)
    if where == "query" and isinstance(case.query, dict):
        _order_range(case.query)
    elif where == "body" and isinstance(case.body, dict):
        _order_range(case.body)


# Answers about the tenant's data to a request the schema calls valid, by the message of each error
# (README, Decisions): a body id naming no row of the tenant is a 422 naming the field, as a path id is
# a 404; a supply type that is not one of the tenant's supply_type lookup values is a 422 listing them;
# `set-default?company_id=` of another company than the address's is a 400; an amount that would
# take a running balance (the safe's, a company's, a department's) past its column is a 422 naming the
# amount (a larger amount fits an emptier balance); a deposit's `metal_type` the tenant has no active
# metal of is a 400, one that is not the type of its `metal_id` a 422. The coverage phase sends
# such values on purpose (the largest id the schema allows, any text for a type), and the dictionaries
# of real ids do not reach it.
STATE_ANSWERS = [
    re.compile(r"^[A-Z][a-z]+( [a-z]+)* with id \d+ not found$"),
    re.compile(r"^Invalid supply_type value '.*'\. Valid options: [A-Z0-9_, ]*$", re.S),
    re.compile(r"^Address \d+ does not belong to company \d+$"),
    re.compile(r"^would take the (safe|company's balance) past what it can hold \(less than \d+\)$"),
    re.compile(r"^takes the department's balance out of range$"),
    re.compile(r"^No active metal found for type '[A-Z]+'$"),
    re.compile(r"^metal \d+ is [A-Z]+, not [A-Z]+$"),
    # A shipment's weight without metal_id takes the order's metal; an order without one cannot.
    re.compile(r"^is required with weight: order \d+ has no metal$"),
    # An update's metal needs a weight, sent or the one the shipment already has.
    re.compile(r"^is required with metal_id$"),
    # Not about data but a rule JSON Schema cannot state: bcrypt reads 72 bytes, and `maxLength`
    # counts characters, so 72 characters of which some take more than a byte pass the schema.
    re.compile(r"^must be at most 72 bytes$"),
    # An Idempotency-Key the run already sent with another request: an answer about the key's history
    # (README, Idempotency keys), and the generator repeats short keys.
    re.compile(r"^was already used with a different request; send a new key for a new request$"),
]

# Failures the suite knows and tolerates until they are fixed: (operation, failure class, what to
# match in the response, the bug). None now; a line here must name its bug, and goes with the fix.
KNOWN: list[tuple[str, str, str, str]] = []


def _messages(response) -> list[str]:
    try:
        body = response.json()
    except Exception:
        return []
    if not isinstance(body, dict):
        return []
    errors = body.get("errors")
    if isinstance(errors, list) and errors:
        return [e.get("msg", "") if isinstance(e, dict) else "" for e in errors]
    detail = body.get("detail")
    return [detail] if isinstance(detail, str) else []


def _is_known(op: str | None, kind: str, response) -> bool:
    text = f"{response.headers.get('content-type', '')} {response.text}"
    return any(op == o and kind == k and needle in text for o, k, needle, _ in KNOWN)


@schemathesis.hook
def filter_failure(context, failure, case, response) -> bool:
    kind = type(failure).__name__
    if _is_known(_operation_id(case), kind, response):
        return False
    if kind != "RejectedPositiveData" or response.status_code not in (400, 422):
        return True
    if not _body_is_valid(case):
        return False
    messages = _messages(response)
    state = bool(messages) and all(any(p.match(m) for p in STATE_ANSWERS) for m in messages)
    return not state
