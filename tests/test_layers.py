"""The house rules: shared/ stands alone, edge/ and central/ talk over MQTT only, and each rule
that several modules need lives in one place (the topic layout, the HTTP routes, the settings)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FORBIDDEN = {"shared": {"edge", "central", "demo"}, "edge": {"central", "demo"}, "central": {"edge", "demo"}}
# central/core (settings, security) sits below the domains: it may use the database layer and the
# errors, never a domain that builds on it.
CORE_MAY_NOT_USE = {"api", "billing", "cli", "contracts", "distribution", "enforcement", "ingest", "reports"}
TOPIC_HOME = REPO / "shared" / "topics.py"
ROUTES_HOME = REPO / "central" / "api" / "routes"
# The topic layout: the version root, or a site/gate path ending in one of the topic kinds.
TOPIC_SHAPE = re.compile(r"parking/v\d|sites/[^/\s]+/(?:contracts|alerts|gates/[^/\s]+/(?:events|status))\b")


def _sources(*packages: str) -> list[Path]:
    return sorted(path for package in packages for path in (REPO / package).rglob("*.py"))


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_import_crosses_the_line(package: str) -> None:
    offenders = {str(path.relative_to(REPO)): sorted({name.split(".")[0] for name in _imports(path)}
                                                     & FORBIDDEN[package])
                 for path in _sources(package)}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_core_sits_below_the_domains() -> None:
    offenders = {
        str(path.relative_to(REPO)): sorted(
            name for name in _imports(path)
            if name.startswith("central.") and name.split(".")[1] in CORE_MAY_NOT_USE)
        for path in _sources("central/core")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def _routers(source: str) -> list[int]:
    """Lines where ``source`` makes a FastAPI ``APIRouter``."""
    return [node.lineno for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Call) and _name(node.func) == "APIRouter"]


def _name(func: ast.expr) -> str:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def test_every_http_route_lives_in_api_routes() -> None:
    offenders = {str(path.relative_to(REPO)): lines for path in _sources("central")
                 if not path.is_relative_to(ROUTES_HOME) and (lines := _routers(path.read_text("utf-8")))}
    assert offenders == {}


def _topics(source: str) -> list[str]:
    """String constants and f-strings in ``source`` that spell out a topic (f-string fields as {})."""
    tree = ast.parse(source)
    in_fstring = {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)
                  for part in node.values}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = "".join(p.value if isinstance(p, ast.Constant) else "{}" for p in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in in_fstring:
            text = node.value
        else:
            continue
        if TOPIC_SHAPE.search(text):
            found.append(f"{node.lineno}: {text[:80]}")
    return found


def test_topics_are_built_in_shared_topics_only() -> None:
    offenders = {str(path.relative_to(REPO)): found for path in _sources("shared", "edge", "central", "demo")
                 if path != TOPIC_HOME and (found := _topics(path.read_text("utf-8")))}
    assert offenders == {}


@pytest.mark.parametrize("line", [
    'topic = f"{ROOT}/sites/{site}/contracts"',
    'topic = "parking/v1/sites/+/alerts"',
    'topic = f"sites/{site}/gates/{gate}/status"',
    'topic = "/".join(["parking/v1", "sites", site])',
])
def test_the_topic_scan_sees_a_topic_built_by_hand(line: str) -> None:
    assert len(_topics(line)) == 1


def test_the_scans_see_a_router_and_leave_paths_alone() -> None:
    assert _routers("from fastapi import APIRouter\nrouter = APIRouter(prefix='/x')\n") == [2]
    assert _topics('path = "/sites/{site_id}/occupancy"\nimg = f"sites/{s}/occupancy.svg"\n') == []
    assert _topics(TOPIC_HOME.read_text("utf-8"))  # where the layout is written, it is seen


def test_the_default_install_has_no_torch() -> None:
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert not any(dep.lower().startswith(("torch", "easyocr")) for dep in project["dependencies"])
