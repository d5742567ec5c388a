"""The Simplified Chinese catalogue of viewflow's UI strings is complete and well formed.

viewflow 2.4 ships a zh_Hans catalogue with nothing translated, so the project keeps its own
in locale/viewflow (refresh it with scripts/viewflow_messages.py). No database is used.
"""

import ast
import importlib.util
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "locale" / "viewflow" / "zh_Hans" / "LC_MESSAGES" / "django.po"
VIEWFLOW = Path(next(iter(importlib.util.find_spec("viewflow").submodule_search_locations)))
SHIPPED = VIEWFLOW / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"

TRANS_TAG = re.compile(
    r"""{%\s*(?:trans|translate)\s+(?P<q>["'])(?P<msgid>.*?)(?P=q)"""
    r"""(?P<rest>[^%]*)%}""",
    re.S,
)
BLOCKTRANS_TAG = re.compile(
    r"{%\s*(?:blocktrans|blocktranslate)\b(?P<args>.*?)%}(?P<body>.*?)"
    r"{%\s*end(?:blocktrans|blocktranslate)\s*%}",
    re.S,
)
PLURAL_TAG = re.compile(r"{%\s*plural\s*%}")
CONTEXT_ARG = re.compile(r"""\bcontext\s+(?P<q>["'])(?P<ctx>.*?)(?P=q)""")
TEMPLATE_VARIABLE = re.compile(r"{{\s*(\w+)\s*}}")
PERCENT_PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[#0 +-]*\d*(?:\.\d+)?[sdifrx]")
BRACE_PLACEHOLDER = re.compile(r"(?<!{){([^{}]*)}(?!})")
GETTEXT_FUNCTIONS = {
    "_": 1,
    "gettext": 1,
    "gettext_lazy": 1,
    "gettext_noop": 1,
    "ngettext": 1,
    "ngettext_lazy": 1,
    "pgettext": 2,
    "pgettext_lazy": 2,
    "npgettext": 2,
    "npgettext_lazy": 2,
}


def catalogue() -> dict[tuple[str | None, str], polib.POEntry]:
    return {(e.msgctxt, e.msgid): e for e in polib.pofile(str(CATALOGUE)) if not e.obsolete}


def is_translated(entry: polib.POEntry) -> bool:
    if entry.msgid_plural:
        return bool(entry.msgstr_plural) and all(entry.msgstr_plural.values())
    return bool(entry.msgstr)


def blocktrans_msgid(text: str, trimmed: bool) -> str:
    """The msgid makemessages extracts from a {% blocktrans %} body."""
    text = TEMPLATE_VARIABLE.sub(r"%(\1)s", text.replace("%", "%%"))
    if trimmed:
        text = re.sub(r"\s*\n\s*", " ", text.strip())
    return text


def template_msgids() -> set[tuple[str | None, str]]:
    found = set()
    for path in (VIEWFLOW / "templates").rglob("*"):
        if not path.is_file() or path.suffix not in {".html", ".txt", ".svg", ".bpmn"}:
            continue
        source = path.read_text(encoding="utf-8")
        for match in TRANS_TAG.finditer(source):
            if re.search(r"\bnoop\b", match["rest"]):
                continue
            context = CONTEXT_ARG.search(match["rest"])
            found.add((context["ctx"] if context else None, match["msgid"]))
        for match in BLOCKTRANS_TAG.finditer(source):
            context = CONTEXT_ARG.search(match["args"])
            trimmed = "trimmed" in match["args"].split()
            singular = PLURAL_TAG.split(match["body"])[0]
            found.add((context["ctx"] if context else None, blocktrans_msgid(singular, trimmed)))
    return found


def python_msgids() -> set[tuple[str | None, str]]:
    found = set()
    for path in VIEWFLOW.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            needed = GETTEXT_FUNCTIONS.get(name)
            if needed is None or len(node.args) < needed:
                continue
            strings = [a.value if isinstance(a, ast.Constant) else None for a in node.args]
            if needed == 2 and isinstance(strings[0], str) and isinstance(strings[1], str):
                found.add((strings[0], strings[1]))
            elif needed == 1 and isinstance(strings[0], str):
                found.add((None, strings[0]))
    return found


def placeholders(text: str) -> Counter:
    text = text.replace("%%", "")
    found = Counter(f"%({m[1]})" if m[1] else m[0] for m in PERCENT_PLACEHOLDER.finditer(text))
    found.update("{" + m + "}" for m in BRACE_PLACEHOLDER.findall(text))
    return found


def describe(key: tuple[str | None, str]) -> str:
    return repr(key[1]) + (f" [context {key[0]}]" if key[0] else "")


def test_header_and_flags():
    po = polib.pofile(str(CATALOGUE))
    assert po.metadata["Plural-Forms"] == "nplurals=1; plural=0;"
    assert po.metadata["Content-Type"] == "text/plain; charset=UTF-8"
    assert not po.obsolete_entries()
    fuzzy = [e.msgid for e in po if "fuzzy" in e.flags]
    assert not fuzzy, f"Fuzzy entries: {fuzzy}"
    untranslated = [e.msgid for e in po if not is_translated(e)]
    assert not untranslated, f"Untranslated entries: {untranslated}"
    extra_forms = [e.msgid for e in po if e.msgid_plural and set(e.msgstr_plural) != {0}]
    assert not extra_forms, f"Plural entries need exactly msgstr[0]: {extra_forms}"


def test_every_msgid_of_the_shipped_catalogue_is_translated():
    ours = catalogue()
    shipped = [(e.msgctxt, e.msgid) for e in polib.pofile(str(SHIPPED)) if not e.obsolete]
    assert shipped
    missing = [describe(k) for k in shipped if k not in ours or not is_translated(ours[k])]
    assert not missing, "Run scripts/viewflow_messages.py and translate: " + ", ".join(missing)


def test_every_msgid_of_the_templates_is_translated():
    ours = catalogue()
    found = template_msgids()
    assert (None, "Inbox") in found and (None, "Assign") in found
    missing = [describe(k) for k in found if k not in ours or not is_translated(ours[k])]
    assert not missing, "Run scripts/viewflow_messages.py and translate: " + ", ".join(missing)


def test_every_msgid_of_the_python_source_is_translated():
    ours = catalogue()
    found = python_msgids()
    assert ("STATUS", "Assigned") in found and (None, "Queue") in found
    missing = [describe(k) for k in found if k not in ours or not is_translated(ours[k])]
    assert not missing, "Run scripts/viewflow_messages.py and translate: " + ", ".join(missing)


def test_placeholders_are_kept():
    wrong = []
    for entry in polib.pofile(str(CATALOGUE)):
        if entry.msgid_plural:
            # One plural form serves every count, so it must carry the plural's placeholders.
            expected = placeholders(entry.msgid_plural)
            translations = entry.msgstr_plural.values()
        else:
            expected = placeholders(entry.msgid)
            translations = [entry.msgstr]
        for text in translations:
            if placeholders(text) != expected:
                wrong.append(f"{entry.msgid!r} -> {text!r}")
    assert not wrong, "Placeholders differ: " + "; ".join(wrong)


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext's msgfmt is not installed")
def test_catalogue_compiles():
    result = subprocess.run(
        ["msgfmt", "--check", "--output-file", "/dev/null", str(CATALOGUE)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
