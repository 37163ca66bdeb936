"""One error tree in the central service: every error it defines is a CentralError, so a ParkingError."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import central
from central.errors import CentralError
from shared import ParkingError


def _central_modules() -> list[str]:
    # Alembic's env.py and a __main__ run on import
    return [m.name for m in pkgutil.walk_packages(central.__path__, "central.")
            if not m.name.startswith("central.migrations") and not m.name.endswith("__main__")]


def test_every_error_defined_in_central_is_under_the_one_root() -> None:
    defined = {
        f"{name}.{cls.__name__}": cls
        for name in _central_modules()
        for cls in vars(importlib.import_module(name)).values()
        if inspect.isclass(cls) and issubclass(cls, BaseException) and cls.__module__ == name
    }
    assert "central.errors.TariffError" in defined and "central.errors.NotifyError" in defined
    assert sorted(k for k, cls in defined.items() if not issubclass(cls, CentralError)) == []
    assert {k for k in defined if not k.startswith("central.errors.")} == set()  # one errors module
    assert issubclass(CentralError, ParkingError)
