"""Every word the administration pages look up by value (a status, a day type, a role...) exists in both
languages: the template check (tests/central/web/test_language.py) sees only keys written out whole."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from central import db
from central.api.routes.console.fields import FIELD_MESSAGES
from central.contracts.actions import ContractActionKind
from central.core.security import Role
from central.ingest.gates import CLOCK_SKEW, STALE_BUNDLE
from central.schedule import DayNote
from central.web.i18n import CONSOLE
from shared import DayType, GateState

ROUTES = Path(__file__).resolve().parents[3] / "central" / "api" / "routes" / "console"
FAMILIES = {
    "day.": [d.value for d in DayType],
    "note.": [n.value for n in DayNote],
    "status.": [s.value for s in db.ContractState],
    "order_kind.": [k.value for k in db.OrderKind],
    "order_status.": [s.value for s in db.OrderStatus],
    "role.": [r.value for r in Role],
    "action.": [a.value for a in ContractActionKind],
    "contract.refused_": [a.value for a in ContractActionKind],
    "contract.": [ContractActionKind.SUSPEND.value, ContractActionKind.REINSTATE.value],
    "gates.state_": [*(s.value for s in GateState), "unknown"],
    "alarm.": [STALE_BUNDLE, CLOCK_SKEW],
    "weekday.": [str(n) for n in range(7)],
}


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_every_family_of_words_is_complete(lang: str) -> None:
    missing = [
        prefix + value
        for prefix, values in FAMILIES.items()
        for value in values
        if prefix + value not in CONSOLE.keys(lang)
    ]
    assert missing == []


def test_every_key_the_console_routes_name_is_in_the_catalogue() -> None:
    named = {
        node.value
        for path in ROUTES.glob("*.py")
        for node in ast.walk(ast.parse(path.read_text("utf-8")))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.count(".") == 1
        and node.value.replace(".", "").replace("_", "").isalnum()
        and node.value.islower()
        and not node.value.endswith((".html", ".py", "_"))
        and not node.value.startswith(".")  # a file suffix in an f-string: ".csv"
    }  # "x_": an f-string
    assert named, "no keys found: the check has lost its way"
    assert sorted((named | set(FIELD_MESSAGES.values())) - CONSOLE.keys("zh-CN")) == []
