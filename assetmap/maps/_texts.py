"""Compact forms of a national page's text, each read back exactly by the page.

* **Reasons as templates.** The plan's reasons are phrases made from a few sentences with
  numbers in them ("low utilisation (42%, below 50%)"). Each distinct phrase is split into a
  template (its text around the numbers) and its numbers; the templates go once into the
  page's shared tables and each chunk carries, per asset, how many phrases it has, each
  phrase's template and the numbers, all as binary integers (:class:`~._pyramid.Ints`). The
  numbers are grouped by template and place in the template (all the first numbers of one
  template, then all its second numbers...), which DEFLATE packs far better than the text.
* **Search columns split.** Name, id and postcode are each split at their last run of
  digits: the text before it, the number, and the text after it ("A0000123" -> "A", 123,
  ""; "HG1 9ES" -> "HG1 ", 9, "ES"). The page joins them again when it reads its search index.

Both are exact for any text: a number is taken only where writing it back gives the same
characters (no leading zero, at most 15 digits; commas only as thousands separators). Both are
done by Arrow (RE2) over the whole column, not value by value in Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._payload import phrase_table
from ._pyramid import Ints

#: A number in a phrase, as the page writes it back: thousands with commas ("4,285,000"), plain
#: digits with no leading zero, or a zero; at most 15 digits (longer runs are cut into several).
#: Taken leftmost first (RE2 and Python agree), so "007" is three numbers and "1,2345" two.
_NUMBER_PATTERN: Final = r"[1-9][0-9]{0,2}(?:,[0-9]{3}){1,4}|[1-9][0-9]{0,14}|0"
_NUMBER: Final = re.compile(_NUMBER_PATTERN)
#: How a number is written back: plain digits, or with commas between thousands.
PLAIN: Final = "p"
GROUPED: Final = "g"


class Rsn:
    """Keys of a chunk's reasons: per asset its number of phrases, per phrase its template,
    the numbers (grouped by template and place), and the chunk's own templates when the
    estate has too many to share."""

    COUNT: Final = "n"
    TEMPLATE: Final = "t"
    NUMBERS: Final = "a"
    TEMPLATES: Final = "d"


def split_phrase(phrase: str) -> tuple[tuple[str, ...], list[int]]:
    """A phrase as its template and its numbers.

    The template is ``(kinds, text, text, ...)``: ``kinds`` says how each number is written
    (:data:`PLAIN` or :data:`GROUPED`), and the texts go before, between and after them.
    """
    kinds, texts, numbers, last = [], [], [], 0
    for match in _NUMBER.finditer(phrase):
        token = match.group()
        texts.append(phrase[last : match.start()])
        last = match.end()
        kinds.append(GROUPED if "," in token else PLAIN)
        numbers.append(int(token.replace(",", "")))
    texts.append(phrase[last:])
    return ("".join(kinds), *texts), numbers


def join_phrase(template: tuple[str, ...] | list[str], numbers: list[int]) -> str:
    """The phrase back from its template and numbers (what the page does)."""
    kinds, texts = template[0], template[1:]
    out = [texts[0]]
    for kind, number, text in zip(kinds, numbers, texts[1:], strict=True):
        out.append(f"{number:,}" if kind == GROUPED else str(number))
        out.append(text)
    return "".join(out)


@dataclass
class Templated:
    """An estate's reasons as templates: the whole estate's, ready to be cut into chunks."""

    #: The distinct templates, as lists for JSON.
    templates: list[list[str]]
    #: Per asset, its number of phrases; per phrase (all assets one after the other), its template.
    count: np.ndarray
    template: np.ndarray
    #: Per phrase, its numbers (padded with 0) and how many it has.
    numbers: np.ndarray
    slots: np.ndarray
    #: Per asset, its first phrase (and one past the last asset's last).
    offsets: np.ndarray

    def take(self, order: np.ndarray) -> Templated:
        """The reasons of the assets in ``order`` (positions), as :func:`template_reasons` of
        them in that order makes them: the same phrases, with the templates numbered again
        in the order they first appear (so a national page need not put the reasons
        themselves, its biggest column, in its own order)."""
        order = np.asarray(order, dtype=np.int64)
        count = self.count[order]
        before = np.cumsum(count) - count
        step = np.arange(int(count.sum())) - np.repeat(before, count)
        phrase = np.repeat(self.offsets[order], count) + step
        template = self.template[phrase]
        seen = pd.unique(template)  # old numbers, first seen first (a hash table, no sort)
        number = np.zeros(len(self.templates), dtype=np.int64)
        number[seen] = np.arange(len(seen))
        return Templated(
            templates=[self.templates[t] for t in seen.tolist()],
            count=count,
            template=number[template],
            numbers=self.numbers[phrase],
            slots=self.slots[phrase],
            offsets=np.concatenate([[0], np.cumsum(count)]).astype(np.int64),
        )


def _phrase_lists(values: pd.Series, names: list[str]) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """The distinct phrases, and each asset's phrases as codes into them (flat, with counts).

    As :func:`~assetmap.maps._payload.encode_phrases` (:func:`~assetmap.maps._payload.phrase_table`),
    with each asset's phrases laid one after the other.
    """
    codes, per_unique, unique_flat, phrases = phrase_table(values, names)
    if not len(per_unique):
        return phrases, np.zeros(len(codes), dtype=np.int64), np.zeros(0, dtype=np.int64)
    first = np.cumsum(per_unique) - per_unique
    which = np.maximum(codes, 0)
    count = np.where(codes >= 0, per_unique[which], 0).astype(np.int64)
    step = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    flat = unique_flat[np.repeat(first[which], count) + step]
    return phrases, count, flat


def _split_all(phrases: pa.Array) -> tuple[list[list[str]], np.ndarray, np.ndarray, np.ndarray]:
    """Every phrase's template (as codes into the distinct templates) and numbers (padded).

    The same as :func:`split_phrase` of each, done by Arrow's RE2 over all of them (one by one
    in Python when a phrase holds one of the marks used).
    """
    if len(phrases) and pc.any(pc.match_substring_regex(phrases, pattern="[\x01\x02]")).as_py():
        split = [split_phrase(t) for t in phrases.to_pylist()]
        template, distinct = pd.factorize(pd.Series([t for t, _ in split], dtype=object))
        values = np.asarray([n for _, numbers in split for n in numbers], dtype=np.int64)
        slots = np.array([len(numbers) for _, numbers in split], dtype=np.int64)
        return _padded([list(t) for t in distinct], template, values, slots)
    # Each number between two marks, then split at the marks: texts and numbers take turns.
    marked = pc.replace_substring_regex(phrases, pattern=f"({_NUMBER_PATTERN})", replacement="\x01\\1\x01")
    pieces = pc.split_pattern(marked, pattern="\x01")
    lengths = pc.list_value_length(pieces).to_numpy(zero_copy_only=False).astype(np.int64)
    slots = (lengths - 1) // 2
    flat = pieces.flatten()
    place = np.arange(len(flat)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    tokens = flat.filter(pa.array(place % 2 == 1))
    grouped = pc.match_substring(tokens, ",")
    kinds = pc.if_else(grouped, GROUPED, PLAIN)
    offsets = pa.array(np.concatenate([[0], np.cumsum(slots)]).astype(np.int32))
    kind_text = pc.binary_join(pa.ListArray.from_arrays(offsets, kinds), "")
    between = pa.array(np.concatenate([[0], np.cumsum(slots + 1)]).astype(np.int32))
    texts = pa.ListArray.from_arrays(between, flat.filter(pa.array(place % 2 == 0)))
    bare = pc.binary_join(texts, "\x01")  # the phrase with each number as a mark
    keys = pc.binary_join_element_wise(kind_text, bare, "\x00")
    encoded = pc.dictionary_encode(keys)  # numbered as they first appear, as pd.factorize does
    template = encoded.indices.to_numpy(zero_copy_only=False)
    distinct = encoded.dictionary.to_pylist()
    templates = [[key.split("\x00", 1)[0], *key.split("\x00", 1)[1].split("\x01")] for key in distinct]
    values = pc.cast(pc.replace_substring(tokens, ",", ""), pa.int64()).to_numpy(zero_copy_only=False)
    return _padded(templates, template, values, slots)


def _padded(
    templates: list[list[str]], template: np.ndarray, values: np.ndarray, slots: np.ndarray
) -> tuple[list[list[str]], np.ndarray, np.ndarray, np.ndarray]:
    """The phrases' numbers (all one after the other, ``slots`` each) as rows padded with 0."""
    numbers = np.zeros((len(slots), max(int(slots.max(initial=0)), 1)), dtype=np.int64)
    row = np.repeat(np.arange(len(slots)), slots)
    numbers[row, np.arange(len(row)) - np.repeat(np.cumsum(slots) - slots, slots)] = values
    return templates, np.asarray(template, dtype=np.int64), numbers, slots


