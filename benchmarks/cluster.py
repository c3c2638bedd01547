"""The cluster on this machine: films per hour with 1, 2 and 3 workers, the time from a drop to
`running`, and from a worker's death to the takeover of its steps.

Real servers (redis-server and PostgreSQL, started in temporary folders as the tests start them), a
daemon that only watches (`scriptvid daemon --no-workers`) and N `scriptvid worker --pool cpu`
processes, each with one thread, on one data folder. The films are short (one scene, two lines) at
320x180, so that the figures are about handing out and taking over steps, not about encoding.

    benchmarks/cluster                 films per hour with 1, 2, 3 workers; latencies; a takeover
    benchmarks/cluster --films 4 --workers 1 2    fewer films, other counts
    benchmarks/cluster --json out.json write the figures there (default benchmarks/results/cluster.json)
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from servers import PostgresServer, RedisServer  # noqa: E402

SCRIPT = "INT. ROOM {i} - DAY\n\nANNA\nThis is film number {i}.\n\nBEN\nSo it is.\n"


def status(root: Path, name: str) -> dict[str, Any]:
    try:
        return json.loads((root / "projects" / name / "status.json").read_text())
    except (OSError, ValueError):
        return {}


def start(root: Path, *command: str, log: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    with open(root / log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "scriptvid", *command, "--root", str(root)],
            stdout=out,
            stderr=out,
            env={**os.environ, "SCRIPTVID_LOG_FORMAT": "json", **env},
            cwd=REPO,
        )


def wait(predicate: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise SystemExit(f"benchmarks/cluster: timed out waiting for {what}")


def one_round(workers: int, films: int, kill: bool) -> dict[str, Any]:
    redis, postgres = RedisServer(), PostgresServer()
    redis.start()
    postgres.start()
    root = Path(tempfile.mkdtemp(prefix="scriptvid-cluster-"))
    for sub in ("inbox", "outbox", "config"):
        (root / sub).mkdir()
    (root / "config" / "scriptvid.yaml").write_text(
        "video: {width: 320, height: 180, fps: 12, preset: ultrafast}\nwatch: {stable_seconds: 0.2}\n"
        f"queue: {{url: '{redis.url}'}}\nledger: {{url: '{postgres.url}', lease_seconds: 5}}\n"
    )
    env = {"SCRIPTVID_TEST_DELAY": "animate:3"} if kill else {}
    procs = [start(root, "daemon", "--no-workers", log="daemon.log", env=env)]
    procs += [
        start(root, "worker", "--pool", "cpu", "--workers", "1", log=f"w{n}.log", env=env)
        for n in range(workers)
    ]
    try:
        wait(lambda: "daemon ready" in (root / "daemon.log").read_text(errors="replace"), 120, "the daemon")
        wait(
            lambda: all(
                "worker ready" in (root / f"w{n}.log").read_text(errors="replace") for n in range(workers)
            ),
            120,
            "the workers",
        )
        names = [f"film-{i:02}" for i in range(films)]
        dropped = time.monotonic()
        for i, name in enumerate(names):
            (root / "inbox" / f"{name}.fountain").write_text(SCRIPT.format(i=i))
        wait(lambda: status(root, names[0]).get("state") == "running", 60, "the first film to run")
        to_running = time.monotonic() - dropped
        takeover = None
        if kill:  # the worker running an animation (held 3 s by the test hook) loses its power
            holder = wait(lambda: postgres.running("animate"), 120, "an animation")[0]
            victim = next(p for p in procs if p.pid == int(holder.split("/")[1]))
            killed = time.monotonic()
            victim.send_signal(signal.SIGKILL)
            victim.wait()
            wait(
                lambda: "step taken over" in (root / "daemon.log").read_text(errors="replace"),
                120,
                "the takeover",
            )
            takeover = time.monotonic() - killed
        wait(
            lambda: all(status(root, n).get("state") in ("completed", "failed") for n in names),
            3600,
            "every film",
        )
        seconds = time.monotonic() - dropped
        failed = [n for n in names if status(root, n)["state"] != "completed"]
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            p.wait(30)
        redis.stop()
        postgres.remove()
    return {
        "workers": workers,
        "films": films,
        "seconds": round(seconds, 1),
        "films_per_hour": round(films * 3600 / seconds, 1),
        "drop_to_running_s": round(to_running, 2),
        "death_to_takeover_s": round(takeover, 2) if takeover is not None else None,
        "failed": failed,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--films", type=int, default=6)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--json", type=Path, default=REPO / "benchmarks" / "results" / "cluster.json")
    args = ap.parse_args()
    rows = []
    # Throughput rounds with every worker alive; then one round that kills a worker mid-render, for
    # the time to the takeover (its films per hour are those of a worker lost on the way).
    for n, films, kill in [*((n, args.films, False) for n in args.workers), (2, 2, True)]:
        rows.append(one_round(n, films, kill))
        r = rows[-1]
        print(
            f"{n} worker(s): {r['films']} films in {r['seconds']} s = {r['films_per_hour']} films/hour;"
            f" drop to running {r['drop_to_running_s']} s; takeover {r['death_to_takeover_s']} s"
            + (f"; FAILED {r['failed']}" if r["failed"] else ""),
            flush=True,
        )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    cores = os.cpu_count()
    args.json.write_text(
        json.dumps({"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "cores": cores, "rounds": rows}, indent=2)
        + "\n"
    )
    print(f"figures written to {args.json} ({cores} cores)")
    return 1 if any(r["failed"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
