"""The sections of the settings: the film's (video, audio, timing, ...), the characters', and the
service's own (watch, daemon, ledger). Each backend's section is in backend_sections.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..backends import CATALOGUE
from .schema import option, section

COLOUR = r"#[0-9a-fA-F]{6}"


# The frames people watch films in: the size a named `video.format` stands for.
FORMATS = {"widescreen": (1920, 1080), "vertical": (1080, 1920), "square": (1080, 1080)}


@dataclass(frozen=True)
class VideoSettings:
    format: str = option(
        "",
        "a named frame: widescreen (1920x1080), vertical (1080x1920, for phones) or square (1080x1080);"
        " sets width and height. Empty: as width and height say",
        choices=("", *FORMATS),
        lower=True,
    )
    width: int = option(1920, "frame width in pixels (even)", min=160, max=7680, even=True)
    height: int = option(1080, "frame height in pixels (even)", min=90, max=4320, even=True)
    fps: int = option(30, "frames per second", min=1, max=120)
    crf: int = option(20, "x264 quality, lower is better", min=0, max=51)
    preset: str = option(
        "veryfast",
        "x264 speed preset",
        choices=("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow"),
    )


@dataclass(frozen=True)
class AudioSettings:
    sample_rate: int = option(48000, "sample rate of the mix", choices=(44100, 48000))
    loudness: float = option(-16.0, "integrated loudness target in LUFS", min=-40.0, max=-6.0)
    true_peak: float = option(-1.0, "true peak ceiling in dBTP", min=-9.0, max=0.0)
    aac_coder: str = option(
        "fast",
        "FFmpeg's AAC coder at 192 kb/s: fast (a third of the time; measured closer to the mix overall)"
        " or twoloop (FFmpeg's default; finer above 10 kHz)",
        choices=("fast", "twoloop"),
    )


@dataclass(frozen=True)
class TimingSettings:
    line_pause: float = option(0.35, "silence between two dialogue lines, seconds", min=0.0, max=5.0)
    scene_lead: float = option(0.6, "silence before a scene's first line, seconds", min=0.0, max=10.0)
    scene_tail: float = option(0.8, "silence after a scene's last line, seconds", min=0.0, max=10.0)
    reading_wpm: int = option(170, "words per minute for scenes without dialogue", min=40, max=600)
    min_scene: float = option(2.5, "shortest scene, seconds", min=0.5, max=60.0)
    max_scene: float = option(12.0, "longest scene without dialogue, seconds", min=1.0, max=600.0)


@dataclass(frozen=True)
class TransitionSettings:
    default: str = option(
        "dissolve", "transition where the script names none", choices=("cut", "dissolve", "fade")
    )
    duration: float = option(0.6, "length of a dissolve or fade, seconds", min=0.1, max=3.0)


@dataclass(frozen=True)
class MusicSettings:
    enabled: bool = option(True, "compose and mix a score")
    mood: str = option(
        "auto",
        "mood of the score; auto guesses it from the script",
        choices=("auto", "calm", "warm", "tense", "sad", "upbeat", "mysterious", "epic", "playful"),
    )
    level: float = option(
        -15.0,
        "where nobody speaks, the score sits this many dB under the speech (measured); while someone"
        " speaks it is pressed down further",
        min=-60.0,
        max=0.0,
    )
    refit: float = option(
        2.0,
        "an edit that moves scene boundaries by at most this many seconds keeps the score, fitted to"
        " the new length, rather than composing a new one; 0 composes anew on every change",
        min=0.0,
        max=30.0,
    )


@dataclass(frozen=True)
class SubtitleSettings:
    """How subtitles look. The soft track (mov_text) carries the size, the colour and the box; the
    outline and a top position are only drawn when burned in (the format has neither)."""

    burn_in: bool = option(False, "draw the subtitles into the picture as well as writing the .srt")
    size: float = option(4.5, "letter size, % of the frame's shorter side", min=2.0, max=12.0)
    position: str = option(
        "bottom", "where the subtitles stand (inside the frame's safe area)", choices=("bottom", "top")
    )
    colour: str = option(
        "#ffffff", "colour of the letters", pattern=COLOUR, pattern_help="'#rrggbb'", lower=True
    )
    outline: float = option(
        8.0, "dark outline round the letters, % of the letter size; 0 for none", min=0.0, max=25.0
    )
    box: float = option(
        0.0, "opacity of a dark box behind the words: 0 for none, 1 for solid", min=0.0, max=1.0
    )


@dataclass(frozen=True)
class PreviewSettings:
    enabled: bool = option(
        True,
        "a first look: as soon as every scene has its picture and its voice, NAME.preview.mp4 appears in"
        " the outbox (the stills, the voices, the film's timing; no camera moves, no score)",
    )
    width: int = option(
        480, "the preview's width in pixels (its height keeps the film's shape)", min=160, max=1920
    )


@dataclass(frozen=True)
class VoiceSettings:
    narrate_action: bool = option(False, "have the narrator read action lines aloud")
    length_scale: float = option(1.0, "speaking pace for every voice; above 1 is slower", min=0.5, max=2.0)


# A file a character's settings name: a name beside the script (copied into the project's source/ when
# the script is taken), or a relative path inside the project folder; never absolute, never `..`.
PROJECT_FILE = r"(?![/~])(?!(?:.*/)?\.\.(?:/|$))[^\\\x00]+"
PROJECT_FILE_HELP = (
    "a file name beside the script, or a path inside the project folder such as voices/ana.wav"
)


@dataclass(frozen=True)
class CharacterVoice:
    """How one character sounds; what is left out is handed out so that every character differs."""

    pitch: float | None = option(None, "semitones from the voice's own", min=-7.0, max=7.0)
    length_scale: float | None = option(None, "pace; above 1 is slower", min=0.5, max=2.0)
    volume: float | None = option(None, "loudness of this voice", min=0.1, max=2.0)
    noise_scale: float | None = option(None, "expressiveness (Piper)", min=0.0, max=1.5)
    noise_w: float | None = option(None, "variation of phoneme lengths (Piper)", min=0.0, max=1.5)
    speaker: str = option("", "a speaker of a multi-speaker voice model, by its name")
    clip: str = option(
        "",
        "a recording of the voice to clone (a WAV, 3 to 30 s of one person speaking; for backends that"
        " clone)",
        pattern=PROJECT_FILE,
        pattern_help=PROJECT_FILE_HELP,
    )


@dataclass(frozen=True)
class CharacterSettings:
    """One character, the same in every scene: how they look and sound. Empty is derived from the name."""

    colour: str = option("", "clothes colour", pattern=COLOUR, pattern_help="'#rrggbb'", lower=True)
    hair_colour: str = option("", "hair colour", pattern=COLOUR, pattern_help="'#rrggbb'", lower=True)
    skin: str = option("", "skin colour", pattern=COLOUR, pattern_help="'#rrggbb'", lower=True)
    build: str = option("", "build", choices=("", "slim", "average", "broad"), lower=True)
    height: str = option("", "height", choices=("", "short", "average", "tall"), lower=True)
    hair: str = option("", "hair", choices=("", "short", "long", "bald", "curly", "bun"), lower=True)
    image: str = option(
        "",
        "a picture of the character (for image backends that use one)",
        pattern=PROJECT_FILE,
        pattern_help=PROJECT_FILE_HELP,
    )
    voice: CharacterVoice = section(CharacterVoice, "how the character sounds")


def _backend(stage: str, default: str, help: str) -> Any:
    return option(default, help, choices=tuple(CATALOGUE[stage]))


@dataclass(frozen=True)
class BackendSettings:
    """Which backend each stage uses (each has a section of its own settings below)."""

    parse: str = _backend("parse", "text", "script parser")
    image: str = _backend("image", "storyboard", "still picture per scene")
    animate: str = _backend("animate", "camera", "still to clip")
    voice: str = _backend("voice", "piper", "text to speech")
    lipsync: str = _backend("lipsync", "mouths", "mouths that follow the voice")
    music: str = _backend("music", "fluidsynth", "the score")


@dataclass(frozen=True)
class LimitSettings:
    max_scenes: int = option(500, "refuse scripts with more scenes", min=1, max=100_000)
    max_script_mb: float = option(10.0, "refuse scripts larger than this, megabytes", min=0.01, max=1000.0)
    max_line_chars: int = option(2000, "refuse scripts with a longer dialogue line", min=40, max=100_000)


@dataclass(frozen=True)
class WatchSettings:
    stable_seconds: float = option(1.0, "a file must keep its size and mtime this long", min=0.0, max=600.0)
    renamed_seconds: float = option(
        0.25,
        "... or this long (if less) when it came by a rename into the inbox: a copy tool that writes to"
        " a temporary name renames the file when it is whole",
        min=0.0,
        max=600.0,
    )
    poll: bool | None = option(
        None,
        "poll the inbox and the projects instead of using inotify: true, false, or empty to poll where"
        " the mount table says they are on a network filesystem (NFS, SMB/CIFS, sshfs ...)",
    )
    poll_interval: float = option(1.0, "seconds between polls", min=0.1, max=60.0)
    orphan_seconds: float = option(
        60.0, "a sidecar whose script has not come after this long is reported", min=1.0, max=86400.0
    )


@dataclass(frozen=True)
class DaemonSettings:
    workers: int = option(2, "worker threads for the cpu pool's steps", min=1, max=64)
    gpu_workers: int = option(
        1,
        "worker threads for the gpu pool's steps (one per GPU); 0 in a cluster's daemon on a machine without"
        " a GPU: the gpu pool's steps are left to `scriptvid worker --pool gpu` on the GPU machines",
        min=0,
        max=16,
    )
    retries: int = option(3, "tries after the first for a transient failure", min=0, max=20)
    keep_models: bool = option(
        True,
        "keep every model a worker has loaded in GPU memory; false: unload the others on that GPU before"
        " using one (for a GPU too small to hold the image, video and lip-sync models at once)",
    )


@dataclass(frozen=True)
class QueueSettings:
    url: str = option(
        "",
        "where the queues of steps live: empty for queue.db (SQLite) in the data folder, or"
        " redis://host:6379/0 for a cluster (the password from REDIS_PASSWORD or queue.password_file)",
        pattern=r"(rediss?|unix)://[^\s@]+",
        pattern_help="empty, or redis://host:port/db without a password (REDIS_PASSWORD or a file has it)",
    )
    password_file: str = option("", "a file that holds the Redis password (read at start; never logged)")


@dataclass(frozen=True)
class LedgerSettings:
    url: str = option(
        "",
        "where the ledger of runs and steps lives: empty for ledger.db (SQLite) in the data folder,"
        " or postgresql://user@host:5432/db for a cluster (the password from PGPASSWORD, ~/.pgpass or"
        " ledger.password_file)",
        pattern=r"postgres(ql)?://([^\s:@/]*@)?[^\s@]*",
        pattern_help="empty, or postgresql://user@host:port/db without a password (give it in PGPASSWORD or"
        " a file)",
    )
    password_file: str = option(
        "", "a password file for PostgreSQL, in ~/.pgpass's format (read by libpq; never logged)"
    )
    lease_seconds: float = option(
        30.0,
        "a worker holds each step it runs for this long and renews the hold every few seconds; a step"
        " whose worker stopped renewing it (a machine that vanished) is taken over after this long",
        min=5.0,
        max=3600.0,
    )
