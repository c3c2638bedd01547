"""The drawn camera: it moves on the dialogue's beats and holds between them, and a stretch of a
scene drawn on its own is the same as that stretch of the whole (what an edit's partial render
relies on)."""

from __future__ import annotations

import itertools

import numpy as np

from scriptvid.stages.animate import beats, plan
from scriptvid.video import camera
from scriptvid.video.camera import REFRAME_LEAD, REFRAME_SECONDS, progress

FPS = 30


def test_without_beats_the_move_eases_over_the_whole_scene() -> None:
    values = [progress(i, 100, FPS) for i in range(100)]
    assert values[0] == 0.0 and values[-1] == 1.0
    assert all(b > a for a, b in itertools.pairwise(values[1:-1]))


def test_on_beats_the_camera_steps_and_holds() -> None:
    beat_frames = (18, 100, 190)
    values = [progress(i, 300, FPS, beat_frames) for i in range(300)]
    assert all(b >= a for a, b in itertools.pairwise(values))
    lead, reframe = round(REFRAME_LEAD * FPS), round(REFRAME_SECONDS * FPS)
    # At rest before the first reframe, a third of the way after it, all the way after the last.
    assert values[: 18 - lead + 1] == [0.0] * (18 - lead + 1)
    assert set(values[18 - lead + reframe : 100 - lead + 1]) == {round(1 / 3, 9)}
    assert values[190 - lead + reframe :] == [1.0] * (300 - (190 - lead + reframe))
    # Moving only while reframing: about a second per beat of the ten seconds.
    moving = sum(1 for a, b in itertools.pairwise(values) if b != a)
    assert moving <= 3 * reframe


def test_a_line_said_longer_moves_the_frames_after_it_unchanged() -> None:
    before = (18, 100, 190)
    after = (18, 100 + 7, 190 + 7)  # the second line took seven frames more
    lead = round(REFRAME_LEAD * FPS)
    for i in range(100 - lead, 300):
        assert progress(i + 7, 307, FPS, after) == progress(i, 300, FPS, before)
    # The stretch before the edited line is untouched too.
    for i in range(100 - lead):
        assert progress(i, 307, FPS, after) == progress(i, 300, FPS, before)


def test_beats_are_lines_and_the_sentences_of_a_long_speech() -> None:
    cues = [
        {"start": 0.6, "line": 0},
        {"start": 2.0, "line": 0},  # a second sentence of the same line: no beat
        {"start": 3.4, "line": 1},
        {"start": 3.4, "line": 2},  # dual dialogue, spoken over line 1: no beat of its own
        {"start": 5.0, "line": 3},
        {"start": 7.2, "line": 3},
        {"start": 9.1, "line": 3},  # 4.1 s into a long speech: a beat
    ]
    assert beats(cues, FPS) == (18, 102, 150, 273)


def test_the_body_is_cut_at_beats_and_a_cut_depends_only_on_the_beat_before() -> None:
    spans = plan(300, head=18, tail=18, beats=(18, 100, 120, 190), fps=FPS)
    # 120 is less than a second after 100: no cut there.
    assert spans == [
        ("head", 0, 18),
        ("body", 18, 100),
        ("body", 100, 190),
        ("body", 190, 282),
        ("tail", 282, 300),
    ]
    longer = plan(307, head=18, tail=18, beats=(18, 107, 127, 197), fps=FPS)
    assert longer[3:] == [("body", 197, 289), ("tail", 289, 307)]


def _layers(w: int, h: int) -> camera.Layers:
    rng = np.random.default_rng(4)
    background = rng.integers(0, 255, (h + 20, w + 32, 3), dtype=np.uint8)
    return camera.Layers.still(np.ascontiguousarray(background))


def _marks(canvas: camera.Canvas, index: int, where: camera.Transform) -> None:
    """Something drawn on some frames only, as mouths are."""
    if index % 3 == 0:
        with canvas.patch(10, 10, 30, 26) as (rgb, _, _):
            rgb[:] = (index * 7) % 255


def test_a_stretch_drawn_on_its_own_is_that_stretch_of_the_whole() -> None:
    layers, move = _layers(64, 48), camera.plan("push in")
    size, count, beat_frames = (64, 48), 120, (10, 50, 90)
    whole = [
        f.copy()
        for f in camera.frames(
            layers, move, size, count, fps=FPS, beats=beat_frames, overlay=_marks, fade_out=8
        )
    ]
    for span in ((0, 40), (37, 61), (50, 120), (95, 97)):
        part = [
            f.copy()
            for f in camera.frames(
                layers, move, size, count, fps=FPS, beats=beat_frames, span=span, overlay=_marks, fade_out=8
            )
        ]
        assert len(part) == span[1] - span[0]
        for i, frame in enumerate(part):
            assert np.array_equal(frame, whole[span[0] + i]), (span, i)
    # Held frames are one picture: between two reframes (the first ends at frame 31, the second
    # starts at 41) only the marks differ.
    unmarked = [whole[i] for i in range(31, 42) if i % 3]
    assert all(np.array_equal(unmarked[0], f) for f in unmarked)
    assert not np.array_equal(whole[41], whole[42])
