"""The people of the demo: a resident who orders and pays in the sandbox, an operator, and the
sign-in codes the development SMS sender writes to central's log, shown here instead of a phone.

Everything goes through the same doors a person uses: the HTTP API with the resident's token, the
sandbox provider's own page (its form and CSRF token, as a browser posts it), ``parking-central
user create`` for the operator.
"""

from __future__ import annotations

import html
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

RESIDENT_PHONE = "13900001234"
OPERATOR_USER = "operator"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_SMS = re.compile(r"DEVELOPMENT SMS, NOT SENT to (\S+) \(([^)]*)\): (.*)")


@dataclass(frozen=True)
class PaidOrder:
    order_id: str
    contract_id: str
    amount_fen: int


def order_and_pay(api: httpx.Client, resident_token: str, product_id: str, plate: str) -> PaidOrder:
    """The resident orders a month of the product for the plate, then pays on the sandbox's page."""
    headers = {"Authorization": f"Bearer {resident_token}"}
    order = _ok(api.post("/orders", json={"product_id": product_id, "plate": plate, "months": 1},
                         headers=headers), "POST /orders")
    checkout = _ok(api.post(f"/orders/{order['id']}/payments", json={"provider": "sandbox"}, headers=headers),
                   "POST /orders/{id}/payments")
    where = str(api.base_url.join(checkout["url"]))  # the sandbox's page, on central
    with httpx.Client(timeout=10, follow_redirects=False) as browser:  # the resident's browser
        page = browser.get(where)
        token = _CSRF.search(page.text)
        if page.status_code != 200 or token is None:
            raise RuntimeError(f"sandbox page: {page.status_code} without its form")
        form = {"csrf_token": html.unescape(token.group(1)), "choice": "pay"}
        paid = browser.post(where, data=form)
        if paid.status_code != 303:
            raise RuntimeError(f"sandbox payment: {paid.status_code} {paid.text[:300]}")
    done = _ok(api.get(f"/orders/{order['id']}", headers=headers), "GET /orders/{id}")
    if done["status"] != "paid":
        raise RuntimeError(f"order {order['id']} is {done['status']} after paying")
    return PaidOrder(order["id"], order["contract_id"], order["amount_fen"])


def resident_token(api: httpx.Client, resident_id: str) -> str:
    made = _ok(api.post("/tokens", json={"role": "resident", "resident_id": resident_id, "name": "demo"}),
               "POST /tokens")
    return str(made["token"])


def operator_password(run_user_command: Any, institution: str) -> str:
    """Create the console's operator account with a random password (given by the environment)."""
    password = "demo-" + secrets.token_hex(6)
    done = run_user_command("user", "create", "--role", "operator", "--username", OPERATOR_USER,
                            "--institution", institution,
                            env={**os.environ, "PARKING_CENTRAL_USER_PASSWORD": password})
    if done.returncode != 0:
        raise RuntimeError(f"user create failed: {done.stdout}{done.stderr}")
    return password


class SmsEcho:
    """New development SMS lines of central's log, as the demo prints them (the code a phone would get)."""

    def __init__(self, log: Path) -> None:
        self.log = log
        self.offset = 0

    def new_messages(self) -> list[str]:
        if not self.log.exists():
            return []
        with self.log.open("rb") as text:
            text.seek(self.offset)
            chunk = text.read()
        complete = chunk[: chunk.rfind(b"\n") + 1]
        self.offset += len(complete)
        found = (_SMS.search(line) for line in complete.decode(errors="replace").splitlines())
        return [f"SMS to {m.group(1)} ({m.group(2)}): {m.group(3)}" for m in found if m]


def _ok(response: httpx.Response, what: str) -> Any:
    if response.status_code >= 400:
        raise RuntimeError(f"{what}: {response.status_code} {response.text[:300]}")
    return response.json()
