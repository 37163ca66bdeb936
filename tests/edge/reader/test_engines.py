"""Engine selection by name, and clear errors when an engine or its weights are missing."""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.reader import (
    ENGINE_NAMES,
    EngineUnavailableError,
    MissingWeightsError,
    PlateRead,
    Reader,
    UnknownEngineError,
    installed_engines,
    make_reader,
)
from tests.conftest import REPO

FIXTURES = REPO / "tests" / "fixtures" / "reader"


@pytest.fixture(scope="module")
def ppocr() -> Reader:
    return make_reader("ppocr")


def test_default_engine_is_ppocr(ppocr: Reader) -> None:
    assert ppocr.name == "ppocr"
    assert isinstance(ppocr, Reader)
    assert ppocr.versions()["rapidocr_onnxruntime"] == "1.4.4"
    assert "ppocr" in installed_engines()


def test_unknown_engine_names_the_choices() -> None:
    with pytest.raises(UnknownEngineError, match="tesseract.*ppocr, easyocr"):
        make_reader("tesseract")
    assert set(ENGINE_NAMES) >= {"ppocr", "easyocr"}


def test_missing_ppocr_weights_name_the_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(MissingWeightsError) as caught:
        make_reader("ppocr", model_dir=tmp_path)
    assert caught.value.filename.endswith(".onnx")
    assert str(tmp_path) in str(caught.value)


def test_easyocr_without_its_weights_or_package_is_a_clear_error(tmp_path: Path) -> None:
    """Installed or not, a missing zh_sim_g2.pth is named before anything heavy loads."""
    (tmp_path / "craft_mlt_25k.pth").write_bytes(b"")
    with pytest.raises(MissingWeightsError) as caught:
        make_reader("easyocr", model_storage_directory=tmp_path, lang_list=["ch_sim", "en"])
    assert caught.value.filename == "zh_sim_g2.pth"
    assert caught.value.directory == tmp_path


def test_easyocr_unimportable_says_how_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("craft_mlt_25k.pth", "english_g2.pth"):
        (tmp_path / name).write_bytes(b"")
    monkeypatch.setitem(sys.modules, "easyocr", None)  # import easyocr -> ImportError
    with pytest.raises(EngineUnavailableError, match=r"offpeak-parking\[easyocr\]"):
        make_reader("easyocr", model_storage_directory=tmp_path)


def test_reads_a_synthetic_plate_crop(ppocr: Reader) -> None:
    [read] = ppocr.read_crop(cv2.imread(str(FIXTURES / "plate_blue.png")))
    assert read.plate == "沪A12345"
    assert len(read.char_confidences) == 7
    assert 0.5 < read.confidence <= 1.0
    assert read.engine == "ppocr"


def test_reads_a_two_line_plate_crop(ppocr: Reader) -> None:
    [read] = ppocr.read_crop(cv2.imread(str(FIXTURES / "plate_yellow_two_line.png")))
    assert read.plate == "沪A12345"


def test_finds_the_plate_in_a_frame_with_its_box(ppocr: Reader) -> None:
    reads = ppocr.read_frame(cv2.imread(str(FIXTURES / "frame_1280x720.jpg")))
    assert [r.plate for r in reads] == ["沪A12345"]
    x1, y1, x2, y2 = reads[0].box or (0, 0, 0, 0)
    assert abs(x1 - 550) < 25 and abs(y1 - 460) < 25 and abs(x2 - 770) < 25 and abs(y2 - 530) < 25


def test_empty_frame_reads_nothing(ppocr: Reader) -> None:
    assert ppocr.read_frame(np.full((720, 1280, 3), 128, dtype=np.uint8)) == []


def test_unreadable_crop_is_reported_without_a_plate(ppocr: Reader) -> None:
    reads = ppocr.read_crop(np.full((24, 94, 3), 128, dtype=np.uint8))
    assert all(isinstance(r, PlateRead) and r.plate is None for r in reads)
