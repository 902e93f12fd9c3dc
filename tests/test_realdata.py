"""``assetmap run`` on real published registers, when ../shared/realdata is present.

Nothing here is copied into the repository: the tests skip when the files are absent.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import realdata

from assetmap.pipeline import RunResult, run
from assetmap.registers import read_register


@pytest.fixture(scope="module")
def real_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunResult, dict[str, Path]]:
    cheltenham = realdata("cheltenham-land-assets", "local_authority_land_and_assets_2021.csv")
    trafford = realdata("trafford-land-assets", "trafford_land_and_building_assets.csv")
    derbyshire = realdata("fire-land-assets-avon-derbyshire", "stations-derbyshire.xlsx")
    root = tmp_path_factory.mktemp("real")
    config = root / "assetmap.yaml"
    config.write_text(
        "title: Real registers\n"
        "partners:\n"
        f"  - {{name: Cheltenham Borough Council, kind: council, register: '{cheltenham}'}}\n"
        f"  - {{name: Trafford Council, kind: council, register: '{trafford}'}}\n"
        f"  - {{name: Derbyshire Fire and Rescue, kind: fire, register: '{derbyshire}'}}\n",
        encoding="utf-8",
    )
    files = {"Cheltenham Borough Council": cheltenham, "Trafford Council": trafford,
             "Derbyshire Fire and Rescue": derbyshire}  # fmt: skip
    return run(config, root / "out"), files


def test_every_real_row_placed_or_rejected_once(real_run: tuple) -> None:
    result, files = real_run
    estate = result.estate
    cols = ["partner", "source_row"]
    keys = pd.concat([estate.assets[cols], estate.rejects[cols]], ignore_index=True)
    assert not keys.duplicated().any()
    for partner, path in files.items():
        assert (keys["partner"] == partner).sum() == len(read_register(Path(path)).frame)


def test_real_registers_mostly_placed_with_reasons_for_the_rest(real_run: tuple) -> None:
    result, _ = real_run
    summary = {p.name: p for p in result.estate.partners}
    cheltenham = summary["Cheltenham Borough Council"]
    assert cheltenham.placed >= 0.99 * cheltenham.rows_read  # BNG GeoX/GeoY
    trafford = summary["Trafford Council"]
    assert trafford.by_method["coordinates"] > 300  # WGS84 in GeoX/GeoY, recognised as degrees
    reasons = result.estate.rejects["reason"]
    assert reasons.str.len().gt(15).all()
    assert reasons.str.contains("partial postcode").any()  # Trafford's "M41"-style postcodes
    assert (result.estate.assets.geometry.x.between(0, 700_000)).all()
