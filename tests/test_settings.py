"""Settings: layering, validation messages that name the file, key and what is allowed."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from scriptvid import settings
from scriptvid.errors import ConfigError, InputError

REPO = Path(__file__).resolve().parents[1]


def _keys(data: dict, prefix: str = "") -> set[str]:
    out: set[str] = set()
    for key, value in data.items():
        out |= _keys(value, f"{prefix}{key}.") if isinstance(value, dict) and value else {prefix + key}
    return out


def test_the_commented_config_file_is_exactly_the_defaults_every_one_written_out() -> None:
    text = (REPO / "config" / "scriptvid.yaml").read_text()
    data = settings.load_yaml(REPO / "config" / "scriptvid.yaml", error=ConfigError)
    settings.validate(data, "config/scriptvid.yaml")
    assert settings.build([("config", data)]) == settings.Settings()
    assert _keys(data) == _keys(dataclasses.asdict(settings.Settings()))
    # Each setting's help is the comment above it.
    defaults = settings.Settings()
    for section in dataclasses.fields(defaults):
        value = getattr(defaults, section.name)
        for f in dataclasses.fields(value) if dataclasses.is_dataclass(value) else ():
            assert f.metadata["help"] in text, f"{section.name}.{f.name}"


def test_layers_apply_in_order(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "scriptvid.yaml").write_text("video: {width: 1280, height: 720}\nseed: 5\n")
    layers = settings.service_layers(
        tmp_path, environ={"SCRIPTVID_VIDEO__WIDTH": "960", "SCRIPTVID_ROOT": "/x"}
    )
    sidecar = settings.project_layer({"video": {"fps": 25}}, "film.yaml")
    scene = {"video": {"fps": 12}}
    result = settings.build([*layers, ("film.yaml", sidecar), ("scene.yaml", scene)])
    assert (result.video.width, result.video.height, result.video.fps, result.seed) == (960, 720, 12, 5)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"video": {"widht": 3}}, "video.widht: unknown setting; allowed here: format, width, height, fps"),
        ({"video": {"fps": -3}}, "video.fps: -3 is out of range; expected a whole number from 1 to 120"),
        (
            {"video": {"fps": "fast"}},
            "video.fps: 'fast' is not allowed; expected a whole number from 1 to 120",
        ),
        ({"video": {"width": 1281}}, "video.width: 1281 must be even"),
        ({"music": {"mood": "jolly"}}, "music.mood: 'jolly' is not allowed; expected one of auto, calm"),
        (
            {"music": {"enabled": "yes please"}},
            "music.enabled: 'yes please' is not allowed; expected true or false",
        ),
        ({"video": 3}, "video: must be a mapping of format, width, height, fps"),
        ({"timing": {"min_scene": float("nan")}}, "timing.min_scene: nan is not allowed"),
        (
            {"backends": {"music": "orchestra"}},
            "backends.music: 'orchestra' is not allowed; expected one of fluidsynth, musicgen",
        ),
        ({"characters": {"MARA": {"voice": {"pich": 3}}}}, "characters.MARA.voice.pich: unknown setting"),
    ],
)
def test_errors_name_file_key_and_what_is_allowed(data: dict, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        settings.validate(data, "my.yaml")
    assert str(info.value).startswith("my.yaml: ")
    assert expected in str(info.value)


def test_a_sidecar_may_not_set_the_machines_own_settings() -> None:
    with pytest.raises(InputError, match="'watch' is a daemon setting"):
        settings.project_layer({"watch": {"poll": True}}, "film.yaml")
    with pytest.raises(InputError, match="'ledger' is a daemon setting"):
        settings.project_layer({"ledger": {"url": "postgresql://x"}}, "film.yaml")
    # Where a model lies is the machine's: a film names the backend, the config file its model.
    with pytest.raises(
        InputError, match=re.escape("film.yaml: piper.model: 'piper.model' is a daemon setting")
    ):
        settings.project_layer({"piper": {"model": "/etc/passwd"}}, "film.yaml")
    assert settings.project_layer({"fluidsynth": {"gain": 0.5}}, "film.yaml")


def test_yaml_errors_name_the_line_and_aliases_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("video:\n  width: [1,\n")
    with pytest.raises(InputError, match=r"bad.yaml: is not valid YAML: line \d+"):
        settings.load_yaml(bad)
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("a: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n")
    with pytest.raises(InputError, match="aliases"):
        settings.load_yaml(bomb)
    listing = tmp_path / "list.yaml"
    listing.write_text("- 1\n- 2\n")
    with pytest.raises(InputError, match="must hold a mapping of settings, not a list"):
        settings.load_yaml(listing)


def test_a_named_format_sets_the_frame_and_the_higher_layer_wins() -> None:
    def frame(*layers: dict) -> tuple[str, int, int]:
        built = settings.build([(f"layer{i}", data) for i, data in enumerate(layers)])
        return built.video.format, built.video.width, built.video.height

    assert frame() == ("", 1920, 1080)
    assert frame({"video": {"format": "vertical"}}) == ("vertical", 1080, 1920)
    assert frame({"video": {"format": "Square"}}) == ("square", 1080, 1080)
    # A film's sidecar asks for a phone film over a machine configured for 720p, and the other way.
    assert frame({"video": {"width": 1280, "height": 720}}, {"video": {"format": "vertical"}})[1:] == (
        1080,
        1920,
    )
    assert frame({"video": {"format": "vertical"}}, {"video": {"width": 720, "height": 1280}}) == (
        "",
        720,
        1280,
    )
    # A layer that sets neither keeps what is below it.
    assert frame({"video": {"format": "square"}}, {"video": {"fps": 25}}) == ("square", 1080, 1080)
    assert frame({"video": {"format": "widescreen", "width": 1920}}) == ("widescreen", 1920, 1080)


def test_a_format_and_another_size_in_one_file_is_refused_naming_both() -> None:
    with pytest.raises(InputError) as caught:
        settings.project_layer({"video": {"format": "vertical", "width": 1920}}, "film.yaml")
    assert str(caught.value) == (
        "film.yaml: video.width: 1920 is not the width of video.format vertical (1080x1920);"
        " give the format or the size, not both"
    )
    with pytest.raises(InputError, match=r"video\.format: 'portrait' is not allowed; expected one of"):
        settings.project_layer({"video": {"format": "portrait"}}, "film.yaml")
