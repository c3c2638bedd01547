"""animate: the still becomes the scene's clip: a camera move, parallax, and the mouths of lipsync.

The default backend (`camera`) renders every frame in-process, mouths and subtitles drawn on;
a video model (`diffusers`) generates RGB frames. Where the lipsync backend works on real frames
(a lip-sync model: there are no drawn mouths to move), the frames go through it first, then the
subtitles and the fade are drawn on. This is the one place where a scene's picture is encoded:
every scene is encoded once, whichever backends made it.

The frames are streamed into one FFmpeg that cuts them into pieces, listed in order in
`animation.json`: the body, cut where the dialogue moves on, which the assembler joins as it is,
and, for a video model's frames, the head and the tail (the first and last frames, which the
transitions blend with the scenes beside it). A drawn scene's ends are not encoded: the transitions
draw them again (`Scene.end_frames`). Each piece is named after what its frames are made of, frame
by frame (the camera's pose, the mouths' openings, the subtitle, the fade, and the picture, the move
and the encoder's settings they share). A drawn scene asked again keeps every piece whose frames are
the same, wherever they now fall: a line said longer moves the frames after it, unchanged, so an
edited line encodes its own stretch of the scene and nothing else.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ... import backends, fsutil, media, proc, subtitles, timeline
from ...errors import StageError
from ...project import Project
from ...runner import Job
from ...video.camera import Overlay, Transform, fade_level, frame_count
from ...video.canvas import Canvas
from ...video.encode import encode
from ...video.mouth import draw_mouth
from .. import lipsync
from .interface import AnimateRequest

UNMOVED = Transform(1.0, 0.0, 0.0)

NAME = "animate"
PIECES_DIR = "pieces"
# Within one speech, a sentence this long after the camera last moved is a beat of its own.
LONG_SPEECH_BEAT = 4.0
# The body is not cut closer than this to a cut before it: each piece starts with a key frame.
MIN_PIECE_SECONDS = 1.0


def _handovers(job: Job) -> tuple[timeline.Handover, timeline.Handover]:
    name = job.scene_name
    return (
        timeline.incoming(job.project, name, job.film),
        timeline.outgoing(job.project, name, job.scene.scene.transition, job.film),
    )


def _shared(job: Job) -> dict[str, Any]:
    """What every frame of the scene is made of: the picture, the move, the encoder's settings."""
    return {
        **backends.identity(NAME, job.settings),
        "image": job.fingerprint_of("image", job.scene_name),
        "motion": job.scene.motion_prompt,
        "video": [
            job.settings.video.width,
            job.settings.video.height,
            job.settings.video.fps,
            job.settings.video.crf,
            job.settings.video.preset,
        ],
        # How burned-in subtitles look is in the frames; the soft track's style is not.
        "burn_in": job.settings.subtitles if job.settings.subtitles.burn_in else False,
    }


def inputs(job: Job) -> dict[str, Any]:
    into, out = _handovers(job)
    return {
        **_shared(job),
        "lipsync": job.fingerprint_of("lipsync", job.scene_name),
        "voice": job.fingerprint_of("voice", job.scene_name),
        "handover": [into.seconds, out.kind, out.seconds],
    }


def outputs(job: Job) -> list[Path]:
    return [job.out_dir / timeline.PIECES, *(job.out_dir / p.file for p in timeline.pieces(job.out_dir))]


# -- what is drawn on the frames ------------------------------------------------------------------------

# An overlay, and what it draws on frame i as a value (equal values: the same drawing).
Drawing = tuple[Overlay, Callable[[int], Any]]


def _mouths(job: Job, figures: list[dict[str, Any]]) -> Drawing:
    tracks: dict[str, list[float]] = fsutil.read_json(job.out_dir / "mouths.json", {}).get("tracks", {})
    speaking = [f for f in figures if f["character"] in tracks]

    def opening(figure: dict[str, Any], index: int) -> float:
        track = tracks[figure["character"]]
        return track[index] if index < len(track) else 0.0

    def draw(canvas: Canvas, index: int, where: Transform) -> None:
        zoom = where.scale
        for figure in speaking:
            if (amount := opening(figure, index)) <= 0.0:
                continue  # a closed mouth is already in the picture
            m = figure["mouth"]
            x, y = where.point(m["x"], m["y"])
            w, h = m["width"] * zoom, m["height"] * zoom
            # The patch covers the skin-coloured ground draw_mouth paints around a wide-open mouth.
            with canvas.patch(x - 1.5 * w, y - 1.5 * h, x + 1.5 * w, y + 2.5 * h) as (rgb, left, top):
                moved = {"x": x - left, "y": y - top, "width": w, "height": h}
                draw_mouth(rgb, moved, amount, figure.get("skin", "#e0b090"))

    return draw, lambda index: [opening(f, index) for f in speaking]


