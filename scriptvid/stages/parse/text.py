"""The default parser: Fountain 1.1 and the loose formats people write, recognised from the text."""

from __future__ import annotations

from ...backends import Backend
from ...model import Script
from ...settings import TextSettings
from .reader import read_script


class TextParser(Backend):
    NAME = "text"
    settings: TextSettings

    def parse(self, data: bytes, name: str, max_scenes: int) -> Script:
        return read_script(data, name, max_scenes=max_scenes, kind=self.settings.format)
