"""Benchmark (not a test): the platform under a realistic load, next to a bare Flask endpoint served the same way.

The demo (``tremplin demo``) is loaded into a fresh database, then ``wsgi:app`` (production configuration) and a
bare Flask app returning a small JSON document are each served by gunicorn with the same settings as
``bench/badges.py`` (2 gthread workers × 4 threads) on free loopback ports, and driven by ``wrk`` (1 thread,
8 keep-alive connections) with a Lua script. Phases, each bounded in time (``--duration``, after a warm-up):

* floor: ``GET /`` of the bare Flask app;
* ``GET /verify/<uuid>``: the public verification page (HTML) of the demo's badges, anonymous, as an employer
  opening a badge's QR code;
* ``GET /``: the trainee dashboard (home page with the trainee's panels: training, badges), logged in as each
  trainee of the running promotion in turn (their session cookies, made through the real login form);
* ``POST /sessions/<uuid>``: a roster save by the session's trainer (CSRF token, the roster version as loaded,
  every mark as saved plus one changed: present ↔ late, with minutes late), cycling over the past sessions of the
  promotion. The Lua script sends each session's next version and, if a save is refused (409: someone saved
  first — which the benchmark avoids by cycling over more sessions than connections), reads the current version
  from the page;
* the trainer's and the coordinator's main pages: the running promotion's overview (``GET /cohorts/<uuid>``, 20
  trainees) and its risk list (``…/reports/risk``) as the coordinator, each session page (``GET
  /sessions/<uuid>``) as its trainer, and the coordinator's home;
* the mix: 70 % verification pages, 25 % dashboards, 5 % roster saves, interleaved. Beside wrk, a probe (one
  more client, a request every 50 ms) times trainee's homes and roster saves of its own one by one: wrk gives
  percentiles over all the mix, the targets are per kind.

Then, in process, the coordinator's home on the synthetic platform of ``bench/eligibility.py`` (10,000 trainees
in 500 running cohorts; ``--platform-cohorts``): the first request and the median of the next ones.

It prints, for each phase, the throughput, the latency percentiles (p50, p95, p99, from wrk) and the share of
the bare endpoint's throughput, the figures that opened issue 19 beside today's, a verdict per target of the
issue (OK / MISSED), and the load average of the machine before and after (the figures mean little on a busy
machine). Timings are never asserted.

    python bench/load.py                                   # SQLite in a temporary file
    python bench/load.py --database-url postgresql+psycopg://user@127.0.0.1:5432/postgres
    python bench/load.py --duration 5 --warmup 2           # quicker
    python bench/load.py --platform-cohorts 0              # without the 10,000-trainee platform
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.badges import CONNECTIONS, THREADS, WORKERS, JobWorker, Server, free_port, settle

SECRET_KEY = "bench-load-" * 4  # ≥ 32 characters: production accepts it; the servers get the same value
KEY_PASSPHRASE = "bench-load-key-passphrase"  # noqa: S105 - throw-away keys made for this run
USER_AGENT = "tremplin-bench-load"  # the same at login and under load (flask-login's session protection)
PASSWORD = "demo-tremplin"  # noqa: S105 - the demo's published password
MIX = {"verify": 70, "dashboard": 25, "roster": 5}
COORDINATOR = "coordination@example.org"  # the demo's coordinator
PROBE_ROSTERS = 3
PROBE_PAUSE = 0.05
#: The figures that opened issue 19 (same benchmark, before the work on it), printed beside today's.
OLD_FIGURES = {
    "sqlite": {
        "verify": "10.8 % of bare Flask",
        "dashboard": "123 req/s, 3.1 % of bare Flask, p95 154 ms",
        "roster_mix_p95": "p50 177 ms, p95 1,239 ms",
    },
    "postgresql": {"dashboard": "1.7 % of bare Flask", "roster_mix_p95": "p95 417 ms"},
}
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _lua(text: str) -> str:
    return json.dumps(text)  # a JSON string of ASCII text is a valid Lua string literal (non-ASCII is \\u-escaped)


# ------------------------------------------------------------------------------------------------ the demo


@dataclass
class Roster:
    uuid: str
    cookie: str
    csrf: str
    version: int
    fields: list[tuple[str, str]]  # every mark as saved, but the toggled trainee's
    toggled: str  # enrolment uuid of the trainee whose mark goes present ↔ late
    late_minutes: int  # minutes late when the toggled mark is "late"


@dataclass
class World:
    trainees: list[tuple[str, str]] = field(default_factory=list)  # (email, session cookie)
    awards: list[str] = field(default_factory=list)
    rosters: list[Roster] = field(default_factory=list)
    probe_rosters: list[Roster] = field(default_factory=list)  # saved only by the probe during the mix
    staff_pages: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # kind → [(path, cookie)]


def _open(client, method: str, path: str, **kwargs):
    """A request in an app context of its own (as in production: ``g``, and the logged-in user, not shared)."""
    with client.application.app_context():
        return client.open(path, method=method, headers={"User-Agent": USER_AGENT}, **kwargs)


def _login(client, email: str) -> str:
    page = _open(client, "GET", "/login").get_data(as_text=True)
    match = CSRF.search(page)
    if match is None:
        raise RuntimeError(f"no CSRF token on the login page: {page[:2000]}")
    token = match.group(1)
    response = _open(client, "POST", "/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    if response.status_code != 302:
        raise RuntimeError(f"could not log in as {email}: HTTP {response.status_code}")
    cookie = client.get_cookie("tremplin_session")
    return f"tremplin_session={cookie.value}"


ROSTER_SELECT = re.compile(r'name="status-([0-9a-f-]{36})"[^>]*>(.*?)</select>', re.S)
SELECTED = re.compile(r'value="(\w+)" selected')
MISSED = re.compile(r'name="((?:late|early)-[0-9a-f-]{36})" value="(\d*)"')


def roster_marks(html: str) -> tuple[dict[str, str], dict[str, str]]:
    """The roster form as saved: each trainee's status (the option selected) and the minutes late or left early."""
    marks = {}
    for key, options in ROSTER_SELECT.findall(html):
        chosen = SELECTED.search(options)
        marks[key] = chosen.group(1) if chosen else ""
    return marks, dict(MISSED.findall(html))


