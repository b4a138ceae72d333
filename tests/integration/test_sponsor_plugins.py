"""Outside plugins end to end: the example package built and installed with pip, enabled for an edition,
chosen as a round's rubric and scored by a juror; a faulty plugin reported and disabled, never a crash."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from litestar.testing import TestClient

from core import plugins
from core.cli.main import cli
from core.platform.tables import AuditEvent, Edition, Review, Round
from tests.conftest import csrf_token, run
from tests.factories import (
    EN,
    ROOT,
    SLUG,
    EditionIds,
    account,
    application,
    as_person,
    assignment,
    example_edition,
    open_round,
)

PACKAGE = ROOT / "examples" / "plugins" / "giuria-rubric-example"


@pytest.fixture(scope="session")
def example_site(tmp_path_factory) -> Path:
    """The example package as pip builds and installs it: a wheel, installed into a directory of its own.

    Installed into a target directory rather than the running environment, so other test runs sharing
    the environment do not see it; putting the directory on sys.path is what `site-packages` would do.
    """
    root = tmp_path_factory.mktemp("example-plugin")
    source = root / "source"
    shutil.copytree(PACKAGE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    wheels = root / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                    "--wheel-dir", str(wheels), str(source)], check=True, capture_output=True)
    (wheel,) = wheels.glob("giuria_rubric_example-1.0.0-*.whl")
    site = root / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--target", str(site),
                    str(wheel)], check=True, capture_output=True)
    return site


@pytest.fixture(autouse=True)
def own_registry(monkeypatch):
    """The apps below activate registries with outside plugins: give the process's previous one back after."""
    monkeypatch.setattr(plugins, "_active", plugins._active)


@pytest.fixture
def example_installed(example_site, monkeypatch):
    monkeypatch.syspath_prepend(str(example_site))
    yield example_site
    sys.modules.pop("giuria_rubric_example", None)


def app_client(settings):
    from web.app import create_app

    return TestClient(create_app(settings), base_url="http://testserver.local")


def person(email: str, role: str, *, organisation: int | None = None) -> int:
    return account(email, role=role, organisation=organisation, locale="en")


def open_round_with_an_entry(edition: EditionIds, juror: int) -> int:
    open_round(edition.rounds["R1"])
    owner = account("owner@entries.example", verified=False)
    entry = application(edition, owner=owner, title="Orti verdi", answers={"values": {"title": "Orti verdi"}})
    return assignment(edition.rounds["R1"], entry, juror)


def post(client, path: str, form_page: str, data: dict, **kwargs):
    token = csrf_token(client, form_page)
    return client.post(path, data={"_csrf_token": token, **data}, follow_redirects=False, **kwargs)


