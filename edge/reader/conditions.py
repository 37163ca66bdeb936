"""Degraded views of a labelled plate image, for measuring a reader under hard conditions.

Each condition turns an image (a crop, or a frame with its plates' boxes) into what a gate
camera sees at a distance, at an angle, in motion, at night, in glare or in rain, and moves
the boxes with it. Everything is drawn from a generator seeded by the condition and the
image's name, so a view is the same on every run and machine; no image is stored.

Sizes are the plate's, not its label's: some sources label a frame's plate with a box up to
1.4 times as wide (HyperLPR's), which made their plates 45-65 pixels wide under ``distance``
and blurred them 1.4 times as much. In a frame, the plate is the block of its background
colour inside the labelled box (``plate_extent``); a crop is all plate.

- ``distance``: the plate 60-90 pixels wide (a frame is shrunk and placed in a 1280x720 scene);
- ``tilt``: rotated up to 25 degrees about the plate, with up to 20 % perspective foreshortening;
- ``blur``: motion blur along a near-horizontal line of 2.5-5 % of the plate's width (a plate
  44 cm wide moving 1.1-2.2 cm while the shutter is open: 4-8 km/h at 1/100 s);
- ``night``: a gate camera's night: the scene at gain 0.2-0.35, the (retro-reflective) plate lit
  by the camera's own illuminator to 0.45-0.7 of its daylight brightness, gamma, sensor noise, and
  a headlight's glare beside the plate;
- ``night_unlit``: the same without the illuminator (the whole image at gain 0.2-0.35): an
  ordinary camera, or a gate camera whose illuminator failed;
- ``glare``: a specular patch washing out a fifth to two fifths of the plate;
- ``rain``: streaks, drops on the plate, lower contrast and a slight blur.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

import cv2
import numpy as np

from edge.reader.reads import Box

CONDITIONS = ("clean", "distance", "tilt", "blur", "night", "night_unlit", "glare", "rain")
DISTANCE_WIDTH = (60.0, 90.0)  # plate width in pixels
SCENE = (1280, 720)
GREY = 114

Boxes = list[Box]
Degraded = tuple[np.ndarray, Boxes]
Degrade = Callable[[np.ndarray, Boxes, bool, np.random.Generator], Degraded]


def degrade(image: np.ndarray, boxes: Boxes, condition: str, key: str, crop: bool) -> Degraded:
    """``image`` under ``condition``, with the plates' ``boxes`` (x1, y1, x2, y2) moved to match.

    A crop's plate is the whole image; a frame without boxes is aimed at its middle.
    ``key`` names the image, so each image gets its own, repeatable, draw.
    """
    if condition not in _DEGRADERS:
        raise ValueError(f"condition: unknown {condition!r}, expected one of {', '.join(CONDITIONS)}")
    rng = np.random.default_rng(zlib.crc32(f"{condition}:{key}".encode()))
    height, width = image.shape[:2]
    if crop:
        plate = (0, 0, width, height)
    elif boxes:
        plate = plate_extent(image, boxes[0])
    else:
        plate = (width * 2 // 5, height * 2 // 5, width * 3 // 5, height * 3 // 5)
    degraded, moved = _DEGRADERS[condition](image, [plate, *boxes], crop, rng)
    return degraded, moved[1:]


PLATE_HUES = ((95, 130), (35, 90), (15, 35))  # OpenCV hue (0-180) of blue, green and yellow plates


def plate_extent(image: np.ndarray, box: Box) -> Box:
    """The plate inside a labelled box: the rows and columns mostly of its background colour.

    The colour (blue, green or yellow) is the commonest saturated hue in the middle of the box.
    The box itself when no colour fills that middle (a white or black plate) or the colour
    spans less than 60 % of its width (something else of that colour).
    """
    h_img, w_img = image.shape[:2]
    x1, y1, x2, y2 = max(box[0], 0), max(box[1], 0), min(box[2], w_img), min(box[3], h_img)
    if x2 - x1 < 8 or y2 - y1 < 4:
        return box
    hsv = cv2.cvtColor(image[y1:y2, x1:x2], cv2.COLOR_BGR2HSV)
    saturated = (hsv[..., 1] > 70) & (hsv[..., 2] > 40)
    height, width = saturated.shape
    middle = (slice(height // 4, height - height // 4), slice(width // 4, width - width // 4))
    masks = [saturated & (hsv[..., 0] >= lo) & (hsv[..., 0] < hi) for lo, hi in PLATE_HUES]
    colour = max(masks, key=lambda m: int(m[middle].sum()))
    cols, rows = np.flatnonzero(colour.mean(axis=0) > 0.25), np.flatnonzero(colour.mean(axis=1) > 0.25)
    if colour[middle].mean() < 0.3 or cols.size == 0 or rows.size == 0 or cols[-1] - cols[0] < 0.6 * width:
        return box
    return x1 + int(cols[0]), y1 + int(rows[0]), x1 + int(cols[-1]) + 1, y1 + int(rows[-1]) + 1


def _clean(image: np.ndarray, boxes: Boxes, crop: bool, rng: np.random.Generator) -> Degraded:
    return image, boxes


def _distance(image: np.ndarray, boxes: Boxes, crop: bool, rng: np.random.Generator) -> Degraded:
    width = max(boxes[0][2] - boxes[0][0], 1)
    scale = min(rng.uniform(*DISTANCE_WIDTH) / width, 1.0)
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (3, 3), 0.6)  # optics and compression lose the finest detail
    moved = [_scale_box(b, scale, 0, 0) for b in boxes]
    if crop:
        return small, moved
    scene = np.full((SCENE[1], SCENE[0], 3), GREY, dtype=np.uint8)
    h, w = min(small.shape[0], SCENE[1]), min(small.shape[1], SCENE[0])
    top, left = int(rng.integers(0, SCENE[1] - h + 1)), int(rng.integers(0, SCENE[0] - w + 1))
    scene[top : top + h, left : left + w] = small[:h, :w]
    return scene, [_scale_box(b, 1.0, left, top) for b in moved]


def _tilt(image: np.ndarray, boxes: Boxes, crop: bool, rng: np.random.Generator) -> Degraded:
    x1, y1, x2, y2 = boxes[0]
    centre = np.array([(x1 + x2) / 2, (y1 + y2) / 2], dtype=np.float32)
    angle, squeeze = np.radians(rng.uniform(-25, 25)), rng.uniform(0.0, 0.2)
    near = np.array([[x1, y1], [x2, y1], [x2, y2], [x1, y2]], dtype=np.float32) - centre
    far = near.copy()
    far[[0, 3] if rng.random() < 0.5 else [1, 2], 1] *= 1 - squeeze  # the receding end looks shorter
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(near + centre, far @ rotation.T + centre)
    if crop:  # grow the canvas so the turned plate stays whole, with the surroundings replicated
        corners = cv2.perspectiveTransform(near[None] + centre, matrix)[0]
        lo = np.floor(corners.min(axis=0)) - 4
        matrix = np.array([[1, 0, -lo[0]], [0, 1, -lo[1]], [0, 0, 1]]) @ matrix
        size = tuple(int(v) for v in np.ceil(corners.max(axis=0) - lo) + 4)
    else:
        size = (image.shape[1], image.shape[0])
    turned = cv2.warpPerspective(image, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return turned, [_warp_box(b, matrix) for b in boxes]


def _blur(image: np.ndarray, boxes: Boxes, crop: bool, rng: np.random.Generator) -> Degraded:
    length = max(3, int(round((boxes[0][2] - boxes[0][0]) * rng.uniform(0.025, 0.05))))
    line = np.zeros((length, length), dtype=np.float32)
    line[length // 2, :] = 1.0
    turn = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), rng.uniform(-20, 20), 1.0)
    kernel = cv2.warpAffine(line, turn, (length, length))
    kernel = (kernel / max(float(kernel.sum()), 1e-6)).astype(np.float32)
    return cv2.filter2D(image, -1, kernel), boxes


def _night(image: np.ndarray, boxes: Boxes, crop: bool, rng: np.random.Generator) -> Degraded:
    """Dark all round but for the plate, which the camera's illuminator lights."""
    scene, plate = rng.uniform(0.2, 0.35), rng.uniform(0.45, 0.7)
    if crop:
        return _after_dark(image, boxes, np.full(image.shape[:2], plate, dtype=np.float32), rng)
    x1, y1, x2, y2 = boxes[0]
    plate_area = np.zeros(image.shape[:2], dtype=np.float32)
    grow_x, grow_y = (x2 - x1) // 10, (y2 - y1) // 5  # the light falls a little beyond the plate
    plate_area[max(y1 - grow_y, 0) : y2 + grow_y, max(x1 - grow_x, 0) : x2 + grow_x] = 1.0
    lit: np.ndarray = cv2.GaussianBlur(plate_area, (0, 0), max((y2 - y1) / 3, 1.0))
    return _after_dark(image, boxes, scene + (plate - scene) * lit, rng)


