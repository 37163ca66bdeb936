"""Read Chinese licence plates from camera frames, offline.

Public surface::

    make_reader(engine="ppocr", **options) -> Reader
    Reader.read_frame(frame) -> list[PlateRead]; Reader.read_crop(crop) -> list[PlateRead]
    PlateRead(plate, confidence, char_confidences, box, engine, raw_text, second_plate, check)
    vote(reads, policy) -> Consensus (verdict, plate, confidence, agreeing, alternatives, disputed, ...)
    fix_confusables(text) -> str | None
"""

from edge.reader.consensus import Consensus, ConsensusPolicy, Verdict, vote
from edge.reader.errors import (
    EngineUnavailableError,
    MissingWeightsError,
    ReaderError,
    UnknownEngineError,
)
from edge.reader.factory import DEFAULT_ENGINE, ENGINE_NAMES, installed_engines, make_reader
from edge.reader.grammar import fix_confusables
from edge.reader.reads import Box, CrossCheck, PlateRead, Reader

__all__ = [
    "DEFAULT_ENGINE",
    "ENGINE_NAMES",
    "Box",
    "Consensus",
    "ConsensusPolicy",
    "CrossCheck",
    "EngineUnavailableError",
    "MissingWeightsError",
    "PlateRead",
    "Reader",
    "ReaderError",
    "UnknownEngineError",
    "Verdict",
    "fix_confusables",
    "installed_engines",
    "make_reader",
    "vote",
]
