"""What the web layer refuses, over plain HTTP: no CSRF token, an ended session, a foreign redirect;
and the headers and cookie flags every response carries."""

from __future__ import annotations

import pytest

from central.core.security import Role
from tests.support.browser import LiveCentral, MovingClock, web_settings
from tests.support.web import STAFF_PASSWORD, csrf_of, http_resident_login, http_staff_login, seed_staff

PHONE = "13912345678"


@pytest.mark.parametrize("path", ["/app/login", "/console/login", "/docs", "/redoc", "/static/web/base.css",
                                  "/api/v1/openapi.json", "/app/"])
def test_every_response_carries_the_security_headers(central_web: LiveCentral, path: str) -> None:
    with central_web.http() as client:
        headers = client.get(path).headers
    policy = headers["content-security-policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'",
                      "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'"):
        assert directive in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"


def test_pages_are_not_cached_and_have_no_inline_script_or_style(central_web: LiveCentral) -> None:
    with central_web.http() as client:
        for path in ("/app/login", "/console/login", "/docs", "/redoc"):
            response = client.get(path)
            assert response.headers["cache-control"] == "no-store"
            assert "<style" not in response.text and " style=" not in response.text
            assert all("src=" in tag for tag in response.text.split("<script")[1:]), path


def test_a_form_without_the_csrf_token_is_refused_with_a_clear_page(central_web: LiveCentral) -> None:
    seed_staff(central_web, "op1")
    with central_web.http() as client:
        client.get("/console/login")  # the anonymous CSRF cookie is set...
        missing = client.post("/console/login", data={"username": "op1", "password": "whatever-whatever"})
        wrong = client.post("/console/login", data={"username": "op1", "password": "x" * 12,
                                                     "csrf_token": "not-the-token-at-all-000000"})
    for refused in (missing, wrong):
        assert refused.status_code == 403
        assert "请求无法验证" in refused.text and "刷新页面后重试" in refused.text
        assert "console_session" not in refused.headers.get("set-cookie", "")


def test_a_signed_in_post_needs_the_sessions_token_in_the_form_or_header(central_web: LiveCentral) -> None:
    with central_web.http() as client:
        assert http_resident_login(client, central_web, PHONE).status_code == 303
        token = csrf_of(client.get("/app/"))
        refused = client.post("/app/logout", headers={"Accept": "application/json"})
        assert refused.status_code == 403
        assert "CSRF" in refused.json()["detail"]
        assert client.get("/app/").status_code == 200  # still signed in
        assert client.post("/app/logout", headers={"X-CSRF-Token": token}).status_code == 303


def test_a_token_from_another_browser_does_not_pass(central_web: LiveCentral) -> None:
    with central_web.http() as mine, central_web.http() as theirs:
        http_resident_login(mine, central_web, PHONE)
        their_token = csrf_of(theirs.get("/app/login"))
        assert mine.post("/app/logout", data={"csrf_token": their_token}).status_code == 403


def test_after_logout_the_old_cookie_is_refused(central_web: LiveCentral) -> None:
    seed_staff(central_web, "op1")
    with central_web.http() as client:
        assert http_resident_login(client, central_web, PHONE).status_code == 303
        assert http_staff_login(client, "op1").status_code == 303
        resident_cookie = client.cookies.get("app_session", path="/app")
        staff_cookie = client.cookies.get("console_session", path="/console")
        client.post("/app/logout", data={"csrf_token": csrf_of(client.get("/app/"))})
        client.post("/console/logout", data={"csrf_token": csrf_of(client.get("/console/"))})
    with central_web.http() as replay:
        replay.cookies.set("app_session", resident_cookie or "", domain="127.0.0.1", path="/app")
        replay.cookies.set("console_session", staff_cookie or "", domain="127.0.0.1", path="/console")
        home = replay.get("/app/")
        assert (home.status_code, home.headers["location"]) == (303, "/app/login")
        assert replay.get("/console/").status_code == 303
        assert replay.get("/console/", headers={"Accept": "application/json"}).status_code == 401


def test_a_session_expires_when_idle_and_at_its_absolute_age(central_web: LiveCentral,
                                                             web_clock: MovingClock) -> None:
    seed_staff(central_web, "op1")  # staff: idle 60 min, absolute 12 h
    with central_web.http() as client:
        http_staff_login(client, "op1")
        for _ in range(12):  # busy all day: every 59 minutes a page
            web_clock.advance(minutes=59)
            assert client.get("/console/").status_code == 200
        web_clock.advance(minutes=59)  # 12 h 48 min after sign-in
        assert client.get("/console/").status_code == 303
        http_staff_login(client, "op1")
        web_clock.advance(minutes=61)
        assert client.get("/console/").status_code == 303


def test_a_resident_session_does_not_open_the_console(central_web: LiveCentral) -> None:
    with central_web.http() as client:
        http_resident_login(client, central_web, PHONE)
        cookie = client.cookies.get("app_session", path="/app") or ""
    with central_web.http() as forged:
        forged.cookies.set("console_session", cookie, domain="127.0.0.1", path="/console")
        assert forged.get("/console/").status_code == 303


def test_session_cookies_are_httponly_lax_scoped_to_their_app_and_secure_over_https(
        database_url: str, web_clock: MovingClock) -> None:
    for https in (False, True):
        central = LiveCentral(web_settings(database_url, web={"https": https}), web_clock).start()
        try:
            seed_staff(central, f"op{int(https)}", Role.OPERATOR, (f"i{int(https)}", "医院"))
            with central.http() as client:
                form = client.get("/console/login")
                token = csrf_of(form)
                client.cookies.set("csrf", token, domain="127.0.0.1")  # an HTTPS-only cookie, sent by hand
                cookie = client.post("/console/login", data={
                    "username": f"op{int(https)}", "password": STAFF_PASSWORD, "csrf_token": token,
                }).headers["set-cookie"]
        finally:
            central.stop()
        assert cookie.startswith("console_session=")
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/console" in cookie
        assert ("Secure" in cookie) is https
        assert ("Secure" in form.headers["set-cookie"]) is https  # the anonymous CSRF cookie too


def test_after_sign_in_only_a_path_inside_the_console_is_followed(central_web: LiveCentral) -> None:
    seed_staff(central_web, "op1")
    with central_web.http() as client:
        page = client.get("/console/login", params={"next": "https://evil.example/"})
        assert 'value="/console/"' in page.text
        for target, expected in (("//evil.example/x", "/console/"),
                                 ("/console/password", "/console/password")):
            client.cookies.clear()
            token = csrf_of(client.get("/console/login"))
            done = client.post("/console/login", data={"username": "op1", "password": STAFF_PASSWORD,
                                                       "next": target, "csrf_token": token})
            assert done.headers["location"] == expected
