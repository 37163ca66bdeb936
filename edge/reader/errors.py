"""Every error the plate reader raises on purpose; the edge process's tree is in edge/errors.py.

    ReaderError (EdgeError)
    ├── MissingWeightsError     a model file is not where the engine looks for it
    ├── EngineUnavailableError  an engine's package is not installed
    └── UnknownEngineError      a configured engine name that does not exist
"""

from __future__ import annotations

from pathlib import Path

from edge.errors import EdgeError


class ReaderError(EdgeError):
    """Base of the plate reader's errors."""


class MissingWeightsError(ReaderError):
    """A weights file is missing; says which file and in which folder to put it."""

    def __init__(self, filename: str, directory: Path | str, hint: str = "") -> None:
        message = f"missing weights file {filename!r}: put it in {str(directory)!r}"
        if hint:
            message = f"{message} ({hint})"
        super().__init__(message)
        self.filename = filename
        self.directory = Path(directory)


class EngineUnavailableError(ReaderError):
    """The engine's package is not installed."""

    def __init__(self, engine: str, install: str) -> None:
        super().__init__(f"engine {engine!r} is not installed: {install}")
        self.engine = engine


class UnknownEngineError(ReaderError, ValueError):
    """A configured engine name that no reader answers to."""

    def __init__(self, engine: str, known: tuple[str, ...]) -> None:
        super().__init__(f"engine: unknown name {engine!r}, expected one of {', '.join(known)}")
        self.engine = engine
