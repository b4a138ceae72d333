"""A YAML alias bomb is refused before it is expanded, with its key path, on the CLI and the set-up page."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

from core.editions import access
from core.people import accounts
from core.platform.tables import Edition
from tests.conftest import csrf_token, run, sign_in

GIURIA = str(Path(sys.executable).with_name("giuria"))
PASSWORD = "correct-horse-battery"
# Nine levels of nine: 9^9 (387 million) strings from 700 bytes; `$.f` is the first key past 200,000 values.
BILLION_LAUGHS = "\n".join(
    ["programme: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]"
       for previous, name in zip("abcdefgh", "bcdefghi", strict=True)]) + "\n"
# The child reports its own peak memory, so a bomb that expanded would show in kilobytes, not only in time.
PEAK_OF_CHILD = ("import resource, subprocess, sys; done = subprocess.run(sys.argv[1:]); "
                 "print('peak-kb', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
                 "sys.exit(done.returncode)")


def cli_environment(settings) -> dict[str, str]:
    environment = {**os.environ, "GIURIA_DATA_DIR": str(settings.data_dir), "GIURIA_SECRET_KEY": settings.secret_key,
                   "GIURIA_DB_POOL_SIZE": "0", "GIURIA_ENV": "test"}
    environment.pop("GIURIA_DATABASE_URL", None)
    if settings.database_url:
        environment["GIURIA_DATABASE_URL"] = settings.database_url
    return environment


def test_the_billion_laughs_file_is_refused_by_competition_import(settings, tmp_path):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(BILLION_LAUGHS, encoding="utf-8")
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-c", PEAK_OF_CHILD, GIURIA, "competition", "import", str(bomb)],
                            capture_output=True, text=True, env=cli_environment(settings), timeout=120)
    elapsed = time.monotonic() - started
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if not line.startswith("peak-kb")]
    assert lines == [f"{bomb}: line 6: $.f: expands to more than 200,000 values through aliases "
                     "(anchors & and aliases * repeat parts of the file); rejected, nothing was imported."]
    peak_kb = int(result.stderr.rsplit("peak-kb", 1)[1].split()[0])
    assert peak_kb < 400_000  # the interpreter, numpy and the database driver; 2.4 GB before
    assert elapsed < 30  # a whole process start and migration; the refusal itself is below a second
    assert run(Edition.count()) == 0


def test_the_billion_laughs_file_is_refused_by_the_set_up_upload_form(client):
    account = run(accounts.create_account(email="olga@foundation.example", password=PASSWORD, verified=True,
                                          locale="en"))
    run(access.grant_role(account_id=account, role="organiser", edition_slug=None))
    assert sign_in(client, "olga@foundation.example", PASSWORD).status_code == 302
    token = csrf_token(client, "/organise/new")
    tracemalloc.start()
    started = time.monotonic()
    try:
        response = client.post("/organise/new", data={"_csrf_token": token},
                               files={"file": ("bomb.yaml", BILLION_LAUGHS.encode(), "application/yaml")},
                               headers={"accept-language": "en"})
        elapsed = time.monotonic() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 400
    assert "$.f" in response.text and "expands to more than 200,000 values through aliases" in response.text
    assert "Line 6" in response.text
    assert elapsed < 1.0
    assert peak < 50_000_000
    assert run(Edition.count()) == 0


def test_deep_nesting_and_merge_bombs_are_refused_with_their_place(client):
    account = run(accounts.create_account(email="olga@foundation.example", password=PASSWORD, verified=True,
                                          locale="en"))
    run(access.grant_role(account_id=account, role="organiser", edition_slug=None))
    sign_in(client, "olga@foundation.example", PASSWORD)
    token = csrf_token(client, "/organise/new")
    deep = "programme:\n  tracks: " + "[" * 100_000 + "\n"
    response = client.post("/organise/new", data={"_csrf_token": token, "yaml": deep},
                           headers={"accept-language": "en"})
    assert response.status_code == 400
    assert "nested more than 50 levels deep" in response.text and "Line 2" in response.text
    # Each level merges the one before and nests it three more times: 4^16 values from 16 lines.
    merges = "a: &a {x: 1, y: 2, z: 3}\n" + "".join(
        f"{c}: &{c} {{<<: *{p}, {c}1: {{<<: *{p}}}, {c}2: {{<<: *{p}}}, {c}3: {{<<: *{p}}}}}\n"
        for p, c in zip("abcdefghijklmnop", "bcdefghijklmnopq", strict=True))
    started = time.monotonic()
    response = client.post("/organise/new", data={"_csrf_token": token, "yaml": merges},
                           headers={"accept-language": "en"})
    assert time.monotonic() - started < 1.0
    assert response.status_code == 400 and "through aliases" in response.text
