"""Subtitles as a viewer sees them: inside the frame's safe area whatever its shape, styled as the
settings say, the same style in the MP4's soft track where the format can carry it."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from scriptvid import settings, subtitles

LONG = (
    "Keep the light burning, Mara, because the ships out there tonight are counting on the two of us"
    " and nobody else is coming"
)


def look(**subs: Any) -> subtitles.Look:
    video = subs.pop("video", {"format": "vertical"})
    return subtitles.Look.of(settings.build([("t", {"video": video, "subtitles": subs})]))


@pytest.mark.parametrize("video", [{"format": "vertical"}, {"format": "square"}, {"format": "widescreen"}])
@pytest.mark.parametrize("position", ["bottom", "top"])
def test_every_cue_is_drawn_inside_the_safe_area(video: dict[str, str], position: str) -> None:
    style = look(video=video, position=position, box=0.5)
    left, top, right, bottom = subtitles.safe_area(style.width, style.height)
    cues = subtitles.split(0.0, 6.0, LONG, style)
    assert len(cues) >= 2 and all(len(c.text.split("\n")) <= 2 for c in cues)
    assert " ".join(c.text.replace("\n", " ") for c in cues) == LONG  # every word, in order
    for cue in cues:
        picture, (x, y) = subtitles.caption(cue.text, style)
        h, w = picture.shape[:2]
        assert left <= x and x + w <= style.width - right, cue.text
        assert top <= y and y + h <= style.height - bottom, cue.text
        if position == "top":
            assert y == top
        else:
            assert y + h == style.height - bottom


def test_a_phone_frame_keeps_clear_of_the_platforms_buttons_and_caption() -> None:
    left, top, right, bottom = subtitles.safe_area(1080, 1920)
    assert right > left  # the like, comment and share column is on the right
    assert bottom >= 0.2 * 1920 and top >= 0.1 * 1920
    # Its lines are shorter than a widescreen film's, so that they fit between the margins.
    upright, wide = look(), look(video={"format": "widescreen"})
    assert max(len(r) for r in upright.rows(LONG)) < max(len(r) for r in wide.rows(LONG)) <= 42


def test_size_colour_outline_and_box_are_drawn_as_set() -> None:
    plain = look(outline=0.0)
    picture, _ = subtitles.caption("Hello there", plain)
    opaque = picture[..., 3] == 255
    assert (picture[opaque][:, :3] == [255, 255, 255]).all()  # white letters, no dark outline
    assert picture[0, 0, 3] == 0  # nothing behind the words

    outlined, _ = subtitles.caption("Hello there", look(outline=12.0))
    dark = (outlined[..., 3] == 255) & (outlined[..., :3].max(axis=2) < 40)
    assert dark.sum() > 100

    boxed, _ = subtitles.caption("Hello there", look(box=0.6, colour="#ffdd00"))
    assert (
        abs(int(boxed[2, boxed.shape[1] // 2, 3]) - 153) <= 1
        and (boxed[2, boxed.shape[1] // 2, :3] == 0).all()
    )
    assert ((boxed[..., :3] == [255, 221, 0]).all(axis=2) & (boxed[..., 3] == 255)).any()

    big = subtitles.caption("Hello there", look(size=9.0))[0]
    assert big.shape[0] > 1.6 * picture.shape[0]
    assert look(size=9.0).size == round(1080 * 0.09)


def test_the_soft_track_carries_the_style_and_the_words_as_written(tmp_path: Path) -> None:
    style = look(box=0.6, colour="#ffdd00", size=6.0)
    said = "Type {\\an8} here, and a backslash \\n too."
    cues = subtitles.split(0.5, 3.2, said, style)
    (tmp_path / "film.ass").write_text(subtitles.ass(cues, style), encoding="utf-8")
    mp4 = tmp_path / "film.mp4"
    ffmpeg = ["ffmpeg", "-v", "error", "-y"]
    inputs = ["-f", "lavfi", "-i", "color=black:s=1080x1920:d=4", "-i", str(tmp_path / "film.ass")]
    codecs = ["-map", "0:v", "-map", "1:s", "-c:v", "libx264", "-preset", "ultrafast", "-c:s", "mov_text"]
    subprocess.run([*ffmpeg, *inputs, *codecs, str(mp4)], check=True)
    # What a player reads back from the MP4's timed-text track.
    back = subprocess.run(
        [*ffmpeg, "-i", str(mp4), "-map", "0:s", "-f", "ass", "-"], check=True, capture_output=True, text=True
    ).stdout
    line = next(ln for ln in back.splitlines() if ln.startswith("Style: Default"))
    fields = line.split(",")
    assert fields[2] == str(style.size) == str(round(1080 * 0.06))  # the size
    assert fields[3].lower() == "&hddff"  # the colour, as &HBBGGRR
    assert fields[6] == "&H66000000"  # the box: black at 60 %
    assert fields[7] == "-1"  # bold, as burned in
    events = [ln for ln in back.splitlines() if ln.startswith("Dialogue:")]
    assert len(events) == len(cues)
    text = " ".join(e.split(",", 9)[9] for e in events).replace("\u2060", "").replace("\\N", " ")
    assert text == said
    assert events[0].split(",")[1:3] == ["0:00:00.50", subtitles._ass_time(cues[0].end)]


def test_draw_blends_the_caption_into_the_frame() -> None:
    style = look(video={"width": 320, "height": 180}, box=1.0)
    picture, at = subtitles.caption("Hi", style)
    frame = np.full((180, 320, 3), 200, np.uint8)
    subtitles.draw(frame, picture, at)
    x, y = at
    assert (frame[y + 1, x + picture.shape[1] // 2] == 0).all()  # the solid box
    assert (frame[:y] == 200).all() and (frame[y + picture.shape[0] :] == 200).all()


@pytest.mark.parametrize(("width", "height"), [(1080, 1920), (1080, 1080), (1920, 1080)])
def test_the_title_card_fits_its_frame(width: int, height: int) -> None:
    from scriptvid.stages.title import title_image

    lines = [
        ("title", "The Lighthouse Keeper's Extraordinarily Long Night"),
        ("small", "by"),
        ("name", "Ana Writer"),
    ]
    card = title_image(lines, width, height).astype(np.int32)
    bare = title_image([("title", "")], width, height).astype(np.int32)
    drawn = np.abs(card - bare).max(axis=2) > 30
    columns, rows = np.nonzero(drawn.any(axis=0))[0], np.nonzero(drawn.any(axis=1))[0]
    assert len(columns) and columns[0] >= 0.05 * width and columns[-1] <= 0.95 * width
    assert rows[0] >= 0.1 * height and rows[-1] <= 0.9 * height
    assert columns[-1] - columns[0] >= 0.4 * width  # large enough to read on a phone
