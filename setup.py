"""Build the compiled record-layer twins; fall back to pure Python if that fails.

``pyproject.toml`` asks for setuptools and Cython 3, so ``pip install .`` and
``pip install -e .`` compile ``fasttls/record/_*.pyx``.  Without a working C
compiler the install still succeeds, with the pure-Python twins, and says so
(aiohttp's setup.py does the same).  CI refuses that fallback
(``FASTTLS_REQUIRE_COMPILED=1``).
"""

import os
import runpy
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

MODULES = ["_framing", "_nonce", "_aead"]

FALLBACK_BANNER = """
**********************************************************************
* fasttls: the compiled record layer could not be built:
*   {error}
* fasttls is installed with its pure-Python record layer instead
* (same behaviour, lower throughput). Install a C compiler and the
* Python headers, then reinstall, to get the compiled one.
**********************************************************************
"""


class OptionalBuildExt(build_ext):
    """build_ext that turns a compiler failure into a pure-Python install."""

    def run(self):
        try:
            super().run()
        except Exception as exc:  # noqa: BLE001 - any build failure means fallback
            self._fallback(exc)

    def build_extension(self, ext):
        try:
            super().build_extension(ext)
        except Exception as exc:  # noqa: BLE001
            self._fallback(exc)

    def _fallback(self, exc):
        if os.environ.get("FASTTLS_REQUIRE_COMPILED"):
            raise exc
        sys.stderr.write(FALLBACK_BANNER.format(error=exc))


def extensions():
    if os.environ.get("FASTTLS_PURE_PYTHON_BUILD"):
        return []
    try:
        from Cython.Build import cythonize
    except ImportError as exc:
        sys.stderr.write(FALLBACK_BANNER.format(error=f"Cython is not available ({exc})"))
        return []
    # Each module carries the digest of its source, so an import can tell a build
    # from older source (fasttls/record/sources.py).
    source_digest = runpy.run_path(os.path.join("fasttls", "record", "sources.py"))["source_digest"]
    exts = [
        Extension(
            f"fasttls.record.{name}",
            [f"fasttls/record/{name}.pyx"],
            extra_compile_args=["-O3"],
            define_macros=[("FASTTLS_SOURCE_DIGEST", '"%s"' % source_digest(os.path.join("fasttls", "record"), name))],
        )
        for name in MODULES
    ]
    return cythonize(exts, language_level=3, compiler_directives={"binding": True, "embedsignature": True})


setup(ext_modules=extensions(), cmdclass={"build_ext": OptionalBuildExt})