def prepare(app, trainees: int, rosters: int) -> World:
    """Log in (through the login form, in process: the cookies are valid for the servers, same secret key), pick
    the badges to verify and the rosters to save, and read each roster as its trainer opens it."""
    import sqlalchemy as sa

    from badges.models import Award, Visibility
    from core.db import db
    from core.models import User
    from courses.demo import ALUMNI, COHORT_CODE
    from courses.models import Cohort, Enrolment, TrainingSession

    world = World()
    cohort = db.session.scalar(sa.select(Cohort).where(Cohort.code == COHORT_CODE))
    emails = db.session.scalars(
        sa.select(User.email)
        .join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.cohort_id == cohort.id)
        .order_by(User.email)
    ).all()[:trainees]
    for email in emails:
        world.trainees.append((email, _login(app.test_client(), email)))
    world.awards = [
        str(u)
        for u in db.session.scalars(
            sa.select(Award.uuid)
            .where(Award.revoked_at.is_(None), Award.visibility != Visibility.DECLINED.value)
            .order_by(Award.id)
        )
    ][:200]
    # The running promotion's past sessions, then the previous promotion's: more rosters than connections.
    sessions = db.session.scalars(
        sa.select(TrainingSession)
        .join(Cohort, Cohort.id == TrainingSession.cohort_id)
        .where(
            Cohort.code.in_([COHORT_CODE, ALUMNI.code]),
            TrainingSession.on < date.today(),
            TrainingSession.cancelled.is_(False),
        )
        .order_by(Cohort.code != COHORT_CODE, TrainingSession.on.desc(), TrainingSession.starts_at)
    ).all()
    cookies: dict[str, tuple[str, object]] = {}
    for session in sessions:
        if len(world.rosters) >= rosters or not session.trainers:
            continue
        trainer = session.trainers[0].email
        if trainer not in cookies:
            client = app.test_client()
            cookies[trainer] = (_login(client, trainer), client)
        cookie, client = cookies[trainer]
        page = _open(client, "GET", f"/sessions/{session.uuid}")
        if page.status_code != 200:
            continue
        html = page.get_data(as_text=True)
        marks, missed = roster_marks(html)
        marks = {key: status for key, status in marks.items() if status}
        if len(marks) < 2:
            continue
        toggled = next(iter(marks))
        fields = [("action", "save")]
        for key, status in marks.items():
            if key != toggled:
                fields += [(f"status-{key}", status)]
                fields += [(name, missed.get(name, "")) for name in (f"late-{key}", f"early-{key}")]
        # The page put the CSRF secret in the session: the cookie to send is the one as it is now.
        cookie = f"tremplin_session={client.get_cookie('tremplin_session').value}"
        world.rosters.append(
            Roster(
                uuid=str(session.uuid),
                cookie=cookie,
                csrf=CSRF.search(html).group(1),
                version=int(re.search(r'name="roster_version" value="(\d+)"', html).group(1)),
                fields=fields,
                toggled=toggled,
                late_minutes=min(30, session.minutes - 1),
            )
        )
    # The probe's rosters (saved during the mix by the probe alone, so it knows their versions).
    world.probe_rosters = world.rosters[-PROBE_ROSTERS:]
    world.rosters = world.rosters[:-PROBE_ROSTERS]
    # The trainer's and the coordinator's main pages, on the running promotion (20 trainees in the demo).
    coordinator = app.test_client()
    coordinator_cookie = _login(coordinator, COORDINATOR)
    world.staff_pages = {
        "cohort": [(f"/cohorts/{cohort.uuid}", coordinator_cookie)],
        "risk": [(f"/cohorts/{cohort.uuid}/reports/risk", coordinator_cookie)],
        "session": [(f"/sessions/{r.uuid}", r.cookie) for r in world.rosters],
        "coordinator_home": [("/", coordinator_cookie)],
    }
    db.session.remove()
    if not (world.trainees and world.awards and world.rosters and world.probe_rosters):
        raise RuntimeError("the demo has no trainee, badge or roster to drive")
    return world