def _subtitles(job: Job) -> Drawing:
    """The scene's subtitles drawn into its frames, cut into cues exactly as in the .srt."""
    video = job.settings.video
    look = subtitles.Look.of(job.settings)
    cues = []
    for part in subtitles.from_voice(fsutil.read_json(job.out_dir / "voice" / "cues.json")["cues"], look):
        picture, at = subtitles.caption(part.text, look)
        cues.append((round(part.start * video.fps), round(part.end * video.fps), picture, at, part.text))

    def draw(canvas: Canvas, index: int, _: Transform) -> None:
        for first, last, picture, (x, y), _text in cues:
            if first <= index < last:
                h, w = picture.shape[:2]
                with canvas.patch(x, y, x + w, y + h) as (rgb, left, top):
                    subtitles.draw(rgb, picture, (x - left, y - top))

    return draw, lambda index: [text for first, last, _, _, text in cues if first <= index < last]


# -- where the scene is cut into pieces ---------------------------------------------------------------


def beats(cues: list[dict[str, Any]], fps: int) -> tuple[int, ...]:
    """The frames where the dialogue moves on: each line's first, and a sentence of a long speech
    that starts LONG_SPEECH_BEAT or more after the last beat (a dual-dialogue line starts with the
    line it is spoken over, and is none)."""
    out: list[int] = []
    line = None
    for cue in cues:
        frame = round(cue["start"] * fps)
        if cue["line"] != line:
            line = cue["line"]
            if not out or frame > out[-1]:
                out.append(frame)
        elif frame - out[-1] >= LONG_SPEECH_BEAT * fps:
            out.append(frame)
    return tuple(out)


def plan(total: int, head: int, tail: int, beats: tuple[int, ...], fps: int) -> list[tuple[str, int, int]]:
    """(role, first, stop) of each piece: the head, the body cut at the beats, the tail.

    Whether a beat is a cut depends only on it and the beat before, so a change to one line moves
    the cuts after it without changing which beats they are.
    """
    shortest = round(MIN_PIECE_SECONDS * fps)
    cuts = [
        b
        for before, b in zip((head, *beats), beats, strict=False)
        if b - before >= shortest and head < b <= total - tail - shortest
    ]
    bounds = [head, *cuts, total - tail]
    out = [("head", 0, head)] if head else []
    out += [("body", a, b) for a, b in itertools.pairwise(bounds) if b > a]
    out += [("tail", total - tail, total)] if tail else []
    return out


def _named(
    spans: list[tuple[str, int, int]], shared: dict[str, Any], frame: Callable[[int], Any] | None
) -> list[timeline.Piece]:
    """Each piece named after what its frames are made of (`frame(i)`: what frame i is, beside what
    every frame shares), or, for frames that cannot be told apart so (a video model's), after
    everything the scene's animation is made of and where the piece lies in it."""
    out = []
    for role, first, stop in spans:
        made_of = [frame(i) for i in range(first, stop)] if frame else [first, stop]
        blob = json.dumps([shared, made_of], sort_keys=True, default=str, ensure_ascii=True)
        digest = hashlib.sha256(blob.encode()).hexdigest()[:24]
        out.append(timeline.Piece(role, first, stop, f"{PIECES_DIR}/{role}-{digest}.mp4"))
    return out


# -- a scene's frames ---------------------------------------------------------------------------------


