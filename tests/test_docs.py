"""Every command and API route the docs name exists.

The ``parking-central ...`` and ``parking-edge ...`` commands in README.md and docs/*.md are
run with ``--help`` (the subcommand must exist, and every ``--option`` the docs give it must be
in its help); every ``/api/v1/...`` route (and each ``METHOD /path`` of docs/central.md's API
table, under ``/api/v1``) must be in the app's OpenAPI or under one of its mounted apps.
Placeholders (``SITE/GATE``, ``{site}``, ``<id>``, ``YYYY-MM``, ``...``) match anything.
"""

from __future__ import annotations

import contextlib
import io
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

_COMMAND = re.compile(r"(?<![\w/.-])(parking-(?:central|edge))((?:[ \t]+[^\s`|]+)*)")
_SHELL_END = re.compile(r"^(?:#.*|>>?.*|\||&&|;|\\|2>.*|<.*)$")
_WORD = re.compile(r"^[a-z][a-z0-9-]*$")
_ROUTE = re.compile(rf"(?:\b({'|'.join(METHODS)})\s+)?(/api/v1/(?:<[a-z_]+>|[^\s`)\"'<>,|])*)")
_TABLE_ROUTE = re.compile(rf"`({'|'.join(METHODS)}) (/[^`\s]*)`")
_PLACEHOLDER = re.compile(r"^(?:\{.*\}|<.*>|:[a-z_]+|[A-Z][A-Z_-]*|\.\.\.|…)$")


@dataclass(frozen=True, order=True)
class DocCommand:
    program: str
    path: tuple[str, ...]  # the subcommands: ("broker", "add-gate")
    options: tuple[str, ...]  # the --options the docs give it
    where: str

    def __str__(self) -> str:
        return " ".join((self.program, *self.path, *self.options))


@dataclass(frozen=True, order=True)
class DocRoute:
    method: str | None
    path: str
    where: str

    def __str__(self) -> str:
        return f"{self.method or 'ANY'} {self.path}"


def command_parts(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The subcommands and the --options of a command line's arguments (after the program)."""
    tokens = []
    for token in text.split():
        if _SHELL_END.match(token):
            break
        tokens.append(token.strip("[]()"))
    path: list[str] = []
    for token in tokens:
        if token.startswith("--"):
            break
        if token.startswith("-"):
            continue  # a global flag (parking-edge -v run)
        if not _WORD.match(token):
            break  # a value: SITE/GATE, demo/north, a plate
        path.append(token)
    options = sorted({t.split("=")[0] for t in tokens if t.startswith("--") and len(t) > 2})
    return tuple(path), tuple(options)


def doc_commands() -> list[DocCommand]:
    found: dict[tuple[str, tuple[str, ...], tuple[str, ...]], DocCommand] = {}
    for doc in DOCS:
        for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
            for match in _COMMAND.finditer(line):
                path, options = command_parts(match.group(2))
                key = (match.group(1), path, options)
                found.setdefault(key, DocCommand(*key, f"{doc.name}:{number}"))
    return sorted(found.values())


def doc_routes() -> list[DocRoute]:
    found: dict[tuple[str | None, str], DocRoute] = {}
    for doc in DOCS:
        in_api_table = False
        for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
            if line.startswith("#"):
                in_api_table = doc.name == "central.md" and "/api/v1" in line
            pairs = [(m.group(1), m.group(2)) for m in _ROUTE.finditer(line)]
            if in_api_table:  # the table's routes are under /api/v1
                pairs += [(m.group(1), "/api/v1" + m.group(2)) for m in _TABLE_ROUTE.finditer(line)]
            for method, path in pairs:
                clean = path.split("?")[0]
                clean = clean if clean.endswith(("/...", "/…")) else clean.rstrip(".:;")
                found.setdefault((method, clean), DocRoute(method, clean, f"{doc.name}:{number}"))
    return sorted(found.values(), key=lambda route: (route.path, route.method or ""))


def run_help(program: str, path: tuple[str, ...]) -> tuple[int, str]:
    """``program PATH... --help`` in this process: its exit status and what it printed."""
    main: Callable[[list[str]], Any]
    if program == "parking-central":
        from central.cli import main
    else:
        from edge.cli import main
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            main([*path, "--help"])
        except SystemExit as exc:
            return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


@cache
def app_routes() -> tuple[list[tuple[str, set[str]]], list[str]]:
    """The app's (path template, methods) from its OpenAPI, and the prefixes of its mounted apps."""
    from starlette.routing import Mount

    from central.api import create_app
    from central.core.config import load_settings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        app = create_app(load_settings(None, database={"url": "sqlite://"}), migrate=False)
    paths = [(path, {m.upper() for m in operations}) for path, operations in app.openapi()["paths"].items()]
    mounts = [route.path for route in app.routes if isinstance(route, Mount)]
    return paths, mounts


def route_exists(method: str | None, path: str) -> bool:
    paths, mounts = app_routes()
    wanted = path.strip("/").split("/")
    for template, methods in paths:
        if method is not None and method not in methods:
            continue
        if _segments_match(wanted, template.strip("/").split("/")):
            return True
    return any(path.startswith(prefix + "/") for prefix in mounts)


def _segments_match(wanted: list[str], template: list[str]) -> bool:
    if wanted and wanted[-1] in ("...", "…"):  # "/reports/...": anything under the prefix
        prefix = wanted[:-1]
        return len(template) > len(prefix) and _segments_match(prefix, template[:len(prefix)])
    if len(wanted) != len(template):
        return False
    return all(w == t or _PLACEHOLDER.match(w) or (t.startswith("{") and t.endswith("}"))
               for w, t in zip(wanted, template, strict=True))


COMMANDS = doc_commands()
ROUTES = doc_routes()


@pytest.mark.parametrize("command", COMMANDS, ids=str)
def test_every_command_the_docs_name_exists_with_its_options(command: DocCommand) -> None:
    status, text = run_help(command.program, command.path)
    assert status == 0, f"{command.where}: `{command}` does not run: {text[-500:]}"
    missing = [option for option in command.options if option not in text]
    assert missing == [], f"{command.where}: `{command}` has no {missing}"


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_every_api_route_the_docs_name_exists(route: DocRoute) -> None:
    assert route_exists(route.method, route.path), f"{route.where}: {route} is not a route of the app"


def test_the_docs_are_read_and_a_wrong_command_or_route_is_caught() -> None:
    """The scan sees what the docs name, and the checks above can fail."""
    assert len(COMMANDS) >= 20 and len(ROUTES) >= 10
    assert any(c.path == ("broker", "add-gate") for c in COMMANDS)
    assert command_parts(" bundles reissue [--site SITE]") == (("bundles", "reissue"), ("--site",))
    assert command_parts(" keygen --key-id prod-1 >> .env   # lines") == (("keygen",), ("--key-id",))
    assert command_parts(" -v run --config x.yaml") == (("run",), ("--config",))
    assert run_help("parking-central", ("no-such-command",))[0] != 0
    assert "--no-such-option" not in run_help("parking-central", ("bundles", "reissue"))[1]
    assert route_exists("DELETE", "/api/v1/sites/{site}/gates/{gate}")
    assert route_exists("GET", "/api/v1/sites/<id>/products")
    assert not route_exists("GET", "/api/v1/no/such/route")
    assert not route_exists("DELETE", "/api/v1/health")  # the method counts
