"""What an image backend is asked for and what it must write."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ...model import Scene
from ...settings import CharacterSettings

# Besides image.png, what a backend that knows the scene's layers writes (the drawn storyboard does):
# the setting without people (with a margin for the camera), the people alone, where each mouth is.
LAYER_FILES = ("background.png", "figures.png", "figures.json")


@dataclass(frozen=True)
class ImageRequest:
    scene: Scene
    prompt: str  # the scene's image prompt
    seed: int  # the same request with the same seed gives the same picture
    width: int
    height: int
    characters: Mapping[str, CharacterSettings]  # the settings of the scene's characters, by name
    title: str  # the film's
    # A reference picture per character in the scene, for backends that use them (see stages/cast.py).
    references: Mapping[str, Path] = field(default_factory=dict)


class Backend(Protocol):
    """An image backend. One that draws from reference pictures also has
    `uses_references(section) -> bool` (a classmethod) and `portrait(name, look, seed, path)`, which
    writes a picture of one character from its description: see stages/cast.py."""

    def render(self, req: ImageRequest, out_dir: Path) -> None:
        """Write `image.png` (req.width x req.height) into the empty folder `out_dir`, and, where the
        backend knows them, the layers: background.png, figures.png and figures.json."""
        ...