def test_giuria_plugins_lists_the_installed_example(example_installed, tmp_path, monkeypatch):
    monkeypatch.setenv("GIURIA_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("GIURIA_PLUGINS_DIR", raising=False)
    result = CliRunner().invoke(cli, ["plugins"])
    assert result.exit_code == 0, result.output
    assert "giuria-rubric-example  1.0.0  [package giuria-rubric-example]  ok" in result.output
    assert "rubric aurora-green  (from giuria-rubric-example, 3 criteria)" in result.output


def test_the_example_rubric_is_enabled_chosen_and_scores_an_entry(example_installed, settings):
    edition = example_edition()
    person("olga@organiser.example", "organiser")
    juror = person("anna@jury.example", "juror")
    assignment_id = open_round_with_an_entry(edition, juror)
    page = f"/organise/{SLUG}/sponsors"
    with app_client(settings) as client:
        as_person(client, "olga@organiser.example")
        before = client.get(page, headers=EN)
        assert "giuria-rubric-example" in before.text and "installed, not enabled" in before.text
        assert 'value="aurora-green"' not in before.text
        # Not enabled yet: the rubric cannot be chosen.
        refused = post(client, f"{page}/rubrics", page, {"round": "R1", "rubric": "aurora-green"}, headers=EN)
        assert refused.status_code == 400 and "enabled plugins" in refused.text
        assert post(client, f"{page}/plugins", page, {"plugin": "giuria-rubric-example",
                                                       "action": "enable"}).status_code == 302
        edition = run(Edition.select(Edition.enabled_plugins).output(load_json=True).first())
        assert edition["enabled_plugins"] == ["giuria-rubric-example"]
        assert run(AuditEvent.exists().where(AuditEvent.action == "plugin.enabled"))
        after = client.get(page, headers=EN)
        assert 'value="aurora-green"' in after.text and "Aurora – environmental impact" in after.text
        assert post(client, f"{page}/rubrics", page, {"round": "R1", "rubric": "aurora-green"}).status_code == 302
        assert run(Round.select(Round.rubric_name).where(Round.code == "R1").first())["rubric_name"] == "aurora-green"

        as_person(client, "anna@jury.example")
        review_page = f"/jury/assignments/{assignment_id}"
        assert post(client, f"{review_page}/conflict", review_page, {"decision": "none"}).status_code == 302
        form = client.get(review_page, headers=EN).text
        assert "Measurable environmental impact" in form and "weight 60%" in form and "weight 10%" in form
        assert 'name="score.IMP"' not in form  # the default rubric's criteria are gone
        submitted = post(client, f"{review_page}/review", review_page,
                         {"action": "submit", "score.ENV": "5", "score.SOC": "2", "score.FEA": "1"})
        assert submitted.status_code == 302
        review = run(Review.select(Review.status, Review.total).first())
        assert review == {"status": "submitted", "total": pytest.approx(3.7)}  # equal weights would give 2.67
        frozen = run(Round.select(Round.rubric).output(load_json=True).where(Round.code == "R1").first())["rubric"]
        assert frozen["name"] == "aurora-green" and [c["weight"] for c in frozen["criteria"]] == [60, 30, 10]

        as_person(client, "olga@organiser.example")
        locked = post(client, f"{page}/rubrics", page, {"round": "R1", "rubric": "welfare-screening"}, headers=EN)
        assert locked.status_code == 400 and "Scoring has started in this round" in locked.text
        assert run(Round.select(Round.rubric_name).where(Round.code == "R1").first())["rubric_name"] == "aurora-green"


FAULTY = {
    "crashing.py": '''
        from core.hookspecs import hookimpl

        @hookimpl
        def giuria_rubrics():
            raise RuntimeError("sponsor database unreachable")
    ''',
    "invalid.py": '''
        from core.hookspecs import hookimpl
        from core.plugin_api import Criterion, Rubric

        @hookimpl
        def giuria_rubrics():
            return [Rubric(name="broken-scale", label={"en": "Broken"},
                           criteria=(Criterion(code="X", label={"en": "X"}, weight=1, min=5, max=1),))]
    ''',
    "badreport.py": '''
        from core.hookspecs import hookimpl
        from core.plugin_api import ReportDefinition

        def build(snapshot):
            return 1 / 0

        @hookimpl
        def giuria_reports():
            return [ReportDefinition(name="broken-report", label={"en": "Broken report"}, audience="sponsor",
                                     formats=("html", "pdf"), build=build)]
    ''',
    "noimport.py": "import module_that_is_not_there\n",
}


def test_a_faulty_plugin_is_reported_and_disabled_and_the_app_keeps_working(settings, tmp_path):
    plugins_dir = tmp_path / "plugins"
    plugins_dir.mkdir()
    for name, source in FAULTY.items():
        (plugins_dir / name).write_text(textwrap.dedent(source), encoding="utf-8")
    settings = replace(settings, plugins_dir=plugins_dir)
    edition = example_edition()
    person("olga@organiser.example", "organiser")
    person("aurora@sponsor.example", "sponsor", organisation=edition.organisations["Fondazione Aurora (demo)"])
    page = f"/organise/{SLUG}/sponsors"
    with app_client(settings) as client:
        as_person(client, "olga@organiser.example")
        response = client.get(page, headers=EN)
        assert response.status_code == 200
        assert "giuria_rubrics raised RuntimeError: sponsor database unreachable" in response.text
        assert "X: max 1 must be above min 5" in response.text
        assert "could not import noimport.py: No module named" in response.text
        assert 'value="broken-scale"' not in response.text
        refused = post(client, f"{page}/plugins", page, {"plugin": "crashing", "action": "enable"}, headers=EN)
        assert refused.status_code == 400 and "disabled because it failed" in refused.text
        # The report plugin works until its build fails: enable it, let the sponsor open it.
        assert post(client, f"{page}/plugins", page, {"plugin": "badreport", "action": "enable"}).status_code == 302

        as_person(client, "aurora@sponsor.example")
        assert "Broken report" in client.get(f"/sponsor/{SLUG}", headers=EN).text
        broken = client.get(f"/sponsor/{SLUG}/reports/broken-report", headers=EN)
        assert broken.status_code == 503 and "Report not available" in broken.text
        assert "ZeroDivisionError" not in broken.text  # the details are for organisers
        home = client.get(f"/sponsor/{SLUG}", headers=EN)
        assert home.status_code == 200 and "Broken report" not in home.text
        assert client.get(f"/sponsor/{SLUG}/reports/funnel", headers=EN).status_code == 200

        as_person(client, "olga@organiser.example")
        response = client.get(page, headers=EN)
        assert "report broken-report raised ZeroDivisionError: division by zero" in response.text
        assert client.get(f"/organise/{SLUG}", headers=EN).status_code == 200
