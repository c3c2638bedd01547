"""The systemd units, locked down: `systemd-analyze security` rates them, and the daemon still makes a
film under what of the unit can be applied without systemd running (tests/confined.py: the system
call filter, the address families, MemoryDenyWriteExecute=, NoNewPrivileges=; PrivateNetwork= and
ProtectProc= by namespaces). What needs systemd itself (ProtectSystem=, ProtectHome=,
PrivateDevices=, PrivateUsers=, the capability bounding set, IPAddressDeny=) is rated, not run."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, Daemon, project_status, wait_for

ANALYZE = shutil.which("systemd-analyze")
UNIT = REPO / "scriptvid.service"
CONFINED = REPO / "tests" / "confined.py"
pytestmark = pytest.mark.skipif(ANALYZE is None, reason="systemd-analyze is not installed")


def exposure(unit: Path, name: str | None = None) -> float:
    """The overall exposure `systemd-analyze security` gives the unit file, 0 (safe) to 10."""
    target = unit
    if name is not None and name != unit.name:  # a template's instance: the file under that name
        target = unit.parent / ".units" / name
        target.parent.mkdir(exist_ok=True)
        shutil.copy(unit, target)
    out = subprocess.run(
        [ANALYZE or "systemd-analyze", "security", "--offline=yes", "--no-pager", str(target)],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    found = re.search(r"Overall exposure level for \S+: ([\d.]+)", out)
    assert found, out[-2000:]
    return float(found.group(1))


def with_drop_in(unit: Path, drop_in: Path, folder: Path) -> Path:
    """The unit as systemd reads it with the drop-in in its .d folder: the drop-in's lines after its own."""
    text = unit.read_text()
    extra = "".join(ln for ln in drop_in.read_text().splitlines(keepends=True) if ln.strip() != "[Service]")
    at = text.index("[Install]")
    merged = folder / f"scriptvid-{drop_in.stem.removeprefix('scriptvid-')}.service"
    merged.write_text(text[:at] + extra + "\n" + text[at:])
    return merged


def test_the_units_are_locked_down_as_systemd_rates_them(tmp_path: Path) -> None:
    daemon = exposure(UNIT)
    # The drop-ins that give the daemon what a cluster, Ollama or a GPU needs keep it well inside.
    network = exposure(with_drop_in(UNIT, REPO / "scriptvid-network.conf", tmp_path))
    gpu_daemon = exposure(with_drop_in(UNIT, REPO / "scriptvid-gpu.conf", tmp_path))
    print(
        f"\nsystemd-analyze security: with scriptvid-network.conf {network}, scriptvid-gpu.conf {gpu_daemon}"
    )
    assert network <= 2.0 and gpu_daemon <= 2.0
    units = tmp_path / "units"
    units.mkdir()
    shutil.copy(REPO / "scriptvid-worker@.service", units / "scriptvid-worker@.service")
    gpu = exposure(units / "scriptvid-worker@.service", "scriptvid-worker@gpu.service")
    print(f"\nsystemd-analyze security: scriptvid.service {daemon}, scriptvid-worker@gpu.service {gpu}")
    assert daemon <= 2.0
    # A worker of a cluster needs the network (Redis, PostgreSQL) and the GPU's devices.
    assert gpu <= 2.0


def in_namespaces(command: list[str]) -> list[str]:
    """`command` without the network (PrivateNetwork=) and with /proc showing only this service's
    processes (ProtectProc=invisible), as the unit runs it."""
    if os.geteuid() != 0:
        pytest.skip("making namespaces needs root here")
    script = 'mount -t proc -o hidepid=invisible proc /proc && exec "$@"'
    spaces = ["--net", "--mount", "--pid", "--fork", "--kill-child"]
    return ["unshare", *spaces, "sh", "-c", script, "sh", *command]


def confined(*command: str) -> list[str]:
    return in_namespaces([sys.executable, str(CONFINED), str(UNIT), "--", *command])


def test_the_restrictions_are_in_force(tmp_path: Path) -> None:
    """A control: under the launcher what the unit forbids fails, and what it allows works."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import mmap, os, socket\n"
        "def refused(what, f):\n"
        "    try:\n"
        "        f()\n"
        "    except OSError as exc:\n"
        "        print(what, 'refused', exc.errno)\n"
        "    else:\n"
        "        print(what, 'allowed')\n"
        "refused('chroot', lambda: os.chroot('/'))\n"
        "refused('affinity', lambda: os.sched_setaffinity(0, os.sched_getaffinity(0)))\n"
        "refused('inet', lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM))\n"
        "refused('unix', lambda: socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).close())\n"
        "refused('wx', lambda: mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC))\n"
        "print('mounts', 'readable' if open('/proc/self/mounts').read() else 'empty')\n"
        "print('processes', sorted(int(p) for p in os.listdir('/proc') if p.isdigit()))\n"
    )
    out = subprocess.run(
        confined(sys.executable, str(probe)), capture_output=True, text=True, timeout=60, check=True
    ).stdout.split("\n")
    assert "chroot refused 1" in out  # @privileged is filtered: EPERM, though this runs as root
    assert "affinity allowed" in out  # what onnxruntime needs
    assert "inet refused 1" in out  # RestrictAddressFamilies=AF_UNIX
    assert "unix allowed" in out  # the notify socket and the journal
    assert any(line.startswith("wx refused") for line in out)  # MemoryDenyWriteExecute=
    assert "mounts readable" in out  # the mount table (is the share on NFS?) through /proc/self
    assert "processes [1]" in out  # its own processes only (here: a pid namespace of its own)


@pytest.mark.slow
def test_the_daemon_makes_a_film_under_the_units_restrictions(data_root: Path) -> None:
    daemon = Daemon(data_root)
    log = open(daemon.log, "ab")  # noqa: SIM115 (closed with the process below)
    daemon.proc = subprocess.Popen(
        confined(sys.executable, "-m", "scriptvid", "daemon", "--root", str(data_root)),
        stdout=log,
        stderr=log,
        env=daemon.env,
        cwd=REPO,
        start_new_session=True,  # unshare ignores SIGTERM: it is sent to the daemon's process group
    )
    try:
        shutil.copy(REPO / "examples" / "the-lighthouse.fountain", data_root / "inbox" / "locked.fountain")
        status = wait_for(
            lambda: (
                project_status(data_root, "locked").get("state") in ("completed", "failed")
                and project_status(data_root, "locked")
            ),
            600,
            "the film",
        )
        assert status["state"] == "completed", status["errors"]
        assert (data_root / "outbox" / "locked.mp4").stat().st_size > 100_000
        assert "Operation not permitted" not in daemon.log.read_text(errors="replace")
    finally:
        os.killpg(daemon.proc.pid, signal.SIGTERM)
        daemon.proc.wait(timeout=60)
        log.close()
