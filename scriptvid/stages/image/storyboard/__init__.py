"""The default image backend: a flat-illustration storyboard frame drawn from the scene, on a CPU.

looks.py (how each character is drawn), light.py (colours, the time of day's grade and sky),
canvas.py (the drawing surface), props.py (what places are made of), interiors.py and exteriors.py
(the places), places.py (which place a scene is), figures.py (the people), backend.py (the frame and
its layers).
"""

from .backend import StoryboardBackend

__all__ = ["StoryboardBackend"]