@dataclasses.dataclass
class Scene:
    """A scene's frames as the animate backend makes them: the request, what is drawn on them, and
    how many frames its handovers overlap the scenes beside it."""

    job: Job
    request: AnimateRequest
    drawings: list[Drawing]
    head: int  # frames the transition into the scene blends over
    tail: int  # frames the transition out of it blends away

    @classmethod
    def of(cls, job: Job) -> Scene:
        video = job.settings.video
        into, out = _handovers(job)
        cues = fsutil.read_json(job.out_dir / "voice" / "cues.json")
        figures = fsutil.read_json(job.out_dir / "figures.json", {"figures": []})["figures"]
        drawings = [_mouths(job, figures)]
        if job.settings.subtitles.burn_in:
            drawings.append(_subtitles(job))

        def overlay(canvas: Canvas, index: int, where: Transform) -> None:
            for draw, _ in drawings:
                draw(canvas, index, where)

        request = AnimateRequest(
            folder=job.out_dir,
            motion=job.scene.motion_prompt,
            prompt=job.scene.image_prompt,
            seed=job.scene.seed,
            size=(video.width, video.height),
            fps=video.fps,
            frames=frame_count(cues["duration"], video.fps),
            overlay=overlay,
            fade_out=round(1.2 * video.fps) if out.kind == "end" else 0,
            beats=beats(cues["cues"], video.fps),
        )
        return cls(job, request, drawings, round(into.seconds * video.fps), round(out.seconds * video.fps))

    @property
    def drawn(self) -> bool:
        """Whether the backend draws the frames, any stretch on its own (the camera) and nothing
        changes them after it (a lip-sync model on the frames does)."""
        cls, _ = backends.configured(NAME, self.job.settings)
        return hasattr(cls, "places") and not lipsync.on_frames(self.job.settings)

    def named(self, backend: Any, spans: list[tuple[str, int, int]]) -> list[timeline.Piece]:
        """The pieces of these spans, named after what their frames are made of (see `_named`)."""
        if not self.drawn:
            return _named(spans, inputs(self.job), None)
        places = backend.places(self.request)
        fade_out = self.request.fade_out

        def frame(i: int) -> Any:
            return [
                places[i],
                [what(i) for _, what in self.drawings],
                fade_level(i, len(places), 0, fade_out),
            ]

        return _named(spans, _shared(self.job), frame)

    def end_made_of(self, role: str) -> str:
        """What the scene's head or tail is made of, as a name: a transition that blends it is made
        again only when this changes."""
        span = self._end(role)
        if self.drawn:
            with backends.use(NAME, self.job.settings) as backend:
                return self.named(backend, [(role, *span)])[0].file
        return self._piece(role).name

    @contextlib.contextmanager
    def end_frames(self, role: str) -> Iterator[Iterator[np.ndarray]]:
        """The scene's head or tail as a transition blends it, I420: drawn again where the backend
        draws the scene, else decoded from the piece its animation encoded."""
        first, stop = self._end(role)
        if self.drawn:
            with backends.use(NAME, self.job.settings) as backend:
                yield backend.frames(self.request, (first, stop))
            return
        with decoded(self._piece(role), self.request.size, stop - first) as frames:
            yield frames

    def _end(self, role: str) -> tuple[int, int]:
        total = self.request.frames
        return (0, self.head) if role == "head" else (total - self.tail, total)

    def _piece(self, role: str) -> Path:
        path = timeline.piece(self.job.out_dir, role)
        if path is None:
            raise StageError(f"the animation of {self.job.scene_name} has no {role} to blend")
        return path


@contextlib.contextmanager
def decoded(path: Path, size: tuple[int, int], count: int) -> Iterator[Iterator[np.ndarray]]:
    """The first `count` frames of an encoded piece, I420, each read into the same buffer."""
    canvas = Canvas(*size)
    args = [*media.FFMPEG, "-threads", "1", "-i", str(path), "-frames:v", str(count)]
    with proc.popen_stdout([*args, "-f", "rawvideo", "-pix_fmt", "yuv420p", "-"]) as decoder:

        def frames() -> Iterator[np.ndarray]:
            stdout = decoder.stdout
            assert isinstance(stdout, io.BufferedReader)
            for _ in range(count):
                # Into the canvas: a new buffer a frame costs more in page faults than a blend.
                if stdout.readinto(canvas.data.reshape(-1).data) != canvas.data.size:  # all, or the end
                    raise StageError(f"{path} is shorter than its transition")
                yield canvas.data

        yield frames()


# -- the step ------------------------------------------------------------------------------------------


