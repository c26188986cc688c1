"""The record layer: framing, nonces and the AEAD hot loop, each twice.

``framing``/``nonce``/``aead`` are the pure-Python twins; ``_framing``/``_nonce``/
``_aead`` the compiled (Cython) ones, with the same public names and bytes.
:data:`IMPLEMENTATION` says which pair is active (``"cython"`` or
``"python"``), decided once at import (see :mod:`fasttls._accel`);
:data:`TWINS` holds every twin that imports, so tests can use both in one
process.  :class:`~fasttls.record.halfconn.HalfConn` sits on top.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from .. import _accel
from . import aead as _py_aead
from . import framing as _py_framing
from . import nonce as _py_nonce


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
    CYTHON = Twin("cython", _c_framing, _c_nonce, _c_aead)
    CYTHON_IMPORT_ERROR = None

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
