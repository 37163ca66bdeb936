"""Message catalogues: every string a page shows, in Chinese (the default) and English.

One catalogue per app (``RESIDENT``, ``CONSOLE``), each the app's own messages plus the
``common`` ones (sign-in errors, the language switch...). A key names where the text is
used (``login.title``); values are ``str.format`` templates (``{minutes}``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from central.web.i18n import (
    common,
    console,
    console_admin,
    console_orders,
    orders,
    resident,
    resident_pages,
    sandbox,
)

LANGUAGES = ("zh-CN", "en")
DEFAULT_LANGUAGE = "zh-CN"

Messages = Mapping[str, Mapping[str, str]]  # language -> key -> text


@dataclass(frozen=True)
class Catalogue:
    name: str
    messages: Messages

    def text(self, lang: str, key: str, **params: object) -> str:
        """The text of ``key`` in ``lang``; a missing key raises KeyError (a test walks them all)."""
        template = self.messages[lang][key]
        return template.format(**params) if params else template

    def keys(self, lang: str) -> set[str]:
        return set(self.messages[lang])


def merged(name: str, *parts: Messages) -> Catalogue:
    """One catalogue from several parts; a key defined twice is a mistake and refused."""
    messages: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
    for part in parts:
        for lang in LANGUAGES:
            twice = messages[lang].keys() & part[lang].keys()
            if twice:
                raise ValueError(f"catalogue {name}: keys defined twice: {sorted(twice)}")
            messages[lang].update(part[lang])
    return Catalogue(name, messages)


def pick_language(asked: str | None, remembered: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """``?lang=`` first, then the ``lang`` cookie, then the site's default; unknown values are ignored."""
    for candidate in (asked, remembered):
        if candidate in LANGUAGES:
            return candidate
    return default


RESIDENT = merged("resident", common.MESSAGES, resident.MESSAGES, orders.MESSAGES, resident_pages.MESSAGES)
CONSOLE = merged("console", common.MESSAGES, console.MESSAGES, console_admin.MESSAGES,
                 console_orders.MESSAGES)
SANDBOX = merged("sandbox", common.MESSAGES, sandbox.MESSAGES)  # the sandbox payment provider's page
CATALOGUES = (RESIDENT, CONSOLE, SANDBOX)
