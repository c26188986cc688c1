"""Locks that a child made by ``fork()`` gets back unlocked.

A fork while another thread held one left the child waiting forever for a thread it
does not have: ``create_default_context`` loading the system trust store (~20 ms, once
per process), a verification reading issuer files through the shared store, a thread
blocked in ``recv`` on a socket the child goes on using.  ``ssl``'s state lives in
OpenSSL, which has no such locks.  The stdlib's ``logging`` resets its locks the same way.
"""

from __future__ import annotations

import os
import threading
import weakref

_LOCKS: weakref.WeakSet = weakref.WeakSet()


def fork_safe_lock() -> threading.Lock:
    """A new lock, released again in every forked child (a module's, or an object's)."""
    lock = threading.Lock()
    _LOCKS.add(lock)
    return lock


def _after_fork_in_child() -> None:
    for lock in list(_LOCKS):
        lock._at_fork_reinit()  # type: ignore[attr-defined]  # CPython's, as logging uses it


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
