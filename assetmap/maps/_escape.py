"""Escaping: register values are data, never markup or code.

Two routes reach the page. Values embedded as JSON go through :func:`json_for_script`,
which escapes ``<``, ``>`` and ``&`` (and the two JavaScript line separators) as ``\\uXXXX``
so no value can end the ``<script type="application/json">`` element; the page then
shows them with ``textContent``. Values written into HTML go through :func:`escape_text`.
"""

from __future__ import annotations

import html
import json
from typing import Any, Final

import pandas as pd

_JSON_ESCAPES: Final = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}

#: Characters with a meaning in JavaScript template literals and Jinja templates.
_JS_TEMPLATE: Final = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;", "{": "&#123;", "}": "&#125;"})

def is_missing(value: object) -> bool:
    """True for ``None``, ``NaN``, ``NaT`` and ``pd.NA``."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def escape_text(value: object) -> str:
    """Escape a register value for HTML, also safe inside a JavaScript template literal.

    Parameters
    ----------
    value : object
        Any value; missing values give an empty string.

    Returns
    -------
    str
        HTML-escaped text in which backtick, ``$``, backslash and braces are character
        references: safe inside a JavaScript template literal (``${...}``), and inside text
        that folium passes through Jinja a second time (a ``{{ ... }}`` in a GeoJSON property
        would otherwise be evaluated, running Python, when the map is rendered).
    """
    text = "" if is_missing(value) else str(value)
    return html.escape(text, quote=True).translate(_JS_TEMPLATE)


def json_for_script(obj: Any, *, ascii_only: bool = False) -> str:
    """Serialise ``obj`` as compact JSON that is safe inside an HTML ``<script>`` element.

    Parameters
    ----------
    obj : object
        JSON-serialisable data (no NaN: use ``None``).
    ascii_only : bool
        Write every other character as ``\\uXXXX`` too (for a page that is not UTF-8).

    Returns
    -------
    str
        JSON text without any ``<``, ``>`` or ``&`` character.
    """
    text = json.dumps(obj, ensure_ascii=ascii_only, separators=(",", ":"), allow_nan=False)
    for char, code in _JSON_ESCAPES.items():
        text = text.replace(char, code)
    return text
