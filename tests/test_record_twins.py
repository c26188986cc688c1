"""The .py and .pyx twins expose the same public names and signatures."""

from __future__ import annotations

import inspect

import pytest

import fasttls.record as R


def public(obj):
    return sorted(n for n in dir(obj) if not n.startswith("_"))


def signature(obj):
    """Parameter names, kinds and defaults (annotations differ: Cython drops them)."""
    sig = inspect.signature(obj)
    return [(p.name, p.kind, p.default) for p in sig.parameters.values()]


@pytest.mark.parametrize("module", ["framing", "nonce", "aead"])
def test_same_public_names_and_signatures(both_twins, module):
    py, cy = (getattr(t, module) for t in both_twins)
    assert py.__all__ == cy.__all__
    for name in py.__all__:
        a, b = getattr(py, name), getattr(cy, name)
        if inspect.isclass(a):
            assert public(a) == public(b), name
            for member in public(a):
                ma, mb = getattr(a, member), getattr(b, member)
                if callable(ma):
                    assert signature(ma) == signature(mb), f"{name}.{member}"
        elif callable(a):
            assert signature(a) == signature(b), name
        else:
            assert a == b, name


def test_constructors_take_the_same_keywords(both_twins):
    # A compiled class has no introspectable constructor signature: call both the same way.
    for t in both_twins:
        s = t.aead.RecordSealer(cipher=1, key=bytes(16), iv=bytes(12), version=0x0304, seq=3)
        o = t.aead.RecordOpener(cipher=2, key=bytes(32), iv=bytes(12), version=0x0303, seq=4)
        assert (s.seq, s.cipher, s.version, s.overhead) == (3, 1, 0x0304, 22)
        assert (o.seq, o.cipher, o.version, o.overhead) == (4, 2, 0x0303, 21)
        assert len(t.framing.RecordBuffer()) == 0


@pytest.mark.parametrize("module", ["framing", "nonce", "aead"])
def test_all_lists_every_public_definition(both_twins, module):
    """Nothing public is defined in a twin without being in ``__all__`` (and so compared)."""
    py = getattr(both_twins[0], module)
    defined = {
        n
        for n, v in vars(py).items()
        if not n.startswith("_") and getattr(v, "__module__", py.__name__) == py.__name__ and not inspect.ismodule(v)
        and n != "annotations"
    }
    assert defined == set(py.__all__)


def test_active_twin_and_switch():
    from fasttls import _accel

    assert R.IMPLEMENTATION in ("cython", "python")
    assert R.ACTIVE is R.TWINS[R.IMPLEMENTATION]
    if _accel.PURE_PYTHON:
        assert R.IMPLEMENTATION == "python"


def test_switch_is_decided_at_import(tmp_path):
    import os
    import subprocess
    import sys

    code = "import fasttls.record as r; print(r.IMPLEMENTATION)"
    env = dict(os.environ, FASTTLS_PURE_PYTHON="1")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "python"
    env["FASTTLS_PURE_PYTHON"] = "0"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ("cython" if R.CYTHON is not None else "python")


def test_the_compiled_twin_carries_the_digest_of_its_source(both_twins):
    """setup.py compiles each module with the digest of its .pyx and the shared .pxd."""
    import os

    from fasttls.record.sources import source_digest, stale_reason

    directory = os.path.dirname(R.__file__)
    for module in (both_twins[1].framing, both_twins[1].nonce, both_twins[1].aead):
        name = module.__name__.rpartition(".")[2]
        assert module.SOURCE_DIGEST == source_digest(directory, name)
        assert stale_reason(module, name) is None


def test_a_build_from_older_source_is_not_used(both_twins, tmp_path):
    """An editable install not rebuilt after a .pyx change: its module may lack what the
    rest of fasttls calls (a pyx attribute added with the code that reads it made every
    connection fail with internal_error).  It is refused at import, with the reason,
    and the pure-Python twins stand in."""
    import os
    import shutil
    import subprocess
    import sys

    package = os.path.dirname(os.path.dirname(R.__file__))
    shutil.copytree(package, tmp_path / "fasttls", ignore=shutil.ignore_patterns("__pycache__", "*.c", "*.html"))
    with open(tmp_path / "fasttls" / "record" / "_nonce.pyx", "a") as f:
        f.write("\n# changed after the build\n")
    code = "import fasttls.record as r; print(r.IMPLEMENTATION); print(r.CYTHON_IMPORT_ERROR)"
    env = {k: v for k, v in os.environ.items() if k not in ("FASTTLS_PURE_PYTHON", "FASTTLS_REQUIRE_COMPILED")}
    env["PYTHONPATH"] = str(tmp_path)
    out = subprocess.run([sys.executable, "-W", "always", "-c", code], env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    implementation, reason = out.stdout.splitlines()
    assert implementation == "python"
    assert reason.startswith("fasttls.record._nonce was compiled from an older _nonce.pyx")
    assert "RuntimeWarning" in out.stderr and "the pure-Python record layer is used meanwhile" in out.stderr
