"""Showing a handshake as it happens.

The connection emits :class:`~fasttls.events.TraceEvent` objects to
``Config.tracer`` (any callable), and to the ``fasttls.trace`` logger when it is
enabled at DEBUG.  The trace is made from the same messages the handshake
parsed or built, never from a second parser.  :class:`TextTracer` prints one
block per event (colour on a TTY); :class:`JsonTracer` one JSON object per line.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from typing import IO, Any

from .events import TraceEvent

logger = logging.getLogger("fasttls.trace")

_ALERT_MEANINGS = {
    "close_notify": "the peer will send nothing more",
    "unexpected_message": "a message arrived where the protocol does not allow it",
    "bad_record_mac": "a record failed authentication (wrong key or tampering)",
    "record_overflow": "a record was longer than allowed",
    "handshake_failure": "no acceptable set of parameters",
    "bad_certificate": "a certificate was corrupt or failed verification",
    "certificate_expired": "a certificate has expired",
    "unknown_ca": "the certificate chain does not lead to a trusted CA",
    "illegal_parameter": "a field was out of range or inconsistent",
    "decode_error": "a message could not be parsed",
    "decrypt_error": "a signature or Finished check failed",
    "protocol_version": "no protocol version in common",
    "insufficient_security": "parameters weaker than required",
    "internal_error": "the sender failed for reasons of its own",
    "missing_extension": "a required extension was absent",
    "unsupported_extension": "an extension was sent that was not asked for",
    "no_application_protocol": "no ALPN protocol in common",
    "certificate_required": "a client certificate was required",
    "user_canceled": "the handshake was abandoned",
    "no_renegotiation": "renegotiation refused",
}


def alert_meaning(name: str) -> str:
    return _ALERT_MEANINGS.get(name, "")


class TextTracer:
    """Human-readable trace: arrows for direction, one indented block per message."""

    COLORS = {"send": "\033[36m", "receive": "\033[33m", "keys": "\033[35m", "alert": "\033[31m", "info": "\033[32m", "dim": "\033[2m"}
    RESET = "\033[0m"

    def __init__(self, stream: IO[str] | None = None, color: bool | None = None, prefix: str = "", records: bool = False) -> None:
        self.stream = stream or sys.stdout
        self.color = self.stream.isatty() if color is None else color
        self.prefix = prefix
        self.records = records
        self._lock = threading.Lock()

    def _c(self, key: str, text: str) -> str:
        return f"{self.COLORS[key]}{text}{self.RESET}" if self.color else text

    def __call__(self, event: TraceEvent) -> None:
        if event.kind == "record" and not self.records:
            return
        lines = self.format(event)
        with self._lock:
            for line in lines:
                self.stream.write(f"{self.prefix}{line}\n")
            self.stream.flush()

    def format(self, event: TraceEvent) -> list[str]:
        arrow = {"send": "-->", "receive": "<--"}.get(event.direction, "   ")
        if event.kind == "message":
            color = "send" if event.direction == "send" else "receive"
            out = [self._c(color, f"{arrow} {event.name}")]
            for k, v in event.fields.items():
                out.append(f"      {k}: {_fmt(v)}")
            return out
        if event.kind == "keys":
            where = "sending" if event.direction == "send" else "receiving"
            return [self._c("keys", f"*** {event.name} installed for {where} ({event.fields.get('suite', '')})")]
        if event.kind == "alert":
            meaning = alert_meaning(event.name)
            level = event.fields.get("level", "")
            text = f"{arrow} alert {event.name} ({level})" + (f": {meaning}" if meaning else "")
            return [self._c("alert", text)]
        if event.kind == "record":
            f = event.fields
            wire = f" ({f['wire']} on the wire)" if "wire" in f else ""
            prot = "protected" if f.get("protected") else "plaintext"
            return [self._c("dim", f"{arrow} record {event.name}, {prot}: {f.get('length', '')} bytes{wire}")]
        fields = ", ".join(f"{k}={_fmt(v)}" for k, v in event.fields.items())
        return [self._c("info", f"    {event.name}" + (f" ({fields})" if fields else ""))]


class JsonTracer:
    """One JSON object per event, for tools."""

    def __init__(self, stream: IO[str] | None = None, side: str = "") -> None:
        self.stream = stream or sys.stdout
        self.side = side
        self._lock = threading.Lock()

    def __call__(self, event: TraceEvent) -> None:
        obj = {"time": time.time(), "side": self.side, "kind": event.kind, "direction": event.direction, "name": event.name}
        obj.update({k: _jsonable(v) for k, v in event.fields.items()})
        with self._lock:
            self.stream.write(json.dumps(obj) + "\n")
            self.stream.flush()


def log_tracer(event: TraceEvent) -> None:
    """The default hook when the ``fasttls.trace`` logger is enabled at DEBUG."""
    logger.debug("%s %s %s %s", event.kind, event.direction, event.name, event.fields)


def _fmt(v: Any) -> str:
    if isinstance(v, (list, tuple)):
        return ", ".join(_fmt(x) for x in v) if v else "(none)"
    if isinstance(v, bytes):
        return v.hex() if len(v) <= 32 else f"{v[:16].hex()}... ({len(v)} bytes)"
    return str(v)


def _jsonable(v: Any) -> Any:
    if isinstance(v, bytes):
        return v.hex()
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    return str(v)
