"""The cluster with its real servers: the queues on Redis, the ledger on PostgreSQL, and separate
processes as separate machines on one shared data folder: daemons (watching, keeping the books, and
with workers of the cpu pool or none) and workers (`scriptvid worker`) of the gpu or the cpu pool.
Every film is made, every step once, through a GPU worker killed with SIGKILL mid-animation and
through each server restarted mid-render; the password never shows in a log or a status.json."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from servers import PostgresServer, RedisServer

from conftest import REPO, Daemon, ffprobe, project_status, tiny_model, wait_for

pytestmark = pytest.mark.slow
pytest.importorskip("redis")
pytest.importorskip("psycopg2")

PASSWORD = "s3cret-for-the-queue"
SCRIPT = (REPO / "examples" / "the-lighthouse.fountain").read_text()
SHORT = "INT. ROOM {i} - DAY\n\nANNA\nThis is film number {i}.\n\nBEN\nSo it is.\n"


class Process(Daemon):
    """A scriptvid command as its own process (a machine of the cluster), logging to its own file."""

    def __init__(self, root: Path, command: list[str], name: str, env: dict[str, str]) -> None:
        super().__init__(root, env)
        self.command = command
        self.log = root / f"{name}.log"

    def start(self) -> Process:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "scriptvid", *self.command, "--root", str(self.root)],
                stdout=log,
                stderr=log,
                env=self.env,
                cwd=REPO,
            )
        return self


@pytest.fixture
def servers() -> Iterator[tuple[RedisServer, PostgresServer]]:
    redis, postgres = RedisServer(password=PASSWORD), PostgresServer()
    redis.start()
    postgres.start()
    yield redis, postgres
    redis.stop()
    postgres.remove()


def cluster_root(data_root: Path, redis: RedisServer, postgres: PostgresServer, more: str = "") -> Path:
    (data_root / "config" / "scriptvid.yaml").write_text(
        more + "video: {width: 320, height: 180, fps: 12, preset: ultrafast}\n"
        "watch: {stable_seconds: 0.5}\n"
        f"queue: {{url: '{redis.url}'}}\n"
        f"ledger: {{url: '{postgres.url}', lease_seconds: 5}}\n"
    )
    return data_root


def environment(**more: str) -> dict[str, str]:
    return {"REDIS_PASSWORD": PASSWORD, **more}


def finished(root: Path, names: list[str], timeout: float) -> dict[str, dict]:
    def all_ended() -> dict[str, dict] | None:
        states = {n: project_status(root, n) for n in names}
        ended = all(s.get("state") in ("completed", "failed", "cancelled") for s in states.values())
        return states if ended else None

    return wait_for(all_ended, timeout, f"{len(names)} films")


def steps_done(project: Path) -> Counter[tuple[str, str]]:
    """(stage, scene) of every stage that finished (made its output), from the project's event log."""
    events = [json.loads(line) for line in (project / "logs" / "events.jsonl").read_text().splitlines()]
    return Counter((e["stage"], e.get("scene", "")) for e in events if e.get("event") == "stage finished")


def assert_each_step_once(root: Path, name: str, status: dict) -> None:
    assert status["state"] == "completed", status.get("errors")
    assert status["renders"] == 1
    done = steps_done(root / "projects" / name)
    assert done and max(done.values()) == 1, [k for k, n in done.items() if n > 1]
    assert Counter(stage for stage, _ in done)["animate"] == len(status["scenes"])
    assert float(ffprobe(root / "outbox" / f"{name}.mp4")["format"]["duration"]) > 2


