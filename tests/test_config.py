"""Config loading: the documented shape works, mistakes name the key and the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from assetmap._errors import ConfigError
from assetmap.config import load_config

DOC_EXAMPLE = """\
title: Kent public estate, Q3 2026
partners:
  - name: Kent County Council
    kind: council            # council | nhs | police | fire | education | central_government
    register: registers/kcc.csv
    encoding: auto
    header_row: auto
    sheet: Assets
    layer: estate
    crs: auto
    columns:
      asset_id: Property Ref
      name: Property Name
      postcode: Post Code
      easting: Easting
      northing: Northing
      gia_m2: GIA (sq m)
      running_cost_gbp: Annual Running Cost
      utilisation: Utilisation %
clustering:
  radius_m: 400
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "assetmap.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_documented_shape_loads_and_resolves_paths(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, DOC_EXAMPLE))
    assert cfg.title == "Kent public estate, Q3 2026"
    (partner,) = cfg.partners
    assert partner.kind == "council"
    assert partner.register_file == tmp_path.resolve() / "registers" / "kcc.csv"
    assert partner.columns.named()["running_cost_gbp"] == "Annual Running Cost"
    assert cfg.clustering.radius_m == 400
    assert cfg.clustering.min_assets == 2


def test_unknown_key_is_named_with_file(tmp_path: Path) -> None:
    path = write(tmp_path, DOC_EXAMPLE.replace("    crs: auto", "    crs: auto\n    colour: red"))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(path) in str(err.value)
    assert "partners[0] (Kent County Council).colour: unknown key" in str(err.value)


def test_wrong_type_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, DOC_EXAMPLE.replace("radius_m: 400", "radius_m: near"))
    with pytest.raises(ConfigError, match=r"clustering\.radius_m: .*'near'"):
        load_config(path)


def test_bad_partner_kind_lists_allowed(tmp_path: Path) -> None:
    path = write(tmp_path, DOC_EXAMPLE.replace("kind: council ", "kind: county "))
    with pytest.raises(ConfigError, match="'council', 'nhs', 'police'"):
        load_config(path)


def test_missing_file_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match="not valid YAML at line 3"):
        load_config(write(tmp_path, "title: x\npartners: [\n"))


def test_duplicate_partner_names(tmp_path: Path) -> None:
    text = "title: t\npartners:\n" + DOC_EXAMPLE.split("partners:\n")[1].split("clustering:")[0] * 2
    with pytest.raises(ConfigError, match="both named 'Kent County Council'"):
        load_config(write(tmp_path, text))


def test_own_checks_read_plainly(tmp_path: Path) -> None:
    path = write(tmp_path, DOC_EXAMPLE.replace("header_row: auto", "header_row: 0"))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value).splitlines()[1] == (
        "  partners[0] (Kent County Council).header_row: "
        "header_row must be 1 or more (the spreadsheet row number), got 0"
    )


def test_headerless_register_columns_by_letter_or_number(tmp_path: Path) -> None:
    text = DOC_EXAMPLE.replace("header_row: auto", "header_row: none").replace(
        "      asset_id: Property Ref\n      name: Property Name\n",
        "      asset_id: A\n      name: 2\n      address: [E, 6, G]\n      coordinates: K\n",
    )
    (partner,) = load_config(write(tmp_path, text)).partners
    assert partner.header_row == "none"
    named = partner.columns.named()
    assert (named["asset_id"], named["name"], named["address"], named["coordinates"]) == (
        "A", "2", ["E", "6", "G"], "K",
    )  # fmt: skip


@pytest.mark.parametrize("value", ["nothing", "yes", "1.5"])
def test_header_row_words_explained(tmp_path: Path, value: str) -> None:
    path = write(tmp_path, DOC_EXAMPLE.replace("header_row: auto", f"header_row: {value}"))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    lines = str(err.value).splitlines()
    assert len(lines) == 2  # one plain message, not one per type pydantic tried
    assert lines[1].startswith(
        "  partners[0] (Kent County Council).header_row: header_row must be the spreadsheet row number "
        "of the header (1, 2, ...), auto, or none (the file has no header row), got "
    )


def test_readme_config_example_loads(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    example = readme.split("### The config file", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    cfg = load_config(write(tmp_path, example))
    kcc, gps = cfg.partners
    assert kcc.header_row == "auto" and kcc.columns.named()["postcode"] == "Post Code"
    assert gps.header_row == "none"
    assert gps.columns.named() == {"asset_id": "A", "name": "B", "address": list("EFGHI"), "postcode": "J"}
    assert (cfg.compare.moved_m, cfg.compare.utilisation_points) == (50, 10)


def test_change_report_thresholds_are_checked(tmp_path: Path) -> None:
    base = "partners:\n  - name: Council\n    register: r.csv\n"
    cfg = load_config(write(tmp_path, base + "compare: {moved_m: 120}\n"))
    assert (cfg.compare.moved_m, cfg.compare.utilisation_points) == (120, 10)
    with pytest.raises(ConfigError, match=r"compare\.utilisation_points: Input should be greater than 0"):
        load_config(write(tmp_path, base + "compare: {utilisation_points: -5}\n"))
    with pytest.raises(ConfigError, match=r"compare\.moved: unknown key"):
        load_config(write(tmp_path, base + "compare: {moved: 120}\n"))


def test_partner_kinds_are_listed_once_and_each_has_a_colour_and_a_label() -> None:
    from typing import get_args

    from assetmap.config import PartnerConfig
    from assetmap.maps._style import KIND_COLOURS, KIND_LABELS
    from assetmap.schema import PARTNER_KINDS

    assert get_args(PartnerConfig.model_fields["kind"].annotation) == PARTNER_KINDS
    assert set(KIND_COLOURS) == set(KIND_LABELS) == set(PARTNER_KINDS)


def test_the_smallest_config_names_only_the_registers(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, "partners:\n  - name: Council\n    register: r.csv\n"))
    assert cfg.title == "Public estate" and cfg.partners[0].kind == "other"
