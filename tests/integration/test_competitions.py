"""Competitions as files on a real database: lossless round trip, all-or-nothing import."""


import pytest

from core.editions.competitions import (
    competition_to_yaml,
    export_competition,
    import_competition_text,
    read_competition_file,
)
from core.platform.tables import ALL_TABLES, AuditEvent, Edition, Prize, Round, TimelineEntry, Track
from core.platform.yaml_source import FileProblems
from tests.conftest import run
from tests.factories import EXAMPLE, SLUG, empty_database


def table_counts() -> dict[str, int]:
    return {table._meta.tablename: run(table.count()) for table in ALL_TABLES}


def test_export_then_import_is_lossless(settings):
    run(import_competition_text(EXAMPLE))
    first = run(export_competition(SLUG))
    first_yaml = competition_to_yaml(first)
    empty_database(settings)  # start again from nothing and import what was exported
    run(import_competition_text(first_yaml))
    second_yaml = competition_to_yaml(run(export_competition(SLUG)))
    assert second_yaml == first_yaml
    assert read_competition_file(second_yaml) == read_competition_file(EXAMPLE)


def test_import_writes_the_whole_edition(settings):
    run(import_competition_text(EXAMPLE))
    edition = run(Edition.select().where(Edition.slug == SLUG).first())
    assert edition["status"] == "open" and edition["time_zone"] == "Europe/Rome"
    assert [t["code"] for t in run(Track.select(Track.code).order_by(Track.position))] == ["AGR", "PAT", "WCI", "SPW"]
    screening = run(Round.select().where(Round.code == "R1").first())
    assert screening["rubric_name"] == "welfare-screening" and screening["jurors_per_entry"] == 3
    close = run(TimelineEntry.select().where(TimelineEntry.code == "call_close").first())
    assert close["starts_at"].isoformat() == "2026-04-30T10:00:00+00:00"
    loan = run(Prize.select(Prize.amount_eur, Prize.sponsor.organisation.name).where(Prize.code == "P-LOAN").first())
    assert float(loan["amount_eur"]) == 50000 and loan["sponsor.organisation.name"] == "Banca di Comunità (demo)"
    events = run(AuditEvent.select(AuditEvent.action, AuditEvent.data))
    assert [e["action"] for e in events] == ["edition.imported"]


def test_a_bad_file_writes_nothing(settings):
    before = table_counts()
    bad = EXAMPLE.replace("target: {area: SUD, rank: 1}", "target: {area: ISOLE, rank: 1}")
    with pytest.raises(FileProblems):
        run(import_competition_text(bad))
    assert table_counts() == before


def test_a_failure_half_way_rolls_the_import_back(settings):
    """Two prizes with one code pass the schema only if we bypass it; the database refuses the second."""
    spec = read_competition_file(EXAMPLE)
    import msgspec

    from core.editions.competitions import import_competition

    broken = msgspec.structs.replace(spec, prizes=[*spec.prizes, spec.prizes[0]])
    before = table_counts()
    with pytest.raises(Exception):  # noqa: B017 - the engine's own integrity error
        run(import_competition(broken))
    assert table_counts() == before


def test_the_same_edition_cannot_be_imported_twice(settings):
    run(import_competition_text(EXAMPLE))
    with pytest.raises(FileProblems) as error:
        run(import_competition_text(EXAMPLE, source="again.yaml"))
    assert "edition 'welfare-comunita-2026' already exists" in str(error.value)
    assert run(Edition.count()) == 1
