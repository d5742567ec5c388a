"""Responsibility notes: the parentheticals that say which units carry a clause.

Plans write them in many ways, e.g.

    (责任单位:A、B)                      (牵头单位：A；配合单位：B、C)
    （A牵头，B、C配合）                  （A、B牵头，各有关部门按职责分工负责）
    （责任单位：A、各县（市、区）政府）  (A牵头)   (A负责)   （A、B）

A note is told apart from an ordinary parenthetical such as `(HACCP)` or `(童车)`
by where it stands (it ends a clause) and by what it says (a keyword such as
责任单位 or 牵头, or nothing but unit names).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from departments.names import normalize_unit_name
from plans.importer.textutil import Span, fold, split_top_level, strip_span

ROLE_LEAD = "lead"  # explicitly marked 牵头 / 主责
ROLE_CO = "co"  # explicitly marked 配合 / 参与
ROLE_LISTED = "listed"  # merely named as responsible; the first one leads by convention
_ROLE_SKIP = "skip"  # items under a label that names no unit, e.g. 备注
_ROLE_DEADLINE = "deadline"  # the item under 完成时限: when, not who

_LABEL_ROLES: dict[str, str] = {
    **dict.fromkeys(
        ("牵头单位", "牵头部门", "主责单位", "主责部门", "主办单位", "牵头责任单位", "牵头"),
        ROLE_LEAD,
    ),
    **dict.fromkeys(
        (
            "配合单位",
            "配合部门",
            "参与单位",
            "参与部门",
            "协办单位",
            "协助单位",
            "协同单位",
            "配合",
        ),
        ROLE_CO,
    ),
    **dict.fromkeys(
        ("责任单位", "责任部门", "责任主体", "实施单位", "承办单位", "主体单位"), ROLE_LISTED
    ),
    **dict.fromkeys(
        ("完成时限", "完成时间", "完成期限", "时间节点", "时限要求", "时限"), _ROLE_DEADLINE
    ),
}
_LABEL = re.compile(r"^(?P<label>[\u4e00-\u9fff]{2,8}):+(?P<rest>.*)$", re.S)
_SPACED_COLON = re.compile(r"\s*:\s*")

_VERB_ROLES: dict[str, str] = {
    "牵头负责": ROLE_LEAD,
    "牵头落实": ROLE_LEAD,
    "牵头": ROLE_LEAD,
    "配合": ROLE_CO,
    "参与": ROLE_CO,
    "协助": ROLE_CO,
    "协办": ROLE_CO,
}
_VERB = re.compile(
    r"^(?P<item>.*?)(?:等(?:有关|相关)?(?:部门|单位))?"
    r"(?P<verb>按照?职责分工负责|按职责负责|分工负责|共同负责|负责落实|牵头负责|牵头落实"
    r"|牵头|负责|配合|参与|协助|协办|落实)$",
    re.S,
)

# "以下均需各县(市、区)政府落实,不再列出": one unit made responsible for every later task.
_STANDING = (
    re.compile(
        r"以下[^。;]*?均(?:需要|需|须|由|要)?(?P<unit>[^。;]+?)(?:负责|组织)?落实"
        r"(?:[,;]?不再(?:一一)?(?:列出|列举))?"
    ),
    re.compile(
        r"以下(?:各项|所有)?(?:任务|工作)?[,]?(?P<unit>[^。;均]+?)均(?:需要|需|须|要)?"
        r"(?:负责|组织)?落实(?:[,;]?不再(?:一一)?(?:列出|列举))?"
    ),
)
_FILLER = re.compile(r"^(?:下同|不再(?:一一)?(?:列出|列举)|按职责分工负责|排在首位的为牵头单位)$")

# Responsibility that names nobody in particular: 各有关单位, 市直有关部门, 各项目牵头单位…
_VAGUE = re.compile(
    r"^(?:(?:其他|其它)?(?:各级)?各?(?:市直|市级|县级|省直|区直|市|县|区)?各?(?:有关|相关)?"
    r"(?:部门|单位|成员单位|责任单位|职能部门|主管部门|行业主管部门|项目单位|项目牵头单位"
    r"|部门和单位|单位和部门|部门单位)"
    r"|(?:各|其他|其它)(?:地|级|地区|地方)(?:各?(?:有关|相关)?(?:部门|单位))?"
    r"|(?:属地|项目所在地|所在地)(?:党委)?(?:政府|部门)?)$"
)
# A county group written the other cities' ways: 各区、县级市; 各县(市、区); 各区(县、市)…
# Its inner 、 must not split it.
_GROUP_PHRASE = re.compile(r"各[县区市](?:[()、]{1,2}(?:县级市|[县区市]))+\)?")
_UNIT_SUFFIX = re.compile(
    r"(?:局|委|办|厅|部|政府|管委会|委员会|分局|支行|分行|银行|中心|联|工会|协会|商会|促会|院|室"
    r"|署|所|队|处|站|社|集团|公司|党委|小组|开发区|新区|园区|办公室|海关|指挥部)$"
)
_COUNTY_GROUP = re.compile(r"^各(?:县|区|市|乡|镇)")

_ENDS_BEFORE = "。;!?"
_ENDS_AFTER = "。;,!?、"
# Spaces too: "（市发展改革委 市财政局）" is how some typed plans separate names.
_ITEM_SEPARATORS = "、,;。 \t"


@dataclass(frozen=True)
class NoteUnit:
    name: str  # normalize_unit_name of the name as written
    role: str
    offset: int  # where the name starts in the task body


@dataclass(frozen=True)
class Note:
    span: Span  # the parenthetical in the task body, brackets included
    units: tuple[NoteUnit, ...]  # the units the note names, in text order, vague phrases apart
    standing: tuple[NoteUnit, ...]  # units a standing clause makes responsible from here on
    vague: tuple[str, ...] = ()  # phrases such as 各有关单位: responsibility still to assign
    deadline: str = ""  # 完成时限 as written

    @property
    def mentions(self) -> list[NoteUnit]:
        return sorted(self.units + self.standing, key=lambda unit: unit.offset)


def is_vague(name: str) -> bool:
    """True for phrases such as 各有关部门 or 各项目牵头单位 that name no particular unit."""
    if _VAGUE.match(name):
        return True
    # 市政府有关部门, 各相关县(市、区)政府: "some of them", whoever they are.
    return "有关" in name or "相关" in name


def looks_like_unit(name: str) -> bool:
    if len(name) < 3 or len(name) > 30 or "的" in name or name[0].isdigit():
        return False
    return bool(_UNIT_SUFFIX.search(name) or _COUNTY_GROUP.match(name))


def find_notes(body: str, groups: list[Span]) -> list[Note]:
    """The responsibility notes among the top-level parentheticals of a task body."""
    folded = fold(body)
    notes = []
    for group in groups:
        if not _ends_clause(folded, group):
            continue
        note = read_note(body, group)
        if note is not None:
            notes.append(note)
    return notes


def _ends_clause(folded: str, group: Span) -> bool:
    before = folded[: group.start].rstrip()
    after = folded[group.end :].lstrip()
    return not before or not after or before[-1] in _ENDS_BEFORE or after[0] in _ENDS_AFTER


@dataclass
class _Item:
    raw: str
    offset: int
    role: str | None  # None: waiting for a verb such as 牵头 later in the note


def read_note(body: str, group: Span) -> Note | None:
    """Read the parenthetical `body[group]` as a responsibility note, or None if it is not one."""
    inner_start = group.start + 1
    inner = body[inner_start : group.end - 1]
    # "牵头单位 : A" → "牵头单位:::A", index for index, so that spaces around a colon
    # are not read as separators between names.
    folded = _SPACED_COLON.sub(lambda match: ":" * len(match.group()), fold(inner))
    folded, standing = _take_standing(inner, folded, inner_start)

    folded = mask_group_phrases(folded)
    items, has_label, has_verb = _read_items(inner, folded, inner_start)
    deadline = "".join(item.raw for item in items if item.role == _ROLE_DEADLINE)
    items = [item for item in items if item.role not in (_ROLE_SKIP, _ROLE_DEADLINE)]
    if not has_label and not standing and not _is_unit_list(items, has_verb):
        return None
    units: list[NoteUnit] = []
    vague: list[str] = []
    for item in items:
        name = normalize_unit_name(item.raw.rstrip("等"))
        if not name:
            continue
        if is_vague(name):
            if name not in vague:
                vague.append(name)
        else:
            units.append(NoteUnit(name, item.role or ROLE_LISTED, item.offset))
    return Note(group, tuple(units), standing, tuple(vague), deadline)


def mask_group_phrases(folded: str) -> str:
    """`folded` with the 、 inside county-group phrases (各区、县级市) made non-separating."""
    return _GROUP_PHRASE.sub(lambda match: match.group().replace("、", "\u00b7"), folded)


def read_unit_list(text: str) -> tuple[list[str], list[str]]:
    """The unit names of a table cell (市市场监管局、市财政局): particular ones, then vague."""
    folded = mask_group_phrases(_SPACED_COLON.sub(lambda m: ":" * len(m.group()), fold(text)))
    units: list[str] = []
    vague: list[str] = []
    for span in split_top_level(folded, _ITEM_SEPARATORS + "\n"):
        span = strip_span(folded, span)
        name = normalize_unit_name(text[span.start : span.end].rstrip("等"))
        verb = _VERB.match(name)
        if verb and verb.group("item"):
            name = normalize_unit_name(verb.group("item"))
        if not name or _FILLER.match(name):
            continue
        target = vague if is_vague(name) else units
        if name not in target:
            target.append(name)
    return units, vague


def _read_items(inner: str, folded: str, inner_start: int) -> tuple[list[_Item], bool, bool]:
    """The names of a note with their roles; also whether it used a label and a role verb.

    A label ("配合单位:") gives its role to the names after it; a verb ("B牵头")
    gives its role to its own name and to the names before it still waiting for one.
    """
    items: list[_Item] = []
    label_role: str | None = None
    has_label = has_verb = False
    for token in split_top_level(folded, _ITEM_SEPARATORS):
        token = strip_span(folded, token)
        text = folded[token.start : token.end]
        if not text or _FILLER.match(text):
            continue
        label = _LABEL.match(text)
        if label:
            label_role = _LABEL_ROLES.get(label.group("label"), _ROLE_SKIP)
            has_label = has_label or label_role not in (_ROLE_SKIP, _ROLE_DEADLINE)
            token = strip_span(folded, Span(token.start + label.start("rest"), token.end))
            text = folded[token.start : token.end]
        verb = _VERB.match(text)
        item_role = label_role
        if verb and label_role is None:
            has_verb = True
            item_role = _VERB_ROLES.get(verb.group("verb"), ROLE_LISTED)
            for item in items:
                if item.role is None:
                    item.role = item_role
            token = strip_span(folded, Span(token.start, token.start + verb.end("item")))
        if token.start < token.end:
            items.append(
                _Item(inner[token.start : token.end], inner_start + token.start, item_role)
            )
    return items, has_label, has_verb


def _is_unit_list(items: list[_Item], has_verb: bool) -> bool:
    """Without a label, a note is known by its names.

    With a verb ("A牵头,B配合") one unit name is enough, since the verb already says
    what the names are; "(各有关部门按职责分工负责)" names no unit but is still a note.
    Without a verb every item must look like a unit name: "(HACCP)" or "(童车)" are no notes.
    """
    names = [normalize_unit_name(item.raw.rstrip("等")) for item in items]
    names = [name for name in names if name]
    if not names:
        return False
    if has_verb:
        return any(looks_like_unit(name) for name in names) or all(map(is_vague, names))
    return all(looks_like_unit(name) or is_vague(name) for name in names) and not all(
        map(is_vague, names)
    )


def _take_standing(inner: str, folded: str, inner_start: int) -> tuple[str, tuple[NoteUnit, ...]]:
    """Find a standing clause, and blank it out (index for index) so it is not read as items."""
    for pattern in _STANDING:
        match = pattern.search(folded)
        if match is None:
            continue
        unit = strip_span(folded, Span(match.start("unit"), match.end("unit")))
        name = normalize_unit_name(inner[unit.start : unit.end])
        blanked = (
            folded[: match.start()] + ";" * (match.end() - match.start()) + folded[match.end() :]
        )
        if not name or is_vague(name):
            return blanked, ()
        return blanked, (NoteUnit(name, ROLE_CO, inner_start + unit.start),)
    return folded, ()
