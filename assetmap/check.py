"""``assetmap check``: read every register and show how its columns will be used, writing nothing.

An estates officer setting up a config (or receiving a partner's new export) sees at once
which heading was taken for each field, which were matched automatically, which columns
are ignored, and whether each register has a way to place its assets.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .config import Config, load_config
from .registers import match_columns, read_register
from .registers._columns import can_place

__all__ = ["RegisterCheck", "check_config"]


@dataclass(frozen=True)
class RegisterCheck:
    """What reading one partner's register found."""

    partner: str
    register: Path
    rows: int
    header_row: int | None
    encoding: str | None
    sheet: str | None
    has_geometry: bool
    columns: dict[str, str | list[str]]
    auto_matched: tuple[str, ...]
    unused: tuple[str, ...]
    #: Whether some column (or geometry) can place an asset; ``assetmap run`` stops when not.
    can_place: bool


def check_config(config: str | Path | Config) -> list[RegisterCheck]:
    """Read every partner's register and match its columns, without geocoding or writing.

    Parameters
    ----------
    config : str, Path or Config
        The YAML config (or a loaded one).

    Returns
    -------
    list of RegisterCheck
        One per partner, in config order.

    Raises
    ------
    AssetmapError
        The first config or register problem, as ``assetmap run`` would report it.
    """
    cfg = config if isinstance(config, Config) else load_config(config)
    checks = []
    for partner in cfg.partners:
        raw = read_register(
            partner.register_file,
            encoding=partner.encoding,
            header_row=partner.header_row,
            sheet=partner.sheet,
            layer=partner.layer,
        )
        named = partner.columns.named()
        columns = match_columns(raw, named)
        used = {c for v in columns.values() for c in ([v] if isinstance(v, str) else v)}
        geometry = raw.geometry is not None and bool(raw.geometry.notna().any())
        checks.append(
            RegisterCheck(
                partner=partner.name,
                register=partner.register_file,
                rows=len(raw.frame),
                header_row=raw.header_row,
                encoding=raw.encoding,
                sheet=raw.sheet,
                has_geometry=geometry,
                columns=columns,
                auto_matched=tuple(f for f in columns if f not in named),
                unused=tuple(str(c) for c in raw.frame.columns if c not in used),
                can_place=can_place(raw, columns),
            )
        )
    return checks