# ------------------------------------------------------------------------------------------------ wrk


def lua_script(world: World, kinds: list[str]) -> str:
    """A wrk script sending ``kinds`` in turn (each kind cycling over its targets), tallying the statuses."""
    verify = ", ".join(_lua(f"/verify/{u}") for u in world.awards)
    trainees = ", ".join(_lua(cookie) for _email, cookie in world.trainees)
    rosters = ", ".join(
        "{"
        + ", ".join(
            [
                _lua(f"/sessions/{r.uuid}"),
                _lua(r.uuid),
                _lua(r.cookie),
                _lua(urlencode([("csrf_token", r.csrf), *r.fields])),
                _lua(f"status-{r.toggled}"),
                _lua(f"late-{r.toggled}"),
                str(r.late_minutes),
                str(r.version),
            ]
        )
        + "}"
        for r in world.rosters
    )
    pages = ", ".join(
        f"[{_lua(kind)}] = {{" + ", ".join(f"{{{_lua(path)}, {_lua(cookie)}}}" for path, cookie in targets) + "}"
        for kind, targets in world.staff_pages.items()
    )
    return f"""
local kinds = {{{", ".join(_lua(k) for k in kinds)}}}
local pages = {{{pages}}}
local turn = {{}}
local verify = {{{verify}}}
local trainees = {{{trainees}}}
local rosters = {{{rosters}}}
local version, late, index = {{}}, {{}}, {{}}
for i, r in ipairs(rosters) do version[r[2]] = r[8]; late[r[2]] = false; index[r[2]] = i end
local k, v, t, s = 0, 0, 0, 0
local ua = {_lua(USER_AGENT)}
statuses = {{}}
conflicts = 0

function request()
  k = k % #kinds + 1
  local kind = kinds[k]
  if kind == "verify" then
    v = v % #verify + 1
    return wrk.format("GET", verify[v], {{["User-Agent"] = ua}}, nil)
  elseif kind == "dashboard" then
    t = t % #trainees + 1
    return wrk.format("GET", "/", {{["User-Agent"] = ua, ["Cookie"] = trainees[t]}}, nil)
  elseif pages[kind] then
    local targets = pages[kind]
    turn[kind] = (turn[kind] or 0) % #targets + 1
    local target = targets[turn[kind]]
    return wrk.format("GET", target[1], {{["User-Agent"] = ua, ["Cookie"] = target[2]}}, nil)
  end
  s = s % #rosters + 1
  local r = rosters[s]
  local id = r[2]
  late[id] = not late[id]
  local mark = "&" .. r[5] .. "=present&" .. r[6] .. "="
  if late[id] then mark = "&" .. r[5] .. "=late&" .. r[6] .. "=" .. r[7] end
  local body = r[4] .. "&roster_version=" .. version[id] .. mark
  version[id] = version[id] + 1
  return wrk.format("POST", r[1], {{
    ["User-Agent"] = ua, ["Cookie"] = r[3], ["Content-Type"] = "application/x-www-form-urlencoded"
  }}, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 409 then
    conflicts = conflicts + 1
    local id = string.match(body, "/sessions/([%x%-]+)/sheet%.pdf")
    local current = string.match(body, 'name="roster_version" value="(%d+)"')
    if id and current and version[id] then version[id] = tonumber(current) end
  end
end

local threads = {{}}
function setup(thread) table.insert(threads, thread) end

function done(summary, latency, requests)
  local counts = {{}}
  local refused = 0
  for _, thread in ipairs(threads) do
    for code, n in pairs(thread:get("statuses")) do counts[tostring(code)] = (counts[tostring(code)] or 0) + n end
    refused = refused + thread:get("conflicts")
  end
  local parts = {{}}
  for code, n in pairs(counts) do table.insert(parts, string.format('"%s": %d', code, n)) end
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {{"requests": %d, "duration_us": %d, "p50": %d, "p95": %d, "p99": %d, "max": %d, ' ..
    '"socket_errors": %d, "conflicts": %d, "statuses": {{%s}}}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.connect + e.read + e.write + e.timeout, refused,
    table.concat(parts, ", ")))
end
"""


