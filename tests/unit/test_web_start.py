"""A web worker starts without the heavy libraries only some pages use: they load on first use, and work then."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("scipy", "ortools", "matplotlib", "openpyxl", "fpdf", "segno", "ruamel", "icalendar", "argon2_hash",
         "black")
PROBE = """
import sys
import web.app
from core.platform import passwords
loaded = {name.split(".")[0] for name in sys.modules} & set(HEAVY)
if passwords._dummy_hash.cache_info().currsize:
    loaded.add("argon2_hash")
print("loaded:" + " ".join(sorted(loaded)))
from scoring import normalise, pairwise, reliability, assign_flow
reliability.stats.norm  # the deferred modules import on first use
assert "scipy.stats" in sys.modules
pairwise.special.expit(0.0)
assign_flow.min_cost_flow.SimpleMinCostFlow()
assert "ortools.graph.python.min_cost_flow" in sys.modules
from core.platform.yaml_source import load_yaml
assert load_yaml("a: 1").data == {"a": 1}
print("used")
"""


def test_a_web_worker_imports_no_heavy_library_until_a_page_needs_it():
    done = subprocess.run([sys.executable, "-c", f"HEAVY = {HEAVY!r}\n" + PROBE], capture_output=True, text=True,
                          check=True)
    assert "loaded:\n" in done.stdout
    assert done.stdout.strip().endswith("used")


FREEZE_PROBE = """
import gc
from web.app import create_app_from_env
before = gc.get_freeze_count()
create_app_from_env()
print("frozen", before, gc.get_freeze_count())
"""


def test_the_worker_freezes_what_start_up_built_out_of_later_collections(tmp_path):
    environ = {"GIURIA_DATA_DIR": str(tmp_path), "GIURIA_ENV": "test", "GIURIA_SECRET_KEY": "s" * 48,
               "GIURIA_MAIL_INTERVAL_SECONDS": "0", "GIURIA_JOB_INTERVAL_SECONDS": "0", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", FREEZE_PROBE], capture_output=True, text=True, check=True,
                          env=environ)
    _word, before, after = done.stdout.split()
    assert int(before) == 0 and int(after) > 100_000
