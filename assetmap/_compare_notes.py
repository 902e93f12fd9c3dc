"""What changed in the registers themselves between two runs: columns and id schemes.

Part of the change report (:mod:`assetmap.compare`). A field that one of the two registers
does not have at all is not a change to any asset: it is said once, at the top of the report,
and the field is not compared asset by asset. A partner's register "has" a field when the
run's ``run.json`` says a register column fed it (``columns_used``); for a run without that
record (an older version, a hand-made run), when any of the partner's assets has a value
for it. Ids re-cased or given a new ending across the whole register are said once too,
with a count and an example, rather than as hundreds of "re-identified" rows.
"""

from __future__ import annotations

import pandas as pd

from ._compare_match import clean_text, id_suffix
from .schema import FIELDS

#: Columns of :attr:`assetmap.compare.ChangeReport.columns`.
COLUMN_CHANGE_COLUMNS: tuple[str, ...] = ("partner", "field", "change", "previous_column", "column", "basis")
#: Fields compared for presence: the canonical fields except where the asset was placed
#: (the run fills easting, northing, latitude and longitude for every placed asset).
PRESENCE_FIELDS: tuple[str, ...] = tuple(f for f, kind in FIELDS.items() if kind != "coord")
#: ``{partner: {field: (has it, register column or "", basis)}}``.
Presence = dict[str, dict[str, tuple[bool, str, str]]]
_BASIS_RECORD = "run.json columns_used"
_BASIS_VALUES = "empty in every row"
_EXAMPLES = 5


def _columns_used(record: dict[str, object]) -> dict[str, dict[str, str]]:
    """``{partner: {field: register column}}`` from ``run.json`` (partners without the record left out)."""
    out: dict[str, dict[str, str]] = {}
    partners = record.get("partners")
    for p in partners if isinstance(partners, list) else []:
        used = p.get("columns_used") if isinstance(p, dict) else None
        if isinstance(used, dict) and p.get("name") is not None:
            out[str(p["name"])] = {
                str(f): " + ".join(map(str, c)) if isinstance(c, list) else str(c) for f, c in used.items()
            }
    return out


def _has_values(assets: pd.DataFrame, fld: str) -> bool:
    if fld not in assets.columns:
        return False
    col = assets[fld]
    if pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
        return bool(col.notna().any())
    if pd.api.types.is_datetime64_any_dtype(col):
        return bool(col.notna().any())
    return bool((clean_text(col) != "").any())


def field_presence(assets: pd.DataFrame, record: dict[str, object]) -> Presence:
    """Which fields each partner's register has in one run.

    Parameters
    ----------
    assets : DataFrame
        The run's assets (:attr:`assetmap.compare.RunData.assets`).
    record : dict
        The run's ``run.json``.

    Returns
    -------
    dict
        ``{partner: {field: (has it, register column or "", basis)}}`` for :data:`PRESENCE_FIELDS`;
        the basis is ``run.json columns_used`` where the run recorded it, else ``empty in every row``.
    """
    used = _columns_used(record)
    partners = clean_text(assets["partner"]) if "partner" in assets else pd.Series(dtype="string")
    out: Presence = {}
    for partner in sorted(set(partners)):
        if partner in used:
            cols = dict(used[partner])
            if "utilisation" not in cols and {"occupancy", "capacity"} <= set(cols):  # derived by the run
                cols["utilisation"] = f"{cols['occupancy']} / {cols['capacity']}"
            out[partner] = {f: (f in cols, cols.get(f, ""), _BASIS_RECORD) for f in PRESENCE_FIELDS}
        else:
            mine = assets[partners == partner]
            out[partner] = {f: (_has_values(mine, f), "", _BASIS_VALUES) for f in PRESENCE_FIELDS}
    return out


