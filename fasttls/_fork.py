"""Module-level locks that a child made by ``fork()`` gets back unlocked.

A fork while another thread held one (``create_default_context`` loading the system
trust store takes ~20 ms, once per process) left the child waiting forever for a
thread it does not have; ``ssl``'s state lives in OpenSSL, which has no such lock.
The stdlib's ``logging`` resets its module locks the same way.
"""

from __future__ import annotations

import os
import threading

_LOCKS: list = []  # module-level locks live as long as the process


def module_lock() -> threading.Lock:
    """A new lock, released again in every forked child."""
    lock = threading.Lock()
    _LOCKS.append(lock)
    return lock


def _after_fork_in_child() -> None:
    for lock in _LOCKS:
        lock._at_fork_reinit()  # type: ignore[attr-defined]  # CPython's, as logging uses it


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
