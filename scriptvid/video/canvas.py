"""A frame as the encoder takes it: I420 planes, with RGB patches for what is drawn on top."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import cv2
import numpy as np


class Canvas:
    """A frame as the encoder takes it (I420: full-size luma, quarter-size chroma), with RGB patches
    for what is drawn on top (mouths, subtitles).

    Warping the three planes moves half the bytes of an RGB frame and needs no conversion per frame;
    only the small patches that overlays draw on are converted, and back.
    """

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.data = np.empty((height * 3 // 2, width), dtype=np.uint8)
        self._kept: np.ndarray | None = None  # the picture `restore` goes back to
        self._drawn: list[tuple[int, int, int, int]] | None = []  # rectangles changed since; None: all

    def keep(self) -> None:
        """Remember the frame as it is now, for `restore`."""
        if self._kept is None:
            self._kept = np.empty_like(self.data)
        np.copyto(self._kept, self.data)
        self._drawn = []

    def restore(self) -> None:
        """Back to the frame `keep` remembered, copying only what was drawn over since."""
        assert self._kept is not None, "restore() before keep()"
        if self._drawn is None:
            np.copyto(self.data, self._kept)
        else:
            kept_y, kept_u, kept_v = self.planes_of(self._kept)
            y, u, v = self.planes
            for top, bottom, left, right in self._drawn:
                y[top:bottom, left:right] = kept_y[top:bottom, left:right]
                cy, cx = slice(top // 2, bottom // 2), slice(left // 2, right // 2)
                u[cy, cx] = kept_u[cy, cx]
                v[cy, cx] = kept_v[cy, cx]
        self._drawn = []

    @property
    def planes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.planes_of(self.data)

    def planes_of(self, data: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The planes of any frame of this canvas's size (another canvas's `data`, say)."""
        w, h = self.width, self.height
        chroma = data[h:].reshape(2, h // 2, w // 2)
        return data[:h], chroma[0], chroma[1]

    def set_rgb(self, rgb: np.ndarray) -> None:
        cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420, dst=self.data)

    @contextmanager
    def patch(self, x0: float, y0: float, x1: float, y1: float) -> Iterator[tuple[np.ndarray, int, int]]:
        """An RGB copy of a rectangle and its top-left, written back to the planes afterwards.

        The rectangle is widened to even edges and a height of a multiple of four, so that it is a
        small I420 picture of its own, converted both ways by the same routine as whole frames.
        """
        left, right = max(int(x0) & ~1, 0), min((int(x1) + 2) & ~1, self.width)
        top = max(int(y0) & ~1, 0)
        height = min(((int(y1) + 2 - top) + 3) & ~3, self.height & ~3)
        top = min(top, self.height - height)
        bottom = top + height
        if right <= left or height <= 0:
            yield np.empty((0, 0, 3), dtype=np.uint8), left, top
            return
        y, u, v = self.planes
        width = right - left
        cy, cx = slice(top // 2, bottom // 2), slice(left // 2, right // 2)
        small = np.concatenate(
            [
                y[top:bottom, left:right],
                u[cy, cx].reshape(height // 4, width),
                v[cy, cx].reshape(height // 4, width),
            ]
        )
        rgb = cv2.cvtColor(small, cv2.COLOR_YUV2RGB_I420)
        yield rgb, left, top
        back = cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420)
        if self._drawn is not None:
            self._drawn.append((top, bottom, left, right))
        y[top:bottom, left:right] = back[:height]
        u[cy, cx] = back[height : height + height // 4].reshape(height // 2, width // 2)
        v[cy, cx] = back[height + height // 4 :].reshape(height // 2, width // 2)

    def fade(self, level: float) -> None:
        """Towards black (luma 16, neutral chroma) by `level` (1: unchanged)."""
        self._drawn = None
        y, u, v = self.planes
        cv2.convertScaleAbs(y, dst=y, alpha=level, beta=16 * (1 - level))
        for plane in (u, v):
            cv2.convertScaleAbs(plane, dst=plane, alpha=level, beta=128 * (1 - level))
