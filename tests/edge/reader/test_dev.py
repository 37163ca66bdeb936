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
from edge.reader.conditions import CONDITIONS

pytestmark = [pytest.mark.plates, pytest.mark.slow]


def test_default_reader_on_the_dev_photographs(plates_dir: Path) -> None:
    report = evaluate(make_reader(), load_labels(plates_dir / "labels.csv"))
    crops, frames = report.kinds["crop"], report.kinds["frame"]
    assert report.engine == "ppocr+clp"
    assert crops.n == 322 and frames.n == 90
    assert crops.exact >= 0.97, crops  # measured 0.994
    assert frames.exact >= 0.96, frames  # measured 1.0
    assert crops.char_accuracy >= 0.98, crops
    assert crops.confident_wrong == 0 and frames.confident_wrong == 0  # measured 0 and 0
    assert frames.other <= 3, frames  # measured 0
    assert crops.opens >= 0.9 and frames.opens >= 0.88  # measured 0.96 and 0.967: few need the guard


def test_eval_command_prints_json_last(plates_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_eval(plates_dir / "labels.csv", "ppocr", limit=5, as_json=True) == 0
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert last["engine"] == "ppocr"
    assert last["crop"]["n"] == 5 and last["frame"]["n"] == 5
    assert set(last["frame"]) == {"n", "right", "wrong", "missed", "other", "exact", "char_accuracy",
                                  "confident_wrong", "confident_wrong_rate", "opens", "disputed",
                                  "median_ms", "p90_ms", "unreadable"}


def test_eval_by_condition_on_real_photographs(plates_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every condition is read and reported; a degraded plate is rarely read wrong with confidence."""
    assert run_eval(plates_dir / "labels.csv", limit=6, as_json=True, conditions=CONDITIONS) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert list(report["conditions"]) == list(CONDITIONS)
    for condition, kinds in report["conditions"].items():
        assert kinds["crop"]["n"] == 6 and kinds["frame"]["n"] == 6, condition
        assert kinds["crop"]["confident_wrong"] + kinds["frame"]["confident_wrong"] == 0, condition
    assert report["conditions"]["clean"]["frame"]["exact"] == 1.0
