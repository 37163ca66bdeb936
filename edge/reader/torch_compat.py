"""Importing PyPI's torchvision next to the CPU build of torch, for the EasyOCR engine.

PyPI's torchvision wheels are CUDA builds: next to a CPU-only torch their compiled ops
(``torchvision/_C.so``) do not load, because they link ``libtorch_cuda.so``. torchvision
then skips every op registration guarded by ``extension._has_ops()`` but still registers
fake kernels for ``torchvision::nms`` and ``torchvision::qnms`` unconditionally, and that
fails: ``operator torchvision::nms does not exist``.

``import_torchvision()`` handles exactly that case: it declares those two operators with
their upstream schemas and a kernel that raises ``TorchvisionOpsUnavailableError`` if ever
called, then imports again. EasyOCR's CRAFT detector and its recogniser use only
``torchvision.models`` (VGG16-BN layers) and ``torchvision.transforms``, never an op from
``torchvision.ops``, so its results are unchanged; anything that does call ``nms`` gets a
clear error, never a wrong answer. Any other import failure is raised as it is.
"""

from __future__ import annotations

import logging
import re
import sys
from types import ModuleType
from typing import Any, NoReturn

from edge.reader.errors import ReaderError

logger = logging.getLogger(__name__)

# The schemas torchvision's C++ side defines (torchvision/csrc/ops/nms.cpp, quantized/qnms).
MISSING_OP_SCHEMAS = {
    "nms": "nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    "qnms": "qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
}
_MISSING_OP = re.compile(r"operator torchvision::\w+ does not exist")
_declared: list[Any] = []  # the torch.library.Library; registrations live as long as it does


class TorchvisionOpsUnavailableError(ReaderError, RuntimeError):
    """A torchvision op was called whose compiled kernel is not loaded."""


def import_torchvision() -> ModuleType:
    """``import torchvision``, declaring ``nms``/``qnms`` first when its compiled ops are missing."""
    try:
        import torchvision
    except RuntimeError as exc:
        if not _compiled_ops_missing(exc):
            raise
        _forget_partial_import()
        _declare_missing_ops()
        import torchvision
    return torchvision


def _compiled_ops_missing(exc: RuntimeError) -> bool:
    extension = sys.modules.get("torchvision.extension")
    return (
        _MISSING_OP.search(str(exc)) is not None
        and extension is not None
        and not extension._has_ops()
    )


def _forget_partial_import() -> None:
    for name in [n for n in sys.modules if n == "torchvision" or n.startswith("torchvision.")]:
        del sys.modules[name]


def _declare_missing_ops() -> None:
    import torch
    import torch.library

    library = torch.library.Library("torchvision", "FRAGMENT")
    for name, schema in MISSING_OP_SCHEMAS.items():
        library.define(schema)
        library.impl(name, _unavailable_kernel(name), "CompositeExplicitAutograd")
    _declared.append(library)
    logger.warning(
        "torchvision: its compiled ops did not load next to torch %s (a CUDA torchvision wheel "
        "beside a CPU torch); declared torchvision::%s so that it imports. EasyOCR never calls "
        "them; calling them raises. Install the torchvision build matching this torch to have them",
        torch.__version__, " and torchvision::".join(MISSING_OP_SCHEMAS),
    )


def _unavailable_kernel(name: str) -> Any:
    def kernel(*args: object, **kwargs: object) -> NoReturn:
        raise TorchvisionOpsUnavailableError(
            f"torchvision::{name} is not available: torchvision's compiled ops did not load "
            "(a CUDA torchvision wheel beside a CPU torch); install the matching CPU torchvision"
        )

    return kernel
