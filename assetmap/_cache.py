"""Where decoded lookup tables are kept between runs."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """Return the cache directory, creating it.

    ``ASSETMAP_CACHE_DIR`` wins; otherwise ``$XDG_CACHE_HOME/assetmap`` or
    ``~/.cache/assetmap``. Deleting it is always safe: tables are rebuilt on the next run.
    """
    env = os.environ.get("ASSETMAP_CACHE_DIR")
    if env:
        path = Path(env)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        path = Path(base) / "assetmap"
    path.mkdir(parents=True, exist_ok=True)
    return path