def template_reasons(values: pd.Series, names: list[str]) -> Templated:
    """Each asset's reasons (``"; "``-joined phrases) as templates and numbers.

    ``names`` (sensitive sites' names) are replaced first, as on a county page.
    """
    phrases, count, flat = _phrase_lists(values, names)
    templates, template, numbers, slots = _split_all(phrases)
    return Templated(
        templates=templates,
        count=count,
        template=template[flat],
        numbers=numbers[flat],
        slots=slots[flat],
        offsets=np.concatenate([[0], np.cumsum(count)]).astype(np.int64),
    )


def _grouped(template: np.ndarray, numbers: np.ndarray, slots: np.ndarray) -> np.ndarray:
    """The phrases' numbers ordered by template, then place in the template, then phrase."""
    phrase, place = np.nonzero(np.arange(numbers.shape[1])[None, :] < slots[:, None])
    order = np.lexsort((phrase, place, template[phrase]))
    return numbers[phrase[order], place[order]]


def reasons_chunk(reasons: Templated, start: int, stop: int, *, shared: bool) -> dict[str, Any]:
    """Assets ``start`` to ``stop``'s reasons; with ``shared=False`` the chunk's own templates."""
    first, last = int(reasons.offsets[start]), int(reasons.offsets[stop])
    template = reasons.template[first:last]
    out: dict[str, Any] = {}
    if not shared:
        used, template = np.unique(template, return_inverse=True)
        out[Rsn.TEMPLATES] = [reasons.templates[t] for t in used.tolist()]
    values = _grouped(template, reasons.numbers[first:last], reasons.slots[first:last])
    wide = bool(len(values)) and int(values.max()) >= 2**31
    out |= {
        Rsn.COUNT: Ints(reasons.count[start:stop].astype(np.int64)),
        Rsn.TEMPLATE: Ints(np.asarray(template, dtype=np.int64)),
        Rsn.NUMBERS: Ints(values.astype(np.int64), wide=wide),
    }
    return out


