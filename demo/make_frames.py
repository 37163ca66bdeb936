"""Render the demo's camera frames: synthetic cars with real-format plates.

    python -m demo.make_frames [--out demo/frames] [--font PATH]

The frames are drawn here, so the project has every right to ship them. They
need a CJK font for the province character (Debian: fonts-noto-cjk); the
rendered JPEGs are committed, so running the demo needs no font.

The demo replays each lane's folder with the ``every`` trigger: one frame is one
vehicle. ``--frames-per-vehicle 3`` draws a car rolling towards the camera in
several frames, for trying the motion trigger and the consensus over frames.
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1280, 720
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
OUT = Path(__file__).parent / "frames"


@dataclass(frozen=True)
class Vehicle:
    plate: str
    lane: str  # "entry" or "exit"
    body: tuple[int, int, int]  # BGR


# The demo's story: two contract holders come and go, a stranger is turned away,
# a visitor one character off a contract goes to the guard, one car stays too long.
VEHICLES = (
    Vehicle("沪A12345", "entry", (40, 40, 160)),
    Vehicle("沪AD12345", "entry", (200, 200, 200)),
    Vehicle("京C55555", "entry", (60, 60, 60)),
    Vehicle("沪A12346", "entry", (120, 90, 30)),
    Vehicle("沪B67890", "entry", (30, 110, 60)),
    Vehicle("沪A12345", "exit", (40, 40, 160)),
    Vehicle("沪AD12345", "exit", (200, 200, 200)),
    Vehicle("沪B67890", "exit", (30, 110, 60)),  # leaves after its deadline
)


def render_plate(plate: str, font_path: str) -> np.ndarray:
    """A plate image in its colours: blue with white text, green (8 characters) with black."""
    green = len(plate) == 8
    w, h = (480, 140) if green else (440, 140)  # millimetres, drawn at 1 px/mm
    img = Image.new("RGB", (w, h), (30, 170, 80) if green else (20, 70, 190))
    draw = ImageDraw.Draw(img)
    if green:  # new-energy plates fade from white to green
        for y in range(h):
            t = y / h
            draw.line([(0, y), (w, y)], fill=(int(235 - 200 * t), int(245 - 75 * t), int(235 - 155 * t)))
    ink = (10, 10, 10) if green else (245, 245, 245)
    draw.rectangle([4, 4, w - 5, h - 5], outline=ink, width=3)
    font = ImageFont.truetype(font_path, 120)
    cell_w, cell_h, gap = (43, 90, 9.5) if green else (45, 90, 12)
    x = 15.5
    for i, ch in enumerate(plate):
        if i == 2:
            draw.ellipse([x + 1, 65, x + 11, 75], fill=ink)  # the separator dot
            x += 22 if not green else 14
        glyph = _glyph(ch, font, ink).resize((cell_w, cell_h), Image.Resampling.LANCZOS)
        img.paste(glyph, (int(x), 25), glyph)
        x += cell_w + gap
    return cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)


def _glyph(ch: str, font: ImageFont.FreeTypeFont, ink: tuple[int, int, int]) -> Image.Image:
    """One character, cropped to its ink, as an RGBA tile (plates use tall narrow glyphs)."""
    tile = Image.new("L", (160, 160), 0)
    ImageDraw.Draw(tile).text((10, 0), ch, font=font, fill=255)
    box = tile.getbbox() or (0, 0, 1, 1)
    alpha = tile.crop(box)
    solid = Image.new("RGBA", alpha.size, (*ink, 255))
    solid.putalpha(alpha)
    return solid


def render_frame(plate_img: np.ndarray, body: tuple[int, int, int], scale: float,
                 shift: int, rng: random.Random) -> np.ndarray:
    """A road, a car front and its plate, with perspective, blur and noise."""
    frame = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    for y in range(HEIGHT):  # sky-ish wall above, asphalt below
        frame[y] = (90 + y // 12, 95 + y // 12, 100 + y // 12) if y < 260 else (70, 72, 75)
    cx, cy = WIDTH // 2 + shift, int(430 + 120 * (scale - 0.8))
    car_w, car_h = int(620 * scale), int(330 * scale)
    cv2.rectangle(frame, (cx - car_w // 2, cy - car_h // 2), (cx + car_w // 2, cy + car_h // 2), body, -1)
    cv2.rectangle(frame, (cx - car_w // 3, cy - car_h // 2 + 10), (cx + car_w // 3, cy - car_h // 6),
                  (40, 40, 40), -1)  # windscreen
    for side in (-1, 1):  # headlights
        cv2.circle(frame, (cx + side * car_w // 3, cy + car_h // 10), int(28 * scale), (200, 230, 240), -1)
    pw = int(200 * scale)
    ph = int(pw * plate_img.shape[0] / plate_img.shape[1])
    src = np.float32([[0, 0], [plate_img.shape[1], 0], [plate_img.shape[1], plate_img.shape[0]],
                      [0, plate_img.shape[0]]])
    x0, y0 = cx - pw // 2, cy + car_h // 4
    skew = rng.uniform(-0.04, 0.04) * pw
    dst = np.float32([[x0, y0 + skew], [x0 + pw, y0 - skew], [x0 + pw, y0 + ph - skew], [x0, y0 + ph + skew]])
    warped = cv2.warpPerspective(plate_img, cv2.getPerspectiveTransform(src, dst), (WIDTH, HEIGHT))
    mask = cv2.warpPerspective(np.full(plate_img.shape[:2], 255, np.uint8),
                               cv2.getPerspectiveTransform(src, dst), (WIDTH, HEIGHT))
    frame[mask > 0] = warped[mask > 0]
    frame = cv2.GaussianBlur(frame, (3, 3), rng.uniform(0.4, 1.0))
    noise = np.random.default_rng(rng.randrange(1 << 30)).normal(0, 5, frame.shape)
    return np.clip(frame.astype(np.float32) + noise, 0, 255).astype(np.uint8)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--font", default=FONT)
    parser.add_argument("--frames-per-vehicle", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(2026)
    rows = ["file,plate,kind,x1,y1,x2,y2,source_repo,source_path"]  # the dev set's format
    for n, vehicle in enumerate(VEHICLES):
        plate_img = render_plate(vehicle.plate, args.font)
        lane_dir = args.out / vehicle.lane
        lane_dir.mkdir(parents=True, exist_ok=True)
        for k in range(args.frames_per_vehicle):
            frame = render_frame(plate_img, vehicle.body, 1.0 + 0.12 * k, rng.randint(-60, 60), rng)
            suffix = f"_{k}" if args.frames_per_vehicle > 1 else ""
            name = f"{vehicle.lane}/{n:02d}{suffix}.jpg"
            cv2.imwrite(str(args.out / name), frame, [cv2.IMWRITE_JPEG_QUALITY, 85])
            rows.append(f"{name},{vehicle.plate},frame,,,,,offpeak-parking,demo/make_frames.py")
    (args.out / "labels.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
