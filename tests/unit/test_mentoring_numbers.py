"""How the KPI form reads numbers typed the Italian or the English way."""

import pytest

from core.mentoring.kpis import parse_number


@pytest.mark.parametrize(("typed", "value"), [
    ("1.250", 1250.0), ("12.000.000", 12_000_000.0), ("1.500,5", 1500.5), ("0,5", 0.5), ("4.5", 4.5),
    ("1500.25", 1500.25), ("1 500", 1500.0), ("-3", -3.0), ("", None), ("  ", None),
])
def test_numbers_as_people_type_them(typed, value):
    assert parse_number(typed) == value


@pytest.mark.parametrize("typed", ["abc", "1,2,3", "nan", "inf"])
def test_what_is_not_a_number_is_refused(typed):
    with pytest.raises(ValueError):
        parse_number(typed)
