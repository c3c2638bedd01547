"""Speech a listener understands: an offline speech recogniser (Whisper base, from PyPI) hears the
finished films about as well as the same lines spoken plainly by the same voice.

The films are made by the real daemon, with their cast (a pitch and a pace per character, a narrator)
and their score under the speech; the plain reading is every line in the voice's own pitch and pace,
at the same moments, with nothing under it. The figure is the word error rate over all the films'
words. Both are heard in pieces cut between lines (see `listener.hear_lines`: heard whole, where
Whisper's 30 s windows happen to fall moved one film's rate by a third), at three piece lengths,
and the rate is the mean. A voice model speaks each line a little differently every time (its noise is
random), so the plain reading is made twice; two short films' words (about 700) keep the spread of
the rates well inside the margin.
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from pathlib import Path

import listener
import numpy as np
import pytest

from scriptvid import runner, settings, timeline
from scriptvid.project import Root
from scriptvid.settings import PiperSettings
from scriptvid.stages.voice.interface import VoiceProfile
from scriptvid.stages.voice.piper import PiperBackend

from conftest import Daemon, corpus_file, project_status, wait_for

pytestmark = pytest.mark.slow

FILMS = ("brick_and_steel.fountain", "youtube_script_indoor_aquariums_narrator_visual.md")
ALLOWED = 1.2  # the films' word error rate, at most this many times the plain reading's
PLAIN_READINGS = 2  # a voice model speaks a line a little differently every time: the mean of two
WINDOWS = (15.0, 20.0, 25.0)  # the longest piece Whisper hears at once; where it cuts moves a rate by ~0.01
# The picture does not matter to a listener: small frames keep the renders quick.
CONFIG = "video: {width: 320, height: 180, fps: 12, preset: ultrafast}\nwatch: {stable_seconds: 0.5}\n"


def _lines(root: Path, name: str) -> list[tuple[float, float, str]]:
    """Every sentence the film says, with when it starts and ends (seconds into the film), from its cues."""
    project = Root(root).project(name)
    film = runner.film_settings(project, settings.service_layers(root))
    out = []
    for placement in timeline.layout(project, film).scenes:
        cues = json.loads((project.scenes_dir / placement.name / "voice" / "cues.json").read_text())
        out += [(placement.start + c["start"], placement.start + c["end"], c["text"]) for c in cues["cues"]]
    return out


def _plain_reading(voice: PiperBackend, lines: list[tuple[float, float, str]], seconds: float) -> np.ndarray:
    """The lines in the voice's own pitch and pace, each at its moment, nothing else: 16 kHz mono."""
    track = np.zeros(round((seconds + 5) * listener.RATE), dtype=np.float32)
    for at, _, text in lines:
        speech = voice.speak(text, VoiceProfile())
        n = round(speech.size * listener.RATE / voice.sample_rate)
        speech = np.interp(np.arange(n) * voice.sample_rate / listener.RATE, np.arange(speech.size), speech)
        i = round(at * listener.RATE)
        track[i : i + n] += speech[: track.size - i].astype(np.float32)
    return track


def test_the_films_speech_is_heard_about_as_well_as_a_plain_reading(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    model = listener.model_folder(tmp_path_factory.mktemp("whisper-base"))
    root = tmp_path / "root"
    for folder in ("inbox", "outbox", "config"):
        (root / folder).mkdir(parents=True)
    (root / "config" / "scriptvid.yaml").write_text(CONFIG)
    daemon = Daemon(root).start()
    try:
        names = []
        for film in FILMS:
            src = corpus_file(film)
            shutil.copyfile(src, root / "inbox" / src.name)
            names.append(src.stem.replace("_", "-"))
        for name in names:
            st = wait_for(
                lambda name=name: (
                    project_status(root, name).get("state") in ("completed", "failed")
                    and project_status(root, name)
                ),
                900,
                f"the film of {name}",
            )
            assert st["state"] == "completed", st.get("errors")
    finally:
        daemon.stop()

    voice = PiperBackend(PiperSettings())
    # What was said and heard, piece by piece: the film's at each window, each plain reading's at each.
    film_pieces: defaultdict[float, list[tuple[str, str]]] = defaultdict(list)
    plain_pieces: defaultdict[tuple[int, float], list[tuple[str, str]]] = defaultdict(list)
    for name in names:
        lines = _lines(root, name)
        film_sound = listener.sound_of(root / "outbox" / f"{name}.mp4")
        for window in WINDOWS:
            film_pieces[window] += listener.hear_lines(model, film_sound, lines, window)
        for n in range(PLAIN_READINGS):
            plain = _plain_reading(voice, lines, film_sound.size / listener.RATE)
            for window in WINDOWS:
                plain_pieces[n, window] += listener.hear_lines(model, plain, lines, window)

    def rate(pieces: list[tuple[str, str]]) -> float:
        return listener.word_error_rate(" ".join(s for s, _ in pieces), " ".join(h for _, h in pieces))

    words = len(listener.words(" ".join(said for said, _ in film_pieces[WINDOWS[0]])))
    film_rates = [rate(p) for p in film_pieces.values()]
    plain_rates = [rate(p) for p in plain_pieces.values()]
    film_rate, plain_rate = float(np.mean(film_rates)), float(np.mean(plain_rates))
    print(
        f"\nword error rate over {words} words: the films {film_rate:.3f}"
        f" ({', '.join(f'{r:.3f}' for r in film_rates)}), the plain reading {plain_rate:.3f}"
        f" ({', '.join(f'{r:.3f}' for r in plain_rates)}); ratio {film_rate / plain_rate:.2f}"
    )
    for said, heard in film_pieces[WINDOWS[-1]]:
        if listener.word_error_rate(said, heard) > 0.3:
            print(f"  misheard in a film:\n    said:  {said}\n    heard: {heard}")
    assert words > 600, "the films say fewer words than the figure needs to be steady"
    assert film_rate <= ALLOWED * plain_rate, (film_rates, plain_rates)


def test_the_word_error_rate_counts_substitutions_deletions_and_insertions() -> None:
    said = "The cat sat on the mat."
    assert listener.word_error_rate(said, "the cat sat on the mat") == 0.0
    assert listener.word_error_rate(said, "The cat sat on a mat.") == pytest.approx(1 / 6)
    assert listener.word_error_rate(said, "cat sat on the mat") == pytest.approx(1 / 6)
    assert listener.word_error_rate(said, "the cat sat down on the mat") == pytest.approx(1 / 6)
    assert listener.word_error_rate(said, "") == 1.0
    # Written differently, heard the same: case, punctuation, contractions, digits, accents.
    assert listener.word_error_rate("Don't wait: 4 cafés!", "dont wait four cafes") == 0.0
