"""sd_notify without a dependency: READY, WATCHDOG and STOPPING messages to systemd."""

from __future__ import annotations

import os
import socket


def notify(*messages: str) -> None:
    """Send messages to $NOTIFY_SOCKET; does nothing when not run by systemd with Type=notify."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return
    if address.startswith("@"):  # an abstract socket
        address = "\0" + address[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
        try:
            sock.connect(address)
            sock.sendall("\n".join(messages).encode())
        except OSError:
            pass  # systemd went away; nothing to tell