def test_a_daemon_and_two_gpu_workers_make_ten_films_once_through_a_killed_worker(
    data_root: Path, servers: tuple[RedisServer, PostgresServer]
) -> None:
    """As the issue's three machines: a daemon whose machine has no GPU (its workers serve the cpu pool)
    and two GPU machines' workers, each loading the video model once for every project's scenes."""
    _, postgres = servers
    root = cluster_root(
        data_root,
        *servers,
        "daemon: {gpu_workers: 0}\nbackends: {animate: diffusers}\n"
        # device auto: a GPU where there is one, else this CPU; either way the gpu pool's step
        f"diffusers_animate: {{model: '{tiny_model('ltx_image_to_video')}', device: auto, dtype: float32,"
        " steps: 2, max_side: 64, segment_frames: 9}\n",
    )
    env = environment(SCRIPTVID_TEST_DELAY="animate:2")
    daemon = Process(root, ["daemon"], "daemon", env).start()
    workers = [
        Process(root, ["worker", "--pool", "gpu", "--workers", "1"], f"gpu{i}", env).start() for i in (1, 2)
    ]
    names = [f"film-{i}" for i in range(10)]
    try:
        wait_for(lambda: "daemon ready" in daemon.log.read_text(errors="replace"), 60, "the daemon")
        for i, name in enumerate(names):  # ten scripts: a film of three scenes and nine short ones
            (root / "inbox" / f"{name}.fountain").write_text(SCRIPT if i == 0 else SHORT.format(i=i))
        # A GPU worker killed in the middle of an animation, as a machine that loses its power.
        busy = wait_for(lambda: postgres.running("animate"), 180, "an animation to start")
        pid = int(busy[0].split("/")[1])
        victim = next(w for w in workers if w.proc is not None and w.proc.pid == pid)
        killed_at = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        victim.proc.wait(10)  # type: ignore[union-attr]
        taken = wait_for(
            lambda: any(e.get("event") == "step taken over: its worker stopped" for e in daemon.events()),
            60,
            "the killed worker's steps to be taken over",
        )
        print(f"\ntakeover {time.monotonic() - killed_at:.1f} s after the kill (lease 5 s)")
        assert taken
        states = finished(root, names, 600)
    finally:
        for p in (daemon, *workers):
            if p.alive():
                p.stop()
    # Every animation on a GPU worker, none on the daemon's machine; the survivor loaded the model once.
    (survivor,) = [w for w in workers if w is not victim]

    def finished_animations(p: Process) -> list[dict]:
        return [e for e in p.events() if e.get("stage") == "animate" and e.get("event") == "stage finished"]

    assert finished_animations(survivor) and not finished_animations(daemon)
    loads = [e for e in survivor.events() if e.get("event") == "backend loaded"]
    assert [(e["stage"], e["backend"]) for e in loads] == [("animate", "diffusers")]
    for name in names:
        assert_each_step_once(root, name, states[name])
    # Each script taken once, and the secret nowhere a person or a log reader would see it.
    assert sorted(p.name for p in (root / "projects").iterdir()) == names
    for text in [p.log.read_text(errors="replace") for p in (daemon, *workers)] + [
        (root / "projects" / n / "status.json").read_text() for n in names
    ]:
        assert PASSWORD not in text


def test_the_servers_restarted_mid_render_lose_no_step(
    data_root: Path, servers: tuple[RedisServer, PostgresServer]
) -> None:
    redis, postgres = servers
    root = cluster_root(data_root, *servers)
    env = environment(SCRIPTVID_TEST_DELAY="animate:1.5")
    daemon = Process(root, ["daemon", "--no-workers"], "daemon", env).start()
    worker = Process(root, ["worker", "--pool", "cpu", "--workers", "2"], "worker", env).start()
    names = ["restarted-a", "restarted-b"]
    try:
        wait_for(lambda: "daemon ready" in daemon.log.read_text(errors="replace"), 60, "the daemon")
        for name in names:
            (root / "inbox" / f"{name}.fountain").write_text(SCRIPT)
        wait_for(lambda: postgres.running("animate"), 180, "an animation to start")
        # Redis without a snapshot: every queued task is gone when it comes back.
        redis.restart()
        wait_for(lambda: postgres.running("animate"), 120, "an animation after Redis's restart")
        postgres.restart()
        states = finished(root, names, 600)
        assert daemon.alive() and worker.alive()
    finally:
        for p in (daemon, worker):
            if p.alive():
                p.stop()
    for name in names:
        assert_each_step_once(root, name, states[name])
    logs = daemon.log.read_text(errors="replace") + worker.log.read_text(errors="replace")
    assert "out of reach" in logs  # it was said, and it went on


