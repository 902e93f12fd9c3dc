"""Value cleaners: accepted forms, and the problem reported for each bad value."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from assetmap.registers import clean as c


def one(func, text, **kwargs):
    """Run a cleaner on a single value; return (value, problem)."""
    result = func(pd.Series([text], dtype=object), **kwargs)
    assert len(result.values) == 1 and len(result.problems) == 1
    return result.values.iloc[0], result.problems.iloc[0]


def same(got, want) -> bool:
    if isinstance(want, float) and math.isnan(want):
        return isinstance(got, float) and math.isnan(got)
    if want is None:
        return got is None or (isinstance(got, float) and math.isnan(got))
    if isinstance(want, float):
        return got == pytest.approx(want)
    return got == want


@pytest.mark.parametrize(
    ("text", "value", "problem"),
    [
        ("£12,345", 12345.0, None),
        ("12345.00", 12345.0, None),
        ("(1,200)", -1200.0, None),
        ("-1,200", -1200.0, None),
        ("-£1,200", -1200.0, None),
        ("£1.2m", 1_200_000.0, None),
        ("£250k", 250_000.0, None),
        (" £ 5 ", 5.0, None),
        ("-", math.nan, None),
        (None, math.nan, None),
        ("   ", math.nan, None),
        ("n/a", math.nan, None),
        ("Nil", math.nan, None),
        ("(1,2OO)", math.nan, '"(1,2OO)" is not an amount of money'),
        ("£1,23", math.nan, '"£1,23" is not an amount of money'),
        ("(12", math.nan, '"(12" is not an amount of money'),
    ],
)
def test_clean_money(text, value, problem):
    got, prob = one(c.clean_money, text)
    assert same(got, value)
    assert prob == problem


def test_clean_money_negative_not_allowed():
    result = c.clean_money(
        pd.Series(["-5,000", "(3)", "7"], dtype=object), allow_negative=False, label="book value"
    )
    assert result.values.isna().tolist() == [True, True, False]
    assert result.problems.tolist() == [
        'negative book value "-5,000" ignored',
        'negative book value "(3)" ignored',
        None,
    ]


@pytest.mark.parametrize(
    ("text", "value", "problem"),
    [
        ("1,234", 1234.0, None),
        ("1234.5", 1234.5, None),
        ("1234 m2", 1234.0, None),
        ("1,234 sq m", 1234.0, None),
        ("250 m²", 250.0, None),
        (None, math.nan, None),
        ("-", math.nan, None),
        ("-120", math.nan, "negative floor area -120 ignored"),
        ("0", math.nan, "floor area 0 is not a real area"),
        ("big", math.nan, 'floor area "big" is not a number'),
        ("12 acres", math.nan, 'floor area "12 acres" is not a number'),
    ],
)
def test_clean_number_floor_area(text, value, problem):
    got, prob = one(c.clean_number, text, label="floor area", allow_zero=False)
    assert same(got, value)
    assert prob == problem


def test_clean_number_zero_allowed_by_default():
    assert one(c.clean_number, "0") == (0.0, None)


@pytest.mark.parametrize(
    ("text", "value", "problem"),
    [
        ("0.85", 0.85, None),
        ("85", 0.85, None),
        ("85%", 0.85, None),
        ("85.0 %", 0.85, None),
        ("1", 1.0, None),
        ("1.5", 1.5, None),
        ("150%", 1.5, None),
        ("2", 0.02, None),
        (None, math.nan, None),
        ("180%", math.nan, "utilisation 180% is over 150%: ignored"),
        ("180", math.nan, "utilisation 180% is over 150%: ignored"),
        ("-5", math.nan, 'negative utilisation "-5" ignored'),
        ("most", math.nan, '"most" is not a utilisation (a percent or fraction)'),
    ],
)
def test_clean_fraction(text, value, problem):
    got, prob = one(c.clean_fraction, text)
    assert same(got, value)
    assert prob == problem


def test_derive_utilisation():
    occ = pd.Series([5.0, 3.0, math.nan, 4.0])
    cap = pd.Series([10.0, 0.0, 4.0, math.nan])
    got = c.derive_utilisation(occ, cap)
    assert got.iloc[0] == 0.5
    assert got.iloc[1:].isna().all()


@pytest.mark.parametrize(
    ("text", "value", "problem"),
    [
        ("ME14 1AA", "ME14 1AA", None),
        ("me141aa", "ME14 1AA", None),
        ("ME14  1AA", "ME14 1AA", None),
        ("GL50 1DY\n", "GL50 1DY", None),
        ("GL50\n1DY", "GL50 1DY", None),
        ("SW1A\u00a01AA", "SW1A 1AA", None),
        ("m1 1ae", "M1 1AE", None),
        (None, None, None),
        ("TBC", None, 'postcode "TBC" is a placeholder'),
        ("N/A", None, 'postcode "N/A" is a placeholder'),
        ("Withheld", None, 'postcode "Withheld" is a placeholder'),
        ("unknown", None, 'postcode "unknown" is a placeholder'),
        ("-", None, 'postcode "-" is a placeholder'),
        ("M31", None, 'postcode "M31" is only a partial postcode'),
        ("WA14", None, 'postcode "WA14" is only a partial postcode'),
        ("ME14 1", None, 'postcode "ME14 1" is only a partial postcode'),
        ("Kent", None, 'postcode "Kent" is not a UK postcode'),
        ("ME14 1AAA", None, 'postcode "ME14 1AAA" is not a UK postcode'),
        # zero for the letter O, as in a real published police register
        ("P019 8AD", "PO19 8AD", 'postcode "P019 8AD" read as "PO19 8AD" (O and 0 mixed up)'),
        ("0X1 1AA", "OX1 1AA", 'postcode "0X1 1AA" read as "OX1 1AA" (O and 0 mixed up)'),
        ("W1A OAX", "W1A 0AX", 'postcode "W1A OAX" read as "W1A 0AX" (O and 0 mixed up)'),
        ("W1A 0AX", "W1A 0AX", None),
        ("ME14 IAA", None, 'postcode "ME14 IAA" is not a UK postcode'),
    ],
)
def test_clean_postcode(text, value, problem):
    assert one(c.clean_postcode, text) == (value, problem)


@pytest.mark.parametrize(
    ("text", "value", "problem"),
    [
        ("Parkside, Cambridge CB1 1JG", "CB1 1JG", None),  # data.police.uk's station list
        ("Police HQ, P.O.Box 31, Haverfordwest, Pembrokeshire, SA61 1PF", "SA61 1PF", None),
        ("15 Mowlam Close, Impington, Cambridge CB24 9NA", "CB24 9NA", None),
        ("Holt Road, Cromer, NR27 9GH\n", "NR27 9GH", None),
        ("Civic Centre, Maidstone me141aa", "ME14 1AA", None),
        ("SW1A 1AA", "SW1A 1AA", None),
        ("moved from ME14 1AA to WR1 2EY", "WR1 2EY", None),  # the last one
        ("WR1 2EY, old address ME14 1AAA", "WR1 2EY", None),  # not a postcode: the earlier one
        ("Parkside, Cambridge CB1 1JG, Unit E1 2nd floor", "CB1 1JG", None),  # the last is an ordinal
        ("ME14 1AA, store B1 1CA", "ME14 1AA", None),  # the last is shaped like one but cannot be
        ("Chichester P019 8AD", "PO19 8AD", 'postcode "P019 8AD" read as "PO19 8AD" (O and 0 mixed up)'),
        ("Bonny Street Blackpool", None, None),
        ("Cambridge CB1", None, None),  # partial
        ("Flat E1 2nd floor, Block B2 1st floor", None, None),  # ordinals, not postcodes
        ("Room 12 3AB", None, None),
        ("MEWS14 1AA", None, None),
        (None, None, None),
    ],
)
def test_postcode_in_text(text, value, problem):
    got, prob = one(c.postcode_in_text, text)
    assert same(got, value)
    assert prob == problem


def test_postcode_in_text_keeps_index_and_reads_many_rows_at_once():
    s = pd.Series(["Parkside, Cambridge CB1 1JG", None, "no postcode", "Lynn Road, PE36 5HP"] * 500)
    s.index = s.index + 100
    got = c.postcode_in_text(s)
    assert list(got.values.index) == list(s.index)
    assert got.values.tolist()[:4] == ["CB1 1JG", None, None, "PE36 5HP"]
    assert got.values.notna().sum() == 1000


@pytest.mark.parametrize(
    ("text", "value", "problem"),
    [
        ("100012345678", "100012345678", None),
        ("000100012345678", "100012345678", None),
        ("010000480247", "10000480247", None),
        ("12345.0", "12345", None),
        (" 12345 ", "12345", None),
        (None, None, None),
        (
            "1.00023E+11",
            None,
            'UPRN "1.00023E+11" was rounded by Excel (scientific notation); enter it as text',
        ),
        ("ABC123", None, 'UPRN "ABC123" is not a UPRN (1 to 12 digits)'),
        ("1234567890123", None, 'UPRN "1234567890123" is not a UPRN (1 to 12 digits)'),
        ("0", None, 'UPRN "0" is not a UPRN (1 to 12 digits)'),
    ],
)
def test_clean_uprn(text, value, problem):
    got, prob = one(c.clean_uprn, text)
    assert got == value and (got is None or isinstance(got, str))
    assert prob == problem


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("31/03/2027", "2027-03-31"),
        ("1/4/2027", "2027-04-01"),
        ("31-03-27", "2027-03-31"),
        ("2027-03-31", "2027-03-31"),
        ("2027-03-31 10:30:00", "2027-03-31"),
        ("31 Mar 2027", "2027-03-31"),
        ("31 March 2027", "2027-03-31"),
        ("46477", "2027-03-31"),
        ("46477.0", "2027-03-31"),
        ("04/05/2027", "2027-05-04"),
    ],
)
def test_clean_date_accepts(text, value):
    assert one(c.clean_date, text) == (pd.Timestamp(value), None)


@pytest.mark.parametrize("text", ["rolling", "31/13/2027", "123"])
def test_clean_date_problem(text):
    got, prob = one(c.clean_date, text, label="lease expiry date")
    assert pd.isna(got)
    assert prob == f'"{text}" is not a lease expiry date (use day/month/year)'


def test_clean_date_dtype_and_blank():
    result = c.clean_date(pd.Series([None, "-", "31/03/2027"], dtype=object))
    assert str(result.values.dtype) == "datetime64[ns]"
    assert result.values.isna().tolist() == [True, True, False]
    assert result.problems.isna().all()


@pytest.mark.parametrize(
    ("text", "value", "problem"),
    [
        ("Yes", True, None),
        ("y", True, None),
        ("TRUE", True, None),
        ("1", True, None),
        ("x", True, None),
        ("No", False, None),
        ("N", False, None),
        ("false", False, None),
        ("0", False, None),
        (None, False, None),
        ("maybe", True, '"maybe" is not yes or no; treated as sensitive (yes) to be safe'),
    ],
)
def test_clean_bool(text, value, problem):
    got, prob = one(c.clean_bool, text)
    assert got is value or got == value
    assert prob == problem


def test_clean_bool_dtype():
    assert c.clean_bool(pd.Series(["y", None], dtype=object)).values.dtype == bool


@pytest.mark.parametrize(
    ("text", "value", "problem"),
    [
        ("A", "A", None),
        ("b", "B", None),
        ("Condition B", "B", None),
        ("C - poor", "C", None),
        ("D", "D", None),
        ("Good", "A", None),
        ("Poor", "C", None),
        (None, None, None),
        ("E", None, 'condition "E" is not a grade A, B, C or D'),
        ("Average", None, 'condition "Average" is not a grade A, B, C or D'),
    ],
)
def test_clean_condition(text, value, problem):
    assert one(c.clean_condition, text) == (value, problem)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Freehold", "freehold"),
        ("FH", "freehold"),
        ("Freehold (part let)", "freehold"),
        ("Long Leasehold", "leasehold"),
        ("Leasehold - 25 yrs", "leasehold"),
        ("LH", "leasehold"),
        ("licence", "other"),
        ("Licence", "other"),
        (None, None),
    ],
)
def test_clean_tenure(text, value):
    assert one(c.clean_tenure, text) == (value, None)


@pytest.mark.parametrize(
    ("text", "value"),
    [("  Town  Hall ", "Town Hall"), ("Unit 1\nHigh St", "Unit 1 High St"), ("   ", None), (None, None)],
)
def test_clean_text(text, value):
    assert one(c.clean_text, text) == (value, None)


@pytest.mark.parametrize(
    ("text", "value", "problem"),
    [
        ("551234", 551234.0, None),
        ("551,234", 551234.0, None),
        ("51.2785", 51.2785, None),
        ("0.5219 ", 0.5219, None),
        ("-2.3666", -2.3666, None),
        ("-9.9528534337878227E-3", -0.009952853433787823, None),  # NHS Choices export
        ("1e400", math.nan, 'easting "1e400" is not a number'),
        (None, math.nan, None),
        ("440715,354526", math.nan, 'easting "440715,354526" is not a number'),
        ("N/K", math.nan, 'easting "N/K" is not a number'),
    ],
)
def test_clean_coord(text, value, problem):
    got, prob = one(c.clean_coord, text, label="easting")
    assert same(got, value)
    assert prob == problem


def test_cleaners_keep_index_and_length():
    s = pd.Series(["£5", None, "bad"], index=[10, 11, 12], dtype=object)
    for func in (c.clean_money, c.clean_number, c.clean_fraction, c.clean_postcode, c.clean_uprn):
        result = func(s)
        assert list(result.values.index) == [10, 11, 12]
        assert list(result.problems.index) == [10, 11, 12]
        assert result.problems.iloc[1] is None


def test_cleaners_accept_pandas_str_dtype():
    s = pd.Series(["£1,000", None])  # pandas 3 default "str" dtype, NaN for missing
    result = c.clean_money(s)
    assert result.values.iloc[0] == 1000.0
    assert result.problems.tolist() == [None, None]
