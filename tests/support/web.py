"""Steps the web tests share: seed staff, sign in (browser or plain HTTP), read a form's CSRF token."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import httpx

from central import accounts, db
from central.core.security import Principal, Role
from tests.support.browser import LiveCentral

if TYPE_CHECKING:
    from playwright.sync_api import Page

STAFF_PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def seed_staff(central: LiveCentral, username: str = "op1", role: Role = Role.OPERATOR,
               institution: tuple[str, str] | None = ("inst1", "城东医院"),
               password: str = STAFF_PASSWORD) -> None:
    """A staff account (and, for an operator, its institution) straight in the database."""
    admin = Principal(Role.ADMIN)
    now = central.app.state.central.clock()
    with central.database.transaction() as session:
        if institution and session.get(db.Institution, institution[0]) is None:
            accounts.create_institution(session, admin, institution[0], institution[1], now)
        institution_id = institution[0] if role is Role.OPERATOR and institution else None
        accounts.create_staff(session, admin, username, password, role, now, institution_id=institution_id)


def csrf_of(response: httpx.Response) -> str:
    found = _CSRF.search(response.text)
    assert found is not None, "the page has no CSRF field"
    return found.group(1)


def http_staff_login(client: httpx.Client, username: str = "op1",
                     password: str = STAFF_PASSWORD) -> httpx.Response:
    token = csrf_of(client.get("/console/login"))
    return client.post("/console/login", data={"username": username, "password": password,
                                               "csrf_token": token})


def http_resident_login(client: httpx.Client, central: LiveCentral, phone: str) -> httpx.Response:
    token = csrf_of(client.get("/app/login"))
    sent = client.post("/app/login/code", data={"phone": phone, "csrf_token": token})
    assert sent.status_code == 200, sent.text
    return client.post("/app/login/verify", data={"phone": phone, "code": central.last_code(phone),
                                                  "csrf_token": token})


def browser_staff_login(page: Page, central: LiveCentral, username: str = "op1",
                        password: str = STAFF_PASSWORD) -> None:
    page.goto(f"{central.url}/console/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login")


def browser_resident_login(page: Page, central: LiveCentral, phone: str) -> None:
    """Through the pages, as a resident would: number, the code from the dev sender, sign in."""
    page.goto(f"{central.url}/app/login")
    page.fill("#phone", phone)
    page.click("#send-code")
    page.wait_for_selector("#code")
    page.fill("#code", central.last_code(phone))
    page.click("#verify")
    page.wait_for_url(f"{central.url}/app/")
