"""What a plate's colour says about its length: a green (new-energy) plate carries 8 characters,
a blue one 7.

A recogniser that runs two like digits together (皖AD00518 read as 皖AD0518) still spells a valid
plate, one character short; the colour of the plate gives it away. The colour is judged in the
middle of the line (a fifth of its height and a tenth of its width in from each side) from its
vivid pixels only, and only when one hue clearly fills it: under glare, at night or on a
colour-cast plate the colour says nothing (``None``). Over the dev crops and frames under every
condition (docs/reader.md) no blue plate was judged green; of the two green plates, the crop was
judged green in 5 of the 8 conditions (not in the dark or under glare), the frame's in 7.
"""

from __future__ import annotations

import cv2
import numpy as np

BLUE_HUES = (95, 135)  # OpenCV hue (0-180)
GREEN_HUES = (35, 90)
VIVID_SATURATION, VIVID_VALUE = 80, 50
GREEN_SHARE = 0.35  # of the middle's pixels, for a green plate
BLUE_SHARE = 0.30  # for a blue one
# A green plate has next to no blue pixel (none on the dev set's two, under any condition); a blue
# plate cast green by its light keeps a few (the dev crop lprnet_0280 under distance: 3-5 %).
BLUE_IN_GREEN = 0.01
STRAY = 0.05  # the most of the middle another vivid hue may take for the colour to count


def plate_length(line: np.ndarray) -> int | None:
    """8 for a clearly green plate, 7 for a clearly blue one, else None."""
    height, width = line.shape[:2]
    if height < 5 or width < 10:
        return None
    middle = line[height // 5 : height - height // 5, width // 10 : width - width // 10]
    hsv = cv2.cvtColor(middle, cv2.COLOR_BGR2HSV)
    hue = hsv[..., 0]
    vivid = (hsv[..., 1] >= VIVID_SATURATION) & (hsv[..., 2] >= VIVID_VALUE)
    blue = float(np.mean(vivid & (hue >= BLUE_HUES[0]) & (hue < BLUE_HUES[1])))
    green = float(np.mean(vivid & (hue >= GREEN_HUES[0]) & (hue < GREEN_HUES[1])))
    other = float(np.mean(vivid)) - blue - green
    if green >= GREEN_SHARE and blue <= BLUE_IN_GREEN and other <= STRAY:
        return 8
    if blue >= BLUE_SHARE and green <= STRAY:
        return 7
    return None
