"""Every error the edge agent raises on purpose, under one root.

    EdgeError (ParkingError)
    ├── ConfigError     a configuration value refused at start; names the field
    ├── BarrierError    the barrier driver could not confirm the command
    ├── StoreError      the local database refused a write or holds something unexpected
    │   └── StorageFault    the data directory failed (read-only, full, corrupt) and so did memory
    ├── GuardError      a guard action that cannot be carried out (unknown read, bad plate)
    │   └── GuardConflict   one the read no longer allows, or that must be confirmed first
    ├── CameraError     a camera, video file or folder that cannot be opened at all
    └── ReaderError     the plate reader; its kinds are in edge/reader/errors.py
        ├── MissingWeightsError     a model file is not where the engine looks for it
        ├── EngineUnavailableError  an engine's package is not installed
        └── UnknownEngineError      a configured engine name that does not exist
"""

from __future__ import annotations

from shared.errors import ParkingError


class EdgeError(ParkingError):
    """Base of the edge agent's errors."""


class ConfigError(EdgeError, ValueError):
    """A configuration value refused at start."""

    def __init__(self, field: str, why: str) -> None:
        super().__init__(f"config {field}: {why}")
        self.field = field
        self.why = why


class BarrierError(EdgeError):
    """The barrier driver failed: the barrier may not have opened."""


class StoreError(EdgeError):
    """The local store refused an operation."""


class StorageFault(StoreError):
    """A write the store could not make on its disk (read-only, full, I/O error, corrupt file)."""


class GuardError(EdgeError, ValueError):
    """A guard action that cannot be carried out; ``code`` names why, for the page's catalogue."""

    def __init__(self, message: str, code: str = "refused") -> None:
        super().__init__(message)
        self.code = code


class GuardConflict(GuardError):
    """A guard action the read no longer allows (another guard decided it), or one to confirm first."""


class CameraError(EdgeError):
    """A frame source that cannot be opened at all (bad path, bad spec)."""
