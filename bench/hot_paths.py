"""Hot paths against a bare Litestar page, in one run, one worker each, with wrk on loopback.

Prints requests/s and latency percentiles for: a bare Litestar page; the public landing page; the
applicant's form section page; the applicant's draft save (the htmx autosave POST). Also prints the
number of SQL statements each path runs, counted in-process. Needs `wrk` (apt-get install wrk).

    python bench/hot_paths.py [--seconds 10] [--connections 32] [--engine sqlite|postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.postgres_databases import drop_postgres_database, make_postgres_database
from core.cli.demo import DEMO_PASSWORD, load_demo
from core.platform import db
from core.platform.settings import load_settings

CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')
BARE_APP = '''
from litestar import Litestar, get
from litestar.response import Response

@get("/")
async def page() -> Response:
    return Response("<!doctype html><html lang=en><title>bare</title><h1>Hello</h1><p>A bare Litestar page.</p>",
                    media_type="text/html")

app = Litestar([page])
'''
SCORE_FORM = "&".join(f"score.{c}={v}&orig.score.{c}={v}" for c, v in
                      (("IMP", 4), ("INN", 3), ("SOS", 4), ("TEA", 3), ("RET", 5))) + "&action=draft"
DRAFT_FORM = ("entity_name=Orti+Aperti&legal_form=aps&tax_code=97123450011&founded_on=2024-02-10&region=Puglia"
              "&website=ortiaperti.example&training_completed=yes")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str) -> None:
    for _ in range(150):
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


def wrk(url: str, *, seconds: int, connections: int, script: str | None = None) -> tuple[float, str, str]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        command += ["-s", script]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    if os.environ.get("HOT_DEBUG"):
        print(output)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = re.search(r"^\s+50%\s+(\S+)", output, flags=re.M).group(1)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, flags=re.M).group(1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        print(f"    (non-2xx/3xx responses: {errors.group(1)})")
    unexpected = [line for line in re.findall(r"status (\d+): (\d+)", output) if line[0] != "200"]
    if unexpected:
        raise SystemExit(f"{url}: unexpected statuses {unexpected}; the figure would be meaningless")
    return rate, p50, p99


STATUS_TALLY = """
statuses = {}
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
done = function(summary, latency, requests)
  for status, count in pairs(statuses) do io.write(string.format("status %d: %d\\n", status, count)) end
end
"""


def lua(path: Path, *, method: str, cookie: str, token: str, body: str = "") -> str:
    """A wrk script sending the signed-in person's cookies; long brackets keep quotes in values intact."""
    path.write_text(
        f'wrk.method = "{method}"\n'
        f'wrk.headers["Cookie"] = [[{cookie}]]\n'
        f'wrk.headers["x-csrftoken"] = [[{token}]]\n'
        'wrk.headers["hx-request"] = "true"\n'
        'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
        f'wrk.body = [[{body}]]\n' + STATUS_TALLY, encoding="utf-8")
    return str(path)


