"""Pick a reader engine by its configured name."""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Callable

from edge.reader.errors import UnknownEngineError
from edge.reader.reads import Reader

logger = logging.getLogger(__name__)

DEFAULT_ENGINE = "ppocr"


def _ppocr(**options: object) -> Reader:
    from edge.reader.ppocr_engine import PpocrReader

    return PpocrReader(None, **options)


def _easyocr(**options: object) -> Reader:
    from edge.reader.easyocr_engine import EasyOcrReader

    return EasyOcrReader(**options)  # type: ignore[arg-type]


_ENGINES: dict[str, tuple[Callable[..., Reader], str]] = {
    "ppocr": (_ppocr, "rapidocr_onnxruntime"),
    "easyocr": (_easyocr, "easyocr"),
}
ENGINE_NAMES = tuple(_ENGINES)


def make_reader(engine: str = DEFAULT_ENGINE, **options: object) -> Reader:
    """A reader for ``engine`` ("ppocr" or "easyocr"), built with ``options``.

    Raises UnknownEngineError for another name, EngineUnavailableError when the engine's
    package is not installed, MissingWeightsError when its model files are not in place.
    """
    try:
        build, _package = _ENGINES[engine]
    except KeyError:
        raise UnknownEngineError(engine, ENGINE_NAMES) from None
    logger.info("starting plate reader engine %s", engine)
    return build(**options)


def installed_engines() -> list[str]:
    """Engines whose package is importable (their weights may still be missing)."""
    return [name for name, (_, package) in _ENGINES.items() if importlib.util.find_spec(package) is not None]