def run(job: Job) -> None:
    scene = Scene.of(job)
    video = job.settings.video
    request = scene.request
    drawn = scene.drawn
    # A drawn scene's head and tail are drawn again by the transitions that blend them, never encoded
    # on their own: the film shows the blends in their place.
    spans = plan(request.frames, scene.head, scene.tail, request.beats, video.fps)
    if drawn:
        spans = [span for span in spans if span[0] == "body"]
    folder = job.out_dir / PIECES_DIR
    folder.mkdir(exist_ok=True)
    for stale in folder.glob(".*"):  # the temporaries of an attempt that was killed
        stale.unlink()
    with backends.use(NAME, job.settings) as backend:
        made = scene.named(backend, spans)
        if drawn:  # the fast path: drawn, mouths and all, any stretch on its own
            _encode_missing(job, made, lambda span: backend.frames(request, span))
        else:
            _encode_all(job, made, backend, request, lipsync.on_frames(job.settings))
    fsutil.write_json(
        job.out_dir / timeline.PIECES,
        {"fps": video.fps, "frames": request.frames, "pieces": [dataclasses.asdict(p) for p in made]},
    )
    listed = {job.out_dir / p.file for p in made}
    for old in folder.iterdir():  # pieces of earlier versions of the scene
        if old not in listed:
            old.unlink()


def _encode_missing(
    job: Job, made: list[timeline.Piece], frames: Callable[[tuple[int, int]], Iterator[np.ndarray]]
) -> None:
    """Encode the pieces that are not there yet, each stretch of them from one stream of frames."""
    video = job.settings.video
    missing = [p for p in made if not (job.out_dir / p.file).exists()]
    while missing:
        run = [missing.pop(0)]
        while missing and missing[0].first == run[-1].stop:
            run.append(missing.pop(0))
        stream = frames((run[0].first, run[-1].stop))
        # At a lower CPU priority (the scene's seconds of x264): the short steps beside it, the first
        # look among them, are not slowed by it (the preview: 2.0 s beside one, 1.4 s then).
        encode([(job.out_dir / p.file, p.stop - p.first) for p in run], iter(stream), video, background=True)


def _encode_all(
    job: Job, made: list[timeline.Piece], backend: Any, request: AnimateRequest, synced: bool
) -> None:
    """A video model's frames (or a drawn camera's with a lip-sync model on them), made in one go."""
    video = job.settings.video
    targets = [(job.out_dir / p.file, p.stop - p.first) for p in made]
    frames = backend.clip(request) if hasattr(backend, "clip") else _as_rgb(backend, request)
    if synced:
        # Closed as soon as the encoder has its frames: the model says what it did, in this step.
        with (
            backends.use(lipsync.NAME, job.settings) as lips,
            contextlib.closing(lips.sync(frames, lipsync.request(job))) as redrawn,
        ):
            encode(targets, _finished(redrawn, request), video, background=True)
    else:
        encode(targets, _finished(frames, request), video, background=True)


def _as_rgb(backend: Any, req: AnimateRequest) -> Iterator[np.ndarray]:
    """A drawing backend's frames as RGB, without the overlays and the fade (drawn on later)."""
    bare = dataclasses.replace(req, overlay=lambda *_: None, fade_out=0)
    w, h = req.size
    for data in backend.frames(bare):
        yield cv2.cvtColor(data.reshape(h * 3 // 2, w), cv2.COLOR_YUV2RGB_I420)


def _finished(frames: Iterable[np.ndarray], req: AnimateRequest) -> Iterator[np.ndarray]:
    """RGB frames as the encoder takes them, with the overlays (subtitles) and the fade drawn on;
    exactly `req.frames` of them, so a backend that made too few is found out here."""
    canvas = Canvas(*req.size)
    count = 0
    for i, rgb in enumerate(frames):
        if i >= req.frames:
            break
        canvas.set_rgb(rgb)
        req.overlay(canvas, i, UNMOVED)
        level = fade_level(i, req.frames, 0, req.fade_out)
        if level < 1.0:
            canvas.fade(level)
        count += 1
        yield canvas.data
    if count != req.frames:
        raise StageError(f"the animate backend made {count} frames of the {req.frames} the scene needs")


def priority(project: Project, scene: str) -> float:
    """0 to 0.999, growing with the scene's length: long animations are handed out first."""
    try:
        cues = fsutil.read_json(project.scenes_dir / scene / "voice" / "cues.json", {})
        return min(float(cues.get("duration", 0.0)), 999.0) / 1000
    except (OSError, ValueError, TypeError, AttributeError):  # the step itself will say what is wrong
        return 0.0
