"""Run a command under the restrictions of scriptvid.service that take effect without systemd:
its system-call filter (the unit's own SystemCallFilter= lines, expanded by `systemd-analyze
syscall-filter`, with its SystemCallErrorNumber=), MemoryDenyWriteExecute= (the kernel's
PR_SET_MDWE, which is what systemd sets where the kernel has it) and NoNewPrivileges=. Run it inside
`unshare --net` for PrivateNetwork=. The restrictions are inherited by every child (FFmpeg,
FluidSynth), as under systemd.

    python tests/confined.py UNIT -- COMMAND ARGS...
"""

from __future__ import annotations

import ctypes
import errno
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

PR_SET_NO_NEW_PRIVS = 38
PR_SET_MDWE = 65
PR_MDWE_REFUSE_EXEC_GAIN = 1


def unit_settings(unit: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in unit.read_text().splitlines():
        if "=" in line and not line.lstrip().startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            out.setdefault(key.strip(), []).append(value.strip())
    return out


def syscall_groups() -> dict[str, list[str]]:
    """systemd's own groups (@system-service, @privileged ...), as this systemd defines them."""
    text = subprocess.run(
        ["systemd-analyze", "syscall-filter"], check=True, capture_output=True, text=True
    ).stdout
    groups: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("@"):
            current = line.strip()
            groups[current] = []
        elif current and line.startswith("    ") and not line.strip().startswith("#"):
            groups[current].append(line.strip())
    return groups


def expand(names: list[str], groups: dict[str, list[str]]) -> set[str]:
    out: set[str] = set()
    for name in names:
        out |= expand(groups[name], groups) if name.startswith("@") else {name}
    return out


def allowed_calls(unit: Path) -> set[str]:
    """SystemCallFilter= as systemd reads it: the first line without ~ is an allow list, each ~ line
    takes its calls out of it again."""
    groups = syscall_groups()
    allowed: set[str] = set()
    for value in unit_settings(unit).get("SystemCallFilter", []):
        deny = value.startswith("~")
        calls = expand(re.split(r"\s+", value.lstrip("~").strip()), groups)
        allowed = allowed - calls if deny else allowed | calls
    # systemd always lets a filtered service make the calls it needs to run at all.
    return allowed | expand(["@default"], groups) | {"execve", "exit", "exit_group", "rt_sigreturn"}


def confine(unit: Path) -> None:
    import pyseccomp

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "PR_SET_NO_NEW_PRIVS")
    settings = unit_settings(unit)
    mdwe = settings.get("MemoryDenyWriteExecute") == ["true"]
    if mdwe and libc.prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "PR_SET_MDWE (MemoryDenyWriteExecute)")
    number = settings.get("SystemCallErrorNumber", ["EPERM"])[-1]
    refused = pyseccomp.ERRNO(getattr(errno, number))
    policy = pyseccomp.SyscallFilter(defaction=refused)
    families = [
        getattr(socket, name)
        for value in settings.get("RestrictAddressFamilies", [])
        for name in value.split()
    ]
    for call in sorted(allowed_calls(unit)):
        try:
            if call in ("socket", "socketpair") and families:
                # RestrictAddressFamilies=: a socket of another family is refused.
                for family in families:
                    policy.add_rule(pyseccomp.ALLOW, call, pyseccomp.Arg(0, pyseccomp.EQ, family))
            else:
                policy.add_rule(pyseccomp.ALLOW, call)
        except (RuntimeError, ValueError, OSError):
            pass  # a call this architecture does not have
    policy.load()


def main() -> None:
    unit, dash, *command = sys.argv[1:]
    assert dash == "--" and command, __doc__
    confine(Path(unit))
    os.execvp(command[0], command)


if __name__ == "__main__":
    main()
