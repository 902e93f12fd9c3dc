"""The public API: documented, every docstring example runs, and a config built in Python
works everywhere a file does."""

from __future__ import annotations

import datetime as dt
import doctest
import hashlib
import json
import re
from pathlib import Path

import folium
import pandas as pd
import pytest
import yaml
from conftest import DEMO, REPO

import assetmap
from assetmap import api

KENT = DEMO / "kent" / "assetmap.yaml"
AS_OF = dt.date(2026, 9, 30)
FINDER = doctest.DocTestFinder()
EXAMPLES = {t.name.rsplit(".", 1)[-1]: t for t in FINDER.find(api) if t.examples}


def test_everything_public_is_exported_and_documented() -> None:
    for name in assetmap.__all__:
        obj = getattr(assetmap, name)
        if callable(obj) and not isinstance(obj, type):
            doc = obj.__doc__ or ""
            assert "Examples\n    --------" in doc, f"{name} has no Examples section"
            assert name in EXAMPLES, f"{name}'s examples are not collected"
    errors = ("ConfigError", "RegisterError", "LookupFileError", "PeriodError", "CompareError", "MapError")
    for name in errors:
        assert issubclass(getattr(assetmap, name), assetmap.AssetmapError)
    assert assetmap.AssetmapError is assetmap._errors.AssetmapError


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_docstring_examples_run(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)  # the examples name the demo data from the repository's root
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    test = EXAMPLES[name]
    test.globs = {}
    out: list[str] = []
    result = runner.run(test, out=out.append)
    assert result.failed == 0, "".join(out)
    assert result.attempted >= 2


def test_readme_python_section_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Python API", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert blocks, "the README's Python API section has no python block"
    monkeypatch.chdir(REPO)
    namespace: dict[str, object] = {"__name__": "readme"}
    for block in blocks:
        exec(compile(block.replace('"out/', f'"{tmp_path}/'), "README.md", "exec"), namespace)
    assert isinstance(namespace["m"], folium.Map)


# ---- a config built in Python works everywhere a file does ----


def _kent_dict() -> dict:
    return yaml.safe_load(KENT.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def from_dict() -> assetmap.config.Config:
    return assetmap.load_config(_kent_dict(), base_dir=KENT.parent)


def test_a_dict_loads_to_the_same_config_as_the_file(from_dict) -> None:
    assert from_dict == assetmap.load_config(KENT)
    with pytest.raises(assetmap.ConfigError, match=r"partners\[0\] \(Kent County Council\)\.kind"):
        assetmap.load_config({**_kent_dict(), "partners": [{**_kent_dict()["partners"][0], "kind": "pub"}]})
    with pytest.raises(assetmap.ConfigError, match="not int"):
        assetmap.load_config(3)
    with pytest.raises(assetmap.ConfigError, match="base_dir is for a config given as a dict"):
        assetmap.load_config(KENT, base_dir="elsewhere")


def test_config_yaml_reads_back_to_the_same_settings(from_dict, tmp_path: Path) -> None:
    path = tmp_path / "elsewhere" / "copy.yaml"
    path.parent.mkdir()
    path.write_text(assetmap.config_yaml(from_dict), encoding="utf-8")
    again = assetmap.load_config(path)
    assert again.model_copy(update={"base_dir": from_dict.base_dir, "map": from_dict.map}) == from_dict
    assert again.map.outline == (KENT.parent / "outline.geojson").resolve()


def test_stages_take_a_dict_config(from_dict) -> None:
    estate = assetmap.read_registers(from_dict)
    by_file = assetmap.read_registers(KENT)
    pd.testing.assert_frame_equal(estate.rejects, by_file.rejects)
    assert len(estate.assets) == len(by_file.assets) == 279
    plan = assetmap.plan_estate(estate, from_dict, as_of=AS_OF)
    assert plan.summary == assetmap.plan_estate(by_file, KENT, as_of=AS_OF).summary
    wider = assetmap.cluster_assets(estate, from_dict, radius_m=1000)
    assert wider["cluster_id"].notna().sum() > plan.assets["cluster_id"].notna().sum()
    with pytest.raises(assetmap.ConfigError, match="radius_m"):
        assetmap.cluster_assets(estate, radius_m=-1)
    with pytest.raises(TypeError, match="not DataFrame"):
        assetmap.plan_estate(pd.DataFrame(estate.assets), from_dict)


@pytest.fixture(scope="module")
def dict_run(tmp_path_factory: pytest.TempPathFactory) -> assetmap.pipeline.RunResult:
    data = _kent_dict()
    data["clustering"] = {"radius_m": 600}  # differs from the file beside it
    cfg = assetmap.load_config(data, base_dir=KENT.parent)
    return assetmap.run(cfg, tmp_path_factory.mktemp("dict-run"), as_of=AS_OF)


def test_run_records_the_settings_it_used(dict_run) -> None:
    record = json.loads((dict_run.out_dir / "run.json").read_text(encoding="utf-8"))
    assert record["config"] is None  # built in Python: no file to name
    settings = dict_run.config.model_dump_json(by_alias=True).encode("utf-8")
    assert record["config_sha256"] == hashlib.sha256(settings).hexdigest()
    assert record["config_sha256"] != hashlib.sha256(KENT.read_bytes()).hexdigest()
    assert dict_run.config.clustering.radius_m == 600
    assert record["totals"]["placed"] == 279 and record["totals"]["rejected"] == 4
    assert (dict_run.out_dir / "map.html").is_file() and (dict_run.out_dir / "board_pack.xlsx").is_file()
    assert not (dict_run.out_dir / "run_config.yaml").exists()
    # registers are named by their path beside the config's base_dir, as from the file
    assert "registers/kcc_property_terrier.csv" in set(dict_run.estate.assets["source_file"])


def test_an_unchanged_config_runs_from_its_own_file(tmp_path: Path) -> None:
    result = assetmap.run(assetmap.load_config(KENT), tmp_path, as_of=AS_OF)
    record = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))
    assert record["config"] == str(KENT.resolve())
    assert not (tmp_path / "run_config.yaml").exists()
    assert set(result.estate.assets["source_file"]) >= {"registers/kcc_property_terrier.csv"}