def test_a_server_out_of_reach_at_start_is_waited_for_not_a_crash_loop(data_root: Path) -> None:
    redis = RedisServer(password=PASSWORD)
    postgres = PostgresServer()
    root = cluster_root(data_root, redis, postgres)
    daemon = Process(root, ["daemon"], "daemon", environment()).start()
    try:
        wait_for(
            lambda: "is out of reach; trying again" in daemon.log.read_text(errors="replace"),
            60,
            "the message",
        )
        assert daemon.alive()
        postgres.start()
        redis.start()
        wait_for(
            lambda: "daemon ready" in daemon.log.read_text(errors="replace"),
            60,
            "the daemon, once they are up",
        )
        shutil.copy(REPO / "examples" / "the-lighthouse.fountain", root / "inbox" / "late.fountain")
        st = finished(root, ["late"], 300)["late"]
        assert st["state"] == "completed", st.get("errors")
    finally:
        if daemon.alive():
            daemon.stop()
        redis.stop()
        postgres.remove()


def test_two_daemons_on_one_inbox_take_each_of_twenty_scripts_exactly_once(
    data_root: Path, servers: tuple[RedisServer, PostgresServer]
) -> None:
    root = cluster_root(data_root, *servers)
    daemons = [Process(root, ["daemon"], f"daemon{i}", environment()).start() for i in (1, 2)]
    names = [f"short-{i:02}" for i in range(20)]
    try:
        wait_for(
            lambda: all("daemon ready" in d.log.read_text(errors="replace") for d in daemons),
            60,
            "the daemons",
        )
        for i, name in enumerate(names):  # dropped together, as a copy of a folder onto the share
            (root / "inbox" / f"{name}.fountain").write_text(
                f"INT. ROOM {i} - DAY\n\nANNA\nThis is film {i}.\n"
            )
        states = finished(root, names, 900)
        assert all(d.alive() for d in daemons)
    finally:
        for d in daemons:
            if d.alive():
                d.stop()
    assert sorted(p.name for p in (root / "projects").iterdir()) == names
    assert list((root / "inbox").iterdir()) == []
    taken = Counter()
    for d in daemons:
        for line in d.log.read_text(errors="replace").splitlines():
            if line.startswith("{") and json.loads(line).get("event") == "script taken from the inbox":
                taken[json.loads(line)["project"]] += 1
    assert taken == Counter({n: 1 for n in names})
    for name in names:
        assert states[name]["state"] == "completed", states[name].get("errors")
        assert states[name]["renders"] == 1
        done = steps_done(root / "projects" / name)
        assert max(done.values()) == 1 and done[("publish", "")] == 1
    # Both daemons did some of the work: the queue is shared.
    print(
        "\nscripts taken per daemon:",
        [d.log.read_text().count("script taken from the inbox") for d in daemons],
    )


def test_a_daemon_started_while_another_renders_takes_over_nothing_alive(
    data_root: Path, servers: tuple[RedisServer, PostgresServer]
) -> None:
    _, postgres = servers
    root = cluster_root(data_root, *servers)
    env = environment(SCRIPTVID_TEST_DELAY="animate:2")
    first = Process(root, ["daemon"], "first", env).start()
    second = None
    try:
        wait_for(lambda: "daemon ready" in first.log.read_text(errors="replace"), 60, "the first daemon")
        (root / "inbox" / "busy.fountain").write_text(SCRIPT)
        wait_for(lambda: postgres.running("animate"), 180, "an animation to start")
        second = Process(root, ["daemon"], "second", env).start()
        wait_for(lambda: "daemon ready" in second.log.read_text(errors="replace"), 60, "the second daemon")
        st = finished(root, ["busy"], 300)["busy"]
    finally:
        for p in (first, second):
            if p is not None and p.alive():
                p.stop()
    assert_each_step_once(root, "busy", st)
    # Neither daemon took over a step: every worker that held one was alive and renewing it.
    for p in (first, second):
        assert "step taken over" not in p.log.read_text(errors="replace")  # type: ignore[union-attr]
