"""Hot paths against reference Litestar apps, in one run, one worker each, with wrk on loopback.

The references: a bare Litestar page, and (b) a Litestar app rendering a small Jinja2 review page behind
CSRF middleware and an encrypted cookie session, with no database (a GET, and a form POST). The Giuria
paths: the public landing page; the applicant's form section page and draft save (the htmx autosave
POST); the juror's dashboard, review page and score save. Each path runs once per round, interleaved,
for --rounds rounds; the table shows the median round's req/s, p50/p99, the ratio to (b) (GET paths to
b's GET, POST paths to b's POST), the server's CPU ms per request, and the SQL statements each path runs
(counted in-process). Needs `wrk` (apt-get install wrk).

    python bench/hot_paths.py [--seconds 10] [--connections 32] [--rounds 3] [--engine sqlite|postgres]
    python bench/hot_paths.py --workers 2   # also serves Giuria with `giuria serve --workers 2`
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.postgres_databases import drop_postgres_database, make_postgres_database
from bench.statement_count import StatementCount
from core.cli.demo import DEMO_PASSWORD, load_demo
from core.platform import db
from core.platform.settings import load_settings
from core.platform.tables import Account, Application, Assignment, Round, RoundEntry

JUROR = "giulia.ferri@fondazione-aurora.example"
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
# (b): what a page behind CSRF and a cookie session costs in Litestar when it needs no database.
REFERENCE_APP = '''
from litestar import Litestar, Request, get, post
from litestar.config.csrf import CSRFConfig
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.middleware.session.client_side import CookieBackendConfig
from litestar.response import Template
from litestar.template.config import TemplateConfig
from jinja2 import DictLoader, Environment

PAGE = """<!doctype html><html lang=en><head><title>{{ title }}</title></head><body>
<h1>{{ title }}</h1><p>Signed in as {{ user }}</p>
<form method=post action="/review"><input type=hidden name=_csrf_token value="{{ csrf_input }}">
{% for c in criteria %}<label>{{ c.name }} <input name="score.{{ c.code }}" value="{{ c.value }}"></label>
{% endfor %}<button>Save</button></form></body></html>"""
CRITERIA = [{"code": c, "name": f"Criterion {c}", "value": i} for i, c in enumerate(["IMP", "INN", "SOS", "TEA"])]

@get("/")
async def page(request: Request) -> Template:
    request.session.setdefault("user", "juror@example.org")
    return Template("review.html", context={"title": "Entry #7", "user": request.session["user"],
                                            "criteria": CRITERIA, "csrf_input": request.scope.get("_csrf_token", "")})

@post("/review")
async def save(request: Request) -> Template:
    form = await request.form()
    scores = {k[6:]: v for k, v in form.items() if k.startswith("score.")}
    return Template("saved.html", context={"count": len(scores)})

environment = Environment(loader=DictLoader({"review.html": PAGE, "saved.html": "<p>Saved {{ count }} scores.</p>"}),
                          autoescape=True)
app = Litestar([page, save],
               middleware=[CookieBackendConfig(secret=b"r" * 32, key="session").middleware],
               csrf_config=CSRFConfig(secret="s" * 32, cookie_name="csrf"),
               template_config=TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment)))
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


def wrk(url: str, *, seconds: int, connections: int, script: str | None = None,
        pin: str | None = None) -> tuple[float, str, str, int]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if pin is not None and shutil.which("taskset"):
        command = ["taskset", "-c", pin, *command]
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
    total = int(re.search(r"(\d+) requests in", output).group(1))
    return rate, p50, p99, total


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process and its waited-for children (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """`cpu_seconds` of a process and of its live children (the workers `giuria serve` starts)."""
    total = cpu_seconds(pid)
    children = Path(f"/proc/{pid}/task/{pid}/children")
    for child in children.read_text().split() if children.exists() else []:
        try:
            total += cpu_seconds(int(child))
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def milliseconds(text: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


# Each request sends another overall comment, so every score save is a real change of the stored review.
CHANGING_COMMENT = """
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, nil, nil, wrk.body .. "&overall_comment=note+" .. counter)
end
"""
STATUS_TALLY = """
statuses = {}
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
done = function(summary, latency, requests)
  for status, count in pairs(statuses) do io.write(string.format("status %d: %d\\n", status, count)) end
