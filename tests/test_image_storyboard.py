"""The storyboard image backend: what a viewer notices in its frames, and the layers later stages use."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from scriptvid import settings
from scriptvid.errors import InputError
from scriptvid.model import Line, Scene
from scriptvid.stages.image.interface import ImageRequest
from scriptvid.stages.image.storyboard import StoryboardBackend
from scriptvid.stages.image.storyboard.light import time_of_day
from scriptvid.stages.image.storyboard.looks import character_look
from scriptvid.stages.image.storyboard.places import choose_setting
from scriptvid.video.mouth import draw_mouth

W, H = 640, 360


def scene(heading: str, characters: tuple[str, ...] = ("BRICK", "MAGGIE"), **kw: Any) -> Scene:
    interior, _, rest = heading.partition(". ")
    location, _, tod = rest.partition(" - ")
    return Scene(1, heading, location, tod, interior, characters=characters, **kw)


def characters(data: dict[str, Any]) -> dict[str, settings.CharacterSettings]:
    """Characters' settings as a sidecar would give them, checked and typed."""
    return settings.build([("t", settings.project_layer({"characters": data}, "t"))]).characters


def render(tmp_path: Path, sc: Scene, seed: int = 1, prompt: str | None = None, **kw: Any) -> Path:
    out = tmp_path / f"r{len(list(tmp_path.iterdir()))}"
    out.mkdir()
    req = ImageRequest(
        sc,
        sc.heading if prompt is None else prompt,
        seed,
        kw.get("width", W),
        kw.get("height", H),
        characters(kw.get("looks", {})),
        "T",
    )
    StoryboardBackend(settings.StoryboardSettings()).render(req, out)
    return out


def pixels(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path)).astype(np.int32)


def luminance(img: np.ndarray) -> np.ndarray:
    return 0.299 * img[..., 0] + 0.587 * img[..., 1] + 0.114 * img[..., 2]


def test_writes_the_layers_later_stages_use(tmp_path: Path) -> None:
    out = render(tmp_path, scene("INT. KITCHEN - NIGHT"))
    meta = json.loads((out / "figures.json").read_text())
    image, background, figures = (Image.open(out / n) for n in ("image.png", "background.png", "figures.png"))
    assert (image.mode, image.size) == ("RGB", (W, H))
    assert (figures.mode, figures.size) == ("RGBA", (W, H))
    mx, my = meta["margin"]["x"], meta["margin"]["y"]
    assert background.mode == "RGB" and background.size == (W + 2 * mx, H + 2 * my)
    assert (meta["width"], meta["height"]) == (W, H)
    assert [f["character"] for f in meta["figures"]] != [] and {f["character"] for f in meta["figures"]} == {
        "BRICK",
        "MAGGIE",
    }
    # The composite is the framed background with the figures laid over it.
    bg = pixels(out / "background.png")[my : my + H, mx : mx + W]
    fig = pixels(out / "figures.png")
    a = fig[..., 3:4] / 255.0
    expected = bg * (1 - a) + fig[..., :3] * a
    assert np.abs(pixels(out / "image.png") - expected).max() <= 1


