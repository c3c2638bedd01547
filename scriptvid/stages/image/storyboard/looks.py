"""How a character is drawn in every scene: clothes, build, height, hair and skin, derived from the
name, with the settings winning."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ....settings import CharacterSettings

BUILDS = {"slim": 0.84, "average": 1.0, "broad": 1.2}
HEIGHTS = {"short": 0.9, "average": 1.0, "tall": 1.1}
# What a character's settings may choose (settings.CharacterSettings checks the values).
_CHOSEN = ("colour", "hair_colour", "skin", "build", "height", "hair")
_CLOTHES = (
    "#e4572e", "#2e86ab", "#f2a541", "#6a4c93", "#3bb273", "#d1495b", "#119da4", "#ef8354",
    "#4f6d7a", "#c05299", "#7768ae", "#e9c46a", "#5b8e7d", "#bc4b51", "#3d5a80", "#f28482",
)  # fmt: skip
_SKINS = ("#f7d7bf", "#efc3a0", "#e0ac86", "#c98e66", "#ad7350", "#8d5538", "#6e4029")
_HAIR_COLOURS = ("#2a1f1a", "#3e2a1f", "#5a3825", "#7d4f2c", "#a5562b", "#d9b26f", "#a3a3a3", "#1d1d26")
_TROUSERS = ("#2f3e57", "#3b3b47", "#4a3b31", "#56657a", "#6b5a45", "#2e4a4a", "#453a5c")
# Weighted so that bald and bun are rarer than short and long.
_HAIR_WEIGHTED = ("short", "short", "short", "long", "long", "long", "curly", "curly", "bun", "bald")


@dataclass(frozen=True)
class Look:
    """How one character is drawn in every scene."""

    colour: str  # clothes, "#rrggbb"
    build: str  # slim | average | broad
    height: str  # short | average | tall
    hair: str  # short | long | bald | curly | bun
    hair_colour: str
    skin: str
    trousers: str  # derived from the name only


def character_look(name: str, chosen: CharacterSettings | None = None) -> Look:
    """The look of the character `name`: derived from the name's hash, with what the settings chose
    (already checked, in lower case) winning."""
    h = hashlib.sha256(name.strip().upper().encode()).digest()
    look = {
        "colour": _CLOTHES[h[0] % len(_CLOTHES)],
        "build": ("slim", "average", "average", "broad")[h[1] % 4],
        "height": ("short", "average", "average", "tall")[h[2] % 4],
        "hair": _HAIR_WEIGHTED[h[3] % len(_HAIR_WEIGHTED)],
        "hair_colour": _HAIR_COLOURS[h[4] % len(_HAIR_COLOURS)],
        "skin": _SKINS[h[5] % len(_SKINS)],
        "trousers": _TROUSERS[h[6] % len(_TROUSERS)],
    }
    if chosen is not None:
        look.update({key: getattr(chosen, key) for key in _CHOSEN if getattr(chosen, key)})
    return Look(**look)
