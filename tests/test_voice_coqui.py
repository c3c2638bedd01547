"""voice: coqui, with tiny random Coqui TTS models built by the test (XTTS v2 and a two-speaker VITS)
and loaded with coqui-tts's own classes: voices cloned from recordings (real speech, spoken by the
Piper voice), conditioning computed once per recording and kept, speakers by name or handed out, the
delivery as the model's speed, clear errors; and a whole film in the daemon with a cloned cast and a
generated score."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from scriptvid import backends, settings
from scriptvid.errors import InputError
from scriptvid.settings import CoquiSettings
from scriptvid.stages.voice import coqui
from scriptvid.stages.voice.interface import Recording, VoiceProfile
from scriptvid.stages.voice.profile import delivery

from conftest import Daemon, ffprobe, project_status, tiny_model, wait_for
from tiny_coqui import spoken_wav

pytest.importorskip("TTS")


def tiny_settings(kind: str = "xtts", **changes: object) -> CoquiSettings:
    # 8 audio tokens a sentence: the random GPT never stops by itself (0.36 s of audio each).
    base = CoquiSettings(model=str(tiny_model(kind)), device="cpu", max_audio_tokens=8)
    return dataclasses.replace(base, **changes)


def recording(data: bytes, keep: Path) -> Recording:
    return Recording(data, hashlib.sha256(data).hexdigest(), keep)


@pytest.fixture(scope="module")
def xtts() -> coqui.CoquiBackend:
    started = time.perf_counter()
    backend = coqui.CoquiBackend(tiny_settings())
    print(f"\ncoqui xtts: load {time.perf_counter() - started:.2f} s")
    return backend


@pytest.fixture(scope="module")
def clips() -> tuple[bytes, bytes]:
    return spoken_wav(0.0), spoken_wav(6.0)


def test_two_recordings_give_two_voices_and_the_same_text_and_recording_the_same_audio(
    xtts: coqui.CoquiBackend, clips: tuple[bytes, bytes], tmp_path: Path
) -> None:
    anna, ben = (recording(c, tmp_path) for c in clips)
    started = time.perf_counter()
    said = xtts.speak("Hello, Ben.", VoiceProfile(), anna)
    print(f"\ncoqui xtts: conditioning and a sentence {time.perf_counter() - started:.2f} s")
    assert said.dtype == np.float32 and said.size > 0 and np.abs(said).max() > 0
    assert xtts.sample_rate == 24000
    # Each recording's conditioning is kept in the project's folder, one file per recording.
    kept = sorted(tmp_path.glob("voice-*.pt"))
    assert len(kept) == 1
    assert not np.array_equal(said, xtts.speak("Hello, Ben.", VoiceProfile(), ben))
    kept = sorted(tmp_path.glob("voice-*.pt"))
    assert len(kept) == 2
    import torch

    first, second = (torch.load(k, weights_only=True) for k in kept)
    assert not torch.equal(first["speaker_embedding"], second["speaker_embedding"])
    assert not torch.equal(first["gpt_cond_latent"], second["gpt_cond_latent"])
    # The same text in the same voice is the same audio, sentence after sentence.
    assert np.array_equal(said, xtts.speak("Hello, Ben.", VoiceProfile(), anna))


def test_a_recording_is_conditioned_once_and_the_kept_conditioning_serves_a_new_worker(
    xtts: coqui.CoquiBackend, clips: tuple[bytes, bytes], tmp_path: Path
) -> None:
    anna = recording(clips[0], tmp_path)
    said = xtts.speak("Where were you?", VoiceProfile(), anna)
    (kept,) = tmp_path.glob("voice-*.pt")
    written = kept.stat().st_mtime_ns
    # Another worker (nothing in memory) with the same recording: the kept file is used, the
    # recording itself is not read again (here it could not be: its bytes are gone).
    fresh = coqui.CoquiBackend(tiny_settings())
    gone = Recording(b"", anna.digest, tmp_path)
    assert np.array_equal(said, fresh.speak("Where were you?", VoiceProfile(), gone))
    assert kept.stat().st_mtime_ns == written
    # A torn kept file is made again from the recording.
    kept.write_bytes(b"torn")
    again = coqui.CoquiBackend(tiny_settings())
    assert np.array_equal(said, again.speak("Where were you?", VoiceProfile(), anna))
    assert kept.stat().st_size > 100


def test_without_a_recording_characters_get_the_model_s_speakers_by_name_or_in_turn() -> None:
    # A published VITS folder names its speaker file by the path on the machine it was downloaded on.
    folder = tiny_model("vits")
    config = json.loads((folder / "config.json").read_text())
    assert config["speakers_file"] == str((folder / "speaker_ids.json").resolve())
    stale = folder.parent / "stale-vits"
    if not stale.exists():
        shutil.copytree(folder, stale)
        for holder in (config, config["model_args"]):
            holder["speakers_file"] = "/home/someone/.local/share/tts/vctk/speaker_ids.json"
        (stale / "config.json").write_text(json.dumps(config))
    started = time.perf_counter()
    vits = coqui.CoquiBackend(tiny_settings("vits", model=str(stale)))
    assert vits.speakers == ["ana", "ben"]
    ana = vits.speak("Hello, Ben.", VoiceProfile(speaker="ana"))
    print(f"\ncoqui vits: load and a sentence {time.perf_counter() - started:.2f} s")
    ben = vits.speak("Hello, Ben.", VoiceProfile(speaker="ben"))
    assert ana.size > 0 and not np.array_equal(ana, ben)
    # Characters who name no speaker are handed the model's speakers by their place in the cast.
    assert np.array_equal(vits.speak("Hello, Ben.", VoiceProfile(index=0)), ana)
    assert np.array_equal(vits.speak("Hello, Ben.", VoiceProfile(index=1)), ben)
    with pytest.raises(InputError, match=r"'carol' is not a speaker .*it has: ana, ben") as raised:
        vits.speak("Hello.", VoiceProfile(speaker="carol"))
    assert raised.value.key == "voice.speaker"


def test_delivery_reaches_the_model_as_its_speed_and_the_voice_s_volume(xtts: coqui.CoquiBackend) -> None:
    plain = VoiceProfile(index=0)
    said = xtts.speak("I am here.", plain)
    slowly = xtts.speak("I am here.", delivery(plain, "slowly"))
    whispered = xtts.speak("I am here.", delivery(plain, "whispering"))
    # XTTS stretches its speech latents by the pace: the same audio tokens last longer.
    assert slowly.size > said.size * 1.1

    def rms(a: np.ndarray) -> float:
        return float(np.sqrt(np.mean(a**2)))

    assert rms(whispered) < rms(said) * 0.7


def test_long_sentences_are_cut_to_what_the_model_reads_at_once() -> None:
    assert coqui.CoquiBackend.max_sentence_chars(tiny_settings()) == 250
    assert coqui.CoquiBackend.max_sentence_chars(tiny_settings(language="zh-cn")) == 82
    assert coqui.CoquiBackend.max_sentence_chars(tiny_settings("vits")) is None


def test_an_original_release_model_folder_is_read_and_never_written(tmp_path: Path) -> None:
    import tiny_coqui

    folder = tiny_coqui.xtts_folder(tmp_path / "xtts-v2", original_format=True)
    model = folder / "model.pth"
    before = (model.read_bytes(), model.stat().st_mtime_ns)
    backend = coqui.CoquiBackend(tiny_settings(model=str(folder)))
    assert backend.speak("Hello.", VoiceProfile()).size > 0
    assert (model.read_bytes(), model.stat().st_mtime_ns) == before


def test_what_is_missing_or_wrong_is_said_as_a_user_needs_it(
    xtts: coqui.CoquiBackend, tmp_path: Path
) -> None:
    check = coqui.CoquiBackend.check
    assert check(tiny_settings()) == ""
    assert "set coqui.model to a local Coqui TTS model folder" in check(tiny_settings(model=""))
    assert "is not a folder" in check(tiny_settings(model=str(tmp_path / "nowhere")))
    broken = tmp_path / "broken"
    shutil.copytree(tiny_model("xtts"), broken)
    assert "coqui.language is 'xx'; the model speaks en, es" in check(
        tiny_settings(model=str(broken), language="xx")
    )
    (broken / "vocab.json").unlink()
    assert f"{broken / 'vocab.json'} is missing" in check(tiny_settings(model=str(broken)))
    (broken / "model.pth").unlink()
    assert "has no checkpoint" in check(tiny_settings(model=str(broken)))
    config = broken / "config.json"
    config.write_text(json.dumps({**json.loads(config.read_text()), "model": "tacotron2"}))
    assert "is a 'tacotron2' model; this backend speaks with XTTS or VITS" in check(
        tiny_settings(model=str(broken))
    )
    # A recording that is not audio, or too short, is refused naming the setting.
    for data, words in (
        (b"RIFF not really a wav", "cannot be read as audio"),
        (spoken_wav(0)[:4000], "give 3 to 30 s"),
    ):
        with pytest.raises(InputError, match=words) as raised:
            xtts.speak("Hello.", VoiceProfile(), recording(data, tmp_path))
        assert raised.value.key == "voice.clip"


def test_an_xtts_model_without_speakers_needs_a_recording(tmp_path: Path) -> None:
    import tiny_coqui

    folder = tiny_coqui.xtts_folder(tmp_path / "no-speakers", speakers=())
    backend = coqui.CoquiBackend(tiny_settings(model=str(folder)))
    with pytest.raises(InputError, match="has no speakers of its own") as raised:
        backend.speak("Hello.", VoiceProfile())
    assert raised.value.key == "voice.clip"


def test_the_model_is_in_the_identity(tmp_path: Path) -> None:
    chosen = settings.build([("t", {"backends": {"voice": "coqui"}})])
    copy = tmp_path / "xtts"
    shutil.copytree(tiny_model("xtts"), copy)

    def identity() -> dict:
        return backends.identity("voice", dataclasses.replace(chosen, coqui=tiny_settings(model=str(copy))))

    before = identity()
    assert identity() == before
    (copy / "speakers_xtts.pth").unlink()
    assert identity()["model"] != before["model"]


@pytest.mark.slow
def test_a_film_with_cloned_voices_and_a_generated_score_renders_in_the_daemon(
    data_root: Path, clips: tuple[bytes, bytes]
) -> None:
    config = data_root / "config" / "scriptvid.yaml"
    config.write_text(
        "video: {width: 320, height: 180, fps: 12, preset: ultrafast}\nwatch: {stable_seconds: 1.0}\n"
        f"coqui: {{model: '{tiny_model('xtts')}', device: cpu, max_audio_tokens: 8}}\n"
        f"musicgen: {{model: '{tiny_model('musicgen')}', device: cpu, dtype: float32, window: 2.5,"
        " context: 0.4, crossfade: 0.1, guidance: 1.0}\n"
    )
    inbox = data_root / "inbox"
    (inbox / "mara.wav").write_bytes(clips[0])
    (inbox / "ben.wav").write_bytes(clips[1])
    (inbox / "cloned.yaml").write_text(
        "backends: {voice: coqui, music: musicgen}\n"
        "characters: {MARA: {voice: {clip: mara.wav}}, BEN: {voice: {clip: ben.wav}}}\n"
    )
    daemon = Daemon(data_root).start()
    project = data_root / "projects" / "cloned"

    def finished(run: int) -> dict:
        return wait_for(
            lambda: (
                (st := project_status(data_root, "cloned")).get("run", 0) >= run
                and st.get("state") in ("completed", "failed")
                and st
            ),
            300,
            "the cloned film",
        )

    try:
        (inbox / "cloned.fountain").write_text(
            "Title: Cloned\n\nINT. KITCHEN - NIGHT\n\nMARA\nThe kettle is on. Sit down.\n\n"
            "BEN\n(quietly)\nI can't stay.\n\nEXT. HARBOUR - DAY\n\nBEN\nThe boats are in!\n"
        )
        st = finished(1)
        assert st["state"] == "completed", st["errors"]
        film = ffprobe(data_root / "outbox" / "cloned.mp4")
        assert {"video", "audio", "subtitle"} <= {s["codec_type"] for s in film["streams"]}
        # The recordings were copied into the project (and left in the inbox), and conditioned once each.
        assert (inbox / "mara.wav").read_bytes() == clips[0]
        assert (project / "source" / "ben.wav").read_bytes() == clips[1]
        kept = {p: p.stat().st_mtime_ns for p in (project / "cast").glob("voice-*.pt")}
        assert len(kept) == 2
        kitchen = next((project / "scenes").glob("*kitchen*"))
        cues = json.loads((kitchen / "voice" / "cues.json").read_text())["cues"]
        assert [c["character"] for c in cues] == ["MARA", "MARA", "BEN"]
        said_before = {p.name for p in (kitchen / "voice" / "said").iterdir()}

        # One sentence edited: only it is spoken again, and no recording is conditioned again.
        scene_yaml = kitchen / "scene.yaml"
        scene_yaml.write_text(scene_yaml.read_text().replace("Sit down.", "Sit with me."))
        st2 = finished(st["run"] + 1)
        assert st2["state"] == "completed", st2["errors"]
        said_after = {p.name for p in (kitchen / "voice" / "said").iterdir()}
        assert len(said_before - said_after) == len(said_after - said_before) == 1
        assert {p: p.stat().st_mtime_ns for p in (project / "cast").glob("voice-*.pt")} == kept
    finally:
        daemon.stop()
    video = next(
        s for s in ffprobe(data_root / "outbox" / "cloned.mp4")["streams"] if s["codec_type"] == "video"
    )
    with wave.open(str(project / "music" / "score.wav")) as wav:
        assert abs(wav.getnframes() / wav.getframerate() - float(video["duration"])) < 0.05


def test_a_character_s_file_is_beside_the_script_or_inside_the_project_and_never_through_a_link(
    tmp_path: Path,
) -> None:
    from scriptvid.project import Project
    from scriptvid.stages.cast import character_file

    project = Project(tmp_path / "data" / "projects" / "film")
    (project.source_dir).mkdir(parents=True)
    (project.source_dir / "mara.wav").write_bytes(b"beside")
    (project.path / "voices").mkdir()
    (project.path / "voices" / "ben.wav").write_bytes(b"inside")
    key = "characters.BEN.voice.clip"
    assert character_file(project, "mara.wav", key, "recording") == b"beside"
    assert character_file(project, "voices/ben.wav", key, "recording") == b"inside"
    with pytest.raises(InputError, match=r"voices/ana\.wav is not in the project folder") as raised:
        character_file(project, "voices/ana.wav", key, "recording")
    assert raised.value.key == key
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.wav").write_bytes(b"not yours")
    (project.path / "linked").symlink_to(outside)
    with pytest.raises(InputError, match="cannot be read") as raised:
        character_file(project, "linked/secret.wav", key, "recording")
    # The settings refuse what would leave the project before anything is read.
    for escape in ("../other/x.wav", "/etc/passwd", "voices/../../x.wav"):
        with pytest.raises(Exception, match=r"characters\.BEN\.voice\.clip"):
            settings.validate({"characters": {"BEN": {"voice": {"clip": escape}}}}, "film.yaml")


@pytest.mark.slow
def test_a_speaker_the_model_does_not_have_fails_the_film_naming_the_setting(data_root: Path) -> None:
    config = data_root / "config" / "scriptvid.yaml"
    config.write_text(config.read_text() + f"coqui: {{model: '{tiny_model('vits')}', device: cpu}}\n")
    inbox = data_root / "inbox"
    (inbox / "carol.yaml").write_text(
        "backends: {voice: coqui}\ncharacters: {BEN: {voice: {speaker: carol}}}\n"
    )
    daemon = Daemon(data_root).start()
    try:
        (inbox / "carol.fountain").write_text("INT. KITCHEN - NIGHT\n\nBEN\nThe kettle is on.\n")
        st = wait_for(
            lambda: (s := project_status(data_root, "carol")).get("state") in ("completed", "failed") and s,
            120,
            "the film to fail",
        )
        assert daemon.alive()
    finally:
        daemon.stop()
    assert st["state"] == "failed"
    errors = json.dumps(st["errors"])
    assert "characters.BEN.voice.speaker" in errors and "it has: ana, ben" in errors, errors
