"""The deadline rush: every liaison with an open round report at once, each
account in several sessions, with supervisors and leadership reading meanwhile.

    .venv/bin/python benchmarks/rush_bench.py [--liaisons N] [--sessions S]
        [--readers R] [--workers W] [--threads T] [--claim mixed|assign|inbox]
        [--keep] [--previous REF]

Seeds the demo on a PostgreSQL database of its own (`bench_rush`, dropped and
made anew; the server is RUSH_BENCH_DATABASE_URL, else DATABASE_URL when it
names PostgreSQL, else postgres://postgres@127.0.0.1:5432/postgres) with
`manage.py migrate` and `manage.py load_demo`, turns the demo accounts into
ordinary ones (production refuses to start with demo accounts), and serves it
as production does: gunicorn with deploy/gunicorn.conf.py and a Celery worker,
DJANGO_ENV=production, Redis database 15 (RUSH_BENCH_BROKER) as the broker.

Each of N liaisons (default: every liaison whose unit has a round report waiting
to be filled) runs S sessions (default 1; 4 is a unit's clerks sharing an
account, a double click, a phone and a PC). A session, as a person does:
log in (the POST and the page it lands on), open 我的待办 (inbox), open the
report the round's notice links to (report), claim it (claim: the report
page's 办理 button, viewflow's 领取 URL, or the inbox's 办理 button that claims and
opens; --claim mixed alternates them by session), open the fill page (fill
page), save a draft with its own text in every entry (save: the POST and the
reloaded form) and submit it (submit: the POST and the page it lands on). All
sessions start together and the sessions of one account take each step at the
same moment. R readers (default 4, alternately `supervisor` and `leadership`)
load the plan's ledger and dashboard in a loop meanwhile.

Printed: the date, CPU count and load average at the start; p50/p95/max per
step; errors by kind (5xx, connection errors, pages saying 无权访问 — the 403
page — shown to the owner or a colleague, other 4xx, forms refused); the other
outcomes (conflicts shown, already done/taken shown); silent overwrites; and
the integrity check after the run.

Contracts with changes under way (both today's and the new behaviour count):
- a save (or submit) from a stale page may answer 409 with a form
  id="draft-conflict": the bench submits it with its default values and counts
  a conflict shown, not an error;
- a step already taken or done elsewhere may answer a page with an element
  id="step-already-done" (200 or 409): counted as already done/taken shown,
  not an error (today's code answers the 403 page: counted as 无权访问).

A silent overwrite is an accepted write (a save or a submit that answered a
redirect, with no conflict page in between) of a report from a page that
session received before another session's accepted write of the same report
finished (its response received), that write finishing before this one did: the
other session's text was replaced without anyone being told. A conflict form
counts as the page it was received.

The integrity check: exactly one `report.submit` audit row per report and its
fill step done once (the workflow's state); every entry the bench wrote holds
exactly one of its own account's sessions' texts (one not sent for it, or
another report's, is counted); `manage.py verify_audit` passes.

With --previous REF, the same bench runs first on the code of that git commit
(exported with `git archive`, on the database `bench_rush_previous`), then on
this checkout, one after the other, and both are printed side by side.
"""

import argparse
import datetime
import http.client
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from previous_code import export_commit

BASE_DIR = Path(__file__).resolve().parent.parent
BROKER = os.environ.get("RUSH_BENCH_BROKER", "redis://127.0.0.1:6379/15")
PASSWORD = "Xingtai-Demo-2023"
REQUEST_TIMEOUT = 180
START_TIMEOUT = 120
STEPS = ("login page", "login", "inbox", "report", "claim", "fill page", "save", "submit")
READER_STEPS = ("reader login", "ledger", "dashboard")

# --- the database and the servers ---------------------------------------------------


def admin_url() -> str:
    for name in ("RUSH_BENCH_DATABASE_URL", "DATABASE_URL"):
        url = os.environ.get(name, "")
        if url.startswith(("postgres://", "postgresql://")):
            return url
    return "postgres://postgres@127.0.0.1:5432/postgres"


def database_url(name: str) -> str:
    parts = urllib.parse.urlsplit(admin_url())
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def admin_sql(statement: str) -> None:
    import psycopg

    with psycopg.connect(admin_url(), autocommit=True) as connection:
        connection.execute(statement)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run(command: list[str], code: Path, env: dict[str, str], timeout: int = 1800) -> str:
    done = subprocess.run(
        command, cwd=code, env=env, capture_output=True, text=True, timeout=timeout
    )
    if done.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return done.stdout


