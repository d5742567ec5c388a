"""Refresh the Simplified Chinese catalogue of django-viewflow's UI strings.

    .venv/bin/python scripts/viewflow_messages.py

viewflow ships a zh_Hans catalogue with no translations, and its source uses
strings that catalogue does not list. This script runs Django's makemessages
over a copy of the installed viewflow package (templates and Python), adds the
msgids of viewflow's shipped zh_Hans catalogue and the few msgids viewflow
translates at run time from a variable (EXTRA_MSGIDS), keeps every translation
already in locale/viewflow/zh_Hans/LC_MESSAGES/django.po, drops msgids viewflow
no longer uses and writes the catalogue back. New msgids get an empty msgstr:
translate them (tests/test_viewflow_catalogue.py fails until you do). Exits 1
while any msgstr is empty.
"""

import importlib.metadata
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "locale" / "viewflow" / "zh_Hans" / "LC_MESSAGES" / "django.po"
LANGUAGE = "zh_Hans"

# viewflow passes these through {% trans variable %} (task_detail.html translates
# the transition label, workflow_tasks_list.html the start node's title): no
# extractor can see them, so they are listed here.
EXTRA_MSGIDS = {
    "Reassign": "label of the reassign transition, shown by {% trans label %}",
    "End": "default title of an End node named `end`",
}


def viewflow_package() -> Path:
    # find_spec, not import: importing viewflow needs configured settings.
    spec = importlib.util.find_spec("viewflow")
    return Path(next(iter(spec.submodule_search_locations))).resolve()


def scan(package: Path) -> polib.POFile:
    """Run makemessages over a copy of the package; return what it found."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "viewflow"
        shutil.copytree(
            package,
            copy,
            ignore=shutil.ignore_patterns("__pycache__", "locale", "static", "*.pyc"),
        )
        (copy / "locale").mkdir()
        env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
        command = [sys.executable, "-m", "django", "makemessages", "--locale", LANGUAGE]
        command += ["--domain", "django", "--extension", "html,txt,py", "--verbosity", "0"]
        subprocess.run(
            command,
            cwd=copy,
            env=env,
            check=True,
        )
        return polib.pofile(str(copy / "locale" / LANGUAGE / "LC_MESSAGES" / "django.po"))


def key(entry: polib.POEntry) -> tuple[str | None, str]:
    return entry.msgctxt, entry.msgid


def main() -> int:
    package = viewflow_package()
    version = importlib.metadata.version("django-viewflow")
    found = scan(package)
    shipped = polib.pofile(str(package / "locale" / LANGUAGE / "LC_MESSAGES" / "django.po"))
    old = polib.pofile(str(CATALOGUE)) if CATALOGUE.exists() else polib.POFile()
    translated = {key(e): e for e in old if not e.obsolete}

    entries = [e for e in found if not e.obsolete]
    seen = {key(e) for e in entries}
    for entry in shipped:
        if entry.obsolete or key(entry) in seen:
            continue
        entry.tcomment = "In viewflow's shipped catalogue; not found in its source."
        entries.append(entry)
        seen.add(key(entry))
    for msgid, note in EXTRA_MSGIDS.items():
        if (None, msgid) not in seen:
            entries.append(polib.POEntry(msgid=msgid, msgstr="", tcomment=note))
            seen.add((None, msgid))

    po = polib.POFile(wrapwidth=79)
    po.header = (
        "Simplified Chinese catalogue of django-viewflow's UI strings.\n"
        "Generated and merged by scripts/viewflow_messages.py; see locale/viewflow/README.md."
    )
    po.metadata = {
        "Project-Id-Version": f"django-viewflow {version}",
        "Report-Msgid-Bugs-To": "",
        "PO-Revision-Date": old.metadata.get("PO-Revision-Date")
        or datetime.now(UTC).strftime("%Y-%m-%d %H:%M+0000"),
        "Last-Translator": old.metadata.get("Last-Translator") or "xingtai-supervision team",
        "Language-Team": "Chinese (Simplified)",
        "Language": LANGUAGE,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "Plural-Forms": "nplurals=1; plural=0;",
    }
    untranslated = []
    for entry in entries:
        entry.flags = [f for f in entry.flags if f != "fuzzy"]
        entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
        before = translated.get(key(entry))
        if entry.msgid_plural:
            text = before.msgstr_plural.get(0, "") if before else ""
            entry.msgstr, entry.msgstr_plural = "", {0: text}
        else:
            text = before.msgstr if before else ""
            entry.msgstr = text
        if not text:
            untranslated.append(entry)
        po.append(entry)

    dropped = sorted(set(translated) - seen, key=str)
    CATALOGUE.parent.mkdir(parents=True, exist_ok=True)
    po.save(str(CATALOGUE))
    print(f"{CATALOGUE.relative_to(ROOT)}: {len(po)} entries from viewflow {version}")
    for ctxt, msgid in dropped:
        print(f"  dropped (no longer used): {msgid!r}" + (f" [{ctxt}]" if ctxt else ""))
    for entry in untranslated:
        print(f"  untranslated: {entry.msgid!r}" + (f" [{entry.msgctxt}]" if entry.msgctxt else ""))
    return 1 if untranslated else 0


if __name__ == "__main__":
    sys.exit(main())
