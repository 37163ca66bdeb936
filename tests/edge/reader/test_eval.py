"""The evaluation logic on the project's synthetic fixtures (plumbing only)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from edge.eval import ImageResult, LabelledImage, edit_distance, load_labels, run_eval, score_kind
from edge.reader import PlateRead
from tests.conftest import REPO

FIXTURES = REPO / "tests" / "fixtures" / "reader"


def result(label: str, *plates: str, ms: float = 10.0) -> ImageResult:
    return ImageResult(LabelledImage(Path("x.jpg"), label, "frame"), plates, ms)


def test_scores_count_exact_reads_characters_and_false_reads() -> None:
    score = score_kind([
        result("沪A12345", "沪A12345", ms=10),
        result("沪A12345", "沪A12346", ms=20),  # one character wrong, and a false read
        result("沪A12345", ms=30),  # nothing read
        result("沪A12345", "沪A12345", "苏E11111", ms=40),  # read, plus a plate not in the labels
    ])
    assert (score.n, score.exact, score.false_reads) == (4, 0.5, 2)
    assert score.char_accuracy == pytest.approx((1 + 6 / 7 + 0 + 1) / 4, abs=1e-4)
    assert score.median_ms == 25.0


def test_edit_distance() -> None:
    assert edit_distance("沪A12345", "沪A12345") == 0
    assert edit_distance("沪A12345", "沪A1234") == 1
    assert edit_distance("皖AD19789", "皖A19789") == 1


def test_limit_keeps_the_first_of_each_kind() -> None:
    images = load_labels(FIXTURES / "labels.csv", limit=1)
    names = [(i.kind, i.file.name) for i in images]
    assert names == [("crop", "plate_blue.png"), ("frame", "frame_1280x720.jpg")]


class ScriptedReader:
    name = "scripted"

    def read_crop(self, crop: np.ndarray) -> list[PlateRead]:
        return [PlateRead("沪A12345", 0.9)]

    def read_frame(self, frame: np.ndarray) -> list[PlateRead]:
        return [PlateRead("沪A12345", 0.9), PlateRead(None, 0.01)]

    def versions(self) -> dict[str, str]:
        return {"engine": "scripted"}


def test_run_eval_prints_a_table_and_json_last(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("edge.eval.make_reader", lambda engine: ScriptedReader())
    assert run_eval(FIXTURES / "labels.csv", "scripted", None, as_json=True) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    report = json.loads(lines[-1])
    assert report["crop"]["n"] == 2 and report["crop"]["exact"] == 1.0
    assert report["frame"] == report["frame"] | {"n": 1, "exact": 1.0, "false_reads": 0}
    assert any(line.startswith("frame") for line in lines[:-1])


def test_run_eval_refuses_missing_labels_and_unknown_engines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_eval(tmp_path / "labels.csv", "ppocr") == 2
    assert run_eval(FIXTURES / "labels.csv", "nope") == 2
    assert "nope" in capsys.readouterr().err
