"""The web package imports on its own: the API mounts the web apps, never the other way round."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("module", ["central.web", "central.web.pages", "central.api.routes.resident",
                                    "central.accounts"])
def test_a_fresh_interpreter_imports_it_first(module: str) -> None:
    done = subprocess.run([sys.executable, "-c", f"import {module}"], cwd=REPO, capture_output=True,
                          text=True, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]


def test_no_web_module_imports_the_api() -> None:
    offenders = [path.name for path in (REPO / "central" / "web").rglob("*.py")
                 if "from central.api" in path.read_text(encoding="utf-8")
                 or "import central.api" in path.read_text(encoding="utf-8")]
    assert offenders == []
