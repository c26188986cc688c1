"""Decides once, at import, which record-layer twins are active.

``FASTTLS_PURE_PYTHON=1`` (any value but empty or ``0``) forces the pure-Python
twins; otherwise the compiled ones are used when they import, and the
pure-Python ones when they do not (no compiler at install time).  This is the
msgpack / aiohttp convention (``MSGPACK_PUREPYTHON``, ``AIOHTTP_NO_EXTENSIONS``).
"""

from __future__ import annotations

import os

PURE_PYTHON: bool = os.environ.get("FASTTLS_PURE_PYTHON", "") not in ("", "0")