# Run by `manage.py shell -c` in the code under test: who will report, and where.
SEED_INFO = """
import json
from departments.models import User
from rounds.flows import ReportFlow
from rounds.models import Round, UnitReport
from viewflow.workflow.models import Task
User.objects.filter(is_demo=True).update(is_demo=False)
waiting = Task.objects.filter(flow_task=ReportFlow.fill, status="NEW")
current = Round.objects.filter(status=Round.Status.OPEN).order_by("-opens_on", "-pk").first()
reports = UnitReport.objects.filter(pk__in=waiting.values("process_id"), round=current)
people = []
for report in reports.order_by("unit__sort_order", "pk"):
    liaison = User.objects.filter(unit=report.unit, role=User.Role.LIAISON, is_active=True)
    liaison = liaison.order_by("username").first()
    if liaison is not None:
        people.append({"username": liaison.username, "report": report.pk,
                       "tasks": sorted(report.entries.values_list("task_id", flat=True))})
plan = current.plan_id
print(json.dumps({"people": people, "plan": plan}))
"""

# Run after the load: what was stored. Reads the texts sent from RUSH_SENT (JSON).
CHECK = """
import json, os
from audit.models import AuditEvent
from rounds.flows import ReportFlow
from rounds.models import Entry, UnitReport
from viewflow.workflow.models import Task
sent = json.load(open(os.environ["RUSH_SENT"]))
owner = {}
for report, tasks in sent.items():
    for task, texts in tasks.items():
        for text in texts:
            owner[text] = (report, task)
out = {"reports": 0, "submitted_once": 0, "submit_rows": {}, "fill_done": {}, "entries": 0,
       "own_text": 0, "not_sent": 0, "cross_report": 0, "other_task": 0, "examples": []}
for report_pk, tasks in sent.items():
    report = UnitReport.objects.get(pk=int(report_pk))
    out["reports"] += 1
    rows = AuditEvent.objects.filter(action="report.submit", object_id=str(report.pk), outcome="ok")
    rows = rows.filter(object_type__icontains="report").count()
    done = Task.objects.filter(process_id=report.pk, flow_task=ReportFlow.fill, status="DONE")
    done = done.count()
    out["submit_rows"][str(rows)] = out["submit_rows"].get(str(rows), 0) + 1
    out["fill_done"][str(done)] = out["fill_done"].get(str(done), 0) + 1
    out["submitted_once"] += rows == 1 and done == 1
    for entry in Entry.objects.filter(report=report, task_id__in=[int(t) for t in tasks]):
        out["entries"] += 1
        mine = tasks.get(str(entry.task_id), [])
        if entry.progress in mine:
            out["own_text"] += 1
            continue
        whose = owner.get(entry.progress)
        kind = "not_sent" if whose is None else (
            "cross_report" if whose[0] != report_pk else "other_task")
        out[kind] += 1
        if len(out["examples"]) < 5:
            out["examples"].append([report.pk, entry.task_id, kind, entry.progress[:60]])
print(json.dumps(out))
"""


@dataclass
class Server:
    url: str
    env: dict[str, str]
    logs: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self, name: str, command: list[str], code: Path) -> None:
        out = (self.logs / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(
            command,
            cwd=code,
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        out.close()

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")

    def stop(self) -> dict[str, int | None]:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        codes: dict[str, int | None] = {}
        for name, process in self.processes.items():
            try:
                codes[name] = process.wait(timeout=45)
            except subprocess.TimeoutExpired:
                codes[name] = None
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(timeout=10)
        return codes

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        last: Any = None
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise SystemExit(f"{name} exited:\n{self.log(name)[-3000:]}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=5) as response:
                    if response.status == 200:
                        return
            except urllib.error.HTTPError as error:
                last = error.code
            except (urllib.error.URLError, OSError) as error:
                last = error
            time.sleep(0.5)
        raise SystemExit(f"/healthz never answered 200 ({last}):\n{self.log('gunicorn')[-3000:]}")


# --- HTTP as a browser does it ---------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class _BehindTls(http.cookiejar.DefaultCookiePolicy):
    """nginx ends TLS before gunicorn: the Secure cookies go back as a browser's would."""

    def return_ok_secure(self, cookie: Any, request: Any) -> bool:
        return True


@dataclass
class Response:
    status: int
    url: str
    location: str
    body: str
    seconds: float


class Browser:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar(policy=_BehindTls())
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )
        self.referer = base + "/"

    def request(self, path: str, data: dict[str, Any] | list | None = None) -> Response:
        url = path if path.startswith("http") else self.base + path
        headers = {"X-Forwarded-Proto": "https", "Referer": self.referer}
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data, doseq=True).encode()
            headers["Origin"] = self.base
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(url, data=body, headers=headers)
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=REQUEST_TIMEOUT) as answer:
                status, text, location = answer.status, answer.read(), ""
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read()
            location = error.headers.get("Location", "")
        seconds = time.perf_counter() - started
        if status == 200:
            self.referer = url
        if location:
            location = urllib.parse.urljoin(url, location)
        return Response(status, url, location, text.decode("utf-8", "replace"), seconds)

    def follow(self, first: Response) -> Response:
        """Follow redirects as a browser would; the total time in the last one."""
        answer, total = first, first.seconds
        for _n in range(5):
            if answer.status not in (301, 302, 303) or not answer.location:
                break
            answer = self.request(answer.location)
            total += answer.seconds
        answer.seconds = total
        return answer

    def csrf(self) -> str:
        return next((c.value for c in self.jar if c.name == "csrftoken"), "")


