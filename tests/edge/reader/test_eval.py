"""The evaluation: right, wrong and other plates counted apart, matched by position; conditions."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from edge.eval import (
    ImageResult,
    LabelledImage,
    LabelledPlate,
    LabelsError,
    Matched,
    Outcome,
    edit_distance,
    evaluate,
    load_labels,
    match,
    run_eval,
    score_kind,
)
from edge.reader import CrossCheck, PlateRead
from tests.conftest import REPO

FIXTURES = REPO / "tests" / "fixtures" / "reader"
LEFT, RIGHT_SIDE = (100, 400, 300, 460), (900, 400, 1100, 460)  # two labelled plates in one scene
ELSEWHERE = (500, 100, 700, 160)


def read(plate: str, box: tuple[int, int, int, int] | None = None, confidence: float = 0.95,
         check: CrossCheck = CrossCheck.UNCHECKED) -> PlateRead:
    return PlateRead(plate, confidence, (confidence,) * len(plate), box, "test", check=check)


@pytest.fixture
def scene_labels(tmp_path: Path) -> Path:
    """A tiny labelled set: one crop, and one frame holding two labelled plates."""
    frame = FIXTURES / "frame_1280x720.jpg"
    rows = ["file,plate,kind,x1,y1,x2,y2",
            f"{FIXTURES / 'plate_blue.png'},沪A12345,crop,,,,",
            f"{frame},沪A12345,frame,{','.join(map(str, LEFT))}",
            f"{frame},苏E11111,frame,{','.join(map(str, RIGHT_SIDE))}"]
    (tmp_path / "labels.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return tmp_path / "labels.csv"


class ScriptedReader:
    """Reads the labelled left plate right, the right one wrong, and a third plate elsewhere."""

    name = "scripted"

    def __init__(self, wrong_check: CrossCheck = CrossCheck.UNCHECKED) -> None:
        self.wrong_check = wrong_check

    def read_crop(self, crop: np.ndarray) -> list[PlateRead]:
        return [read("沪A12346", (0, 0, crop.shape[1], crop.shape[0]), 0.97)]  # one character wrong

    def read_frame(self, frame: np.ndarray) -> list[PlateRead]:
        return [read("沪A12345", (110, 405, 290, 455)), read("苏E11171", (905, 402, 1095, 458), 0.93,
                                                                   self.wrong_check),
                read("浙B22222", ELSEWHERE, 0.99)]

    def versions(self) -> dict[str, str]:
        return {"engine": "scripted"}


def test_labels_group_the_plates_of_one_frame(scene_labels: Path) -> None:
    crop, frame = load_labels(scene_labels)
    assert crop.kind == "crop" and crop.plates == (LabelledPlate("沪A12345"),)
    assert frame.plates == (LabelledPlate("沪A12345", LEFT), LabelledPlate("苏E11111", RIGHT_SIDE))


def test_frames_count_right_wrong_and_other_plates_by_position(scene_labels: Path) -> None:
    report = evaluate(ScriptedReader(), load_labels(scene_labels))
    frame, crop = report.kinds["frame"], report.kinds["crop"]
    assert (frame.n, frame.right, frame.wrong, frame.missed, frame.other) == (2, 1, 1, 0, 1)
    assert frame.exact == 0.5 and frame.confident_wrong == 1 and frame.confident_wrong_rate == 0.5
    assert frame.opens == 0.5
    assert (crop.n, crop.right, crop.wrong, crop.confident_wrong) == (1, 0, 1, 1)


def test_a_disputed_wrong_read_is_not_confident_wrong(scene_labels: Path) -> None:
    frame = evaluate(ScriptedReader(CrossCheck.DISPUTED), load_labels(scene_labels)).kinds["frame"]
    assert (frame.wrong, frame.confident_wrong, frame.disputed) == (1, 0, 1)


def test_a_read_below_the_threshold_is_not_confident_wrong(scene_labels: Path) -> None:
    frame = evaluate(ScriptedReader(), load_labels(scene_labels), threshold=0.94).kinds["frame"]
    assert (frame.wrong, frame.confident_wrong) == (1, 0)  # the wrong read is at 0.93


def test_a_right_plate_read_at_the_wrong_place_is_another_plate() -> None:
    labels = [LabelledPlate("沪A12345", LEFT)]
    matches, others = match(labels, [read("沪A12345", RIGHT_SIDE)], crop=False)
    assert [m.outcome for m in matches] == [Outcome.MISSED] and len(others) == 1


def test_a_frame_without_a_box_is_matched_by_text() -> None:
    reads = [read("苏E11111", ELSEWHERE), read("沪A12345", LEFT)]
    matches, others = match([LabelledPlate("沪A12345")], reads, crop=False)
    assert matches[0].outcome is Outcome.RIGHT and others == ()


def result(label: str, *plates: str, ms: float = 10.0) -> ImageResult:
    reads = [read(p, (0, 0, 10, 10)) for p in plates]
    matches, others = match([LabelledPlate(label, (0, 0, 10, 10))], reads, crop=False)
    return ImageResult(LabelledImage(Path("x.jpg"), "frame", ()), matches, others, ms)


def test_scores_count_exact_reads_and_characters() -> None:
    score = score_kind([
        result("沪A12345", "沪A12345", ms=10),
        result("沪A12345", "沪A12346", ms=20),  # one character wrong
        result("沪A12345", ms=30),  # nothing read
        result("沪A12345", "沪A12345", "苏E11111", ms=40),  # read, and another reading at the same place
    ])
    assert (score.n, score.exact, score.right, score.wrong, score.missed) == (4, 0.5, 2, 1, 1)
    assert score.char_accuracy == pytest.approx((1 + 6 / 7 + 0 + 1) / 4, abs=1e-4)
    assert score.median_ms == 25.0


def test_missed_plates_have_no_read() -> None:
    assert Matched(LabelledPlate("沪A12345"), Outcome.MISSED).read is None


def test_edit_distance() -> None:
    assert edit_distance("沪A12345", "沪A12345") == 0
    assert edit_distance("沪A12345", "沪A1234") == 1
    assert edit_distance("皖AD19789", "皖A19789") == 1


def test_limit_keeps_the_first_of_each_kind() -> None:
    images = load_labels(FIXTURES / "labels.csv", limit=1)
    names = [(i.kind, i.file.name) for i in images]
    assert names == [("crop", "plate_blue.png"), ("frame", "frame_1280x720.jpg")]


def test_run_eval_prints_a_table_and_json_last(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], scene_labels: Path
) -> None:
    monkeypatch.setattr("edge.eval.make_reader", lambda engine: ScriptedReader())
    assert run_eval(scene_labels, "scripted", None, as_json=True) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    report = json.loads(lines[-1])
    assert report["threshold"] == 0.9 and "conditions" not in report
    counts = {"n": 2, "right": 1, "wrong": 1, "other": 1, "confident_wrong": 1}
    assert report["frame"] == report["frame"] | counts
    assert any(line.startswith("clean     frame") for line in lines[:-1])


def test_run_eval_by_condition_reports_each_condition(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("edge.eval.make_reader", lambda engine: ScriptedReader())
    assert run_eval(FIXTURES / "labels.csv", "scripted", None, True, ("clean", "night", "tilt")) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert list(report["conditions"]) == ["clean", "night", "tilt"]
    assert report["conditions"]["night"]["crop"]["n"] == 2


def test_run_eval_refuses_missing_labels_unknown_engines_and_conditions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_eval(tmp_path / "labels.csv", "ppocr") == 2
    assert run_eval(FIXTURES / "labels.csv", "nope") == 2
    assert run_eval(FIXTURES / "labels.csv", "ppocr", conditions=("fog",)) == 2
    err = capsys.readouterr().err
    assert "nope" in err and "fog" in err


PLATE_IMAGE = FIXTURES / "plate_blue.png"


@pytest.mark.parametrize(("body", "named"), [
    (b"file,plate\n" + f"{PLATE_IMAGE},\u6caaA12345\n".encode(), "no kind column"),
    (f"file,plate,kind\n{PLATE_IMAGE},\u6caaA12345,scene\n".encode(), "line 2: kind 'scene'"),
    (f"file,plate,kind\n{PLATE_IMAGE},,crop\n".encode(), "line 2: no plate"),
    (f"file,plate,kind,x1,y1,x2,y2\n{PLATE_IMAGE},\u6caaA12345,frame,10,a,90,40\n".encode(),
     "line 2: box '10,a,90,40' is not four numbers"),
    (f"file,plate,kind,x1,y1,x2,y2\n{PLATE_IMAGE},\u6caaA12345,frame,90,10,10,40\n".encode(),
     "line 2: box 90,10,10,40 is empty"),
    (b"file,plate,kind\nnowhere.jpg,\xe6\xb2\xaaA12345,crop\n", "1 image file(s) not there, the first"),
    (b"file,plate,kind\n\xff\xfe,x,crop\n", "not UTF-8 text (byte 16 is 0xff)"),
])
def test_a_labels_file_that_cannot_be_measured_is_refused_naming_what_is_wrong_before_models_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], body: bytes,
    named: str,
) -> None:
    labels = tmp_path / "labels.csv"
    labels.write_bytes(body)
    with pytest.raises(LabelsError, match=re.escape(named)):
        load_labels(labels)

    def no_models(engine: str) -> None:
        raise AssertionError("the models were loaded for a labels file that cannot be measured")

    monkeypatch.setattr("edge.eval.make_reader", no_models)
    assert run_eval(labels, "ppocr") == 2
    assert named in capsys.readouterr().err


def test_run_eval_refuses_a_limit_under_one_and_a_threshold_outside_0_to_1(
    capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_eval(FIXTURES / "labels.csv", "ppocr", limit=0) == 2
    assert run_eval(FIXTURES / "labels.csv", "ppocr", threshold=90) == 2
    err = capsys.readouterr().err
    assert "--limit must be at least 1, got 0" in err
    assert "--threshold must be over 0 and at most 1, got 90" in err


def test_an_image_that_cannot_be_decoded_counts_as_missed_and_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "broken.jpg").write_bytes(b"not a jpeg")
    labels = tmp_path / "labels.csv"
    labels.write_text(f"file,plate,kind\nbroken.jpg,\u6caaA12345,crop\n{PLATE_IMAGE},\u6caaA12346,crop\n",
                      encoding="utf-8")
    monkeypatch.setattr("edge.eval.make_reader", lambda engine: ScriptedReader())
    assert run_eval(labels, "scripted", as_json=True) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    crops = json.loads(lines[-1])["crop"]
    assert (crops["n"], crops["right"], crops["missed"], crops["unreadable"]) == (2, 1, 1, 1)
    assert "1 image(s) could not be decoded: their plates are counted as missed" in lines


def test_degraded_frames_move_the_labelled_box_with_the_plate() -> None:
    """Read under 'distance', the scripted plate at the old place is no longer the labelled one."""
    plate = LabelledPlate("沪A12345", (550, 460, 770, 530))
    image = LabelledImage(FIXTURES / "frame_1280x720.jpg", "frame", (plate,))

    class AtTheOldPlace(ScriptedReader):
        def read_frame(self, frame: np.ndarray) -> list[PlateRead]:
            return [read("沪A12345", (550, 460, 770, 530))]

    report = evaluate(AtTheOldPlace(), [image], conditions=("clean", "distance"))
    assert report.scores["clean"]["frame"].right == 1
    assert report.scores["distance"]["frame"].right == 0 and report.scores["distance"]["frame"].other == 1
