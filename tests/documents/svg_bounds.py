"""Where an SVG chart's drawn elements lie, to check that none falls outside its
viewBox (a legend below the picture's edge is cut off in the PDF and on the page).

The chart's own text sizes are those of documents.charts (pygal puts them in CSS);
a text's width is estimated as one em a CJK character and 0.6 em any other.
"""

import base64
import math
import re
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from documents.charts import STYLE_FIELDS

SVG = "{http://www.w3.org/2000/svg}"
PREFIX = "data:image/svg+xml;base64,"
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")


def svg_of(uri: str) -> str:
    assert uri.startswith(PREFIX)
    return base64.b64decode(uri[len(PREFIX) :]).decode()


@dataclass(frozen=True)
class Box:
    what: str
    left: float
    top: float
    right: float
    bottom: float


def text_width(text: str, size: float) -> float:
    return sum(size if unicodedata.east_asian_width(ch) in "WFA" else 0.6 * size for ch in text)


def _translate(transform: str) -> tuple[float, float]:
    match = re.search(r"translate\(([^)]*)\)", transform or "")
    if not match:
        return 0.0, 0.0
    numbers = [float(n) for n in _NUMBER.findall(match.group(1))] + [0.0]
    return numbers[0], numbers[1]


def _rotated(points: list[tuple[float, float]], transform: str) -> list[tuple[float, float]]:
    match = re.search(r"rotate\(([^)]*)\)", transform or "")
    if not match:
        return points
    angle, cx, cy = ([float(n) for n in _NUMBER.findall(match.group(1))] + [0.0, 0.0])[:3]
    a = math.radians(angle)
    return [
        (
            cx + (x - cx) * math.cos(a) - (y - cy) * math.sin(a),
            cy + (x - cx) * math.sin(a) + (y - cy) * math.cos(a),
        )
        for x, y in points
    ]


def _font_size(classes: set[str], own: set[str]) -> float:
    if "title" in own:
        return STYLE_FIELDS["title_font_size"]
    if "legends" in classes:
        return STYLE_FIELDS["legend_font_size"]
    if "value" in own:
        return STYLE_FIELDS["value_font_size"]
    return STYLE_FIELDS["label_font_size"]


def _anchor(classes: set[str], own: set[str], rotated: bool) -> str:
    if "title" in own or "centered" in own:
        return "middle"
    if "axis" in classes and "x" in classes:
        if rotated:
            return "end" if "backwards" in own else "start"
        return "middle"
    if "axis" in classes and "y" in classes:
        return "start" if rotated and "backwards" in own else "end"
    return "start"


def _path_points(d: str) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    x = y = 0.0
    for command, args in re.findall(r"([MLHVmlhv])([^MLHVmlhvZz]*)", d):
        numbers = [float(n) for n in _NUMBER.findall(args)]
        if command in "ML":
            for i in range(0, len(numbers) - 1, 2):
                x, y = numbers[i], numbers[i + 1]
                points.append((x, y))
        elif command in "ml":
            for i in range(0, len(numbers) - 1, 2):
                x, y = x + numbers[i], y + numbers[i + 1]
                points.append((x, y))
        elif command == "H":
            for n in numbers:
                x = n
                points.append((x, y))
        elif command == "h":
            for n in numbers:
                x += n
                points.append((x, y))
        elif command == "V":
            for n in numbers:
                y = n
                points.append((x, y))
        elif command == "v":
            for n in numbers:
                y += n
                points.append((x, y))
    return points


def drawn_boxes(svg: str) -> tuple[tuple[float, float, float, float], list[Box]]:
    """(the viewBox, the bounds of each drawn text, rect, line, path and circle)."""
    root = ET.fromstring(svg)
    view_box = tuple(float(n) for n in root.attrib["viewBox"].split())
    boxes: list[Box] = []

    def walk(node: ET.Element, dx: float, dy: float, classes: set[str]) -> None:
        tag = node.tag.removeprefix(SVG)
        own = set(node.attrib.get("class", "").split())
        if tag in ("defs", "style", "script", "title", "desc") or "tooltip" in own:
            return
        tx, ty = _translate(node.attrib.get("transform", ""))
        dx, dy = dx + tx, dy + ty
        classes = classes | own
        attr = {k: v for k, v in node.attrib.items()}
        points: list[tuple[float, float]] = []
        label = tag
        if tag == "text" and (node.text or "").strip():
            text = node.text.strip()
            size = _font_size(classes, own)
            x, y = float(attr.get("x", 0)), float(attr.get("y", 0))
            rotated = "rotate(" in attr.get("transform", "")
            width = text_width(text, size)
            anchor = _anchor(classes, own, rotated)
            left = x - {"start": 0, "middle": width / 2, "end": width}[anchor]
            corners = [(left, y - 0.8 * size), (left + width, y + 0.2 * size)]
            corners += [(left, corners[1][1]), (left + width, corners[0][1])]
            points = _rotated(corners, attr.get("transform", ""))
            label = f"text {text!r}"
        elif tag == "rect":
            width, height = float(attr.get("width", 0)), float(attr.get("height", 0))
            if width > 0 and height > 0:
                x, y = float(attr.get("x", 0)), float(attr.get("y", 0))
                points = [(x, y), (x + width, y + height)]
        elif tag == "line":
            points = [
                (float(attr.get("x1", 0)), float(attr.get("y1", 0))),
                (float(attr.get("x2", 0)), float(attr.get("y2", 0))),
            ]
        elif tag == "path":
            points = _path_points(attr.get("d", ""))
        elif tag == "circle":
            cx, cy, r = (float(attr.get(k, 0)) for k in ("cx", "cy", "r"))
            points = [(cx - r, cy - r), (cx + r, cy + r)]
        if points:
            xs = [p[0] + dx for p in points]
            ys = [p[1] + dy for p in points]
            boxes.append(Box(label, min(xs), min(ys), max(xs), max(ys)))
        for child in node:
            walk(child, dx, dy, classes)

    walk(root, 0.0, 0.0, set())
    return view_box, boxes  # type: ignore[return-value]


def outside(uri_or_svg: str, tolerance: float = 0.5) -> list[str]:
    """The drawn elements of a chart that reach outside its viewBox, described."""
    svg = svg_of(uri_or_svg) if uri_or_svg.startswith(PREFIX) else uri_or_svg
    (vx, vy, vw, vh), boxes = drawn_boxes(svg)
    return [
        f"{box.what} at ({box.left:.0f}, {box.top:.0f})–({box.right:.0f}, {box.bottom:.0f}) "
        f"outside {vw:.0f}×{vh:.0f}"
        for box in boxes
        if box.left < vx - tolerance
        or box.top < vy - tolerance
        or box.right > vx + vw + tolerance
        or box.bottom > vy + vh + tolerance
    ]
