"""NSS key log files (the SSLKEYLOGFILE format Wireshark reads).

``Config.keylog`` is any callable taking one line; :class:`KeyLogFile` is the
one that appends to a file, shared safely by every connection of a context.
Lines: ``CLIENT_RANDOM`` for TLS 1.2; ``CLIENT_HANDSHAKE_TRAFFIC_SECRET``,
``SERVER_HANDSHAKE_TRAFFIC_SECRET``, ``CLIENT_TRAFFIC_SECRET_0``,
``SERVER_TRAFFIC_SECRET_0`` and ``EXPORTER_SECRET`` for TLS 1.3.
"""

from __future__ import annotations

import os
import threading


class KeyLogFile:
    """Append NSS key log lines to ``path`` (created if missing), one flush per line."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = os.fspath(path)
        self._lock = threading.Lock()
        # Opened per write: a long-lived context must not hold a descriptor, and a
        # tool tailing the file sees each line as soon as the secret exists.
        with open(self.path, "a", encoding="ascii"):
            pass

    def __call__(self, line: str) -> None:
        with self._lock, open(self.path, "a", encoding="ascii") as f:
            f.write(line + "\n")

    def __repr__(self) -> str:
        return f"KeyLogFile({self.path!r})"


def from_environment() -> KeyLogFile | None:
    """A writer for ``$SSLKEYLOGFILE`` when it is set (the convention browsers and curl follow)."""
    path = os.environ.get("SSLKEYLOGFILE")
    return KeyLogFile(path) if path else None
