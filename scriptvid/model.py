"""What a script becomes after parsing: plain, typed records shared by every stage.

A parser produces a `Script`; the parse stage writes each `Scene` to its own `scene.yaml`
(see `Scene.to_yaml_dict`), and every later stage reads the scene back from that file, so an
edit a person makes to `scene.yaml` is what the stages see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Line:
    """One spoken line of dialogue."""

    character: str  # the cue as written, without extension: "BRICK", "NARRATOR"
    text: str  # what is said, one paragraph, emphasis markers removed
    parenthetical: str = ""  # delivery, without the brackets: "whispering"
    extension: str = ""  # "V.O.", "O.S.", "CONT'D" (without brackets)
    dual: bool = False  # spoken at the same time as the previous line (Fountain `^`)

    @property
    def is_narration(self) -> bool:
        """Voice-over and narrators are heard, not seen: no mouth moves for them."""
        ext = self.extension.upper().replace(" ", "")
        return ext in {"V.O.", "VO", "O.S.", "OS", "O.C."} or self.character.upper() == "NARRATOR"


@dataclass(frozen=True)
class Scene:
    """One scene: where and when, what happens, who speaks."""

    number: int  # 1-based position in the film
    heading: str  # "INT. KITCHEN - NIGHT" or the loose format's own heading
    location: str = ""  # "KITCHEN"
    time_of_day: str = ""  # "NIGHT", "DAY", "DUSK", "DAWN", "CONTINUOUS", ... as written; "" if none
    interior: str = ""  # "INT", "EXT", "INT/EXT" or "" when the heading says neither
    action: tuple[str, ...] = ()  # action paragraphs in order
    characters: tuple[str, ...] = ()  # everyone who speaks or is named as present, first appearance order
    dialogue: tuple[Line, ...] = ()
    transition: str = ""  # transition out of this scene as written: "CUT TO:", "FADE OUT.", ""
    scene_number: str = ""  # Fountain's `#3#` scene number, if given
    synopsis: str = ""  # Fountain `= ...` synopses, joined
    section: str = ""  # the innermost Fountain `#` section this scene belongs to

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "heading": self.heading,
            "location": self.location,
            "time_of_day": self.time_of_day,
            "interior": self.interior,
            "action": list(self.action),
            "characters": list(self.characters),
            "dialogue": [
                {
                    k: v
                    for k, v in {
                        "character": ln.character,
                        "text": ln.text,
                        "parenthetical": ln.parenthetical,
                        "extension": ln.extension,
                        "dual": ln.dual,
                    }.items()
                    if v or k in ("character", "text")
                }
                for ln in self.dialogue
            ],
            "transition": self.transition,
            "scene_number": self.scene_number,
            "synopsis": self.synopsis,
            "section": self.section,
        }


@dataclass(frozen=True)
class Script:
    """A parsed script: its title page and its scenes."""

    title: str
    scenes: tuple[Scene, ...]
    title_page: dict[str, str] = field(default_factory=dict)  # "Title", "Credit", "Author", ...
    format: str = "fountain"  # which parser read it: "fountain", "video-script", "stage-play", ...
    # Scene number -> (image prompt, motion prompt), where a parser wrote them (the LLM's); the others
    # get the prompts parse/prompts.py writes from the scene.
    prompts: dict[int, tuple[str, str]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # what a person should know about how it was read (status.json `notes`)
