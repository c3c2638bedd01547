"""parse: ollama. An LLM, through the `ollama` client and a server the settings name, for what rules
cannot read: it breaks up text the rule parser finds no scenes in (prose, a treatment, a story), and
writes richer image and motion prompts for the scenes.

The rule parser always reads the script first; its result is what the film gets whenever the model's
answer cannot be used, with a log line and a note in status.json. Every request asks for JSON in a
schema (Ollama's structured output), at temperature 0 and a fixed seed; every answer is validated
against that schema and asked for again, up to `attempts` times, when it does not fit. A long text
goes in parts that fit the model's context. The model's name and digest are in the parse step's
fingerprint: another model re-parses.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

from ... import log
from ...backends import Backend
from ...model import Line, Scene, Script
from ...settings import OllamaSettings
from .reader import read_script

if TYPE_CHECKING:
    from pydantic import BaseModel

    from .answers import SceneOut

CHARS_PER_TOKEN = 4  # English prose; a part of the text is half the context, the answer the rest
SYSTEM = (
    "You are a script supervisor. You read scripts and stories and answer only with JSON that follows"
    " the given schema exactly. Never invent dialogue that is not in the text."
)


Answer = TypeVar("Answer", bound="BaseModel")


class Unusable(Exception):
    """The model's answers could not be used; the message says why."""


