"""The networks run on OpenVINO by default, on onnxruntime when asked, and both read alike."""

from __future__ import annotations

import sys

import cv2
import numpy as np
import pytest

from edge.reader import EngineUnavailableError, make_reader, ppocr_models
from edge.reader.clp_models import DET_MODEL, default_model_dir, model_path
from edge.reader.plate_detector import PlateDetector
from edge.reader.runtime import Network
from tests.conftest import REPO

FIXTURES = REPO / "tests" / "fixtures" / "reader"
BOTH = ("openvino", "onnxruntime")


def test_both_runtimes_read_the_same_plate_alike() -> None:
    crop = cv2.imread(str(FIXTURES / "plate_blue.png"))
    frame = cv2.imread(str(FIXTURES / "frame_1280x720.jpg"))
    readers = [make_reader("ppocr+clp", runtime=runtime) for runtime in BOTH]
    crops = [reader.read_crop(crop)[0] for reader in readers]
    frames = [reader.read_frame(frame)[0] for reader in readers]
    for reads in (crops, frames):
        assert reads[0].plate == reads[1].plate is not None
        assert reads[0].check == reads[1].check
        assert reads[0].char_confidences == pytest.approx(reads[1].char_confidences, abs=1e-3)
        assert reads[0].box == reads[1].box


def test_the_runtimes_agree_on_each_networks_outputs() -> None:
    """Float32 on both: OpenVINO must not drop to bfloat16 on CPUs that have it."""
    line = cv2.resize(cv2.imread(str(FIXTURES / "plate_blue.png")), (150, 48))
    recognisers = [ppocr_models.Recogniser(ppocr_models.default_model_dir(), width=256, runtime=runtime)
                   for runtime in BOTH]
    assert recognisers[0].characters == recognisers[1].characters  # the alphabet from the file's metadata
    first, second = (recogniser(line) for recogniser in recognisers)
    assert np.abs(first - second).max() < 1e-4
    image = cv2.imread(str(FIXTURES / "frame_1280x720.jpg"))
    detectors = [PlateDetector(default_model_dir(), runtime=runtime) for runtime in BOTH]
    boxes = [detector(image, 640) for detector in detectors]
    assert len(boxes[0]) == len(boxes[1]) > 0
    for a, b in zip(*boxes, strict=True):
        assert np.abs(a.corners - b.corners).max() < 0.01


def test_each_call_returns_its_own_outputs() -> None:
    """A later run must not overwrite what an earlier run returned (reads keep their columns)."""
    network = Network(ppocr_models.model_path(ppocr_models.default_model_dir(), ppocr_models.REC_MODEL))
    blobs = np.random.default_rng(1).uniform(-1, 1, (2, 1, 3, 48, 256)).astype(np.float32)
    first = network(blobs[0])[0]
    kept = first.copy()
    network(blobs[1])
    assert np.array_equal(first, kept)


def test_an_unknown_runtime_is_refused_naming_the_choices() -> None:
    with pytest.raises(ValueError, match="unknown 'tensorrt', expected one of openvino, onnxruntime"):
        make_reader("ppocr+clp", runtime="tensorrt")
    with pytest.raises(ValueError, match="runtime: unknown 'gpu'"):
        Network(model_path(default_model_dir(), "pretrained_models", DET_MODEL), runtime="gpu")


def test_openvino_missing_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "openvino", None)  # import openvino -> ImportError
    with pytest.raises(EngineUnavailableError, match="pip install openvino"):
        make_reader("ppocr+clp")
    assert make_reader("ppocr+clp", runtime="onnxruntime").read_crop(
        cv2.imread(str(FIXTURES / "plate_blue.png")))[0].plate == "沪A12345"
