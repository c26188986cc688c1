"""Coverage-guided fuzzing (atheris / libFuzzer) of the parsers and state machines, bounded in time.

Each target of ``tests/fuzz_atheris.py`` runs in its own process (libFuzzer owns
the process and exits it) for ``FASTTLS_ATHERIS_SECONDS`` seconds (3 by default;
``.ci/run`` gives each 12, a little over a minute in all), starting from real handshake
flights.  A crash (an exception other than a fasttls error, an ``internal_error``
alert, an error without an alert for the peer) or an input slower than 10 s
fails the test with libFuzzer's report, which names the input that did it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from .fuzz_atheris import TARGETS

SECONDS = int(os.environ.get("FASTTLS_ATHERIS_SECONDS", "3"))
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_fuzz_target(target, tmp_path):
    # The corpus lives in pytest's tmp_path, so the run leaves nothing behind in /tmp.
    corpus, artifacts = tmp_path / "corpus", tmp_path / "artifacts"
    corpus.mkdir()
    artifacts.mkdir()
    proc = subprocess.run(
        [sys.executable, "-m", "tests.fuzz_atheris", target, f"-max_total_time={SECONDS}", "-timeout=10",
         "-rss_limit_mb=2048", f"-artifact_prefix={artifacts}/", str(corpus)],
        cwd=ROOT, capture_output=True, text=True, timeout=SECONDS + 120,
    )  # fmt: skip
    out = proc.stdout + proc.stderr
    # atheris prints the Python traceback on stdout and libFuzzer its report (with the
    # input, in base64) on stderr: show both ends, not only the progress lines.
    assert proc.returncode == 0, f"{proc.stdout[-3000:]}\n--- libFuzzer ---\n{proc.stderr[-2500:]}"
    done = re.search(r"Done (\d+) runs", out)
    assert done and int(done.group(1)) > 0, out[-2000:]
    assert list(corpus.iterdir()), "the corpus was not seeded"
    assert not list(artifacts.iterdir()), f"libFuzzer left crash artifacts: {list(artifacts.iterdir())}"


REGRESSIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fuzz_regressions")


def _regression_inputs():
    for target in sorted(os.listdir(REGRESSIONS)):
        for name in sorted(os.listdir(os.path.join(REGRESSIONS, target))):
            yield pytest.param(target, os.path.join(REGRESSIONS, target, name), id=f"{target}-{name}")


@pytest.mark.parametrize("target,path", list(_regression_inputs()))
def test_fuzz_regression(target, path):
    """Inputs the fuzzer once crashed on (tests/fuzz_regressions/TARGET/), replayed in process."""
    with open(path, "rb") as f:
        TARGETS[target](f.read())