def column_changes(previous: Presence, current: Presence) -> pd.DataFrame:
    """Fields that appeared or disappeared for partners in both runs (:data:`COLUMN_CHANGE_COLUMNS`)."""
    rows = []
    for partner in sorted(set(previous) & set(current)):
        for fld in PRESENCE_FIELDS:
            had, was_col, was_basis = previous[partner][fld]
            has, col, basis = current[partner][fld]
            if had == has:
                continue
            rows.append({
                "partner": partner, "field": fld, "change": "appeared" if has else "disappeared",
                "previous_column": was_col, "column": col,
                "basis": was_basis if was_basis == basis else f"{was_basis} / {basis}",
            })  # fmt: skip
    return pd.DataFrame(rows, columns=list(COLUMN_CHANGE_COLUMNS))


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def column_notes(columns: pd.DataFrame, previous_label: str, current_label: str) -> list[str]:
    """One sentence per partner and direction for :func:`column_changes`' rows.

    Such as "Council: the 2023-Q1 register has no name or postcode column (2021-Q1 had them:
    PropertyName, PostCode); these fields are not compared, so no asset is reported as changed
    in them."
    """
    notes = []
    order = columns.assign(_o=columns["change"].map({"disappeared": 0, "appeared": 1}))
    for (partner, _, change), g in order.groupby(["partner", "_o", "change"], sort=True):
        fields = " or ".join(g["field"]) if change == "disappeared" else _and(list(g["field"]))
        plural = len(g) > 1
        cols = [c for c in g["previous_column" if change == "disappeared" else "column"] if c]
        these = "these fields are" if plural else "this field is"
        tail = f"; {these} not compared, so no asset is reported as changed in {'them' if plural else 'it'}."
        if change == "disappeared":
            had = f" ({previous_label} had {'them' if plural else 'it'}: {', '.join(cols)})" if cols else ""
            notes.append(
                f"{partner}: the {current_label} register has no {fields} column{'s' if plural else ''}{had}"
                + tail
            )
        else:
            came = f" (from {', '.join(cols)})" if cols else ""
            start = f"{partner}: the {current_label} register adds {fields}{came}"
            notes.append(f"{start}, which {previous_label} did not have" + tail)
    return notes


def id_notes(previous: pd.DataFrame, current: pd.DataFrame, matches: pd.DataFrame) -> list[str]:
    """Sentences on ids matched after normalising, or by their stable reference with a new ending."""
    notes = []
    for method in ("asset_id (normalised)", "asset_id stem"):
        m = matches[matches["matched_by"] == method]
        if m.empty:
            continue
        old = previous.loc[m["previous_index"], "asset_id"].astype(str).to_numpy()
        new = current.loc[m["current_index"], "asset_id"].astype(str).to_numpy()
        partner = current.loc[m["current_index"], "partner"].astype(str).to_numpy()
        pairs = pd.DataFrame({"partner": partner, "old": old, "new": new})
        for p, g in pairs.groupby("partner", sort=True):
            notes.append(_id_note(p, g, stem=method == "asset_id stem"))
    return notes


def _ids(n: int) -> str:
    return "1 asset id" if n == 1 else f"{n} asset ids"


def _id_note(partner: str, pairs: pd.DataFrame, *, stem: bool) -> str:
    if not stem:
        first = pairs.iloc[0]
        return (
            f"{partner}: {_ids(len(pairs))} matched although written differently (case, spaces, "
            f"punctuation or leading zeros), such as {first['old']} now {first['new']}."
        )
    pairs = pairs.assign(
        old_end=[id_suffix(v) for v in pairs["old"]], new_end=[id_suffix(v) for v in pairs["new"]]
    )
    groups = pairs.groupby([pairs["old_end"].str.casefold(), pairs["new_end"].str.casefold()], sort=False)
    ranked = sorted(groups, key=lambda kg: (-len(kg[1]), kg[0]))
    parts = []
    for _, g in ranked[:_EXAMPLES]:
        first = g.iloc[0]
        parts.append(
            f"'{first['old_end']}' became '{first['new_end']}' for {len(g)} "
            f"(such as {first['old']} now {first['new']})"
        )
    more = f"; and {len(ranked) - _EXAMPLES} other endings" if len(ranked) > _EXAMPLES else ""
    return (
        f"{partner}: {_ids(len(pairs))} matched by their reference although their ending changed: "
        + "; ".join(parts)
        + more
        + "."
    )


__all__ = [
    "COLUMN_CHANGE_COLUMNS", "PRESENCE_FIELDS", "Presence", "column_changes", "column_notes",
    "field_presence", "id_notes",
]  # fmt: skip
