"""The README's first command: the demo tells its whole story, and Ctrl-C stops everything."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow

STORY = [
    r"resident 139\*\*\*\*1234 ordered a month of 'evening' for 沪A12345: ¥300.00, paid in the sandbox",
    r"→ in  沪A12345 +open",
    r"→ in  沪AD12345 +open",
    r"→ in  京C55555 +deny +无合约",
    r"→ in  沪A12346 +review +疑似合约车牌",
    r"← out 沪B67890 +open +超时出场",
    r"overstay recorded",
    r"statement .*total ¥",
]


def _demo(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "demo.cli", "--workdir", str(tmp_path / "demo"), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


@pytest.mark.broker
def test_the_demo_tells_the_whole_story(tmp_path: Path) -> None:
    demo = _demo(tmp_path, "--once")
    out, _ = demo.communicate(timeout=240)
    assert demo.returncode == 0, out
    for line in STORY:
        assert re.search(line, out), f"missing {line!r} in:\n{out}"
    password = re.search(r"login guard / (\S+)\)", out)
    operator = re.search(r"console +http://\S+/console/ +\(login operator / (\S+)\)", out)
    token = re.search(r"admin token +(\S+)", out)
    assert password and operator and token
    logs = "".join(p.read_text(errors="replace") for p in (tmp_path / "demo").glob("*.log"))
    assert logs, "the services wrote no logs"
    for secret in (password.group(1), operator.group(1), token.group(1)):
        assert secret not in logs, "a secret reached a log line"


def test_ctrl_c_stops_every_process(tmp_path: Path) -> None:
    demo = _demo(tmp_path, "--broker", "embedded")
    assert demo.stdout is not None
    seen = ""
    end = time.monotonic() + 120
    while "dashboard" not in seen and time.monotonic() < end:
        seen += demo.stdout.readline()
    ports = {int(p) for p in re.findall(r"http://127\.0\.0\.1:(\d+)/", seen)}  # guard page, central
    assert len(ports) == 2, seen
    _ask_for_a_code(re.search(r"resident app +(http://\S+)/app/", seen).group(1))  # type: ignore[union-attr]
    while "SMS to 139****1234" not in seen and time.monotonic() < end:
        seen += demo.stdout.readline()
    assert re.search(r"SMS to 139\*\*\*\*1234 \(sign_in_code\): .*\d{6}", seen), seen  # the code, printed
    demo.send_signal(signal.SIGINT)
    demo.communicate(timeout=60)
    assert demo.returncode == 0
    for port in ports:
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0, f"something still listens on {port}"


def _ask_for_a_code(web: str) -> None:
    """What the resident app's sign-in page does: the demo prints the code a phone would get."""
    with httpx.Client(base_url=web, timeout=10) as browser:
        form = browser.get("/app/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert csrf, form.text
        sent = browser.post("/app/login/code", data={"csrf_token": csrf.group(1), "phone": "13900001234"})
        assert sent.status_code == 200, sent.text


def test_a_workdir_the_demo_did_not_make_is_refused_and_left_as_it_is(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "thesis.tex").write_text("years of work")
    done = subprocess.run([sys.executable, "-m", "demo.cli", "--workdir", str(folder), "--once"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2 and "not made by parking-demo" in done.stderr
    assert [p.name for p in folder.iterdir()] == ["thesis.tex"]
    assert (folder / "thesis.tex").read_text() == "years of work"


def test_a_workdir_the_demo_made_or_an_empty_one_is_used(tmp_path: Path) -> None:
    from demo.cli import MARKER, _prepare

    folder = tmp_path / "new" / "demo"
    _prepare(folder)
    (folder / "central.db").write_text("the last run's")
    (folder / "mosquitto").mkdir()
    (folder / "mosquitto" / "mosquitto.log").write_text("old")
    _prepare(folder)  # the next run
    assert [p.name for p in folder.iterdir()] == [MARKER]
    empty = tmp_path / "empty"
    empty.mkdir()
    _prepare(empty)
    assert (empty / MARKER).is_file()
