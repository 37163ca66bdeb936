"""The default reader on the real labelled photographs (../shared/plates/dev).

Skipped with a message when the folder is absent (conftest's ``plates_dir``). The floors
sit a little under what docs/reader.md measures, so a real regression fails and noise does not.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edge.eval import evaluate, load_labels, run_eval
from edge.reader import make_reader

pytestmark = [pytest.mark.plates, pytest.mark.slow]


def test_default_reader_on_the_dev_photographs(plates_dir: Path) -> None:
    report = evaluate(make_reader("ppocr"), load_labels(plates_dir / "labels.csv"))
    crops, frames = report.kinds["crop"], report.kinds["frame"]
    assert crops.n == 322 and frames.n == 90
    assert crops.exact >= 0.97, crops  # measured 0.985
    assert frames.exact >= 0.95, frames  # measured 1.0
    assert crops.char_accuracy >= 0.98, crops
    assert frames.false_reads <= 3, frames  # measured 0


def test_eval_command_prints_json_last(plates_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_eval(plates_dir / "labels.csv", "ppocr", limit=5, as_json=True) == 0
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert last["engine"] == "ppocr"
    assert last["crop"]["n"] == 5 and last["frame"]["n"] == 5
    assert set(last["frame"]) == {"n", "exact", "char_accuracy", "false_reads", "median_ms", "p90_ms"}