def _night_unlit(image: np.ndarray, boxes: Boxes, crop: bool, rng: np.random.Generator) -> Degraded:
    gain = np.full(image.shape[:2], rng.uniform(0.2, 0.35), dtype=np.float32)
    return _after_dark(image, boxes, gain, rng)


def _after_dark(image: np.ndarray, boxes: Boxes, gain: np.ndarray, rng: np.random.Generator) -> Degraded:
    """``image`` at ``gain`` (per pixel) and gamma 1.3, a headlight's glare beside the plate, sensor noise."""
    dark = (image.astype(np.float32) / 255.0) ** 1.3 * 255.0 * gain[..., None]
    x1, y1, x2, y2 = boxes[0]
    width = x2 - x1
    side = -1 if rng.random() < 0.5 else 1
    centre = ((x1 + x2) / 2 + side * width * rng.uniform(0.9, 1.4),
              (y1 + y2) / 2 + rng.uniform(-0.3, 0.3) * width)
    dark += _spot(image.shape, centre, width * rng.uniform(0.35, 0.6))[..., None] * 255.0
    dark += rng.normal(0.0, rng.uniform(5.0, 10.0), image.shape)
    return np.clip(dark, 0, 255).astype(np.uint8), boxes


def _glare(image: np.ndarray, boxes: Boxes, crop: bool, rng: np.random.Generator) -> Degraded:
    x1, y1, x2, y2 = boxes[0]
    width, height = x2 - x1, y2 - y1
    centre = (x1 + width * rng.uniform(0.1, 0.9), y1 + height * rng.uniform(0.2, 0.8))
    spot = _spot(image.shape, centre, width * rng.uniform(0.14, 0.24), stretch=rng.uniform(1.5, 2.5))
    alpha = np.clip(spot * rng.uniform(0.65, 0.9), 0, 1)[..., None]
    washed = image.astype(np.float32) * (1 - alpha) + 255.0 * alpha
    return washed.astype(np.uint8), boxes


