"""What a parse backend does."""

from __future__ import annotations

from typing import Protocol

from ...model import Script


class Backend(Protocol):
    def parse(self, data: bytes, name: str, max_scenes: int) -> Script:
        """The script in `data` (file name `name`) as scenes; InputError when it cannot be used."""
        ...
