"""Shared fixtures and assertion helpers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "data" / "demo"
#: Real published registers beside the project (../shared/realdata), or where ASSETMAP_REALDATA says.
REALDATA = Path(os.environ.get("ASSETMAP_REALDATA", REPO.parent / "shared" / "realdata"))


@pytest.fixture(autouse=True, scope="session")
def _cache_dir(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep lookup caches out of the user's home during tests (one cache per session)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("ASSETMAP_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    yield
    mp.undo()


def realdata(*parts: str) -> Path:
    """Path to a file in ../shared/realdata, skipping the test when it is absent."""
    path = REALDATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real data not present: {path}")
    return path
