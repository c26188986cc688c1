"""The record layer: framing, nonces and the AEAD hot loop, each twice.

``framing``/``nonce``/``aead`` are the pure-Python twins; ``_framing``/``_nonce``/
``_aead`` the compiled (Cython) ones, with the same public names and bytes.
:data:`IMPLEMENTATION` says which pair is active (``"cython"`` or
``"python"``), decided once at import (see :mod:`fasttls._accel`);
:data:`TWINS` holds every twin that imports, so tests can use both in one
process.  :class:`~fasttls.record.halfconn.HalfConn` sits on top.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from types import ModuleType

from .. import _accel
from . import aead as _py_aead
from . import framing as _py_framing
from . import nonce as _py_nonce
from .sources import stale_reason


@dataclass(frozen=True)
class Twin:
    """One implementation of the record layer: its three modules."""

    name: str
    framing: ModuleType
    nonce: ModuleType
    aead: ModuleType


PYTHON = Twin("python", _py_framing, _py_nonce, _py_aead)

try:
    from . import _aead as _c_aead
    from . import _framing as _c_framing
    from . import _nonce as _c_nonce
except ImportError as exc:  # not compiled (no compiler at install time)
    CYTHON: Twin | None = None
    CYTHON_IMPORT_ERROR: str | None = str(exc)
else:
    # A build from older source (an editable install not rebuilt after a change) is
    # not used: the rest of fasttls may call what it does not have, which would fail
    # every connection with internal_error.  The pure-Python twins stand in, and say why.
    CYTHON_IMPORT_ERROR = next(
        filter(None, (stale_reason(m, m.__name__.rpartition(".")[2]) for m in (_c_framing, _c_nonce, _c_aead))), None
    )
    CYTHON = None if CYTHON_IMPORT_ERROR else Twin("cython", _c_framing, _c_nonce, _c_aead)
    if CYTHON_IMPORT_ERROR and not _accel.PURE_PYTHON:
        warnings.warn(f"{CYTHON_IMPORT_ERROR}; the pure-Python record layer is used meanwhile", RuntimeWarning, stacklevel=2)

#: Every twin that imports, by name.
TWINS: dict[str, Twin] = {"python": PYTHON}
if CYTHON is not None:
    TWINS["cython"] = CYTHON

#: The active twin.
ACTIVE: Twin = PYTHON if (_accel.PURE_PYTHON or CYTHON is None) else CYTHON
#: ``"cython"`` or ``"python"``.
IMPLEMENTATION: str = ACTIVE.name

from .halfconn import HalfConn, ReadHalf, WriteHalf  # noqa: E402

__all__ = ["ACTIVE", "CYTHON", "HalfConn", "IMPLEMENTATION", "PYTHON", "ReadHalf", "TWINS", "Twin", "WriteHalf"]
