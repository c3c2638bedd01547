"""Where each scene sits in the film, and how it hands over to the next.

A transition between two scenes overlaps them by `d` seconds (0 for a cut). Each scene is encoded
in pieces (by `animate`, which lists them in the scene's `animation.json`): its head (the first
`d_in` seconds, which the previous transition blends over), its body (one or more pieces), and its
tail (the last `d_out` seconds). Only the short blends are encoded apart (the `transition` step);
the assembler joins everything as it is, so an unchanged scene is never encoded again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import fsutil, scenes
from .project import Project
from .settings import Settings

TITLE_SECONDS = 3.0
PIECES = "animation.json"  # a scene's pieces, in order, as its animation made them


@dataclass(frozen=True)
class Piece:
    """Frames first..stop-1 of a scene, encoded on their own as `file` (relative to the scene)."""

    role: str  # "head", "body" or "tail"
    first: int
    stop: int
    file: str


def pieces(scene_dir: Path) -> list[Piece]:
    """The scene's pieces in order, as its last animation listed them (none where there is none)."""
    listed = fsutil.read_json(scene_dir / PIECES, {})
    try:
        return [Piece(**p) for p in listed.get("pieces", [])]
    except (TypeError, AttributeError):  # a list of another shape: the animation makes a new one
        return []


def piece(scene_dir: Path, role: str) -> Path | None:
    """The scene's head or tail piece, where it has one."""
    found = [p for p in pieces(scene_dir) if p.role == role]
    return scene_dir / found[0].file if found else None


def body(scene_dir: Path) -> list[Path]:
    """The pieces the film shows of the scene between its transitions, in order."""
    return [scene_dir / p.file for p in pieces(scene_dir) if p.role == "body"]


@dataclass(frozen=True)
class Handover:
    kind: str  # "cut", "dissolve", "fade"
    seconds: float  # overlap, whole frames; 0 for a cut


def handover(written: str, settings: Settings) -> Handover:
    """The transition out of a scene whose script says `written` ("CUT TO:", "" ...)."""
    kind = scenes.transition_kind(written, settings.transitions.default)
    if kind == "cut":
        return Handover("cut", 0.0)
    seconds = settings.transitions.duration * (1.5 if kind == "fade" else 1.0)
    # Every scene lasts at least min_scene, and an overlap at each end of at most 40 % of that
    # leaves every scene a body of its own.
    seconds = min(seconds, settings.timing.min_scene * 0.4)
    fps = settings.video.fps
    return Handover(kind, round(seconds * fps) / fps)


def title_handover(settings: Settings) -> Handover:
    return handover("FADE IN:", settings)


def scene_names(project: Project) -> list[str]:
    return list(fsutil.read_json(project.path / "script.json", {}).get("scenes", []))


def incoming(project: Project, scene: str, settings: Settings) -> Handover:
    """The transition into `scene`: the previous scene's own, or the title card's for the first."""
    names = scene_names(project)
    index = names.index(scene)
    if index == 0:
        return title_handover(settings)
    previous = project.scenes_dir / names[index - 1] / "scene.yaml"
    return handover(_written_transition(previous), settings)


def outgoing(project: Project, scene: str, written: str, settings: Settings) -> Handover:
    """The transition out of `scene`; the last scene ends with the film (it fades out itself)."""
    names = scene_names(project)
    if names and names[-1] == scene:
        return Handover("end", 0.0)
    return handover(written, settings)


def _written_transition(scene_yaml: Path) -> str:
    try:
        return scenes.read(scene_yaml).scene.transition
    except Exception:  # a broken neighbour fails its own scene; here the default applies
        return ""


@dataclass(frozen=True)
class Placement:
    """A scene on the film's timeline."""

    name: str
    heading: str
    start: float  # seconds from the start of the film
    duration: float
    into: Handover
    out: Handover


@dataclass(frozen=True)
class Layout:
    title: Placement
    scenes: list[Placement]

    @property
    def duration(self) -> float:
        last = self.scenes[-1] if self.scenes else self.title
        return last.start + last.duration


def layout(project: Project, settings: Settings) -> Layout:
    """Every scene's start, length and handovers, from the scenes' cues.json and scene.yaml."""
    names = scene_names(project)
    into = title_handover(settings)
    title = Placement("title", "", 0.0, TITLE_SECONDS, Handover("cut", 0.0), into)
    start = TITLE_SECONDS - into.seconds
    placed = []
    for index, name in enumerate(names):
        folder = project.scenes_dir / name
        spec = scenes.read(folder / "scene.yaml")
        duration = float(fsutil.read_json(folder / "voice" / "cues.json")["duration"])
        out = Handover("end", 0.0) if index == len(names) - 1 else handover(spec.scene.transition, settings)
        placed.append(Placement(name, spec.scene.heading, round(start, 6), duration, into, out))
        start += duration - out.seconds
        into = out
    return Layout(title, placed)