end
"""


def lua(path: Path, *, method: str, cookie: str, token: str, body: str = "", changing: bool = False) -> str:
    """A wrk script sending the signed-in person's cookies; long brackets keep quotes in values intact."""
    path.write_text(
        f'wrk.method = "{method}"\n'
        f'wrk.headers["Cookie"] = [[{cookie}]]\n'
        f'wrk.headers["x-csrftoken"] = [[{token}]]\n'
        'wrk.headers["hx-request"] = "true"\n'
        'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
        f'wrk.body = [[{body}]]\n' + (CHANGING_COMMENT if changing else "") + STATUS_TALLY, encoding="utf-8")
    return str(path)


def count_queries(environ: dict[str, str], cookie_jar: httpx.Cookies, paths: list[tuple]) -> dict:
    """Statements per request, counted by wrapping the engine in this process (benchmark only)."""
    from litestar.testing import TestClient

    from web.app import create_app

    results = {}
    with StatementCount() as counted:
        # Without the background mail and job loops, whose statements would be counted with the page's.
        quiet = {**environ, "GIURIA_MAIL_INTERVAL_SECONDS": "0", "GIURIA_JOB_INTERVAL_SECONDS": "0"}
        with TestClient(create_app(load_settings(quiet)), base_url="http://testserver.local") as client:
            for name, value in cookie_jar.items():
                client.cookies.set(name, value)
            for label, method, path, *body in paths:
                token = client.cookies.get("giuria_csrf", "")
                client.get(path) if method == "GET" else None
                counted.count = 0
                if method == "GET":
                    client.get(path)
                else:
                    client.post(path, content=body[0], headers={
                        "content-type": "application/x-www-form-urlencoded", "x-csrftoken": token,
                        "hx-request": "true"})
                results[label] = counted.count
    return results


def start(command: list[str], *, cwd: Path, env: dict[str, str] | None = None, pin: str | None = None):
    if pin is not None and shutil.which("taskset"):
        command = ["taskset", "-c", pin, *command]
    return subprocess.Popen(command, cwd=cwd, env=env)


def sign_in(base: str, email: str) -> httpx.Client:
    client = httpx.Client(base_url=base)
    token = CSRF.search(client.get("/login").text).group(1)
    client.post("/login", data={"email": email, "password": DEMO_PASSWORD, "_csrf_token": token})
    return client


def cookie_header(cookies: httpx.Cookies) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