def count_queries(environ: dict[str, str], cookie_jar: httpx.Cookies, paths: list[tuple]) -> dict:
    """Statements per request, counted by wrapping the engine in this process (benchmark only)."""
    from litestar.testing import TestClient

    from web.app import create_app

    counted = {"n": 0}
    originals = {}
    cls = type(db.engine())
    for name in ("run_querystring", "run_ddl"):
        original = getattr(cls, name)
        originals[(cls, name)] = vars(cls).get(name, original)

        def wrapped(self, *args, __original=original, **kwargs):
            counted["n"] += 1
            return __original(self, *args, **kwargs)

        setattr(cls, name, wrapped)
    results = {}
    try:
        with TestClient(create_app(load_settings(environ)), base_url="http://testserver.local") as client:
            for name, value in cookie_jar.items():
                client.cookies.set(name, value)
            for label, method, path, *body in paths:
                token = client.cookies.get("giuria_csrf", "")
                client.get(path) if method == "GET" else None
                counted["n"] = 0
                if method == "GET":
                    client.get(path)
                else:
                    client.post(path, content=body[0], headers={
                        "content-type": "application/x-www-form-urlencoded", "x-csrftoken": token,
                        "hx-request": "true"})
                results[label] = counted["n"]
    finally:
        for (cls, name), original in originals.items():
            setattr(cls, name, original)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")

    workdir = Path(tempfile.mkdtemp(prefix="giuria-hot-"))
    database_url = asyncio.run(make_postgres_database("giuria_hot")) if args.engine == "postgres" else ""
    environ = {"GIURIA_DATA_DIR": str(workdir / "data"), "GIURIA_ENV": "test", "GIURIA_DATABASE_URL": database_url,
               "GIURIA_SECRET_KEY": "hot-secret-" + "h" * 40, "GIURIA_MAIL_INTERVAL_SECONDS": "0",
               "GIURIA_LOGIN_ATTEMPTS_PER_IP": "100000"}
    db.configure(load_settings(environ))
    asyncio.run(db.migrate())
    asyncio.run(load_demo())
    (workdir / "bare.py").write_text(BARE_APP, encoding="utf-8")
    servers = []
    try:
        bare_port, giuria_port = free_port(), free_port()
        uvicorn = [sys.executable, "-m", "uvicorn", "--no-access-log", "--log-level", "warning"]
        servers.append(subprocess.Popen([*uvicorn, "bare:app", "--port", str(bare_port)], cwd=workdir))
        servers.append(subprocess.Popen([*uvicorn, "--factory", "web.app:create_app_from_env", "--port",
                                         str(giuria_port)], cwd=ROOT, env={**os.environ, **environ}))
        bare, base = f"http://127.0.0.1:{bare_port}/", f"http://127.0.0.1:{giuria_port}"
        wait_until_up(bare)
        wait_until_up(f"{base}/healthz")

        with httpx.Client(base_url=base) as client:
            token = CSRF.search(client.get("/login").text).group(1)
            client.post("/login", data={"email": "applicant@giuria.example", "password": DEMO_PASSWORD,
                                        "_csrf_token": token})
            token = CSRF.search(client.get("/c/welfare-comunita-2027/apply").text).group(1)
            started = client.post("/c/welfare-comunita-2027/apply", data={"track": "AGR", "_csrf_token": token})
            application = started.headers["location"]
            client.get(application)
            cookies = client.cookies
        juror = httpx.Client(base_url=base)
        token = CSRF.search(juror.get("/login").text).group(1)
        juror.post("/login", data={"email": "giulia.ferri@fondazione-aurora.example", "password": DEMO_PASSWORD,
                                   "_csrf_token": token})
        review_path = re.search(r'href="(/jury/assignments/\d+)"', juror.get("/jury").text).group(1)
        page = juror.get(review_path).text
        if "any conflict of interest" in page or "conflitto di interessi?" in page:
            juror.post(f"{review_path}/conflict", data={"decision": "none",
                                                        "_csrf_token": CSRF.search(page).group(1)})
        juror_cookies = juror.cookies
        juror_cookie = "; ".join(f"{name}={value}" for name, value in juror_cookies.items())
        cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
        if os.environ.get("HOT_DEBUG"):
            probe = httpx.get(f"{base}{application}/sections/project", headers={"cookie": cookie})
            print("probe", probe.status_code, probe.headers.get("location"), cookie[:200])
        csrf = cookies.get("giuria_csrf")
        section_page = f"{application}/sections/project"
        save = f"{application}/sections/entity"
        get_script = lua(workdir / "get.lua", method="GET", cookie=cookie, token=csrf)
        post_script = lua(workdir / "post.lua", method="POST", cookie=cookie, token=csrf, body=DRAFT_FORM)
        juror_get = lua(workdir / "juror_get.lua", method="GET", cookie=juror_cookie,
                        token=juror_cookies.get("giuria_csrf"))
        juror_post = lua(workdir / "juror_post.lua", method="POST", cookie=juror_cookie,
                         token=juror_cookies.get("giuria_csrf"), body=SCORE_FORM)

        print(f"engine: {args.engine}; one uvicorn worker each; wrk -t2 -c{args.connections} -d{args.seconds}s")
        rows = [
            ("bare Litestar page", bare, None),
            ("public landing page", f"{base}/c/welfare-comunita-2026", None),
            ("applicant form section (GET)", f"{base}{section_page}", get_script),
            ("applicant draft save (POST)", f"{base}{save}", post_script),
            ("juror review page (GET)", f"{base}{review_path}", juror_get),
            ("juror score save (POST)", f"{base}{review_path}/review", juror_post),
        ]
        figures = {}
        for label, url, script in rows:
            figures[label] = wrk(url, seconds=args.seconds, connections=args.connections, script=script)
            rate, p50, p99 = figures[label]
            print(f"  {label:<32} {rate:8.0f} req/s   p50 {p50:>8}   p99 {p99:>8}")
        bare_rate = figures["bare Litestar page"][0]
        for label in list(figures)[1:]:
            print(f"  {label:<32} {figures[label][0] / bare_rate:6.1%} of the bare page; "
                  f"{figures[label][0] / 16:5.0f}x a 16 req/s review page")
        queries = count_queries(environ, cookies, [("applicant form section (GET)", "GET", section_page),
                                                   ("applicant draft save (POST)", "POST", save, DRAFT_FORM),
                                                   ("public landing page", "GET", "/c/welfare-comunita-2026")])
        queries |= count_queries(environ, juror_cookies, [("juror review page (GET)", "GET", review_path),
                                                          ("juror score save (POST)", "POST", f"{review_path}/review",
                                                           SCORE_FORM)])
        for label, count in queries.items():
            print(f"  SQL statements per request, {label}: {count}")
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
        if database_url:
            asyncio.run(drop_postgres_database(database_url))
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
