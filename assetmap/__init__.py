"""assetmap: put a whole place's public estate on one map."""

__version__ = "0.1.0"
