"""Shared test fixtures: hypothesis profiles and the optional real-data corpus."""
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("dev", max_examples=30, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

#: ../shared/corpus beside the repository root (absent for most users: tests that want it skip).
CORPUS_DIR = Path(__file__).resolve().parents[2] / "shared" / "corpus"
CORPUS_FILES = ("alice29.txt", "asyoulik.txt", "lcet10.txt", "plrabn12.txt", "html", "fireworks.jpeg",
                "paper-100k.pdf")


def corpus_path(name: str) -> Path:
    """Path of a corpus file, or skip the calling test when the corpus is not there."""
    path = CORPUS_DIR / name
    if not path.is_file():
        pytest.skip(f"corpus file {name} not available ({CORPUS_DIR})")
    return path


@pytest.fixture(params=CORPUS_FILES)
def corpus_file(request) -> Path:
    """Each corpus file in turn (skipped when the corpus is absent)."""
    return corpus_path(request.param)


@pytest.fixture
def sample_bytes() -> bytes:
    """The sample text bundled with the package (always present)."""
    from importlib.resources import files
    return files("codelength").joinpath("data/sample.txt").read_bytes()


@pytest.fixture(autouse=True)
def _hang_guard():
    """Kill the run with a traceback if one test hangs (works even inside nogil C loops)."""
    import faulthandler
    faulthandler.dump_traceback_later(int(os.environ.get("CODELENGTH_TEST_TIMEOUT", "300")), exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()
