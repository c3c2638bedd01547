"""Faces in real frames, found with the Haar cascade OpenCV ships (nothing to download), followed from
frame to frame, and given to the scene's characters.

Detection runs on a copy of the frame at most 640 pixels wide, every `every` frames; between two
detections a face keeps its box, and a face the detector misses keeps it for a few detections more,
so that the box a lip-sync model works in does not jump or flicker. Boxes are eased towards each new
detection for the same reason. A face counts once two detections running have found it: a cascade
sometimes sees a face in a pattern for one frame.

Which face is whose: the faces left to right are the scene's characters in the order they first
appear (the order a drawn storyboard places them, and a prompt names them). One face alone is
whoever speaks; with fewer faces than characters the speaker takes the largest.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

DETECT_WIDTH = 640
HOLD = 3  # detections a face may be missed before it is let go
CONFIRM = 2  # detections that must find a face before it is taken for one
EASE = 0.5  # how far a box moves towards each new detection of its face


@dataclass
class Face:
    x: float
    y: float
    w: float
    h: float
    missed: int = 0
    seen: int = 1  # detections that found it: one alone may be a pattern in the picture, not a face

    @property
    def centre(self) -> tuple[float, float]:
        return self.x + self.w / 2, self.y + self.h / 2

    def box(self) -> tuple[int, int, int, int]:
        return round(self.x), round(self.y), round(self.w), round(self.h)


class FaceTracker:
    def __init__(self, every: int = 3, min_size: float = 0.08) -> None:
        path = cv2.data.haarcascades + "haarcascade_frontalface_default.xml"  # type: ignore[attr-defined]
        self.cascade = cv2.CascadeClassifier(path)
        if self.cascade.empty():
            raise RuntimeError(f"OpenCV's face cascade {path} cannot be read")
        self.every = max(1, every)
        self.min_size = min_size  # of the frame's height: smaller "faces" are texture, not people
        self.faces: list[Face] = []
        self.frames = 0

    def update(self, rgb: np.ndarray) -> list[Face]:
        """The faces in this frame, left to right: those found by two detections running or more."""
        if self.frames % self.every == 0:
            self._follow(self.detect(rgb))
        self.frames += 1
        return sorted((f for f in self.faces if f.seen >= CONFIRM), key=lambda f: f.centre[0])

    def detect(self, rgb: np.ndarray) -> list[tuple[float, float, float, float]]:
        height, width = rgb.shape[:2]
        scale = min(1.0, DETECT_WIDTH / width)
        grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        if scale < 1.0:
            grey = cv2.resize(
                grey, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA
            )
        grey = cv2.equalizeHist(grey)
        smallest = max(24, round(self.min_size * grey.shape[0]))
        found = self.cascade.detectMultiScale(
            grey, scaleFactor=1.1, minNeighbors=5, minSize=(smallest, smallest)
        )
        return [(x / scale, y / scale, w / scale, h / scale) for x, y, w, h in found]

    def _follow(self, found: list[tuple[float, float, float, float]]) -> None:
        """Match each detection to the nearest face already followed; ease matched boxes, keep missed ones
        a while, and start following new faces."""
        unmatched = list(found)
        for face in self.faces:
            cx, cy = face.centre
            near = [
                d
                for d in unmatched
                if abs(d[0] + d[2] / 2 - cx) < face.w / 2 and abs(d[1] + d[3] / 2 - cy) < face.h / 2
            ]
            if not near:
                face.missed += 1
                continue
            best = min(near, key=lambda d: (d[0] + d[2] / 2 - cx) ** 2 + (d[1] + d[3] / 2 - cy) ** 2)
            unmatched.remove(best)
            old = (face.x, face.y, face.w, face.h)
            face.x, face.y, face.w, face.h = (a + (b - a) * EASE for a, b in zip(old, best, strict=True))
            face.missed = 0
            face.seen += 1
        self.faces = [f for f in self.faces if f.missed <= HOLD] + [Face(*d) for d in unmatched]


def speakers_face(faces: list[Face], characters: tuple[str, ...], speaker: str) -> Face | None:
    """The face of `speaker` among the frame's faces (left to right), or None when it is not there."""
    if not faces:
        return None
    if len(faces) == 1:
        return faces[0]
    on_screen = [c for c in characters if c]
    if speaker in on_screen and len(faces) >= len(on_screen):
        return faces[on_screen.index(speaker)]
    return max(faces, key=lambda f: f.w * f.h)
