"""Shared fixtures: the record-layer twins, and the CI guard that the compiled one is in use."""

from __future__ import annotations

import os

import pytest

import fasttls.record as record
from fasttls import _accel


def pytest_sessionstart(session: pytest.Session) -> None:
    # CI sets FASTTLS_REQUIRE_COMPILED=1 for the normal run: a silent fallback to
    # the pure-Python twin must fail the run, not hide in a green one.
    if os.environ.get("FASTTLS_REQUIRE_COMPILED") and not _accel.PURE_PYTHON and record.IMPLEMENTATION != "cython":
        raise pytest.UsageError(
            f"FASTTLS_REQUIRE_COMPILED is set but the compiled record twin is not in use: {record.CYTHON_IMPORT_ERROR}"
        )


def pytest_report_header(config: pytest.Config) -> list[str]:
    import cryptography
    from cryptography.hazmat.backends.openssl.backend import backend

    return [
        f"fasttls record layer: {record.IMPLEMENTATION} (twins importable: {', '.join(record.TWINS)})",
        f"cryptography {cryptography.__version__} ({backend.openssl_version_text()})",
    ]


@pytest.fixture(params=["python", "cython"])
def twin(request: pytest.FixtureRequest) -> record.Twin:
    """Every record-layer test runs against both twins, whatever is active."""
    t = record.TWINS.get(request.param)
    if t is None:
        pytest.fail(f"the compiled record twin is not built ({record.CYTHON_IMPORT_ERROR}); reinstall with a C compiler")
    return t


@pytest.fixture
def both_twins() -> tuple[record.Twin, record.Twin]:
    """The two twins together, for differential tests."""
    if record.CYTHON is None:
        pytest.fail(f"the compiled record twin is not built ({record.CYTHON_IMPORT_ERROR})")
    return record.PYTHON, record.CYTHON


@pytest.fixture(scope="session")
def pki():
    """A test CA (root + intermediate) with server and client certificates made on demand."""
    from .pki import TestPKI

    return TestPKI()


@pytest.fixture(scope="session")
def other_pki():
    """A second, unrelated CA: its certificates must not verify against ``pki.store``."""
    from .pki import TestPKI

    return TestPKI(intermediate=False)
