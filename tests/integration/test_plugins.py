"""Plugins: built-ins, outside packages and a plugins directory; failures are reported and disabled."""

import sys
import textwrap

from click.testing import CliRunner

from core.cli.main import cli
from core.hookspecs import hookimpl
from core.platform.settings import Settings
from core.plugin_api import Criterion, Rubric
from core.plugins import BUILTIN_PLUGINS, SHIPPED_PLUGINS, load_registry

SPONSOR_RUBRIC = Rubric(
    name="welfare-screening",
    label={"it": "Griglia dello sponsor", "en": "Sponsor's rubric"},
    criteria=(Criterion(code="GREEN", label={"it": "Impatto ambientale", "en": "Environmental impact"}, weight=1),),
)


class SponsorPlugin:
    @hookimpl
    def giuria_rubrics(self):
        return [SPONSOR_RUBRIC]


class CrashingPlugin:
    @hookimpl
    def giuria_rubrics(self):
        raise RuntimeError("database not reachable")


class InvalidPlugin:
    @hookimpl
    def giuria_rubrics(self):
        return [Rubric(name="bad", label={}, criteria=(Criterion(code="X", label={}, weight=-2, min=3, max=1),))]


class WrongSignaturePlugin:
    @hookimpl
    def giuria_rubrics(self, edition):
        return []


def test_built_in_plugins_load_with_their_hooks():
    registry = load_registry(entry_points=False)
    assert [info.name for info in registry.infos.values()] == [*BUILTIN_PLUGINS, *SHIPPED_PLUGINS]
    assert not any(registry.infos[name].builtin for name in SHIPPED_PLUGINS)
    assert registry.infos["plugins.rubrics.welfare"].hooks == ("giuria_rubrics",)
    assert set(registry.rubrics()) == {"welfare-screening", "welfare-final-pitch"}
    assert {"checklist", "rubric", "consensus", "pairwise", "ranked-vote"} == set(registry.workflows())


def test_an_outside_plugin_replaces_a_default_only_where_enabled():
    registry = load_registry(entry_points=False)
    registry.register(SponsorPlugin(), name="sponsor-rubric", origin="test")
    assert registry.find_rubric("welfare-screening", enabled=[]).criteria[0].code == "IMP"
    assert registry.find_rubric("welfare-screening", enabled=["sponsor-rubric"]).criteria[0].code == "GREEN"
    assert registry.rubrics(enabled=["sponsor-rubric"])["welfare-screening"].plugin == "sponsor-rubric"


def test_a_plugin_that_raises_is_disabled_and_the_rest_keep_working():
    registry = load_registry(entry_points=False)
    registry.register(CrashingPlugin(), name="crashing", origin="test")
    assert set(registry.rubrics()) == {"welfare-screening", "welfare-final-pitch"}
    assert registry.infos["crashing"].error == "giuria_rubrics raised RuntimeError: database not reachable"
    assert registry.manager.get_plugin("crashing") is None


def test_a_plugin_returning_an_invalid_rubric_is_disabled_with_the_reason():
    registry = load_registry(entry_points=False)
    registry.register(InvalidPlugin(), name="invalid", origin="test")
    assert "bad" not in registry.rubrics()
    error = registry.infos["invalid"].error
    assert "X: max 1 must be above min 3" in error
    assert "X: weight -2 must be a non-negative number" in error


def test_a_plugin_with_a_wrong_hook_signature_is_refused_at_registration():
    registry = load_registry(entry_points=False)
    info = registry.register(WrongSignaturePlugin(), name="wrong", origin="test")
    assert info.error.startswith("could not register:") and "edition" in info.error
    assert set(registry.rubrics()) == {"welfare-screening", "welfare-final-pitch"}


def test_plugins_directory_and_installed_entry_points_are_loaded(tmp_path, monkeypatch):
    plugins_dir = tmp_path / "plugins"
    plugins_dir.mkdir()
    (plugins_dir / "local_rubric.py").write_text(textwrap.dedent('''
        __version__ = "0.3"
        from core.hookspecs import hookimpl
        from core.plugin_api import Criterion, Rubric

        @hookimpl
        def giuria_rubrics():
            return [Rubric(name="local", label={"it": "Locale"}, criteria=(Criterion(code="A", label={}),))]
    '''))
    (plugins_dir / "broken.py").write_text("import no_such_module\n")
    site = tmp_path / "site"
    (site / "giuria_sponsor_demo-1.2.dist-info").mkdir(parents=True)
    (site / "giuria_sponsor_demo-1.2.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: giuria-sponsor-demo\nVersion: 1.2\n")
    (site / "giuria_sponsor_demo-1.2.dist-info" / "entry_points.txt").write_text(
        "[giuria]\nsponsor-demo = giuria_sponsor_demo\n")
    (site / "giuria_sponsor_demo.py").write_text(textwrap.dedent('''
        from core.hookspecs import hookimpl
        from core.plugin_api import Criterion, Rubric

        @hookimpl
        def giuria_rubrics():
            return [Rubric(name="sponsor-demo", label={"en": "Sponsor"}, criteria=(Criterion(code="S", label={}),))]
    '''))
    monkeypatch.syspath_prepend(str(site))
    settings = Settings(plugins_dir=plugins_dir, secret_key="x" * 40, data_dir=tmp_path)
    registry = load_registry(settings)
    assert registry.infos["sponsor-demo"].origin == "package giuria-sponsor-demo"
    assert registry.infos["sponsor-demo"].version == "1.2"
    assert registry.infos["local_rubric"].origin == f"directory {plugins_dir}"
    assert registry.infos["local_rubric"].version == "0.3"
    assert "could not import broken.py: No module named 'no_such_module'" == registry.infos["broken"].error
    assert {"sponsor-demo", "local"} <= set(registry.rubrics())
    assert "sponsor-demo" not in registry.rubrics(enabled=[])

    monkeypatch.setenv("GIURIA_PLUGINS_DIR", str(plugins_dir))
    monkeypatch.setenv("GIURIA_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(cli, ["plugins"])
    assert result.exit_code == 0, result.output
    assert "sponsor-demo  1.2  [package giuria-sponsor-demo]  ok" in result.output
    assert "broken  -  [directory" in result.output and "DISABLED: could not import broken.py" in result.output
    assert "rubric local  (from local_rubric, 1 criteria)" in result.output
    sys.modules.pop("giuria_sponsor_demo", None)
