"""The PP-OCRv4 detection and recognition models shipped inside rapidocr-onnxruntime 1.4.4.

They are run directly (``edge.reader.runtime``): no rapidocr pipeline, no downloads.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import logging
import math
from pathlib import Path

import cv2
import numpy as np

from edge.reader.errors import EngineUnavailableError, MissingWeightsError
from edge.reader.runtime import DEFAULT_RUNTIME, Network
from edge.reader.runtime import versions as runtime_versions

logger = logging.getLogger(__name__)

PACKAGE = "rapidocr_onnxruntime"
DET_MODEL = "ch_PP-OCRv4_det_infer.onnx"
REC_MODEL = "ch_PP-OCRv4_rec_infer.onnx"
REC_HEIGHT = 48


def default_model_dir() -> Path:
    """The ``models`` folder inside the installed rapidocr-onnxruntime package."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EngineUnavailableError("ppocr", "pip install rapidocr-onnxruntime==1.4.4")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def model_path(model_dir: Path, filename: str) -> Path:
    path = model_dir / filename
    if not path.is_file():
        raise MissingWeightsError(filename, model_dir, "it ships with rapidocr-onnxruntime==1.4.4")
    return path


class Recogniser:
    """PP-OCRv4 text-line recogniser: a BGR line image in, per-column probabilities out.

    Lines are resized to 48 pixels high and right-padded to ``width`` as in training:
    the model reads plates clearly better padded than stretched to their own width.
    """

    def __init__(self, model_dir: Path, threads: int = 1, width: int = 320,
                 runtime: str = DEFAULT_RUNTIME) -> None:
        self._network = Network(model_path(model_dir, REC_MODEL), threads, runtime)
        self.width = width
        self.characters = ["blank", *self._network.metadata("character").splitlines(), " "]

    def __call__(self, line: np.ndarray) -> np.ndarray:
        """T x alphabet probabilities for one BGR image of a text line."""
        height, width = line.shape[:2]
        new_width = int(np.clip(math.ceil(REC_HEIGHT * width / max(height, 1)), 16, 2 * self.width))
        resized = cv2.resize(line, (new_width, REC_HEIGHT), interpolation=cv2.INTER_LINEAR)
        blob = np.zeros((1, 3, REC_HEIGHT, max(new_width, self.width)), dtype=np.float32)
        blob[0, :, :, :new_width] = resized.astype(np.float32).transpose(2, 0, 1) / 127.5 - 1.0
        probs = self._network(blob)[0][0]
        columns = probs.shape[0] * new_width // blob.shape[3] + 2  # the padding reads as blank
        return probs[: min(columns, probs.shape[0])]


class Detector:
    """PP-OCRv4 DB text detector: a BGR image in, a text probability map out."""

    def __init__(self, model_dir: Path, threads: int = 1, runtime: str = DEFAULT_RUNTIME) -> None:
        self._network = Network(model_path(model_dir, DET_MODEL), threads, runtime)

    def __call__(self, image: np.ndarray) -> np.ndarray:
        """Probability map the size of ``image``; both sides must be multiples of 32."""
        blob = (image.astype(np.float32).transpose(2, 0, 1) / 127.5 - 1.0)[None]
        return self._network(blob)[0][0, 0]


def package_versions() -> dict[str, str]:
    versions = runtime_versions() | {"opencv": cv2.__version__}
    try:
        versions[PACKAGE] = importlib.metadata.version("rapidocr-onnxruntime")
    except importlib.metadata.PackageNotFoundError:
        pass
    return versions