async def open_jury_for_the_juror(email: str) -> int:
    """The demo's 2026 jury is closed: open the 2027 screening round around now with one submitted entry assigned
    to `email` (conflict already checked, not blind: the 2027 round is blind and its entries are not yet cleared),
    so the score save is a real change. Returns the assignment's id.

    Writes rows directly: the bench measures the juror's pages, not the organiser's set-up of a round.
    """
    now = datetime.now(UTC)
    jury = await Round.select(Round.id).where((Round.edition.slug == "welfare-comunita-2027")
                                              & (Round.kind == "screening")).first()
    entry = await Application.select(Application.id).where(
        (Application.edition.slug == "welfare-comunita-2027") & (Application.status == "submitted")).first()
    juror = await Account.select(Account.id).where(Account.email == email).first()
    await Round.update({Round.opens_at: now - timedelta(days=1), Round.closes_at: now + timedelta(days=7),
                        Round.status: "open", Round.blind: False}).where(Round.id == jury["id"])
    await Application.update({Application.status: "in_round"}).where(Application.id == entry["id"])
    await RoundEntry.insert(RoundEntry(round=jury["id"], application=entry["id"]))
    return (await Assignment.insert(Assignment(round=jury["id"], application=entry["id"], juror=juror["id"],
                                               conflict_checked_at=now)))[0]["id"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--workers", type=int, default=1,
                        help="above 1, the review page is also served by `giuria serve` with one and with N "
                             "workers, wrk pinned to core 1")
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
    review_path = f"/jury/assignments/{asyncio.run(open_jury_for_the_juror(JUROR))}"
    (workdir / "bare.py").write_text(BARE_APP, encoding="utf-8")
    (workdir / "reference.py").write_text(REFERENCE_APP, encoding="utf-8")
    servers = []
    pin_servers, pin_wrk = None, ("1" if args.workers > 1 else None)
    try:
        bare_port, reference_port, giuria_port = free_port(), free_port(), free_port()
        uvicorn = [sys.executable, "-m", "uvicorn", "--no-access-log", "--log-level", "warning"]
        servers.append(start([*uvicorn, "bare:app", "--port", str(bare_port)], cwd=workdir, pin=pin_servers))
        servers.append(start([*uvicorn, "reference:app", "--port", str(reference_port)], cwd=workdir,
                             pin=pin_servers))
        giuria = start([*uvicorn, "--factory", "web.app:create_app_from_env", "--port", str(giuria_port)],
                       cwd=ROOT, env={**os.environ, **environ}, pin=pin_servers)
        servers.append(giuria)
        bare, base = f"http://127.0.0.1:{bare_port}/", f"http://127.0.0.1:{giuria_port}"
        reference = f"http://127.0.0.1:{reference_port}"
        wait_until_up(bare)
        wait_until_up(f"{reference}/")
        wait_until_up(f"{base}/healthz")

        with httpx.Client(base_url=reference) as client:
            client.get("/")
            reference_cookies = client.cookies
        client = sign_in(base, "applicant@giuria.example")
        opened = client.get("/c/welfare-comunita-2027/apply")
        if opened.is_redirect:  # the demo applicant already has a draft in the open call
            application = opened.headers["location"]
        else:
            token = CSRF.search(opened.text).group(1)
            started = client.post("/c/welfare-comunita-2027/apply", data={"track": "AGR", "_csrf_token": token})
            application = started.headers["location"]
        client.get(application)
        cookies = client.cookies
        juror = sign_in(base, JUROR)
        page = juror.get(review_path)
        if page.status_code != 200 or 'name="score.' not in page.text:
            raise SystemExit(f"the juror's review page is not open for scoring ({page.status_code})")
        juror_cookies = juror.cookies
        section_page = f"{application}/sections/project"
        save = f"{application}/sections/entity"

        def script(name: str, method: str, jar: httpx.Cookies, csrf_cookie: str, body: str = "",
                   changing: bool = False) -> str:
            return lua(workdir / f"{name}.lua", method=method, cookie=cookie_header(jar), token=jar.get(csrf_cookie),
                       body=body, changing=changing)

        rows = [  # label, url, wrk script, compared with
            ("bare Litestar page", bare, None, None),
            ("(b) reference GET", f"{reference}/", script("b_get", "GET", reference_cookies, "csrf"), None),
            ("(b) reference POST", f"{reference}/review",
             script("b_post", "POST", reference_cookies, "csrf", SCORE_FORM), None),
            ("public landing page", f"{base}/c/welfare-comunita-2026", None, "get"),
            ("applicant form section (GET)", f"{base}{section_page}",
             script("get", "GET", cookies, "giuria_csrf"), "get"),
            ("applicant draft save (POST)", f"{base}{save}",
             script("post", "POST", cookies, "giuria_csrf", DRAFT_FORM), "post"),
            ("juror dashboard (GET)", f"{base}/jury", script("dash", "GET", juror_cookies, "giuria_csrf"), "get"),
            ("juror review page (GET)", f"{base}{review_path}",
             script("juror_get", "GET", juror_cookies, "giuria_csrf"), "get"),
            ("juror score save (POST)", f"{base}{review_path}/review",
             script("juror_post", "POST", juror_cookies, "giuria_csrf", SCORE_FORM, changing=True), "post"),
        ]
        pids = {"bare Litestar page": servers[0].pid, "(b) reference GET": servers[1].pid,
                "(b) reference POST": servers[1].pid}
        measured: dict[str, list[tuple[float, str, str, float]]] = {label: [] for label, *_ in rows}
        for _round in range(args.rounds):
            for label, url, wrk_script, _compared in rows:
                pid = pids.get(label, giuria.pid)
                before = cpu_seconds(pid)
                rate, p50, p99, total = wrk(url, seconds=args.seconds, connections=args.connections,
                                            script=wrk_script, pin=pin_wrk)
                measured[label].append((rate, p50, p99, (cpu_seconds(pid) - before) * 1000 / max(total, 1)))

        def median(label: str) -> tuple[float, str, str, float]:
            return sorted(measured[label])[len(measured[label]) // 2]

        queries = count_queries(environ, cookies, [("applicant form section (GET)", "GET", section_page),
                                                   ("applicant draft save (POST)", "POST", save, DRAFT_FORM),
                                                   ("public landing page", "GET", "/c/welfare-comunita-2026")])
        queries |= count_queries(environ, juror_cookies, [("juror dashboard (GET)", "GET", "/jury"),
                                                          ("juror review page (GET)", "GET", review_path),
                                                          ("juror score save (POST)", "POST", f"{review_path}/review",
                                                           SCORE_FORM)])
        reference_rate = {"get": median("(b) reference GET")[0], "post": median("(b) reference POST")[0]}
        print(f"\nengine: {args.engine}; one uvicorn worker each; wrk -t2 -c{args.connections} -d{args.seconds}s; "
              f"median of {args.rounds} interleaved rounds")
        print(f"| {'path':<30} | {'req/s':>7} | {'p50':>8} | {'p99':>8} | {'of (b)':>7} | {'CPU ms/req':>10} "
              f"| {'SQL/req':>7} |")
        print(f"|{'-' * 32}|{'-' * 9}|{'-' * 10}|{'-' * 10}|{'-' * 9}|{'-' * 12}|{'-' * 9}|")
        for label, _url, _script, compared in rows:
            rate, p50, p99, cpu = median(label)
            ratio = f"{rate / reference_rate[compared]:.1%}" if compared else ""
            sql = str(queries.get(label, "")) if compared else ""
            print(f"| {label:<30} | {rate:7.0f} | {p50:>8} | {p99:>8} | {ratio:>7} | {cpu:10.2f} | {sql:>7} |")
        if args.workers > 1:
            for _stop in servers:  # the single-worker servers stop: the serve commands get the machine
                _stop.terminate()
                _stop.wait(timeout=10)
            workers_figures(args, environ, review_path, script("juror_get", "GET", juror_cookies, "giuria_csrf"),
                            pin_wrk)
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
        if database_url:
            asyncio.run(drop_postgres_database(database_url))
        shutil.rmtree(workdir, ignore_errors=True)


def postgres_cpu_seconds() -> float:
    """CPU time of every PostgreSQL server process on the machine (its backends serve the benchmark's queries)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip().startswith("postgres"):
                total += cpu_seconds(int(entry.name))
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            pass
    return total


def children_cpu_seconds() -> float:
    """CPU time of this process's finished children (wrk, once it has returned)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def workers_figures(args, environ: dict[str, str], review_path: str, wrk_script: str, pin_wrk: str) -> None:
    """The review page under `giuria serve --workers 1` and `--workers N`, interleaved, wrk on core `pin_wrk`; with
    where the machine's CPU went meanwhile (Giuria's workers, PostgreSQL, wrk), in cores busy over the run."""
    figures: dict[int, list] = {1: [], args.workers: []}
    for _round in range(args.rounds):
        for workers in figures:
            port = free_port()
            server = start([sys.executable, "-c", "from core.cli.main import main; main()", "serve", "--port",
                            str(port), "--workers", str(workers)], cwd=ROOT,
                           env={**os.environ, **environ, "GIURIA_BASE_URL": "http://127.0.0.1"})
            try:
                wait_until_up(f"http://127.0.0.1:{port}/healthz")
                before = (tree_cpu_seconds(server.pid), postgres_cpu_seconds(), children_cpu_seconds(),
                          time.perf_counter())
                run = wrk(f"http://127.0.0.1:{port}{review_path}", seconds=args.seconds,
                          connections=args.connections, script=wrk_script, pin=pin_wrk)
                after = (tree_cpu_seconds(server.pid), postgres_cpu_seconds(), children_cpu_seconds(),
                         time.perf_counter())
                wall = after[3] - before[3]
                figures[workers].append((*run, tuple((after[i] - before[i]) / wall for i in range(3))))
            finally:
                server.terminate()
                server.wait(timeout=15)
    medians = {workers: sorted(runs)[len(runs) // 2] for workers, runs in figures.items()}
    for workers, (rate, p50, p99, _total, (giuria, postgres, load)) in medians.items():
        print(f"juror review page (GET), `giuria serve --workers {workers}`, wrk on core {pin_wrk}: {rate:.0f} req/s, "
              f"p50 {p50}, p99 {p99}; cores busy: Giuria {giuria:.2f}, PostgreSQL {postgres:.2f}, wrk {load:.2f} "
              f"(of {os.cpu_count()})")
    if medians[1][0]:
        print(f"{args.workers} workers serve {medians[args.workers][0] / medians[1][0]:.2f}x one worker")


if __name__ == "__main__":
    main()