class OllamaParser(Backend):
    NAME = "ollama"
    VERSION = "1"

    settings: OllamaSettings

    @classmethod
    def check(cls, settings: OllamaSettings) -> str:
        if importlib.util.find_spec("ollama") is None:
            return "the ollama client is not installed: pip install 'scriptvid[ai]' (or scripts/setup ai)"
        if not settings.model:
            return "no model: set ollama.model to a model on the Ollama server (`ollama list` names them)"
        return server_problem(settings.host, settings.model)

    @classmethod
    def model_identity(cls, settings: OllamaSettings) -> list[str]:
        return [f"{settings.model}@{model_digest(settings.host, settings.model)}"]

    def __init__(self, settings: OllamaSettings) -> None:
        super().__init__(settings)
        import ollama

        self.client = ollama.Client(host=settings.host, timeout=settings.timeout)
        logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request is noise here

    def parse(self, data: bytes, name: str, max_scenes: int) -> Script:
        script = read_script(data, name, max_scenes=max_scenes)
        notes: list[str] = []
        # (A Final Draft file says what each paragraph is; its XML is not text to break up.)
        if self.settings.loose and no_structure(script) and script.format != "final-draft":
            try:
                script = self._break_up(data.decode("utf-8", "replace"), script, max_scenes)
            except Unusable as exc:
                notes.append(self._fell_back("breaking up the text", exc))
        if self.settings.prompts and not script.prompts:
            try:
                script = replace(script, prompts=self._prompts(script))
            except Unusable as exc:
                notes.append(self._fell_back("writing the prompts", exc))
        return replace(script, notes=(*script.notes, *notes))

    def _fell_back(self, what: str, exc: Unusable) -> str:
        note = (
            f"the LLM ({self.settings.model}) failed at {what}: {exc}; the rule-based parser's result is used"
        )
        log.get().warning("LLM answer not used", model=self.settings.model, task=what, error=str(exc))
        return note

    # -- the two uses ---------------------------------------------------------------------------------

    def _break_up(self, text: str, rules: Script, max_scenes: int) -> Script:
        from . import answers

        found: list[SceneOut] = []
        for part in chunks(text, self.settings.context * CHARS_PER_TOKEN // 2):
            ask = (
                "Break this text into the scenes of a film. Each scene is one place and time. Give for each:"
                " its heading, location, time of day, INT or EXT, the action (what we see), the characters"
                " (names in capitals), the dialogue (who says what, and how, in `parenthetical`), the"
                " transition out of it (CUT TO:, DISSOLVE TO:, FADE OUT. or empty), an image prompt for its"
                " picture and a motion prompt.\n\nThe text:\n" + part
            )
            found += self._ask(ask, answers.ScenesOut).scenes
        if len(found) > max_scenes:
            raise Unusable(f"{len(found)} scenes, more than limits.max_scenes ({max_scenes})")
        scenes, prompts = [], {}
        for number, s in enumerate(found, start=1):
            dialogue = tuple(
                Line(ln.character.strip().upper(), ln.text.strip(), ln.parenthetical) for ln in s.dialogue
            )
            people = [c.strip().upper() for c in s.characters if c.strip()] + [
                ln.character for ln in dialogue
            ]
            scenes.append(
                Scene(
                    number=number,
                    heading=s.heading.strip().upper(),
                    location=s.location.strip().upper(),
                    time_of_day=s.time_of_day.strip().upper(),
                    interior=s.interior,
                    action=tuple(a.strip() for a in s.action if a.strip()),
                    characters=tuple(dict.fromkeys(people)),
                    dialogue=dialogue,
                    transition=s.transition.strip().upper(),
                )
            )
            prompts[number] = (s.image_prompt.strip(), s.motion_prompt.strip())
        return replace(rules, scenes=tuple(scenes), format="llm", prompts=prompts)

    def _prompts(self, script: Script) -> dict[int, tuple[str, str]]:
        from . import answers

        out: dict[int, tuple[str, str]] = {}
        summaries = [
            {
                "number": s.number,
                "heading": s.heading,
                "action": " ".join(s.action)[:600],
                "characters": list(s.characters),
            }
            for s in script.scenes
        ]
        budget = self.settings.context * CHARS_PER_TOKEN // 2
        for part in batches(summaries, budget):
            ask = (
                "For each scene of the film below, write an image prompt (the picture: place, light, the"
                " people in it, the style of a film still) and a motion prompt (a camera move or what moves,"
                " in a few words). Keep each scene's number.\n\nThe scenes:\n"
                + json.dumps(part, ensure_ascii=False)
            )
            answer = self._ask(ask, answers.PromptsOut)
            wanted = {s["number"] for s in part}
            got = {p.number: (p.image_prompt.strip(), p.motion_prompt.strip()) for p in answer.scenes}
            if not wanted <= set(got):
                raise Unusable(f"prompts for scenes {sorted(wanted - set(got))} are missing")
            out.update({n: got[n] for n in wanted})
        return out

    # -- asking ---------------------------------------------------------------------------------------

    def _ask(self, question: str, schema: type[Answer]) -> Answer:
        """The model's answer to `question` in `schema` (a pydantic model), asked for again when it
        does not fit."""
        import httpx
        import ollama
        from pydantic import ValidationError

        problems = []
        for _ in range(self.settings.attempts):
            try:
                reply = self.client.chat(
                    model=self.settings.model,
                    messages=[{"role": "system", "content": SYSTEM}, {"role": "user", "content": question}],
                    format=schema.model_json_schema(),
                    # An answer may use half the context; one that runs on past it is cut off, not JSON.
                    options={
                        "temperature": 0,
                        "seed": 0,
                        "num_ctx": self.settings.context,
                        "num_predict": self.settings.context // 2,
                    },
                )
                if reply.done_reason == "length":
                    problems.append(f"an answer cut off at {self.settings.context // 2} tokens")
                    continue
                return schema.model_validate_json(reply.message.content or "")
            except ValidationError as exc:
                problems.append(f"an answer outside the schema ({exc.error_count()} errors)")
            except httpx.TimeoutException:
                problems.append(f"no answer within {self.settings.timeout:g} s (ollama.timeout)")
            except (ollama.ResponseError, httpx.HTTPError, ConnectionError) as exc:
                problems.append(f"the server said: {exc}")
                break  # the server is down or refuses: asking again at once would not help
        raise Unusable("; ".join(problems) or "no answer")


def no_structure(script: Script) -> bool:
    """Text the rules found nothing in: one scene, no dialogue, no one named."""
    return len(script.scenes) == 1 and not script.scenes[0].dialogue and not script.scenes[0].characters


def chunks(text: str, size: int) -> list[str]:
    """`text` in parts of at most about `size` characters, cut between paragraphs where it can be."""
    parts, current = [], ""
    for paragraph in text.split("\n\n"):
        while len(paragraph) > size:  # a paragraph longer than a part: cut it between sentences
            cut = paragraph.rfind(". ", 0, size) + 1 or size
            parts.append((current + "\n\n" + paragraph[:cut]).strip())
            current, paragraph = "", paragraph[cut:]
        if current and len(current) + len(paragraph) + 2 > size:
            parts.append(current.strip())
            current = ""
        current += ("\n\n" if current else "") + paragraph
    if current.strip():
        parts.append(current.strip())
    return parts


def batches(items: list[dict[str, Any]], size: int, most: int = 100) -> list[list[dict[str, Any]]]:
    """`items` in groups of at most about `size` characters of JSON and at most `most` items."""
    out: list[list[dict[str, Any]]] = [[]]
    used = 0
    for item in items:
        length = len(json.dumps(item))
        if out[-1] and (used + length > size or len(out[-1]) >= most):
            out.append([])
            used = 0
        out[-1].append(item)
        used += length
    return out


def _tags(host: str) -> list[dict[str, Any]]:
    import ollama

    client = ollama.Client(host=host, timeout=10)
    return [m.model_dump() for m in client.list().models]


def server_problem(host: str, model: str, tags: Callable[[str], list[dict[str, Any]]] = _tags) -> str:
    try:
        names = {str(m.get("model")) for m in tags(host)}
    except Exception as exc:
        return f"ollama.host: cannot reach {host} ({exc}); start the Ollama server there (`ollama serve`)"
    if model not in names and f"{model}:latest" not in names:
        has = ", ".join(sorted(names)) or "none"
        return f"ollama.model: {model} is not on {host} (it has {has}): `ollama pull {model}`"
    return ""


DIGEST_SECONDS = 60.0  # how long a digest the server reported is taken as still true
_digests: dict[tuple[str, str], tuple[float, str]] = {}


def model_digest(host: str, model: str) -> str:
    """The model's digest as the server reports it (asked at most once a minute): another model, another
    digest, so a model pulled anew re-parses; a server out of reach now is asked again next time."""
    known = _digests.get((host, model))
    if known is None or time.monotonic() - known[0] > DIGEST_SECONDS:
        try:
            listed = {str(m.get("model")): str(m.get("digest", "")) for m in _tags(host)}
        except Exception:
            return "unreachable"
        known = (time.monotonic(), listed.get(model) or listed.get(f"{model}:latest") or "unknown")
        _digests[host, model] = known
    return known[1]