@dataclass
class Form:
    attrs: dict[str, str]
    fields: list[tuple[str, str]] = field(default_factory=list)
    selects: dict[str, list[str]] = field(default_factory=dict)


class Page(HTMLParser):
    """The forms of a page with the values a browser would send, and the ids seen."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.ids: set[str] = set()
        self._form: Form | None = None
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: str | None = None
        self._selected: str | None = None
        self._first: str | None = None
        self._option: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "form":
            self._form = Form(a)
            self.forms.append(self._form)
        form = self._form
        if form is None or ("name" not in a and tag != "option"):
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "file", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            form.fields.append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea":
            self._textarea, self._text = a["name"], []
        elif tag == "select":
            self._select, self._selected, self._first = a["name"], None, None
            form.selects[a["name"]] = []
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            form.selects[self._select].append(value)
            if self._first is None:
                self._first = value
            if "selected" in a:
                self._selected = value

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea is not None and self._form is not None:
            text = "".join(self._text)
            self._form.fields.append((self._textarea, text[1:] if text[:1] == "\n" else text))
            self._textarea = None
        elif tag == "select" and self._select is not None and self._form is not None:
            chosen = self._selected if self._selected is not None else self._first
            if chosen is not None:
                self._form.fields.append((self._select, chosen))
            self._select = None
        elif tag == "form":
            self._form = None

    def form(self, **match: str) -> Form | None:
        for form in self.forms:
            if all(re.search(pattern, form.attrs.get(name, "")) for name, pattern in match.items()):
                return form
        return None


# --- what happened ---------------------------------------------------------------------


@dataclass
class Write:
    report: int
    session: str
    kind: str
    loaded: float  # when the page it was sent from was received
    finished: float  # when its answer was received
    warned: bool


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: Counter[str] = Counter()
        self.outcomes: Counter[str] = Counter()
        self.examples: dict[str, str] = {}
        self.writes: list[Write] = []
        self.sent: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        self.reload_foreign = 0
        self.reloads = 0

    def time(self, step: str, seconds: float) -> None:
        with self.lock:
            self.times[step].append(seconds)

    def error(self, step: str, kind: str, detail: str = "") -> None:
        with self.lock:
            self.errors[f"{kind} ({step})"] += 1
            self.examples.setdefault(f"{kind} ({step})", detail[:200])

    def outcome(self, name: str) -> None:
        with self.lock:
            self.outcomes[name] += 1


FORBIDDEN_WORDS = ("无权访问", "Not allowed")


def judge(tally: Tally, step: str, answer: Response | Exception) -> str:
    """ "ok", "conflict", "already" or "error" (counted by kind)."""
    if isinstance(answer, Exception):
        tally.error(step, "connection error", repr(answer))
        return "error"
    if answer.status >= 500:
        tally.error(step, "5xx", f"{answer.status} {answer.url}")
        return "error"
    if 'id="step-already-done"' in answer.body:
        tally.outcome(f"already done/taken shown ({step})")
        return "already"
    if answer.status == 409 and 'id="draft-conflict"' in answer.body:
        tally.outcome(f"conflict shown ({step})")
        return "conflict"
    if answer.status == 403 and any(word in answer.body for word in FORBIDDEN_WORDS):
        tally.error(step, "无权访问 to the owner or a colleague", answer.url)
        return "error"
    if 400 <= answer.status < 500:
        tally.error(step, f"other 4xx ({answer.status})", answer.url)
        return "error"
    return "ok"


# --- the people ---------------------------------------------------------------------------


class Account:
    """The sessions of one account take each step at the same moment."""

    POINTS = 3  # before the claim, the save and the submit

    def __init__(self, person: dict[str, Any], sessions: int) -> None:
        self.person = person
        self.barrier = threading.Barrier(sessions)


def guarded(step: str, tally: Tally, call: Any) -> Response | Exception:
    try:
        return call()
    except (OSError, http.client.HTTPException) as error:
        return error
    except Exception as error:  # any failure is counted, never fatal
        tally.error(step, "bench failure", repr(error))
        return error


def fill_data(
    form: Form, mine: dict[str, str], tasks: list[int], action: str
) -> list[tuple[str, str]]:
    """The form's values with this session's text in every entry it may edit."""
    values = [
        (name, value)
        for name, value in form.fields
        if not re.fullmatch(r"e\d+-same", name) and name != "action"
    ]
    out = []
    for name, value in values:
        task = re.fullmatch(r"e(\d+)-(progress|schedule|v\d+)", name)
        if task and int(task.group(1)) in tasks:
            what = task.group(2)
            if what == "progress":
                value = mine[task.group(1)]
            elif what == "schedule" and not value:
                value = next((v for v in form.selects.get(name, []) if v), "")
            elif what.startswith("v") and not value:
                value = "1"
        out.append((name, value))
    out.append(("action", action))
    return out


def write(
    browser: Browser,
    tally: Tally,
    step: str,
    action_url: str,
    data: list[tuple[str, str]],
    loaded: float,
    session: str,
    report: int,
) -> tuple[str, Response | None]:
    """POST a save or a submit; answer a draft conflict with its form as offered."""
    warned = False
    for _attempt in range(4):
        answer = guarded(step, tally, lambda u=action_url, d=data: browser.request(u, d))
        verdict = judge(tally, step, answer)
        if verdict == "conflict" and isinstance(answer, Response):
            warned = True
            tally.time(step, answer.seconds)
            loaded = time.monotonic()
            form = Page(answer.body).form(id="^draft-conflict$")
            if form is None:
                tally.error(step, "conflict page without its form", answer.url)
                return "error", None
            data = form.fields
            action_url = urllib.parse.urljoin(answer.url, form.attrs.get("action") or answer.url)
            continue
        if verdict != "ok" or not isinstance(answer, Response):
            if isinstance(answer, Response):
                tally.time(step, answer.seconds)
            return verdict, answer if isinstance(answer, Response) else None
        if answer.status not in (302, 303):
            tally.time(step, answer.seconds)
            tally.error(step, "form refused", re.sub(r"\s+", " ", _form_error(answer.body)))
            return "error", answer
        finished = time.monotonic()
        with tally.lock:
            tally.writes.append(Write(report, session, step, loaded, finished, warned))
        landed = guarded(step, tally, lambda a=answer: browser.follow(a))
        if isinstance(landed, Response):
            tally.time(step, landed.seconds)
            return judge(tally, step + " (page after)", landed), landed
        judge(tally, step + " (page after)", landed)
        return "error", None
    tally.error(step, "conflict after conflict", action_url)
    return "error", None


def _form_error(body: str) -> str:
    found = re.search(r'data-testid="form-error"[^>]*>(.*?)</div>', body, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)) if found else body[:200]


def liaison(
    base: str,
    account: Account,
    number: int,
    claim_via: str,
    start: threading.Barrier,
    tally: Tally,
    nonce: str,
) -> None:
    person = account.person
    username, report, tasks = person["username"], person["report"], person["tasks"]
    session = f"{username}#{number}"
    mine = {str(t): f"{username} 第{number + 1}会话 任务{t} 本期进展 {nonce}" for t in tasks}
    browser = Browser(base)
    points = 0
    alive = True

    def together() -> None:
        nonlocal points
        points += 1
        try:
            account.barrier.wait(timeout=600)
        except threading.BrokenBarrierError:
            pass

    def step(name: str, call: Any) -> Response | None:
        nonlocal alive
        answer = guarded(name, tally, call)
        verdict = judge(tally, name, answer)
        if isinstance(answer, Response):
            tally.time(name, answer.seconds)
        if verdict != "ok" or not isinstance(answer, Response):
            alive = False
            return None
        return answer

    try:
        start.wait(timeout=600)
        login_page = step("login page", lambda: browser.request("/login/"))
        if login_page is not None:
            credentials = {
                "csrfmiddlewaretoken": browser.csrf(),
                "username": username,
                "password": PASSWORD,
            }
            answer = step("login", lambda: browser.follow(browser.request("/login/", credentials)))
            if answer is not None and "/login/" in answer.url:
                tally.error("login", "login refused", username)
                alive = False
        inbox = step("inbox", lambda: browser.request("/my-tasks/")) if alive else None
        page = step("report", lambda: browser.request(f"/reports/{report}/")) if alive else None
        claim_url = execute_url = ""
        if page is not None:
            found = re.search(r'action="([^"]*/(\d+)/assign/)"', page.body)
            do = re.search(r'href="([^"]*/\d+/execute/)"', page.body)
            if found:
                claim_url, step_pk = found.group(1), found.group(2)
                execute_url = claim_url.replace("/assign/", "/execute/")
                inbox_has_it = inbox is not None and f'value="{step_pk}"' in inbox.body
            elif do:
                execute_url, step_pk, inbox_has_it = do.group(1), "", False
            else:
                tally.error("report", "no step to take on the report page", username)
                alive = False
        together()
        if alive and claim_url:
            by_inbox = claim_via == "inbox" or (claim_via == "mixed" and number % 2 == 1)
            if by_inbox and inbox_has_it:
                url, data = "/my-tasks/", {"step": step_pk}
            else:
                url, data = claim_url, {"_continue": "1"}
            data["csrfmiddlewaretoken"] = browser.csrf()
            answer = guarded("claim", tally, lambda: browser.request(url, data))
            verdict = judge(tally, "claim", answer)
            if isinstance(answer, Response):
                tally.time("claim", answer.seconds)
            if verdict == "error" and not isinstance(answer, Response):
                alive = False
            elif verdict == "error" and answer.status >= 500:  # type: ignore[union-attr]
                alive = False
            # After the claim (or the page saying it is taken), the person opens the
            # report's 办理 link: the step's fill page.
        fill = step("fill page", lambda: browser.request(execute_url)) if alive else None
        form = None
        if fill is not None:
            form = Page(fill.body).form(**{"class": "report-form"})
            if form is None:
                tally.error("fill page", "no report form", fill.url)
                alive = False
        loaded = time.monotonic()
        together()
        reloaded = None
        if alive and form is not None:
            data = fill_data(form, mine, tasks, "save")
            with tally.lock:
                for task, text in mine.items():
                    tally.sent[str(report)][task].append(text)
            verdict, reloaded = write(
                browser,
                tally,
                "save",
                fill.url,
                data,
                loaded,
                session,
                report,  # type: ignore[union-attr]
            )
            if verdict != "ok" or reloaded is None:
                alive = False
            else:
                loaded = time.monotonic()
                form = Page(reloaded.body).form(**{"class": "report-form"})
                if form is None:
                    alive = False
                    tally.error("save", "reload without the form", reloaded.url)
                else:
                    shown = dict(form.fields)
                    with tally.lock:
                        tally.reloads += 1
                        tally.reload_foreign += any(
                            shown.get(f"e{t}-progress") not in (None, text)
                            for t, text in mine.items()
                        )
        together()
        if alive and form is not None and reloaded is not None:
            # 提交 on the reloaded page: what it shows, as the person sees it.
            shown = [(k, v) for k, v in form.fields if k != "action"]
            data = [*shown, ("action", "submit")]
            write(browser, tally, "submit", reloaded.url, data, loaded, session, report)
    finally:
        while points < Account.POINTS:
            together()


def reader(
    base: str,
    username: str,
    plan: int,
    start: threading.Barrier,
    stop: threading.Event,
    tally: Tally,
) -> None:
    browser = Browser(base)
    start.wait(timeout=600)
    page = guarded("reader login", tally, lambda: browser.request("/login/"))
    if judge(tally, "reader login", page) != "ok":
        return
    credentials = {
        "csrfmiddlewaretoken": browser.csrf(),
        "username": username,
        "password": PASSWORD,
    }
    answer = guarded(
        "reader login", tally, lambda: browser.follow(browser.request("/login/", credentials))
    )
    if judge(tally, "reader login", answer) != "ok" or not isinstance(answer, Response):
        return
    tally.time("reader login", answer.seconds)
    while not stop.is_set():
        for name, path in (
            ("ledger", f"/plans/{plan}/ledger/"),
            ("dashboard", f"/plans/{plan}/dashboard/"),
        ):
            answer = guarded(name, tally, lambda p=path: browser.request(p))
            if judge(tally, name, answer) == "ok" and isinstance(answer, Response):
                tally.time(name, answer.seconds)
            if stop.is_set():
                return


def silent_overwrites(writes: list[Write]) -> dict[str, int]:
    """Accepted writes from a page received before another session's accepted write
    of the same report finished, that write finishing first (see the docstring)."""
    counts: Counter[str] = Counter()
    by_report: dict[int, list[Write]] = defaultdict(list)
    for w in writes:
        by_report[w.report].append(w)
    for w in writes:
        if any(
            o.session != w.session and w.loaded < o.finished < w.finished
            for o in by_report[w.report]
        ):
            counts[w.kind] += 1
    return {"save": counts["save"], "submit": counts["submit"]}


def quantiles(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered) + 0.5) - 1))]
    return {
        "n": len(ordered),
        "p50": round(statistics.median(ordered), 3),
        "p95": round(p95, 3),
        "max": round(ordered[-1], 3),
    }


# --- one run ------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def cpu_by_kind() -> dict[str, float]:
    """CPU seconds used so far (user + system) by the web server (gunicorn), the
    database server (postgres), this bench (the client), the rest of the machine,
    and the machine in all, from /proc: the difference over the load says what the
    two cores were doing. Ended processes are not counted (none end during it)."""
    tick = os.sysconf("SC_CLK_TCK")
    kinds: dict[str, float] = {"gunicorn": 0.0, "postgres": 0.0, "client": 0.0, "other": 0.0}
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        seconds = (int(fields[11]) + int(fields[12])) / tick
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        if int(entry) == me:
            kind = "client"
        elif b"gunicorn" in cmdline:
            kind = "gunicorn"
        elif name.startswith("postgres"):
            kind = "postgres"
        else:
            kind = "other"
        kinds[kind] += seconds
    with open("/proc/stat") as handle:
        total = [int(x) for x in handle.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal: busy = all but idle and iowait.
    kinds["machine busy"] = (sum(total[:8]) - total[3] - total[4]) / tick
    return kinds


def bench(code: Path, database: str, args: argparse.Namespace, label: str) -> dict[str, Any]:
    started_at = machine()
    python = str(BASE_DIR / ".venv" / "bin" / "python")
    if not Path(python).exists():
        python = sys.executable
    bin_dir = Path(python).parent
    admin_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    admin_sql(f'CREATE DATABASE "{database}"')
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    tmp = Path(tempfile.mkdtemp(prefix="rush-bench-"))
    media, static, logs = tmp / "media", tmp / "static", tmp / "logs"
    for directory in (media, static, logs):
        directory.mkdir()
    inherited = {
        k: v
        for k, v in os.environ.items()
        if k in {"PATH", "HOME", "LANG", "LC_ALL", "TZ", "FONTCONFIG_PATH", "VIRTUAL_ENV"}
    }
    env = {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "AUDIT_KEY": secrets.token_hex(32),
        "AUDIT_KEY_ID": "rush-bench",
        "AUDIT_ANCHOR_FILE": str(tmp / "audit-anchors.jsonl"),
        "DATABASE_URL": database_url(database),
        "CELERY_BROKER_URL": BROKER,
        "MEDIA_ROOT": str(media),
        "STATIC_ROOT": str(static),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
        "CSRF_TRUSTED_ORIGINS": url,
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "WARNING",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
    }
    if args.workers:
        env["GUNICORN_WORKERS"] = str(args.workers)
    if args.threads:
        env["GUNICORN_THREADS"] = str(args.threads)
    development = {**env, "DJANGO_ENV": "development"}
    print(f"[{label}] seeding {database} …", file=sys.stderr)
    seed_started = time.perf_counter()
    run([python, "manage.py", "migrate", "-v0"], code, development)
    run([python, "manage.py", "load_demo"], code, development)
    run([python, "manage.py", "collectstatic", "--noinput", "-v0"], code, development)
    info = json.loads(
        run([python, "manage.py", "shell", "-c", SEED_INFO], code, development).splitlines()[-1]
    )
    seed_seconds = time.perf_counter() - seed_started
    people = info["people"][: args.liaisons] if args.liaisons else info["people"]
    server = Server(url=url, env=env, logs=logs)
    tally = Tally()
    codes: dict[str, int | None] = {}
    try:
        server.start("gunicorn", [str(bin_dir / "gunicorn"), "-c", "deploy/gunicorn.conf.py"], code)
        server.start(
            "worker",
            [
                str(bin_dir / "celery"),
                "-A",
                "config",
                "worker",
                "--loglevel",
                "WARNING",
                "--concurrency",
                "1",
                "--hostname",
                f"rush-bench-{port}@%h",
                "--without-mingle",
                "--without-gossip",
                "--purge",
            ],
            code,
        )
        server.wait_healthy()
        print(
            f"[{label}] {len(people)} liaisons × {args.sessions} sessions, {args.readers} readers",
            file=sys.stderr,
        )
        load_started = machine()
        accounts = [Account(p, args.sessions) for p in people]
        start = threading.Barrier(len(accounts) * args.sessions + args.readers)
        stop = threading.Event()
        nonce = secrets.token_hex(3)
        threads = [
            threading.Thread(target=liaison, args=(url, a, n, args.claim, start, tally, nonce))
            for a in accounts
            for n in range(args.sessions)
        ]
        readers = [
            threading.Thread(
                target=reader,
                args=(url, ("supervisor", "leadership")[n % 2], info["plan"], start, stop, tally),
            )
            for n in range(args.readers)
        ]
        clock = time.perf_counter()
        cpu_before = cpu_by_kind()
        for thread in threads + readers:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - clock
        cpu_after = cpu_by_kind()
        cpu = {k: round(cpu_after[k] - cpu_before[k], 1) for k in cpu_after}
        stop.set()
        for thread in readers:
            thread.join()
    finally:
        codes = server.stop()
    gunicorn_log = server.log("gunicorn")
    sent_file = tmp / "sent.json"
    sent_file.write_text(json.dumps(tally.sent, ensure_ascii=False))
    check = json.loads(
        run(
            [python, "manage.py", "shell", "-c", CHECK],
            code,
            {**development, "RUSH_SENT": str(sent_file)},
        ).splitlines()[-1]
    )
    verify = subprocess.run(
        [python, "manage.py", "verify_audit"],
        cwd=code,
        env=development,
        capture_output=True,
        text=True,
    )
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
        admin_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    requests = sum(len(v) for v in tally.times.values())
    return {
        "code": label,
        "machine_at_start": started_at,
        "machine_at_load": load_started,
        "liaisons": len(people),
        "sessions_per_account": args.sessions,
        "readers": args.readers,
        "gunicorn": {
            "workers": args.workers or "config default",
            "threads": args.threads or "config default",
            "exit_codes": codes,
            # Lines logged at ERROR (a 500, a crash), not the 403 warnings' tracebacks.
            "error_lines": len(re.findall(r'"level": "(?:ERROR|CRITICAL)"', gunicorn_log)),
        },
        "seed_seconds": round(seed_seconds, 1),
        "wall_seconds": round(wall, 1),
        # CPU seconds over the load, by kind, beside the cores × wall available.
        "cpu_seconds": cpu | {"available": round((os.cpu_count() or 1) * wall, 1)},
        "steps_timed": requests,
        "steps": {s: quantiles(tally.times.get(s, [])) for s in STEPS + READER_STEPS},
        "errors": dict(sorted(tally.errors.items())),
        "error_examples": tally.examples,
        "outcomes": dict(sorted(tally.outcomes.items())),
        "accepted_writes": Counter(w.kind for w in tally.writes),
        "silent_overwrites": silent_overwrites(tally.writes),
        "reloads_showing_another_sessions_text": f"{tally.reload_foreign}/{tally.reloads}",
        "integrity": {
            **check,
            "verify_audit": verify.returncode == 0,
            "verify_audit_says": (verify.stdout + verify.stderr).strip()[-300:],
        },
        "database": database + (f" (kept; logs in {logs})" if args.keep else " (dropped)"),
    }


# --- printing -----------------------------------------------------------------------------


def lines(report: dict[str, Any]) -> list[str]:
    out = [
        f"code: {report['code']}",
        f"date: {report['machine_at_start']['date']}  cpus: {report['machine_at_start']['cpus']}  "
        f"load average at start: {report['machine_at_start']['load_average']} "
        f"(at the load: {report['machine_at_load']['load_average']})",
        f"{report['liaisons']} liaisons × {report['sessions_per_account']} sessions, "
        f"{report['readers']} readers; gunicorn workers {report['gunicorn']['workers']}, "
        f"threads {report['gunicorn']['threads']}; wall {report['wall_seconds']} s",
        "CPU over the load (s): " + ", ".join(f"{k} {v}" for k, v in report["cpu_seconds"].items()),
        f"{'step':<14}{'n':>6}{'p50 s':>9}{'p95 s':>9}{'max s':>9}",
    ]
    for step, q in report["steps"].items():
        if q["n"]:
            out.append(f"{step:<14}{q['n']:>6}{q['p50']:>9.2f}{q['p95']:>9.2f}{q['max']:>9.2f}")
    out.append("errors: " + (", ".join(f"{k}: {v}" for k, v in report["errors"].items()) or "none"))
    out.append(
        "outcomes: " + (", ".join(f"{k}: {v}" for k, v in report["outcomes"].items()) or "none")
    )
    silent = report["silent_overwrites"]
    out.append(
        f"silent overwrites: {silent['save'] + silent['submit']} (save {silent['save']}, "
        f"submit {silent['submit']}); reloads showing another session's text: "
        f"{report['reloads_showing_another_sessions_text']}"
    )
    i = report["integrity"]
    out.append(
        f"integrity: {i['submitted_once']}/{i['reports']} reports submitted once "
        f"(report.submit rows per report {i['submit_rows']}, fill steps done {i['fill_done']}); "
        f"{i['own_text']}/{i['entries']} entries hold one of their own sessions' texts "
        f"(not sent {i['not_sent']}, another report's {i['cross_report']}, another task's "
        f"{i['other_task']}); verify_audit {'passes' if i['verify_audit'] else 'FAILS'}"
    )
    out.append(
        f"server: exit codes {report['gunicorn']['exit_codes']}, "
        f"ERROR lines in its log {report['gunicorn']['error_lines']}"
    )
    return out


def side_by_side(before: dict[str, Any], after: dict[str, Any]) -> str:
    """Each run's figures, then the steps' p50/p95/max of both, one row per step."""
    rows = [*lines(before), "", *lines(after), ""]
    rows.append(f"{'step':<14}{before['code'][:30]:>32}   {after['code'][:30]:>32}")
    for step, old in before["steps"].items():
        new = after["steps"].get(step, {"n": 0})
        cells = [
            f"{q['p50']:.2f} / {q['p95']:.2f} / {q['max']:.2f} s" if q["n"] else "—"
            for q in (old, new)
        ]
        rows.append(f"{step:<14}{cells[0]:>32}   {cells[1]:>32}")
    for name, pick in (
        ("errors", lambda r: sum(r["errors"].values())),
        ("silent overwr.", lambda r: sum(r["silent_overwrites"].values())),
        ("submitted once", lambda r: f"{r['integrity']['submitted_once']}/{r['liaisons']}"),
    ):
        rows.append(f"{name:<14}{pick(before)!s:>32}   {pick(after)!s:>32}")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--liaisons", type=int, default=0, help="default: every liaison with a report to fill"
    )
    parser.add_argument("--sessions", type=int, default=1, help="sessions per account (default 1)")
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--workers", type=int, default=0, help="default: deploy/gunicorn.conf.py's")
    parser.add_argument("--threads", type=int, default=0, help="default: deploy/gunicorn.conf.py's")
    parser.add_argument("--claim", choices=("mixed", "assign", "inbox"), default="mixed")
    parser.add_argument("--keep", action="store_true", help="keep the database(s)")
    parser.add_argument("--previous", help="a git commit whose code to bench first, beside this")
    parser.add_argument("--json", action="store_true", help="print JSON, not the table")
    args = parser.parse_args()
    reports = []
    with tempfile.TemporaryDirectory(prefix="rush-bench-code-") as tmp:
        if args.previous:
            code = Path(export_commit(args.previous, tmp))
            (code / ".venv").symlink_to(BASE_DIR / ".venv")
            run(
                [
                    str(BASE_DIR / ".venv" / "bin" / "python"),
                    "manage.py",
                    "compilemessages",
                    "-v0",
                    "--ignore=.venv",
                ],
                code,
                {**os.environ, "DJANGO_ENV": "development"},
            )
            reports.append(bench(code, "bench_rush_previous", args, f"previous ({args.previous})"))
        reports.append(bench(BASE_DIR, "bench_rush", args, "this checkout"))
    if args.json:
        print(json.dumps(reports, indent=2, ensure_ascii=False, default=str))
    elif len(reports) == 2:
        print(side_by_side(reports[0], reports[1]))
    else:
        print("\n".join(lines(reports[0])))


if __name__ == "__main__":
    main()