BARE_SCRIPT = """
function request() return wrk.format("GET", "/", {["User-Agent"] = "tremplin-bench-load"}, nil) end
local threads = {}
function setup(thread) table.insert(threads, thread) end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests": %d, "duration_us": %d, "p50": %d, "p95": %d, "p99": %d, "max": %d, ' ..
    '"socket_errors": %d, "conflicts": 0, "statuses": {"non_2xx_3xx": %d}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.connect + e.read + e.write + e.timeout, e.status))
end
"""


def run_wrk(port: int, script: str, seconds: float, tmp: str) -> dict:
    path = Path(tmp) / f"load-{time.monotonic_ns()}.lua"
    path.write_text(script)
    command = [
        "wrk", "-t1", f"-c{CONNECTIONS}", f"-d{max(1, round(seconds))}s", "--timeout", "30s", "-s", str(path),
        f"http://127.0.0.1:{port}",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)  # noqa: S603
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed: {result.stderr or result.stdout}")
    line = next((x for x in result.stdout.splitlines() if x.startswith("BENCHJSON ")), None)
    if line is None:
        raise RuntimeError(f"unexpected wrk output:\n{result.stdout}\n{result.stderr}")
    figures = json.loads(line.removeprefix("BENCHJSON "))
    figures["rate"] = figures["requests"] / (figures["duration_us"] / 1e6)
    return figures


def mixed_kinds(mix: dict[str, int]) -> list[str]:
    """One cycle of 100 requests in the mix's proportions, interleaved (a fixed shuffle)."""
    kinds = [kind for kind, share in mix.items() for _ in range(share)]
    random.Random(7).shuffle(kinds)
    return kinds


def call(port: int, method: str, path: str, headers: dict[str, str], body: str | None = None) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def save_body(roster: Roster, late: bool) -> str:
    mark = [(f"status-{roster.toggled}", "late" if late else "present")]
    mark += [(f"late-{roster.toggled}", str(roster.late_minutes) if late else "")]
    return urlencode([("csrf_token", roster.csrf), *roster.fields, ("roster_version", str(roster.version)), *mark])


