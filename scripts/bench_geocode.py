"""Benchmark the geocoding cascade on a national-sized register (default 1,000,000 rows).

Rows are real postcodes drawn from the packaged ONS Postcode Directory (England, Scotland,
Wales and Northern Ireland); a share of them has a blank postcode cell with the postcode
written at the end of the address instead, and a share has an address with no postcode.

    python scripts/bench_geocode.py [--rows 1000000] [--address-share 0.2]

Prints seconds for the address search alone and for the whole ``geocode`` call, with a warm
Parquet cache (a first, cold run decodes the directory once and is reported separately).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from assetmap.geocode import PostcodeLookup, geocode
from assetmap.registers.clean import postcode_in_text

_STREETS = np.array(["High Street", "Station Road", "Church Lane", "Market Place", "Mill Road"])


def _postcodes(lookup: PostcodeLookup, n: int, rng: np.random.Generator) -> np.ndarray:
    """Postcode keys with a grid reference, drawn from several areas (BT for Northern Ireland)."""
    tables = [lookup._table(letter) for letter in "BCEGLMNSW"]  # the decoded directory
    table = pd.concat(tables, ignore_index=True)
    table = table[table["easting"].notna()]
    return table["key"].to_numpy()[rng.integers(0, len(table), n)].astype(str)


def _register(lookup: PostcodeLookup, n: int, share: float, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    keys = pd.Series(_postcodes(lookup, n, rng))
    spaced = keys.str[:-3] + " " + keys.str[-3:]
    streets = pd.Series(_STREETS[rng.integers(0, len(_STREETS), n)])
    numbers = pd.Series(rng.integers(1, 200, n)).astype(str)
    in_address = rng.random(n) < share
    no_postcode = rng.random(n) < share / 4
    address = numbers + " " + streets + ", Town"
    address = address.where(~in_address, address + ", " + spaced)
    postcode = spaced.where(~(in_address | no_postcode), None).astype(object)
    nan = np.full(n, np.nan)
    return pd.DataFrame(
        {
            "postcode": postcode,
            "address": address,
            "easting": nan,
            "northing": nan,
            "latitude": nan,
            "longitude": nan,
            "uprn": None,
        }
    )


def main() -> None:
    """Run the benchmark and print the timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--address-share", type=float, default=0.2)
    args = parser.parse_args()
    lookup = PostcodeLookup()
    t0 = time.perf_counter()
    assets = _register(lookup, args.rows, args.address_share)
    print(f"built {len(assets):,} rows (directory loaded/decoded) in {time.perf_counter() - t0:.1f} s")
    need = assets["postcode"].isna()
    t0 = time.perf_counter()
    found = postcode_in_text(assets.loc[need, "address"])
    t_search = time.perf_counter() - t0
    print(f"address search: {int(need.sum()):,} rows, {int(found.values.notna().sum()):,} postcodes, "
          f"{t_search:.2f} s")  # fmt: skip
    t0 = time.perf_counter()
    result = geocode(assets, postcodes=PostcodeLookup())
    t_all = time.perf_counter() - t0
    placed = result.placed["reject_reason"].isna().sum()
    print(f"geocode: {len(assets):,} rows, {placed:,} placed, {len(result.warnings):,} warnings, "
          f"{t_all:.1f} s")  # fmt: skip


if __name__ == "__main__":
    main()
