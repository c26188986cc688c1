"""What ties a compiled record twin to the source it was compiled from.

``setup.py`` compiles each ``_*.pyx`` with the digest of its source (the ``.pyx``
and the ``.pxd`` it shares) as ``SOURCE_DIGEST``; at import, a compiled module
whose ``.pyx`` beside it no longer has that digest was built from older source
(an editable install after a ``git pull``, say) and is not used: its API may
not be the one the rest of fasttls calls.  Loaded by ``setup.py`` as a file,
so it imports nothing of fasttls.
"""

from __future__ import annotations

import hashlib
import os


def source_digest(directory: str, name: str) -> str:
    """A short SHA-256 over ``name``.pyx and every ``.pxd`` in ``directory``."""
    h = hashlib.sha256()
    for filename in [f"{name}.pyx", *sorted(f for f in os.listdir(directory) if f.endswith(".pxd"))]:
        with open(os.path.join(directory, filename), "rb") as f:
            h.update(filename.encode() + b"\0" + f.read() + b"\0")
    return h.hexdigest()[:16]


def stale_reason(module: object, name: str) -> str | None:
    """Why compiled ``module`` (``fasttls.record.<name>``) must not be used, or None.

    None too when the source is not beside it (nothing to compare) or the module
    was compiled without a digest (by hand, not by ``setup.py``)."""
    compiled = getattr(module, "SOURCE_DIGEST", "")
    directory = os.path.dirname(os.path.abspath(__file__))
    if not compiled or not os.path.exists(os.path.join(directory, f"{name}.pyx")):
        return None
    try:
        current = source_digest(directory, name)
    except OSError:
        return None
    if current == compiled:
        return None
    return (
        f"fasttls.record.{name} was compiled from an older {name}.pyx (digest {compiled}, the source's is {current}); "
        "rebuild it: pip install -e . (or python setup.py build_ext --inplace)"
    )