def test_same_request_same_bytes(tmp_path: Path) -> None:
    sc = scene("EXT. CITY STREET - DAY", ("BRICK", "MAGGIE", "GOOPER"))
    a, b = render(tmp_path, sc, seed=5), render(tmp_path, sc, seed=5)
    for name in ("image.png", "background.png", "figures.png", "figures.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_another_seed_or_prompt_gives_another_picture(tmp_path: Path) -> None:
    sc = scene("EXT. CITY STREET - DAY")
    base = pixels(render(tmp_path, sc, seed=5) / "image.png")
    other_seed = pixels(render(tmp_path, sc, seed=6) / "image.png")
    other_prompt = pixels(render(tmp_path, sc, seed=5, prompt="A busy street, buses") / "image.png")
    assert (np.abs(base - other_seed).sum(axis=2) > 30).mean() > 0.05
    assert (np.abs(base - other_prompt).sum(axis=2) > 30).mean() > 0.05


def test_night_is_darker_than_day_and_its_sky_has_stars(tmp_path: Path) -> None:
    day = pixels(render(tmp_path, scene("EXT. PARK - DAY")) / "image.png")
    night = pixels(render(tmp_path, scene("EXT. PARK - NIGHT")) / "image.png")
    assert luminance(night).mean() < luminance(day).mean() - 40
    sky = luminance(night[: int(H * 0.3)])
    assert np.median(sky) < 70  # a dark sky...
    assert (sky > 180).sum() >= 10  # ...with bright specks: stars and the moon


def test_settings_look_different(tmp_path: Path) -> None:
    frames = {
        name: pixels(render(tmp_path, scene(heading, ())) / "image.png")
        for name, heading in (
            ("kitchen", "INT. KITCHEN - DAY"),
            ("beach", "EXT. BEACH - DAY"),
            ("forest", "EXT. FOREST - DAY"),
        )
    }
    names = list(frames)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert np.abs(frames[a] - frames[b]).mean() > 25, (a, b)


def torso_colour(out: Path, name: str) -> np.ndarray:
    meta = json.loads((out / "figures.json").read_text())
    (box,) = [f["box"] for f in meta["figures"] if f["character"] == name]
    x0, y0, x1, y1 = box
    x, y = (x0 + x1) // 2, y0 + int((y1 - y0) * 0.44)
    return pixels(out / "figures.png")[y - 1 : y + 2, x - 1 : x + 2, :3].reshape(-1, 3).mean(axis=0)


def test_a_character_wears_the_same_colour_in_every_scene(tmp_path: Path) -> None:
    kitchen = render(tmp_path, scene("INT. KITCHEN - DAY", ("BRICK", "MAGGIE")), seed=1)
    street = render(tmp_path, scene("EXT. CITY STREET - DAY", ("GOOPER", "MAGGIE", "BRICK")), seed=9)
    a, b = torso_colour(kitchen, "BRICK"), torso_colour(street, "BRICK")
    assert np.abs(a - b).max() <= 2
    want = np.array([int(character_look("BRICK").colour[i : i + 2], 16) for i in (1, 3, 5)])
    assert np.abs(a - want).max() <= 2
    assert (
        np.abs(torso_colour(kitchen, "MAGGIE") - a).max() > 10
        or character_look("MAGGIE").colour == character_look("BRICK").colour
    )


def test_look_override_changes_the_clothes(tmp_path: Path) -> None:
    out = render(
        tmp_path,
        scene("INT. OFFICE - DAY", ("BRICK",)),
        looks={"BRICK": {"colour": "#112233", "build": "broad"}},
    )
    assert np.abs(torso_colour(out, "BRICK") - np.array([0x11, 0x22, 0x33])).max() <= 2


def test_figures_layer_is_transparent_outside_the_boxes_and_mouths_are_inside(tmp_path: Path) -> None:
    names = ("BRICK", "MAGGIE", "GOOPER", "MAE", "IDA", "BIG DADDY", "DIXIE")
    out = render(tmp_path, scene("EXT. GARDEN - DUSK", names))
    meta = json.loads((out / "figures.json").read_text())
    assert len(meta["figures"]) == 6  # at most six drawn
    alpha = pixels(out / "figures.png")[..., 3]
    inside = np.zeros_like(alpha, dtype=bool)
    for f in meta["figures"]:
        x0, y0, x1, y1 = f["box"]
        inside[y0:y1, x0:x1] = True
        m = f["mouth"]
        assert x0 <= m["x"] - m["width"] / 2 and m["x"] + m["width"] / 2 <= x1
        assert y0 <= m["y"] - m["height"] / 2 and m["y"] + m["height"] / 2 <= y1
        assert alpha[round(m["y"]), round(m["x"])] == 255  # the mouth sits on the drawn face
        assert f["skin"].startswith("#") and len(f["skin"]) == 7
    assert alpha[inside].max() == 255
    assert alpha[~inside].max() == 0


def test_narrators_are_heard_not_seen(tmp_path: Path) -> None:
    sc = scene(
        "INT. KITCHEN - DAY",
        ("NARRATOR", "BRICK", "MAGGIE"),
        dialogue=(
            Line("NARRATOR", "Once."),
            Line("MAGGIE", "Hello.", extension="V.O."),
            Line("BRICK", "Hi."),
        ),
    )
    meta = json.loads((render(tmp_path, sc) / "figures.json").read_text())
    assert [f["character"] for f in meta["figures"]] == ["BRICK"]


@pytest.mark.parametrize(
    ("heading", "setting", "tod"),
    [
        ("INT. KITCHEN - NIGHT", "kitchen", "night"),
        ("EXT. CITY STREET - DAY", "street", "day"),
        ("EXT. BEACH - SUNSET", "beach", "dusk"),
        ("INT. MARTA'S LIVING ROOM - EARLY MORNING", "living room", "dawn"),
        ("INT. BRICK'S CAR - MOVING - NIGHT", "car", "night"),
        ("EXT. ROOFTOP BAR - DUSK", "rooftop", "dusk"),
        ("INT. CITY AQUARIUM - DAY", "aquarium", "day"),
        ("INT. THE VOID - CONTINUOUS", "room", "day"),
        ("EXT. NOWHERE - DAWN", "outdoors", "dawn"),
    ],
)
def test_place_and_time_come_from_the_heading(heading: str, setting: str, tod: str) -> None:
    sc = scene(heading)
    assert choose_setting(sc, heading).name == setting
    assert time_of_day(sc, heading) == tod


def test_place_and_time_from_the_action_when_the_heading_says_nothing() -> None:
    sc = Scene(1, "LATER", action=("Moonlight over the lake. Night birds call.",))
    assert choose_setting(sc, "").name == "lake"
    assert time_of_day(sc, "") == "night"


def test_looks_are_stable_and_the_settings_win() -> None:
    assert character_look("Brick") == character_look("BRICK")
    chosen = characters(
        {"Brick": {"hair": "Bun", "height": "tall", "skin": "#AA7755", "voice": {"pitch": 2}}}
    )
    look = character_look("BRICK", chosen["BRICK"])
    assert (look.hair, look.height, look.skin) == ("bun", "tall", "#aa7755")
    assert look.colour == character_look("BRICK").colour  # what was not chosen is derived from the name
    assert len({character_look(n) for n in ("A", "B", "C", "D", "E", "F")}) == 6


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ({"hat": "red"}, "characters.BRICK.hat: unknown setting; allowed here: colour"),
        ({"build": "huge"}, "characters.BRICK.build: 'huge' is not allowed; expected one of"),
        ({"colour": "red"}, "characters.BRICK.colour: 'red' is not allowed; expected text ('#rrggbb')"),
        ({"hair": 3}, "characters.BRICK.hair: 3 is not allowed"),
        ({"voice": {"pitch": 9}}, "characters.BRICK.voice.pitch: 9 is out of range"),
        ({"image": "../secret.png"}, "characters.BRICK.image: '../secret.png' is not allowed"),
    ],
)
def test_bad_character_settings_are_refused_naming_file_and_key(override: dict[str, Any], named: str) -> None:
    with pytest.raises(InputError) as info:
        settings.project_layer({"characters": {"BRICK": override}}, "film.yaml")
    assert str(info.value).startswith("film.yaml: ") and named in str(info.value)