def save_headers(roster: Roster) -> dict[str, str]:
    return {"User-Agent": USER_AGENT, "Cookie": roster.cookie, "Content-Type": "application/x-www-form-urlencoded"}


def check(port: int, world: World) -> None:
    """Each kind of request works against the server before anything is measured."""
    status, page = call(port, "GET", f"/verify/{world.awards[0]}", {"User-Agent": USER_AGENT})
    if status != 200:
        raise RuntimeError(f"verification page: HTTP {status}")
    email, cookie = world.trainees[0]
    status, page = call(port, "GET", "/", {"User-Agent": USER_AGENT, "Cookie": cookie})
    if status != 200 or "/logout" not in page:
        raise RuntimeError(f"dashboard of {email}: HTTP {status} (not logged in?)")
    for roster in (world.rosters[0], world.probe_rosters[0]):
        status, page = call(port, "POST", f"/sessions/{roster.uuid}", save_headers(roster), save_body(roster, False))
        if status != 302:
            raise RuntimeError(f"roster save: HTTP {status}: {page[:500]}")
        roster.version += 1
    for kind, targets in world.staff_pages.items():
        path, cookie = targets[0]
        status, page = call(port, "GET", path, {"User-Agent": USER_AGENT, "Cookie": cookie})
        if status != 200 or "/logout" not in page:
            raise RuntimeError(f"{kind} page {path}: HTTP {status} (not logged in?)")


