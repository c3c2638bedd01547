"""A drawn character's mouth at any opening: used by the storyboard for the still and by lipsync per frame.

The storyboard draws every figure's mouth with `draw_mouth(..., openness=0.0)`, so a lipsync frame with
the mouth closed is pixel for pixel the still, and an open mouth always covers the closed one.
"""

from __future__ import annotations

from collections.abc import Mapping

import cv2
import numpy as np

_SHIFT = 4  # cv2 fixed-point bits: positions and sizes are drawn with 1/16 px precision
_ONE = 1 << _SHIFT
_LIP = (92, 40, 42)
_INSIDE = (74, 26, 34)
_TONGUE = (214, 108, 112)
_TEETH = (250, 248, 242)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _fx(v: float) -> int:
    return round(v * _ONE)


def draw_mouth(frame: np.ndarray, mouth: Mapping[str, float], openness: float, skin: str) -> None:
    """Draw in place, on an HxWx3 uint8 RGB frame, a mouth from a closed smile (0.0) to wide open (1.0).

    `mouth` is the figure's `{"x", "y", "width", "height"}` from figures.json (frame pixels): width is the
    closed mouth's width, height the opening at 1.0. A skin-coloured patch is painted first so that
    whatever mouth was there before is covered.
    """
    t = min(max(float(openness), 0.0), 1.0)
    cx, cy = float(mouth["x"]), float(mouth["y"])
    w, h = float(mouth["width"]), float(mouth["height"])
    x0, y0 = max(int(cx - w) - 2, 0), max(int(cy - h) - 2, 0)
    x1, y1 = min(int(cx + w) + 3, frame.shape[1]), min(int(cy + h) + 3, frame.shape[0])
    if x1 <= x0 or y1 <= y0:
        return
    # cv2 wants a contiguous array; drawing into a copy of the small region keeps each call well under 1 ms.
    patch = np.ascontiguousarray(frame[y0:y1, x0:x1])
    px, py = cx - x0, cy - y0
    aa = cv2.LINE_AA
    cv2.ellipse(
        patch, (_fx(px), _fx(py)), (_fx(w * 0.68), _fx(h * 0.72)), 0, 0, 360, _rgb(skin), -1, aa, _SHIFT
    )
    lip = max(1, round(w * 0.12))
    if t < 0.08:
        # Closed: a gentle smile, a shallow arc below the centre line.
        pts = np.array(
            [[_fx(px + w * 0.5 * s), _fx(py + h * 0.12 * (1 - s * s))] for s in np.linspace(-1, 1, 9)],
            dtype=np.int32,
        )
        cv2.polylines(patch, [pts], False, _LIP, lip, aa, _SHIFT)
    else:
        ow = w * (0.92 - 0.12 * t)  # about the closed width at first, rounder as it opens
        oh = max(h * t, lip * 1.2)
        centre = (_fx(px), _fx(py + oh * 0.12))
        axes = (_fx(ow / 2), _fx(oh / 2))
        cv2.ellipse(patch, centre, axes, 0, 0, 360, _INSIDE, -1, aa, _SHIFT)
        if t > 0.3:
            # Teeth: the ellipse's upper cap, cut by a chord, so they never leave the mouth.
            centre8 = (round(px * 8), round((py + oh * 0.12) * 8))
            ring = np.asarray(cv2.ellipse2Poly(centre8, (round(ow * 4), round(oh * 4)), 0, 0, 360, 10))
            cut = (py + oh * 0.12 - oh * 0.22) * 8
            cap = ring[ring[:, 1] <= cut]
            if len(cap) >= 3:
                cap = cap[np.argsort(np.arctan2(cap[:, 1] - cut, cap[:, 0] - px * 8))]
                cv2.fillPoly(patch, [(cap * 2).astype(np.int32)], _TEETH, aa, _SHIFT)
            tongue = (_fx(px), _fx(py + oh * 0.12 + oh * 0.26))
            cv2.ellipse(patch, tongue, (_fx(ow * 0.27), _fx(oh * 0.2)), 0, 0, 360, _TONGUE, -1, aa, _SHIFT)
        cv2.ellipse(patch, centre, axes, 0, 0, 360, _LIP, max(1, lip // 2), aa, _SHIFT)
    frame[y0:y1, x0:x1] = patch
