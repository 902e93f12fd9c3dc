"""``python -m assetmap`` runs the command line."""

from .cli import main

main()