def chunk_phrases(column: dict[str, Any], templates: list[list[str]]) -> list[list[str]]:
    """Each asset's phrases from a chunk's reasons, once unpacked (what the page does)."""
    templates = column.get(Rsn.TEMPLATES, templates)
    codes, numbers = column[Rsn.TEMPLATE], column[Rsn.NUMBERS]
    uses = np.bincount(np.asarray(codes, dtype=np.int64), minlength=len(templates))
    sizes = uses * np.array([len(t[0]) for t in templates], dtype=np.int64)
    start = np.concatenate([[0], np.cumsum(sizes)])
    seen = np.zeros(len(templates), dtype=np.int64)
    out, phrase = [], 0
    for count in column[Rsn.COUNT]:
        row = []
        for code in codes[phrase : phrase + count]:
            template = templates[code]
            first = start[code] + seen[code]
            picked = [numbers[first + place * uses[code]] for place in range(len(template[0]))]
            seen[code] += 1
            row.append(join_phrase(template, picked))
        phrase += count
        out.append(row)
    return out


class Srch:
    """Keys of one split search column: text before the number, the number (missing: none),
    its width when written with leading zeros (0: none), and text after it."""

    HEAD: Final = "h"
    NUMBER: Final = "n"
    WIDTH: Final = "w"
    TAIL: Final = "t"


#: A value's last number (at most its last 15 digits) and what follows it, in the value backwards.
_FIRST_NUMBER_BACKWARDS: Final = r"^(?P<t>[^0-9]*)(?P<n>[0-9]{1,15})"


def _lines(texts: pa.Array) -> str:
    """Texts joined by line feeds, in one pass of Arrow."""
    bounds = pa.array([0, len(texts)], type=pa.int64())
    one = pa.LargeListArray.from_arrays(bounds, texts.cast(pa.large_string()))
    return str(pc.binary_join(one, pa.scalar("\n", pa.large_string()))[0].as_py())


