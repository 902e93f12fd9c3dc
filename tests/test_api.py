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
from support import DEMO, REPO

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


#: Examples that read no register; the others read (and most plan) the Kent demo's.
QUICK_EXAMPLES = {"load_config", "config_yaml", "show_versions"}


def _run_examples(test: doctest.DocTest, globs: dict | None = None) -> doctest.TestResults:
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    test.globs = dict(globs or {})
    out: list[str] = []
    result = runner.run(test, out=out.append)
    assert result.failed == 0, "".join(out)
    return result


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=() if n in QUICK_EXAMPLES else pytest.mark.slow) for n in sorted(EXAMPLES)]
)
def test_docstring_examples_run(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)  # the examples name the demo data from the repository's root
    assert _run_examples(EXAMPLES[name]).attempted >= 2


def test_testing_helpers_examples_run() -> None:
    import assetmap.testing

    found = [t for t in FINDER.find(assetmap.testing) if t.examples]
    assert sum(_run_examples(t, vars(assetmap.testing)).attempted for t in found) >= 5


@pytest.mark.slow
def test_readme_python_section_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Python API", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert blocks, "the README's Python API section has no python block"
    (tmp_path / "data").symlink_to(REPO / "data")  # a fresh folder, as a user's, with the demo in it
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "readme"}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)
    assert isinstance(namespace["m"], folium.Map)
    assert {p.name for p in (tmp_path / "out").iterdir()} == {"explore.html", "map.html", "board_pack.xlsx"}


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


def test_a_layer_in_another_crs_is_clustered_and_planned_in_metres() -> None:
    from assetmap.testing import make_estate, office

    bng = make_estate(
        office(x=0), office(x=300, partner="Police", utilisation=0.3), office(x=450), office(x=3000)
    )
    wgs = bng.to_crs("EPSG:4326")  # as an analyst's own layer often is
    near = assetmap.cluster_assets(wgs)
    assert near.crs.to_epsg() == 27700
    assert near["cluster_id"].tolist() == assetmap.cluster_assets(bng)["cluster_id"].tolist()
    assert near["cluster_id"].notna().tolist() == [True, True, True, False]
    assert assetmap.plan_estate(wgs).summary == assetmap.plan_estate(bng).summary


def test_result_classes_are_exported() -> None:
    assert assetmap.Config is assetmap.config.Config
    assert assetmap.RunResult is assetmap.pipeline.RunResult and assetmap.Estate is assetmap.estate.Estate
    assert assetmap.PlanResult is assetmap.plan.PlanResult
    assert assetmap.QuarterResult is assetmap.quarter.QuarterResult
    assert assetmap.ChangeReport is assetmap.compare.ChangeReport


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
def test_an_unchanged_config_runs_from_its_own_file(tmp_path: Path) -> None:
    result = assetmap.run(assetmap.load_config(KENT), tmp_path, as_of=AS_OF)
    record = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))
    assert record["config"] == str(KENT.resolve())
    assert not (tmp_path / "run_config.yaml").exists()
    assert set(result.estate.assets["source_file"]) >= {"registers/kcc_property_terrier.csv"}


@pytest.mark.slow
def test_quarters_and_compare_take_dict_configs(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    q2 = yaml.safe_load((DEMO / "kent" / "q2" / "assetmap.yaml").read_text(encoding="utf-8"))
    first = assetmap.run_quarter(assetmap.load_config(q2, base_dir=DEMO / "kent" / "q2"), "2026-Q2",
                                 runs_dir=runs)  # fmt: skip
    # built in Python, with thresholds of its own: run as it is, no file written first
    thresholds = {"moved_m": 40, "utilisation_points": 150}
    data = _kent_dict() | {"title": "Kent, from Python", "compare": thresholds}
    changed = assetmap.load_config(data, base_dir=KENT.parent)
    second = assetmap.run_quarter(changed, "2026-Q3", runs_dir=runs)
    # unchanged from q2/assetmap.yaml: quarter.json and run.json name that file
    assert json.loads((first.run_dir / "quarter.json").read_text())["config"].endswith("q2/assetmap.yaml")
    assert not (first.run_dir / "run_config.yaml").exists()
    record = json.loads((second.run_dir / "quarter.json").read_text())
    assert record["config"] is None and record["config_settings"] == "run_config.yaml"
    assert (record["moved_m"], record["utilisation_points"]) == (40, 150)
    assert json.loads((second.run_dir / "run.json").read_text())["config"] is None
    kept = assetmap.load_config(second.run_dir / "run_config.yaml")  # the settings it ran with
    assert kept.model_copy(update={"base_dir": changed.base_dir, "map": changed.map}) == changed
    assert second.run.config == changed and second.run.config_path is None
    assert second.previous_dir == first.run_dir
    assert second.changes is not None and second.changes.counts["added"] == 1
    assert second.changes.counts["utilisation_fell"] + second.changes.counts["utilisation_rose"] == 0
    # compare_runs: the config's thresholds, or the defaults (utilisation changes of 10 points are back)
    assert assetmap.compare_runs(first, second.run_dir, config=changed).counts == second.changes.counts
    usual = assetmap.compare_runs(first, second.run_dir)
    assert usual.counts["utilisation_fell"] + usual.counts["utilisation_rose"] > 0
    with pytest.raises(assetmap.ConfigError, match="utilisation_points: Input should be greater than 0"):
        assetmap.compare_runs(first, second, utilisation_points=0)
    with pytest.raises(assetmap.PeriodError, match="already exists"):
        assetmap.run_quarter(changed, "2026-Q3", runs_dir=runs)


@pytest.mark.slow
def test_a_period_run_from_python_can_be_run_again_from_its_settings(tmp_path: Path) -> None:
    data = _kent_dict() | {"title": "Kent, from Python"}
    cfg = assetmap.load_config(data, base_dir=KENT.parent)
    first = assetmap.run_quarter(cfg, "2026-Q3", runs_dir=tmp_path / "a")
    again = assetmap.run_quarter(first.run_dir / "run_config.yaml", "2026-Q3", runs_dir=tmp_path / "b")
    assert again.run.plan.summary == first.run.plan.summary
    before, after = first.run.estate.rejects, again.run.estate.rejects
    pd.testing.assert_frame_equal(after.drop(columns="source_file"), before.drop(columns="source_file"))
    # the registers are named from the folder of the config they were run from
    assert [Path(name).name for name in before["source_file"]] == list(after["source_file"])


@pytest.mark.slow
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


@pytest.mark.slow
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
