"""The two web apps served by central, described once: where they live, who signs in, their words."""

from __future__ import annotations

from dataclasses import dataclass

from central.accounts import SessionKind
from central.web.i18n import CONSOLE, RESIDENT, Catalogue


@dataclass(frozen=True)
class WebApp:
    name: str
    prefix: str  # every path of the app starts here; its session cookie is sent only here
    kind: SessionKind  # who may sign in
    cookie: str  # name of the session cookie
    catalogue: Catalogue
    layout: str  # the base template its pages extend

    @property
    def home_path(self) -> str:
        return f"{self.prefix}/"

    @property
    def login_path(self) -> str:
        return f"{self.prefix}/login"

    def owns(self, path: str) -> bool:
        return path == self.prefix or path.startswith(f"{self.prefix}/")


RESIDENT_APP = WebApp(name="resident", prefix="/app", kind=SessionKind.RESIDENT, cookie="app_session",
                      catalogue=RESIDENT, layout="resident/layout.html")
CONSOLE_APP = WebApp(name="console", prefix="/console", kind=SessionKind.STAFF, cookie="console_session",
                     catalogue=CONSOLE, layout="console/layout.html")
APPS = (RESIDENT_APP, CONSOLE_APP)


def app_for_path(path: str) -> WebApp | None:
    return next((app for app in APPS if app.owns(path)), None)
