"""scriptvid's benchmark: one run, one machine, figures and the ratios we steer by.

Absolute times on a shared machine move from run to run, so every figure that has a target is a
ratio to something measured in the same run (a bare FFmpeg encode, the fresh render, MoviePy).
It starts the real daemon on a fresh temporary data folder, drops a screenplay the way a network
copy does, and reads status.json and the project's logs the way any other program would.

    benchmarks/run              # 1080p30, the twelve-scene screenplay, MoviePy comparison
    benchmarks/run --tiny       # 320x180 at 12 fps, three scenes: keeps the command working in CI

The exit code is 0 whether or not the targets are met; 1 means the benchmark itself crashed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
SCREENPLAY = REPO / "benchmarks" / "twelve-scenes.fountain"
RESULTS = REPO / "benchmarks" / "results"  # git-ignored
# A --tiny run (CI) writes beside the full figures, never over them.
DEFAULT_JSON = {"full": RESULTS / "latest.json", "tiny": RESULTS / "tiny.json"}
sys.path.insert(0, str(REPO))  # run from anywhere: import the scriptvid of this checkout

# Imported once, up front: the package may be edited while a long run goes on, and a module
# imported later would be a newer version than the ones already loaded.
from scriptvid import media, runner, settings, timeline  # noqa: E402
from scriptvid.project import Root  # noqa: E402
from scriptvid.stages import assemble, mix, title, transition  # noqa: E402

STATUS_POLL = 0.05  # seconds between reads of status.json
MEMORY_POLL = 0.1  # seconds between samples of the daemon's memory
# How long the daemon gets to notice an edited file before we call that unsupported (--tiny: shorter,
# it only keeps the command working).
REACTION_WAIT = {"full": 5.0, "tiny": 2.0}
TINY = {"width": 320, "height": 180, "fps": 12, "scenes": 3}


class BenchError(RuntimeError):
    """The benchmark could not measure something (a render failed, a timeout)."""


@dataclass
class Figure:
    """One row of the table."""

    name: str
    value: float | None
    unit: str
    target: str = ""
    ratio: float | None = None
    met: bool | None = None
    note: str = ""


@dataclass
class Results:
    figures: list[Figure] = field(default_factory=list)
    stages: dict[str, float] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def add(self, figure: Figure) -> Figure:
        self.figures.append(figure)
        print(f"  {figure.name}: {_fmt(figure.value)} {figure.unit} {figure.note}".rstrip(), flush=True)
        return figure


# -- the daemon and its data folder --------------------------------------------------------------------


class Daemon:
    """`scriptvid daemon` as a separate process on its own data folder, as systemd would run it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.log = root / "daemon.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {**os.environ, "SCRIPTVID_LOG_FORMAT": "json"}
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "scriptvid", "daemon", "--root", str(self.root)],
                stdout=log,
                stderr=log,
                env=env,
                cwd=REPO,
            )
        # The inbox is watched only once the daemon says so; a drop before that measures start-up.
        wait_for(lambda: '"daemon ready"' in self.log.read_text(errors="replace"), 60, "the daemon to start")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def check_alive(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            tail = self.log.read_text(errors="replace")[-2000:]
            raise BenchError(f"the daemon exited:\n{tail}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def make_root(width: int, height: int, fps: int) -> Path:
    root = Path(tempfile.mkdtemp(prefix="scriptvid-bench-"))
    for folder in ("inbox", "outbox", "config"):
        (root / folder).mkdir()
    # Everything else stays at its default: the backends, the preset, the waits for a file to be whole.
    (root / "config" / "scriptvid.yaml").write_text(
        yaml.safe_dump({"video": {"width": width, "height": height, "fps": fps}}, sort_keys=False)
    )
    return root


def screenplay_for(root: Path, tiny: bool) -> Path:
    """The screenplay to drop: the repository's, or for --tiny its title page and first scenes."""
    if not tiny:
        return SCREENPLAY
    text = SCREENPLAY.read_text()
    headings = [m.start() for m in re.finditer(r"^(INT|EXT)\. ", text, flags=re.M)]
    cut = headings[TINY["scenes"]] if len(headings) > TINY["scenes"] else len(text)
    short = root / "work" / SCREENPLAY.name
    short.parent.mkdir(exist_ok=True)
    short.write_text(text[:cut].rstrip() + "\n\nFADE OUT.\n")
    return short


def drop(root: Path, script: Path) -> float:
    """Copy the script in as a network copy tool does (hidden name, then rename); returns the time."""
    part = root / "inbox" / f".{script.name}.part"
    shutil.copyfile(script, part)
    os.replace(part, root / "inbox" / script.name)
    return time.monotonic()


def read_status(project: Path) -> dict[str, Any]:
    try:
        return json.loads((project / "status.json").read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def wait_for(predicate: Callable[[], Any], timeout: float, what: str, interval: float = STATUS_POLL) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise BenchError(f"timed out after {timeout:.0f} s waiting for {what}")


def new_project(root: Path, before: set[str], daemon: Daemon, timeout: float = 60) -> Path:
    def found() -> Path | None:
        daemon.check_alive()
        fresh = [p for p in (root / "projects").glob("*/status.json") if p.parent.name not in before]
        return fresh[0].parent if fresh else None

    return Path(wait_for(found, timeout, "the dropped script to become a project"))


def projects(root: Path) -> set[str]:
    return {p.name for p in (root / "projects").glob("*")} if (root / "projects").is_dir() else set()


def wait_state(
    project: Path, states: tuple[str, ...], daemon: Daemon, timeout: float, min_run: int = 0
) -> dict[str, Any]:
    """Poll status.json until the project is in one of `states` (in run `min_run` or later)."""

    def reached() -> dict[str, Any] | None:
        daemon.check_alive()
        st = read_status(project)
        if int(st.get("run", 0)) < min_run:
            return None
        if st.get("state") == "failed" and "failed" not in states:
            raise BenchError(f"{project.name} failed: {json.dumps(st.get('errors'), indent=1)}")
        return st if st.get("state") in states else None

    return dict(wait_for(reached, timeout, f"{project.name} to be {' or '.join(states)}"))


# -- memory ----------------------------------------------------------------------------------------------


def _ppid(pid: str) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name is in parentheses and may hold spaces; the parent id follows the state.
    return int(stat.rsplit(")", 1)[1].split()[1])


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss(top: int) -> list[tuple[str, float]]:
    """(command, resident MiB) of a process and all its descendants (FFmpeg, FluidSynth...)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            parent = _ppid(entry.name)
            if parent is not None:
                children.setdefault(parent, []).append(int(entry.name))
    out, todo = [], [top]
    while todo:
        pid = todo.pop()
        out.append((_command(pid), _rss_kb(pid) / 1024))
        todo.extend(children.get(pid, []))
    return out


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"


class MemorySampler:
    """Samples the daemon tree's memory in a thread while the film renders; keeps the peak."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0.0
        self.at_peak: list[tuple[str, float]] = []  # what the peak was made of
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while not self._stop.is_set():
            tree = tree_rss(self.pid)
            total = sum(mib for _, mib in tree)
            if total > self.peak:
                self.peak, self.at_peak = total, tree
            self.samples += 1
            self._stop.wait(MEMORY_POLL)


# -- FFmpeg ----------------------------------------------------------------------------------------------


def probe_duration(path: Path) -> float:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return float(out.strip())


def bare_encode(video: Any, duration: float, out: Path) -> float:
    """Seconds FFmpeg takes to encode a synthetic picture as long as the film, with our encoder args."""
    source = f"testsrc2=size={video.width}x{video.height}:rate={video.fps}:duration={duration:.3f}"
    args = [*media.FFMPEG, "-f", "lavfi", "-i", source, *media.x264_args(video), "-an", str(out)]
    started = time.monotonic()
    subprocess.run(args, check=True)
    return time.monotonic() - started


# -- where the time goes ---------------------------------------------------------------------------------


def stage_seconds(project: Path) -> tuple[dict[str, float], float]:
    """Seconds per stage from the project's log, and the critical path with unlimited workers.

    Each figure is the stage's own wall time ("stage finished" lines), so on a busy machine it grows
    too. Scene stages are summed over the scenes; the critical path is parse, the slowest scene's
    chain and the film stages: what the render would take if every scene had a worker of its own.
    """
    per_stage: dict[str, float] = {}
    per_scene: dict[str, float] = {}
    film = 0.0
    for line in (project / "logs" / "events.jsonl").read_text().splitlines():
        event = json.loads(line)
        if event.get("event") != "stage finished":
            continue
        seconds = float(event.get("seconds", 0))
        per_stage[event["stage"]] = per_stage.get(event["stage"], 0.0) + seconds
        if event.get("scene"):
            per_scene[event["scene"]] = per_scene.get(event["scene"], 0.0) + seconds
        else:
            film += seconds
    ordered = dict(sorted(per_stage.items(), key=lambda kv: -kv[1]))
    return ordered, film + max(per_scene.values(), default=0.0)


# -- editing a scene as a person would -----------------------------------------------------------------------


def edit_line(scene_yaml: Path, text: str | None = None) -> str:
    """Change the first dialogue line's text and save the file atomically, keeping its comments.

    Returns the text it had before, so the edit can be undone with a second save.
    """
    original = scene_yaml.read_text()
    header = "".join(line for line in original.splitlines(keepends=True) if line.startswith("#"))
    data = yaml.safe_load(original)
    line = data["dialogue"][0]
    before = str(line["text"])
    line["text"] = text if text is not None else before.rstrip(".!?") + ", I promise."
    tmp = scene_yaml.with_name(f".{scene_yaml.name}.tmp")
    tmp.write_text(header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    os.replace(tmp, scene_yaml)
    return before


def scene_with_dialogue(project: Path) -> Path:
    """A scene in the middle of the film that has dialogue to edit."""
    names = json.loads((project / "script.json").read_text())["scenes"]
    candidates = [
        n for n in names if yaml.safe_load((project / "scenes" / n / "scene.yaml").read_text())["dialogue"]
    ]
    return project / "scenes" / candidates[len(candidates) // 2] / "scene.yaml"


def reacted(project: Path, run: int) -> bool:
    st = read_status(project)
    return int(st.get("run", 0)) > run or st.get("state") == "queued"


def wait_reaction(project: Path, run: int, wait: float) -> float | None:
    """Seconds until the daemon starts a new run by itself, or None if it does not within `wait`."""
    started = time.monotonic()
    try:
        wait_for(lambda: reacted(project, run), wait, "a reaction")
    except BenchError:
        return None
    return time.monotonic() - started


# -- the measurements ---------------------------------------------------------------------------------------


@dataclass
class Bench:
    """What every measurement needs: the data folder, the daemon on it, the script, the limits."""

    root: Path
    daemon: Daemon
    script: Path
    results: Results
    timeout: float  # longest a render may take before the benchmark gives up
    reaction_wait: float  # see REACTION_WAIT

    @property
    def work(self) -> Path:
        return self.root / "work"

    def settings(self, project: Path) -> Any:
        """The film's effective settings, from its project.yaml, exactly as its stages read them."""
        return runner.film_settings(Root(self.root).project(project.name), settings.service_layers(self.root))


@dataclass
class Fresh:
    """A film a fresh render made; the first one is what the later measurements work on."""

    project: Path
    seconds: float  # drop to completed
    duration: float  # of the published MP4
    to_running: float  # drop to running
    preview: float | None  # drop to NAME.preview.mp4 in the outbox (None: none came)
    memory: MemorySampler


def render_fresh(b: Bench) -> Fresh:
    """Drop the script once more and wait for its film; the preview's arrival is noted on the way."""
    before = projects(b.root)
    preview: float | None = None
    with MemorySampler(b.daemon.pid) as memory:
        dropped = drop(b.root, b.script)
        project = new_project(b.root, before, b.daemon)
        target = b.root / "outbox" / f"{project.name}.preview.mp4"
        wait_state(project, ("running", "completed"), b.daemon, b.timeout)
        to_running = time.monotonic() - dropped

        def done() -> dict[str, Any] | None:
            nonlocal preview
            if preview is None and target.exists():
                preview = time.monotonic() - dropped
            st = read_status(project)
            if st.get("state") == "failed":
                raise BenchError(f"{project.name} failed: {json.dumps(st.get('errors'), indent=1)}")
            return st if st.get("state") == "completed" else None

        st = wait_for(done, b.timeout, f"{project.name} to be completed")
        seconds = time.monotonic() - dropped
    return Fresh(project, seconds, probe_duration(Path(st["outputs"]["video"])), to_running, preview, memory)


def measure_fresh_and_encode(b: Bench, rounds: int) -> Fresh:
    """`rounds` fresh renders interleaved with as many bare encodes of the same length (a render, an
    encode, a render...), so that a machine that grows busier or quieter weighs on both alike; the
    ratio is of the medians."""
    renders: list[Fresh] = []
    encodes: list[float] = []
    for n in range(rounds):
        print(f"  fresh render {n + 1} of {rounds}...", flush=True)
        renders.append(render_fresh(b))
        video = b.settings(renders[0].project).video
        encodes.append(bare_encode(video, renders[0].duration, b.work / "bare.mp4"))
        print(f"    render {renders[-1].seconds:.2f} s, bare encode {encodes[-1]:.2f} s", flush=True)
    fresh = renders[0]
    st = read_status(fresh.project)
    b.results.extra["film"] = {
        "project": fresh.project.name,
        "seconds": fresh.duration,
        "scenes": len(st["scenes"]),
    }
    b.results.extra["video_settings"] = asdict(b.settings(fresh.project).video)
    b.results.extra["x264_args"] = media.x264_args(b.settings(fresh.project).video)
    b.results.extra["fresh_seconds"] = [round(r.seconds, 2) for r in renders]
    b.results.extra["bare_encode_seconds"] = [round(e, 2) for e in encodes]
    peak = max(renders, key=lambda r: r.memory.peak).memory
    b.results.extra["memory_samples"] = sum(r.memory.samples for r in renders)
    b.results.extra["memory_at_peak"] = [f"{name} {mib:.0f} MiB" for name, mib in peak.at_peak]
    render, encode = median([r.seconds for r in renders]), median(encodes)
    ratio = render / encode
    b.results.add(Figure("film duration", fresh.duration, "s", note="(ffprobe of the published MP4)"))
    b.results.add(
        Figure(
            "latency: drop to running",
            fresh.to_running,
            "s",
            note="(a file renamed in: includes the 0.25 s wait, watch.renamed_seconds)",
        )
    )
    b.results.add(
        Figure("peak memory, daemon + children", peak.peak, "MiB", "≤ 1024 MiB", None, peak.peak <= 1024)
    )
    b.results.add(Figure("bare FFmpeg encode (testsrc2)", encode, "s", note=_spread(encodes)))
    b.results.add(
        Figure(
            "fresh render, drop to MP4",
            render,
            "s",
            "render / encode ≤ 1.2",
            ratio,
            ratio <= 1.2,
            _spread([r.seconds for r in renders]),
        )
    )
    previews = [r.preview for r in renders]
    if all(p is not None for p in previews):
        first = median([p for p in previews if p is not None])
        share = first / render
        b.results.add(
            Figure("first look: drop to NAME.preview.mp4", first, "s", "/ fresh ≤ 0.15", share, share <= 0.15)
        )
    else:
        b.results.add(Figure("first look: drop to NAME.preview.mp4", None, "s", note="no preview came"))
    return fresh


def median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _spread(values: list[float]) -> str:
    """The runs behind a median, and how far apart they are."""
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    runs = ", ".join(f"{v:.2f}" for v in values)
    return f"(median of {runs}; spread {100 * (high - low) / median(values):.0f} %)"


def measure_incremental(b: Bench, fresh: Fresh) -> str:
    """Seconds from saving one edited line to the new MP4; returns the line's original text."""
    scene_yaml = scene_with_dialogue(fresh.project)
    run = int(read_status(fresh.project)["run"])
    original = edit_line(scene_yaml)
    saved = time.monotonic()
    note = ""
    if wait_reaction(fresh.project, run, b.reaction_wait) is None:
        # The daemon does not watch scene.yaml yet: save once more and ask for the new run ourselves,
        # the way a person would today. Timing starts at that save, not at the first one.
        edit_line(scene_yaml, original + " Twice.")
        saved = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "scriptvid", "resume", fresh.project.name, "--root", str(b.root)],
            check=True,
            capture_output=True,
            cwd=REPO,
        )
        note = "via resume (edits are not watched yet)"
    wait_state(fresh.project, ("completed",), b.daemon, b.timeout, min_run=run + 1)
    seconds = time.monotonic() - saved
    ratio = seconds / fresh.seconds
    b.results.add(
        Figure("incremental, one line edited", seconds, "s", "/ fresh ≤ 0.10", ratio, ratio <= 0.10, note)
    )
    b.results.extra["edited_scene"] = scene_yaml.parent.name
    return original


def edit_image_prompt(scene_yaml: Path) -> None:
    """Add a few words to the scene's image prompt (which redoes its picture), saved atomically."""
    original = scene_yaml.read_text()
    header = "".join(line for line in original.splitlines(keepends=True) if line.startswith("#"))
    data = yaml.safe_load(original)
    data["image_prompt"] = str(data["image_prompt"]).rstrip(". ") + ". Late light through the window."
    tmp = scene_yaml.with_name(f".{scene_yaml.name}.tmp")
    tmp.write_text(header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    os.replace(tmp, scene_yaml)


def measure_image_edit(b: Bench, fresh: Fresh) -> None:
    """Seconds from saving a changed image prompt to the new MP4: the scene's picture is made again."""
    names = json.loads((fresh.project / "script.json").read_text())["scenes"]
    scene_yaml = fresh.project / "scenes" / names[len(names) // 3] / "scene.yaml"
    run = int(read_status(fresh.project)["run"])
    edit_image_prompt(scene_yaml)
    saved = time.monotonic()
    wait_state(fresh.project, ("completed",), b.daemon, b.timeout, min_run=run + 1)
    seconds = time.monotonic() - saved
    ratio = seconds / fresh.seconds
    b.results.add(
        Figure("incremental, one image prompt edited", seconds, "s", "/ fresh ≤ 0.20", ratio, ratio <= 0.20)
    )


def measure_save_to_queued(b: Bench, fresh: Fresh, original: str) -> None:
    """Seconds from a scene.yaml save (the edit undone) until the daemon queues a new run."""
    scene_yaml = scene_with_dialogue(fresh.project)
    run = int(read_status(fresh.project)["run"])
    edit_line(scene_yaml, original)
    saved = time.monotonic()
    seconds = wait_reaction(fresh.project, run, b.reaction_wait)
    if seconds is None:
        note = f"not supported yet (no new run within {b.reaction_wait:.0f} s)"
        b.results.add(Figure("latency: scene.yaml save to queued", None, "s", note=note))
        return
    b.results.add(Figure("latency: scene.yaml save to queued", seconds, "s"))
    # Let that run finish, so the cancel below has the machine to itself; it is a second sample of
    # the incremental render, kept in the JSON.
    wait_state(fresh.project, ("completed",), b.daemon, b.timeout, min_run=run + 1)
    b.results.extra["incremental_undo_seconds"] = round(time.monotonic() - saved, 2)


def in_heavy_stage(project: Path) -> dict[str, Any] | None:
    """status.json once a scene is being animated (the long stage), or once the project is done."""
    st = read_status(project)
    busy = any(entry.get("stage") == "animate" for entry in st.get("scenes", []))
    return st if busy or st.get("state") in ("completed", "failed", "cancelled") else None


def measure_cancel(b: Bench) -> None:
    """Seconds from `touch CANCEL` to `cancelled`, on a second copy of the script while it renders.

    CANCEL is created while a scene is animated: at a stage boundary the next task would notice it
    at once, which would flatter the figure.
    """
    before = projects(b.root)
    drop(b.root, b.script)
    project = new_project(b.root, before, b.daemon)
    st = wait_for(lambda: in_heavy_stage(project), b.timeout, f"{project.name} to animate a scene")
    if st["state"] != "running":
        note = f"{st['state']} before it could be cancelled"
        b.results.add(Figure("latency: CANCEL to cancelled", None, "s", note=note))
        return
    (project / "CANCEL").touch()
    touched = time.monotonic()
    wait_state(project, ("cancelled",), b.daemon, 60)
    seconds = time.monotonic() - touched
    b.results.add(Figure("latency: CANCEL to cancelled", seconds, "s", note="(during animate)"))


def measure_long(b: Bench, script: Path) -> None:
    """Peak memory while a long film renders (the daemon has nothing else to do)."""
    print(f"long film ({script.name})...", flush=True)
    long = Bench(b.root, b.daemon, script, b.results, b.timeout * 3, b.reaction_wait)
    film = render_fresh(long)
    scenes = len(read_status(film.project)["scenes"])
    peak = film.memory.peak
    b.results.extra["long_film"] = {
        "script": script.name,
        "scenes": scenes,
        "seconds": film.duration,
        "render_seconds": round(film.seconds, 2),
        "memory_at_peak": [f"{name} {mib:.0f} MiB" for name, mib in film.memory.at_peak],
    }
    b.results.add(
        Figure(f"peak memory, {scenes}-scene film", peak, "MiB", "≤ 1229 MiB", None, peak <= 1.2 * 1024)
    )


# -- assembly: MoviePy against our mix and assemble stages---------------------------------------------------


def moviepy_available() -> bool:
    try:
        import moviepy  # noqa: F401
    except ImportError:
        return False
    return True


def scene_clip_paths(project: Path, name: str) -> list[Path]:
    folder = project / "scenes" / name
    return [folder / p.file for p in timeline.pieces(folder)]


def title_paths(project: Path) -> list[Path]:
    card = Root(project.parents[1]).project(project.name)
    return [card.title_card, *([card.title_tail] if card.title_tail.exists() else [])]


def moviepy_assemble(project: Path, settings: Any, out: Path) -> float:
    """The same film assembled the way most script-to-video tools do it: MoviePy 2.x compositing."""
    # Both sides use the same FFmpeg and x264; MoviePy would otherwise use imageio's own build.
    os.environ.setdefault("IMAGEIO_FFMPEG_EXE", shutil.which("ffmpeg") or "ffmpeg")
    from moviepy import (
        AudioFileClip,
        CompositeAudioClip,
        CompositeVideoClip,
        VideoFileClip,
        afx,
        concatenate_videoclips,
        vfx,
    )

    # MoviePy warns when a clip's last frame is short by a frame; that is its bookkeeping, not a fault here.
    warnings.filterwarnings("ignore", category=UserWarning, module=r"moviepy\..*")
    started = time.monotonic()
    layout = timeline.layout(Root(project.parents[1]).project(project.name), settings)
    placements = [layout.title, *layout.scenes]
    sources = [title_paths(project)] + [scene_clip_paths(project, p.name) for p in layout.scenes]
    clips = []
    for placement, paths in zip(placements, sources, strict=True):
        clip = concatenate_videoclips([VideoFileClip(str(p)) for p in paths]).with_start(placement.start)
        effects: list[Any] = []
        if placement.into.seconds:
            effects.append(vfx.CrossFadeIn(placement.into.seconds))
            if placement.into.kind == "fade":
                effects.append(vfx.FadeIn(placement.into.seconds))
        if placement.out.seconds:
            kind = vfx.FadeOut if placement.out.kind == "fade" else vfx.CrossFadeOut
            effects.append(kind(placement.out.seconds))
        clips.append(clip.with_effects(effects) if effects else clip)
    voices = [
        AudioFileClip(str(project / "scenes" / p.name / "voice" / "track.wav")).with_start(p.start)
        for p in layout.scenes
    ]
    score = project / "music" / "score.wav"
    music = (
        [AudioFileClip(str(score)).with_effects([afx.MultiplyVolume(10 ** (-20 / 20))])]
        if score.exists()
        else []
    )
    v = settings.video
    film = (
        CompositeVideoClip(clips, size=(v.width, v.height))
        .with_duration(layout.duration)
        .with_audio(CompositeAudioClip(voices + music).with_duration(layout.duration))
    )
    film.write_videofile(
        str(out),
        fps=v.fps,
        codec="libx264",
        preset=v.preset,
        ffmpeg_params=["-crf", str(v.crf), "-pix_fmt", "yuv420p"],
        audio_codec="aac",
        audio_bitrate="192k",
        logger=None,
    )
    film.close()
    return time.monotonic() - started


def our_assemble(root: Path, project: Path) -> float:
    """What of ours does MoviePy's work, on the same project, with nothing left over from the render:
    the title card, the transitions, the sound (`mix`) and the join (`assemble`)."""
    folder = Root(root).project(project.name)
    names = json.loads((project / "script.json").read_text())["scenes"]
    for made in (folder.render_dir / "final.mp4", folder.sound_file, folder.title_card, folder.title_tail):
        made.unlink(missing_ok=True)
    for name in names:
        folder.into_file(name).unlink(missing_ok=True)
    service = settings.service_layers(root)
    run = int(read_status(project)["run"])

    def job(scene: str | None) -> runner.Job:
        return runner.make_job(Root(root), folder, run, scene, service, lambda stage, of: "")

    started = time.monotonic()
    title.run(job(None))
    for name in names:
        transition.run(job(name))
    mix.run(job(None))
    assemble.run(job(None))
    return time.monotonic() - started


def measure_assembly(b: Bench, fresh: Fresh, skip_moviepy: bool) -> None:
    if skip_moviepy:
        b.results.add(Figure("assemble: ours", our_assemble(b.root, fresh.project), "s"))
        b.results.add(Figure("assemble: MoviePy 2.x", None, "s", note="skipped (MoviePy is not installed)"))
        return
    # MoviePy reads the title card, so it goes first; ours then makes it again.
    theirs = moviepy_assemble(fresh.project, b.settings(fresh.project), b.work / "moviepy.mp4")
    ours = our_assemble(b.root, fresh.project)
    ratio = theirs / ours
    b.results.add(Figure("assemble: ours", ours, "s"))
    b.results.add(Figure("assemble: MoviePy 2.x", theirs, "s", "MoviePy / ours ≥ 10", ratio, ratio >= 10))
    b.results.extra["moviepy_film_seconds"] = probe_duration(b.work / "moviepy.mp4")


# -- the report ---------------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    ram_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            ram_kb = int(line.split()[1])
    return {
        "arch": platform.machine(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": round(ram_kb / 1024 / 1024, 1),
        "ffmpeg": subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True).stdout.split("\n")[
            0
        ],
        "python": platform.python_version(),
        # How busy the machine already was: a high figure means the times below are inflated.
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def _fmt(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def table(results: Results) -> str:
    rows = [("figure", "value", "target", "ratio", "met?")]
    for f in results.figures:
        value = f"{_fmt(f.value)} {f.unit}" + (f" {f.note}" if f.note else "")
        met = "" if f.met is None else ("yes" if f.met else "no")
        rows.append((f.name, value, f.target, _fmt(f.ratio, 3) if f.ratio is not None else "", met))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def stage_table(results: Results) -> str:
    lines = ["seconds per stage (scene stages summed over the scenes; slowest first):"]
    lines += [f"  {name:<10} {seconds:8.2f} s" for name, seconds in results.stages.items()]
    critical = results.extra.get("critical_path_seconds")
    if critical is not None:
        lines.append(f"  critical path with a worker per scene: {critical:.2f} s")
    at_peak = results.extra.get("memory_at_peak")
    if at_peak:
        lines.append("at the memory peak: " + ", ".join(at_peak))
    return "\n".join(lines)


def write_json(path: Path, results: Results, meta: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        **meta,
        "figures": [asdict(f) for f in results.figures],
        "stages": results.stages,
        **results.extra,
    }
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


# -- main ----------------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tiny", action="store_true", help="320x180 at 12 fps, first 3 scenes (for CI)")
    parser.add_argument(
        "--json",
        type=Path,
        help="where to write the figures (benchmarks/results/latest.json, --tiny: tiny.json)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary data folder and say where it is"
    )
    parser.add_argument("--no-moviepy", action="store_true", help="skip the MoviePy comparison")
    parser.add_argument(
        "--rounds", type=int, help="fresh renders and bare encodes, interleaved (default 3; --tiny 1)"
    )
    parser.add_argument(
        "--long",
        type=Path,
        help="also render this script (e.g. the 48-scene ../shared/corpus/the_last_birthday_card.fountain)"
        " and print its peak memory (target 1.2 GiB)",
    )
    return parser.parse_args(argv)


def measure(args: argparse.Namespace, root: Path, results: Results) -> None:
    mode = "tiny" if args.tiny else "full"
    daemon = Daemon(root)
    b = Bench(
        root,
        daemon,
        screenplay_for(root, args.tiny),
        results,
        300 if args.tiny else 1800,
        REACTION_WAIT[mode],
    )
    b.work.mkdir(exist_ok=True)
    daemon.start()
    try:
        print("fresh renders and bare encodes, interleaved...", flush=True)
        fresh = measure_fresh_and_encode(b, args.rounds)
        results.stages, critical = stage_seconds(fresh.project)
        results.extra["critical_path_seconds"] = round(critical, 2)
        preview = results.stages.get("preview", 0.0)
        results.add(
            Figure(
                "preview's cost to the film",
                preview,
                "s",
                "/ fresh ≤ 0.05",
                preview / fresh.seconds,
                preview / fresh.seconds <= 0.05,
                "(the preview step's own time, on a worker the film would have had)",
            )
        )
        print("assembly...", flush=True)
        measure_assembly(b, fresh, args.no_moviepy or not moviepy_available())
        print("incremental render...", flush=True)
        original = measure_incremental(b, fresh)
        print("image edit...", flush=True)
        measure_image_edit(b, fresh)
        print("latencies...", flush=True)
        measure_save_to_queued(b, fresh, original)
        measure_cancel(b)
        if args.long:
            measure_long(b, args.long)
    finally:
        daemon.stop()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tiny = args.tiny
    args.rounds = args.rounds or (1 if tiny else 3)
    args.json = args.json or DEFAULT_JSON["tiny" if tiny else "full"]
    size = (TINY["width"], TINY["height"], TINY["fps"]) if tiny else (1920, 1080, 30)
    root = make_root(*size)
    results = Results()
    meta = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "mode": "tiny" if tiny else "full",
        "settings": {"width": size[0], "height": size[1], "fps": size[2], "backends": "defaults"},
        "screenplay": str(SCREENPLAY.relative_to(REPO)),
        "note": "figures are noisy: other work may share the CPU; steer by the ratios",
    }
    print(f"scriptvid benchmark ({meta['mode']}, {size[0]}x{size[1]}@{size[2]}) in {root}", flush=True)
    try:
        measure(args, root, results)
    except Exception:
        traceback.print_exc()
        print(f"\nbenchmark crashed; the data folder is kept: {root}", file=sys.stderr)
        write_json(args.json, results, {**meta, "crashed": True})
        return 1
    write_json(args.json, results, meta)
    print()
    print(table(results))
    print()
    print(stage_table(results))
    print(f"\n{meta['date']}  {meta['machine']['cpu']}, {meta['machine']['cores']} cores  ({meta['note']})")
    print(f"JSON: {args.json}")
    if args.keep:
        print(f"data folder kept: {root}")
    else:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