def test_draw_mouth_opens(tmp_path: Path) -> None:
    skin = "#d9a47e"
    face = np.zeros((120, 120, 3), np.uint8)
    face[:] = (0xD9, 0xA4, 0x7E)
    mouth = {"x": 60.0, "y": 60.0, "width": 24.0, "height": 18.0}
    closed = face.copy()
    draw_mouth(closed, mouth, 0.0, skin)

    def changed(openness: float) -> int:
        frame = closed.copy()
        draw_mouth(frame, mouth, openness, skin)
        return int((np.abs(frame.astype(int) - closed).sum(axis=2) > 20).sum())

    assert (np.abs(closed.astype(int) - face).sum(axis=2) > 20).sum() > 10  # a visible closed mouth
    assert changed(1.0) > changed(0.2) > 0
    # Drawing it closed again restores the still exactly: lipsync frames and the still agree.
    frame = closed.copy()
    draw_mouth(frame, mouth, 1.0, skin)
    draw_mouth(frame, mouth, 0.0, skin)
    assert np.array_equal(frame, closed)

    # It works on the mouth's own patch of the frame (what keeps it cheap at 1080p: its speed is
    # measured by benchmarks/run, as the animate stage's time), never on the rest of it.
    big = np.zeros((1080, 1920, 3), np.uint8)
    m = {"x": 900.0, "y": 400.0, "width": 28.0, "height": 22.0}
    draw_mouth(big, m, 1.0, skin)
    rows, columns = np.nonzero(big.any(axis=2))
    assert len(rows) and rows.min() >= 400 - 3 * 22 and rows.max() <= 400 + 3 * 22
    assert columns.min() >= 900 - 3 * 28 and columns.max() <= 900 + 3 * 28


CAST = ("BRICK", "MAGGIE", "GOOPER", "MAE", "BIG DADDY", "BIG MAMA")


@pytest.mark.parametrize(("width", "height"), [(360, 640), (480, 480), (640, 360)])
@pytest.mark.parametrize("heading", ["EXT. BEACH - DAY", "INT. TAXI - NIGHT"])  # a taxi is a close shot
@pytest.mark.parametrize("count", [1, 2, 3, 4, 6])
def test_everyone_is_inside_the_frame_whatever_its_shape(
    tmp_path: Path, width: int, height: int, heading: str, count: int
) -> None:
    names = CAST[:count]
    out = render(tmp_path, scene(heading, names), width=width, height=height)
    figures = pixels(out / "figures.png")
    # No one is cut by the frame's sides: the people's layer is clear at both edges.
    side = max(1, width // 100)
    assert figures[:, :side, 3].max() == 0 and figures[:, -side:, 3].max() == 0
    meta = json.loads((out / "figures.json").read_text())
    assert [f["character"] for f in meta["figures"]] and len(meta["figures"]) == count
    for f in meta["figures"]:
        assert 0 < f["mouth"]["x"] < width and 0 < f["mouth"]["y"] < height  # every face in view


def test_an_upright_frame_is_composed_for_its_height(tmp_path: Path) -> None:
    """On a phone the people are drawn large (as tall as about half the frame), not as small as a
    widescreen frame's width would make them."""
    for names in (CAST[:1], CAST[:2], CAST[:3]):
        out = render(tmp_path, scene("EXT. BEACH - DAY", names), width=360, height=640)
        meta = json.loads((out / "figures.json").read_text())
        tallest = max(f["box"][3] - f["box"][1] for f in meta["figures"])
        assert tallest >= 0.4 * 640, (names, tallest)