class Probe(threading.Thread):
    """During the mix, one more client (its own connection, a request every ``PROBE_PAUSE`` s) times the trainee's
    home and roster saves one by one: wrk gives percentiles over all requests, not per kind. It saves rosters of its
    own (``probe_rosters``), so it always knows their version."""

    def __init__(self, port: int, world: World):
        super().__init__(daemon=True)
        self.port, self.world = port, world
        self.stop = threading.Event()
        self.timings: dict[str, list[float]] = {"dashboard": [], "roster": []}
        self.failures: list[str] = []

    def run(self) -> None:
        turn = 0
        while not self.stop.is_set():
            turn += 1
            if turn % 4 == 0:  # a save for every three homes: enough saves for a p95 in a short run
                roster = self.world.probe_rosters[turn // 4 % len(self.world.probe_rosters)]
                started = time.perf_counter()
                status, _page = call(self.port, "POST", f"/sessions/{roster.uuid}", save_headers(roster),
                                     save_body(roster, turn // 4 % 2 == 1))  # fmt: skip
                kind, expected = "roster", 302
                if status == 302:
                    roster.version += 1
            else:
                _email, cookie = self.world.trainees[turn % len(self.world.trainees)]
                started = time.perf_counter()
                status, _page = call(self.port, "GET", "/", {"User-Agent": USER_AGENT, "Cookie": cookie})
                kind, expected = "dashboard", 200
            elapsed = time.perf_counter() - started
            if status == expected:
                self.timings[kind].append(elapsed)
            else:
                self.failures.append(f"{kind}: HTTP {status}")
            self.stop.wait(PROBE_PAUSE)

    def percentile(self, kind: str, share: float) -> float | None:
        values = sorted(self.timings[kind])
        if not values:
            return None
        return values[min(len(values) - 1, int(share * len(values)))]


def refresh_versions(app, world: World) -> None:
    """The rosters' versions as saved now (each run of wrk starts from them: the warm-up saved rosters too). The
    saves wrk left in flight when it stopped finish first: read until two reads a second apart agree."""
    import sqlalchemy as sa

    from core.db import db
    from courses.models import TrainingSession

    def read() -> dict:
        with app.app_context():
            query = sa.select(TrainingSession.uuid, TrainingSession.roster_version)
            saved = dict(db.session.execute(query).all())
            db.session.remove()
            db.engine.dispose()
        return saved

    saved, deadline = read(), time.monotonic() + 15
    while time.monotonic() < deadline:
        time.sleep(1)
        again = read()
        if again == saved:
            break
        saved = again
    for roster in world.rosters + world.probe_rosters:
        roster.version = saved[uuid.UUID(roster.uuid)]


def measure(port: int, script, args, tmp: str) -> dict:
    """A warm-up run, then the measured one; ``script()`` makes the Lua script afresh before each."""
    run_wrk(port, script(), args.warmup, tmp)
    return run_wrk(port, script(), args.duration, tmp)


def _ms(us: int) -> str:
    return f"{us / 1000:7.1f}"


def report(label: str, figures: dict, bare_rate: float | None) -> None:
    share = f"{figures['rate'] / bare_rate:6.1%}" if bare_rate else "     — "
    statuses = ", ".join(f"{code}: {n}" for code, n in sorted(figures["statuses"].items()))
    errors = figures["socket_errors"]
    extra = f"  [{statuses}{f'; socket errors {errors}' if errors else ''}"
    extra += f"; refused saves (409) {figures['conflicts']}]" if figures["conflicts"] else "]"
    print(
        f"  {label:<38} {figures['rate']:8.1f} req/s {share}  p50 {_ms(figures['p50'])} ms  "
        f"p95 {_ms(figures['p95'])} ms  p99 {_ms(figures['p99'])} ms{extra}"
    )


# ------------------------------------------------------------------------------------------------ main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a PostgreSQL server URL; default: SQLite in a temporary file")
    parser.add_argument("--duration", type=float, default=20, help="seconds of measured load per phase (20)")
    parser.add_argument("--warmup", type=float, default=5, help="seconds of warm-up load before each phase (5)")
    parser.add_argument("--trainees", type=int, default=20, help="trainees logged in for the dashboards (20)")
    parser.add_argument("--rosters", type=int, default=40, help="rosters saved in turn (40; > connections)")
    parser.add_argument(
        "--platform-cohorts",
        type=int,
        default=500,
        help="cohorts of 20 of the platform of bench/eligibility.py for the coordinator's home (500; 0: skip)",
    )
    parser.add_argument("--platform-runs", type=int, default=5, help="requests of the coordinator's home timed (5)")
    args, ignored = parser.parse_known_args()  # bench/run gives every benchmark the same arguments
    if ignored:
        print(f"(bench/load.py ignores {' '.join(ignored)})")
    if shutil.which("wrk") is None:
        print("bench/load.py needs wrk (Debian package wrk): skipped.")
        return
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up (servers, database) on SIGTERM too

    from flask_migrate import upgrade

    from bench.eligibility import fresh_database
    from core import create_app
    from core.db import db

    port, bare_port = free_port(), free_port()
    base_url = f"http://127.0.0.1:{port}"  # written into every credential the demo issues
    url, cleanup = fresh_database(args.database_url)
    config = {
        "ENV": "testing",
        "SECRET_KEY": SECRET_KEY,
        "BADGES_KEY_PASSPHRASE": KEY_PASSPHRASE,
        "SQLALCHEMY_DATABASE_URI": url,
        "BASE_URL": base_url,
    }
    app = create_app(config)
    try:
        with app.app_context():
            started = time.perf_counter()
            upgrade()
            result = app.test_cli_runner().invoke(args=["demo"])
            if result.exit_code != 0:
                raise RuntimeError(f"tremplin demo failed:\n{result.output}")
            world = prepare(app, args.trainees, args.rosters)
            dialect = db.engine.dialect.name
            settle(db.engine)
            db.engine.dispose()  # the servers get the database to themselves
        print(
            f"== load benchmark on {dialect}: the demo ({time.perf_counter() - started:.0f} s to set up), "
            f"{len(world.trainees)} trainees logged in, {len(world.rosters)} rosters, {len(world.awards)} badges"
        )
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("TREMPLIN_") and k != "DATABASE_URL"},
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET_KEY,
            "TREMPLIN_BASE_URL": base_url,
            "TREMPLIN_ENV": "production",
            "TREMPLIN_BADGES_KEY_PASSPHRASE": KEY_PASSPHRASE,
        }
        before = os.getloadavg()
        phases = [
            ("verify", "GET /verify/<uuid> (HTML, anonymous)", ["verify"]),
            ("dashboard", "GET / (trainee's home)", ["dashboard"]),
            ("roster", "POST /sessions/<uuid> (roster save)", ["roster"]),
            ("cohort", "GET /cohorts/<uuid> (cohort overview, 20)", ["cohort"]),
            ("session", "GET /sessions/<uuid> (trainer's session)", ["session"]),
            ("risk", "GET /cohorts/<uuid>/reports/risk", ["risk"]),
            ("coordinator_home", "GET / (coordinator's home, demo)", ["coordinator_home"]),
            ("mix", f"mix {MIX['verify']}/{MIX['dashboard']}/{MIX['roster']} verify/home/roster", mixed_kinds(MIX)),
        ]
        results: dict[str, dict] = {}
        probe = Probe(port, world)
        with tempfile.TemporaryDirectory() as tmp:
            servers = []
            try:
                servers.append(Server("wsgi:app", port, env, tmp, "tremplin"))
                servers.append(Server("bench.badges:bare_app()", bare_port, env, tmp, "bare"))
                servers.append(JobWorker(env, tmp))  # runs what the pages enqueue (roster saves: badges)
                servers[0].wait_ready("/healthz")
                servers[1].wait_ready("/")
                check(port, world)
                bare = measure(bare_port, lambda: BARE_SCRIPT, args, tmp)
                for key, _label, kinds in phases:

                    def script(kinds=kinds) -> str:
                        refresh_versions(app, world)
                        return lua_script(world, kinds)

                    if key == "mix":
                        run_wrk(port, script(), args.warmup, tmp)
                        probe.start()  # the probe runs beside wrk's measured run only
                        results[key] = run_wrk(port, script(), args.duration, tmp)
                        probe.stop.set()
                        probe.join(timeout=60)
                    else:
                        results[key] = measure(port, script, args, tmp)
                bare_after = run_wrk(bare_port, BARE_SCRIPT, args.duration, tmp)  # the floor again, at the end
            finally:
                probe.stop.set()
                for server in servers:
                    server.stop()
        after = os.getloadavg()
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        cleanup.cleanup()

    platform = None if args.platform_cohorts <= 0 else platform_home(args)
    after_platform = os.getloadavg()

    print(
        f"gunicorn {WORKERS} gthread workers × {THREADS} threads, wrk 1 thread × {CONNECTIONS} keep-alive "
        f"connections, {args.duration:g} s per phase after {args.warmup:g} s warm-up; "
        f"load average before {before[0]:.2f} {before[1]:.2f} {before[2]:.2f}, "
        f"after {after[0]:.2f} {after[1]:.2f} {after[2]:.2f} (the load before says how quiet the machine was — "
        "above ~1 on 2 cores, others were busy; the one after includes this benchmark's own ~3 busy processes)"
    )
    old = OLD_FIGURES.get(dialect, {})
    bare_rate = (bare["rate"] + bare_after["rate"]) / 2
    report("floor: bare Flask JSON (first)", bare, None)
    report("floor: bare Flask JSON (last)", bare_after, None)
    for key, label, _kinds in phases:
        report(label, results[key], bare_rate)
        if key in old:
            print(f"  {'':<41} before issue 19: {old[key]}")
    mixed = results["mix"]
    shares = ", ".join(f"{kind} {mixed['rate'] * share / 100:.1f} req/s" for kind, share in MIX.items())
    print(f"  in the mix: {shares} (shares of its throughput)")
    home_p95, save_p95 = probe.percentile("dashboard", 0.95), probe.percentile("roster", 0.95)
    print(
        f"  probe in the mix (one more client, one request at a time): trainee's home "
        f"{len(probe.timings['dashboard'])} requests, p50 {_probe_ms(probe.percentile('dashboard', 0.5))}, "
        f"p95 {_probe_ms(home_p95)}; roster save {len(probe.timings['roster'])} saves, "
        f"p50 {_probe_ms(probe.percentile('roster', 0.5))}, p95 {_probe_ms(save_p95)}"
        + (f"; failures: {', '.join(sorted(set(probe.failures)))}" if probe.failures else "")
    )
    if "roster_mix_p95" in old:
        print(f"  {'':<41} before issue 19: roster save {old['roster_mix_p95']}")
    if platform is not None:
        print(
            f"  coordinator's home on the platform of bench/eligibility.py ({platform['trainees']:,} trainees, "
            f"{platform['cohorts']} cohorts), in process: median {platform['median'] * 1000:.1f} ms of "
            f"{platform['runs']} (CPU {platform['cpu'] * 1000:.1f} ms); the first request, which evaluates every "
            f"running cohort, {platform['first'] * 1000:.0f} ms (CPU {platform['first_cpu'] * 1000:.0f} ms); "
            f"load average after {after_platform[0]:.2f}"
        )

    def share(key: str) -> float:
        return results[key]["rate"] / bare_rate

    verdicts = [
        ("trainee's home ≥ 25 % of bare Flask", share("dashboard") >= 0.25, f"{share('dashboard'):.1%}"),
        ("trainee's home p95 < 50 ms in the mix", home_p95 is not None and home_p95 < 0.05, _probe_ms(home_p95)),
        ("roster save p95 < 100 ms in the mix", save_p95 is not None and save_p95 < 0.1, _probe_ms(save_p95)),
        ("cohort overview ≥ 20 % of bare Flask", share("cohort") >= 0.2, f"{share('cohort'):.1%}"),
        ("trainer's session page ≥ 20 % of bare Flask", share("session") >= 0.2, f"{share('session'):.1%}"),
        ("risk list ≥ 20 % of bare Flask", share("risk") >= 0.2, f"{share('risk'):.1%}"),
    ]
    if platform is not None:
        verdicts.append(
            (
                f"coordinator's home, {platform['trainees']:,} trainees < 100 ms",
                platform["median"] < 0.1,
                f"{platform['median'] * 1000:.1f} ms",
            )
        )
    print(f"targets of issue 19 on {dialect} (figures from a loaded machine mean little):")
    for name, ok, figure in verdicts:
        print(f"  {'OK    ' if ok else 'MISSED'} {name:<48} {figure}")


def _probe_ms(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds * 1000:.1f} ms"


def platform_home(args) -> dict:
    """The coordinator's home on the synthetic platform of ``bench/eligibility.py`` (its data builder), in process
    through the test client: the median wall time of ``--platform-runs`` requests after the first. The first one
    evaluates every running cohort (what each request did before the evaluations were remembered: issue 19)."""
    import sqlalchemy as sa

    from bench.eligibility import build, fresh_database
    from core import create_app
    from core import services as core_services
    from core.db import db

    url, cleanup = fresh_database(args.database_url)
    app = create_app(
        {
            "ENV": "testing",
            "SECRET_KEY": SECRET_KEY,
            "SQLALCHEMY_DATABASE_URI": url,
            "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
            "WTF_CSRF_ENABLED": False,  # logged in with a plain POST
        }
    )
    try:
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            build(args.platform_cohorts, 20, 40)
            core_services.create_user("coordination@bench.example", "Coordination", ["admin"], password=PASSWORD)
            db.session.commit()
            trainees = db.session.scalar(sa.text("SELECT count(*) FROM enrolment"))
            settle(db.engine)
            db.session.remove()
        client = app.test_client()
        response = client.post(
            "/login", data={"email": "coordination@bench.example", "password": PASSWORD}, headers={"User-Agent": "x"}
        )
        if response.status_code != 302:
            raise RuntimeError(f"could not log in on the platform: HTTP {response.status_code}")
        walls, cpus = [], []
        for _run in range(args.platform_runs + 1):
            started, cpu = time.perf_counter(), time.process_time()
            response = client.get("/", headers={"User-Agent": "x"})
            if response.status_code != 200:
                raise RuntimeError(f"coordinator's home on the platform: HTTP {response.status_code}")
            walls.append(time.perf_counter() - started)
            cpus.append(time.process_time() - cpu)
        return {
            "trainees": trainees,
            "cohorts": args.platform_cohorts,
            "runs": args.platform_runs,
            "first": walls[0],
            "first_cpu": cpus[0],
            "median": statistics.median(walls[1:]),
            "cpu": statistics.median(cpus[1:]),
        }
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        cleanup.cleanup()


if __name__ == "__main__":
    main()
