"""``log_format: json``: one JSON object a line, control characters escaped, in a real process too."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from central.logs import configure_logging

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def root_stream() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, [h.formatter for h in root.handlers])
    stream = io.StringIO()
    root.handlers = [logging.StreamHandler(stream)]
    yield stream
    root.handlers, root.level = saved[0], saved[1]
    for handler, formatter in zip(saved[0], saved[2], strict=True):
        handler.setFormatter(formatter)


def test_a_json_line_carries_time_level_logger_message_and_the_error(root_stream: io.StringIO) -> None:
    configure_logging("INFO", "json")
    log = logging.getLogger("central.test")
    log.debug("not at INFO")
    log.warning("dead-lettered %r: plate %s", "parking/v1/x", "沪A\x1b[2J\n12345")
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("batch failed")
    lines = root_stream.getvalue().splitlines()
    assert len(lines) == 2 and "\x1b" not in root_stream.getvalue()  # one line each, escapes escaped
    first, second = (json.loads(line) for line in lines)
    assert (first["level"], first["logger"]) == ("WARNING", "central.test")
    assert first["message"] == "dead-lettered 'parking/v1/x': plate 沪A\x1b[2J\n12345"
    assert first["time"].endswith("+00:00")
    assert second["message"] == "batch failed" and "ValueError: boom" in second["exception"]


def test_text_stays_the_default(root_stream: io.StringIO) -> None:
    configure_logging("INFO", "text")
    logging.getLogger("central.test").info("hello %s", "there")
    assert root_stream.getvalue().rstrip().endswith("INFO central.test: hello there")


def test_a_command_with_log_format_json_writes_only_json_lines(tmp_path: Path) -> None:
    config = tmp_path / "central.yaml"
    config.write_text(yaml.safe_dump({"log_format": "json", "log_level": "INFO",
                                      "database": {"url": f"sqlite:///{tmp_path / 'central.db'}"}}))
    done = subprocess.run([sys.executable, "-m", "central.cli", "migrate", "--config", str(config)], cwd=REPO,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines, "migrate logs what it does"
    assert all(json.loads(line)["level"] in {"INFO", "WARNING"} for line in lines)