def _rain(image: np.ndarray, boxes: Boxes, crop: bool, rng: np.random.Generator) -> Degraded:
    wet = image.astype(np.float32) * 0.8 + 30.0
    streaks = np.zeros(image.shape[:2], dtype=np.float32)
    height, width = image.shape[:2]
    plate_width = boxes[0][2] - boxes[0][0]
    length = max(4.0, plate_width * rng.uniform(0.08, 0.15))
    slant = rng.uniform(-0.35, 0.35)
    for _ in range(int(height * width / 2500) + 2):  # about 370 streaks in a 1280x720 frame
        x, y = rng.uniform(0, width), rng.uniform(0, height)
        end = (int(x + slant * length), int(y + length * rng.uniform(0.6, 1.2)))
        cv2.line(streaks, (int(x), int(y)), end, float(rng.uniform(0.3, 0.6)), 1, cv2.LINE_AA)
    x1, y1, x2, y2 = boxes[0]
    for _ in range(int(rng.integers(1, 4))):  # drops on the plate
        centre = (int(rng.uniform(x1, x2)), int(rng.uniform(y1, y2)))
        cv2.circle(streaks, centre, max(1, int(plate_width * rng.uniform(0.015, 0.03))), 0.5, -1, cv2.LINE_AA)
    wet = wet * (1 - streaks[..., None]) + 210.0 * streaks[..., None]
    return cv2.GaussianBlur(np.clip(wet, 0, 255).astype(np.uint8), (3, 3), 0.7), boxes


def _spot(shape: tuple[int, ...], centre: tuple[float, float], radius: float,
          stretch: float = 1.0) -> np.ndarray:
    """A soft bright spot, 1 at its centre, ``stretch`` times wider than high."""
    ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float32)
    distance = ((xs - centre[0]) / stretch) ** 2 + (ys - centre[1]) ** 2
    spot: np.ndarray = np.exp(-distance / (2 * max(radius, 1.0) ** 2))
    return spot


def _scale_box(box: Box, scale: float, dx: int, dy: int) -> Box:
    x1, y1, x2, y2 = box
    return (int(x1 * scale) + dx, int(y1 * scale) + dy,
            int(np.ceil(x2 * scale)) + dx, int(np.ceil(y2 * scale)) + dy)


def _warp_box(box: Box, matrix: np.ndarray) -> Box:
    x1, y1, x2, y2 = box
    corners = np.array([[[x1, y1], [x2, y1], [x2, y2], [x1, y2]]], dtype=np.float32)
    moved = cv2.perspectiveTransform(corners, matrix)[0]
    return (int(moved[:, 0].min()), int(moved[:, 1].min()), int(np.ceil(moved[:, 0].max())),
            int(np.ceil(moved[:, 1].max())))


_DEGRADERS: dict[str, Degrade] = {
    "clean": _clean,
    "distance": _distance,
    "tilt": _tilt,
    "blur": _blur,
    "night": _night,
    "night_unlit": _night_unlit,
    "glare": _glare,
    "rain": _rain,
}
