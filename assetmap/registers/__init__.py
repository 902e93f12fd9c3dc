"""Read a partner's register file and clean it into canonical typed columns.

>>> raw = read_register(Path("kent.xlsx"))                       # doctest: +SKIP
>>> columns = match_columns(raw, {"asset_id": "Asset Ref"})      # doctest: +SKIP
>>> reg = clean_register(raw, columns, partner="Kent CC", source_file="kent.xlsx")  # doctest: +SKIP

Value cleaners live in :mod:`assetmap.registers.clean`.
"""

from __future__ import annotations

from ._assemble import CleanRegister, clean_register, load_partner
from ._columns import match_columns
from ._raw import RawRegister
from ._read import SUPPORTED, read_register

__all__ = [
    "SUPPORTED",
    "CleanRegister",
    "RawRegister",
    "clean_register",
    "load_partner",
    "match_columns",
    "read_register",
]