def test_quarters_and_compare_take_dict_configs(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    q2 = yaml.safe_load((DEMO / "kent" / "q2" / "assetmap.yaml").read_text(encoding="utf-8"))
    first = assetmap.run_quarter(assetmap.load_config(q2, base_dir=DEMO / "kent" / "q2"), "2026-Q2",
                                 runs_dir=runs)  # fmt: skip
    changed = assetmap.load_config(_kent_dict() | {"title": "Kent, from Python"}, base_dir=KENT.parent)
    second = assetmap.run_quarter(changed, "2026-Q3", runs_dir=runs)
    # unchanged from q2/assetmap.yaml: run from that file; changed: from a snapshot kept in the period
    assert json.loads((first.run_dir / "quarter.json").read_text())["config"].endswith("q2/assetmap.yaml")
    assert not (first.run_dir / "run_config.yaml").exists()
    assert assetmap.load_config(second.run_dir / "run_config.yaml").title == "Kent, from Python"
    assert second.run.config.title == "Kent, from Python"
    assert second.previous_dir == first.run_dir
    assert second.changes is not None and second.changes.counts["added"] == 1
    again = assetmap.compare_runs(first, second.run_dir)
    assert again.counts == second.changes.counts
    with pytest.raises(assetmap.PeriodError, match="already exists"):
        assetmap.run_quarter(changed, "2026-Q3", runs_dir=runs)


def test_maps_take_any_stage(dict_run, tmp_path: Path) -> None:
    for data in (dict_run, dict_run.plan, dict_run.estate, dict_run.estate.assets):
        m = assetmap.explore(data, config=dict_run.config)
        assert isinstance(m, folium.Map)
    page = assetmap.write_map(dict_run, tmp_path / "map.html")
    assert "Kent public estate" in page.read_text(encoding="utf-8")
    book = assetmap.write_board_pack(dict_run, tmp_path / "pack.xlsx")
    assert book.stat().st_size > 0
    with pytest.raises(TypeError, match="not str"):
        assetmap.explore("map.html")


# ---- the walkthrough notebook ----


def test_walkthrough_notebook_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nbclient = pytest.importorskip("nbclient", reason="nbclient is a test extra")
    nbformat = pytest.importorskip("nbformat", reason="nbformat is a test extra")
    monkeypatch.setenv("PYTHONPATH", str(REPO))  # the kernel imports this checkout's assetmap
    monkeypatch.setenv("WALKTHROUGH_OUT", str(tmp_path))
    nb = nbformat.read(REPO / "examples" / "walkthrough.ipynb", as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "commit it without outputs"
    client = nbclient.NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(REPO / "examples")}}
    )
    client.execute()  # raises CellExecutionError, with the cell and traceback, if a cell fails
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    shown = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    inline_map = next(h for h in shown if "<iframe srcdoc=" in h)
    assert "Proposed hub" in inline_map and "leaflet.markercluster" in inline_map.lower()
    saved = (tmp_path / "walkthrough-map.html").read_text(encoding="utf-8")
    assert "Proposed hub" in saved and "Kent Police" in saved
    assert (tmp_path / "map.html").is_file()
    texts = " ".join(o["data"].get("text/plain", "") for o in outputs if "data" in o)
    assert "['summary', 'clusters', 'opportunities', 'assets', 'rejects']" in texts
    assert "'moves': 14" in texts