@dataclass
class SplitText:
    """Text values split at their last run of digits, value by value (see :func:`split_texts`).

    Every part is worked out from its own value alone, so the parts of some values in another
    order are these parts taken in that order (:meth:`take`): a national page's search index
    is split while the plan is worked out, in the estate's order, and put in the page's later.
    """

    #: Text before the number (the whole value when it has none), and after it.
    head: pa.Array
    tail: pa.Array
    #: The number (0 when none), whether there is none, and its width with leading zeros (0: none).
    number: np.ndarray
    missing: np.ndarray
    width: np.ndarray

    def take(self, rows: np.ndarray) -> SplitText:
        """The parts of the values at ``rows``, in that order."""
        picks = pa.array(np.asarray(rows, dtype=np.int64))
        head, tail = self.head.take(picks), self.tail.take(picks)
        return SplitText(head, tail, self.number[rows], self.missing[rows], self.width[rows])

    def column(self) -> dict[str, Any]:
        """The search index's column (:class:`Srch` keys): text parts joined by line feeds."""
        wide = bool(len(self.number)) and int(self.number.max()) >= 2**31
        return {
            Srch.HEAD: _lines(self.head),
            Srch.NUMBER: Ints(self.number, missing=self.missing if self.missing.any() else None, wide=wide),
            Srch.WIDTH: Ints(self.width),
            Srch.TAIL: _lines(self.tail),
        }


def split_parts(values: pd.Series) -> SplitText:
    """Each value (missing: empty) split at its last run of digits (:class:`SplitText`).

    Values are stripped and line breaks inside them become spaces.
    """
    text = pa.array(values.astype("string"), type=pa.large_string())
    text = pc.fill_null(pc.utf8_trim_whitespace(text), "")
    text = pc.replace_substring_regex(text, pattern=r"[\r\n]+", replacement=" ")
    backwards = pc.utf8_reverse(text)  # the last number is the first one backwards: quicker for RE2
    parts = pc.extract_regex(backwards, pattern=_FIRST_NUMBER_BACKWARDS)
    found = parts.is_valid()
    has = found.to_numpy(zero_copy_only=False)
    digits = pc.utf8_reverse(pc.fill_null(parts.field("n"), ""))
    before = pc.replace_substring_regex(
        backwards, pattern=_FIRST_NUMBER_BACKWARDS, replacement="", max_replacements=1
    )
    number = pc.cast(pc.if_else(found, digits, "0"), pa.int64()).to_numpy(zero_copy_only=False)
    leading = pc.and_(pc.starts_with(digits, "0"), pc.greater(pc.utf8_length(digits), 1))
    width = pc.if_else(leading, pc.utf8_length(digits), 0).to_numpy(zero_copy_only=False).astype(np.int64)
    return SplitText(
        head=pc.if_else(found, pc.utf8_reverse(before), text),
        tail=pc.utf8_reverse(pc.fill_null(parts.field("t"), "")),
        number=number.astype(np.int64),
        missing=~has,
        width=width,
    )


def split_texts(values: pd.Series) -> dict[str, Any]:
    """Text values (missing: empty) split at their last run of digits, each part a column.

    Values are stripped and line breaks inside them become spaces; each text part is one string,
    the values joined by line feeds (:func:`split_parts`, :meth:`SplitText.column`).
    """
    return split_parts(values).column()


def join_texts(column: dict[str, Any]) -> list[str]:
    """The values back from :func:`split_texts`'s parts, once unpacked (what the page does)."""
    if not len(column[Srch.NUMBER]):
        return []
    heads, tails = column[Srch.HEAD].split("\n"), column[Srch.TAIL].split("\n")
    out = []
    for head, number, width, tail in zip(heads, column[Srch.NUMBER], column[Srch.WIDTH], tails, strict=True):
        digits = "" if number is None else str(number).zfill(width)
        out.append(head + digits + tail)
    return out


__all__ = [
    "Rsn", "SplitText", "Srch", "chunk_phrases", "join_phrase", "join_texts", "reasons_chunk", "split_parts",
    "split_phrase", "split_texts", "template_reasons",
]  # fmt: skip
