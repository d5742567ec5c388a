"""Reading rendered PDFs back: positions in millimetres, colours, fonts."""

import io
from collections.abc import Iterator
from typing import Any

import pdfplumber
import pypdf

PT_PER_MM = 72 / 25.4
A4_WIDTH_PT = 595.28
A4_HEIGHT_PT = 841.89
TEXT_LEFT_PT = 28 * PT_PER_MM
TEXT_RIGHT_PT = (28 + 156) * PT_PER_MM
TEXT_TOP_PT = 37 * PT_PER_MM
TEXT_BOTTOM_PT = (37 + 225) * PT_PER_MM
BODY_SIZE_PT = 16
BODY_LINE_HEIGHT_PT = 28.95
ONE_MM = PT_PER_MM
RED = (1.0, 0.0, 0.0)


def mm(points: float) -> float:
    return points / PT_PER_MM


class ReadPdf:
    """A rendered PDF opened once with pdfplumber (layout) and pypdf (structure)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.plumber = pdfplumber.open(io.BytesIO(data))
        self.pypdf = pypdf.PdfReader(io.BytesIO(data))

    def close(self) -> None:
        self.plumber.close()

    @property
    def pages(self) -> list[Any]:
        return self.plumber.pages

    def lines(self, page_number: int) -> list[dict[str, Any]]:
        """The text lines of a page (1-based), top to bottom."""
        return self.pages[page_number - 1].extract_text_lines(return_chars=True)

    def line(self, page_number: int, containing: str) -> dict[str, Any]:
        for line in self.lines(page_number):
            if containing in line["text"]:
                return line
        raise AssertionError(f"No line on page {page_number} contains {containing!r}.")

    def lines_reading(self, page_number: int, text: str) -> list[dict[str, Any]]:
        """The lines of a page whose whole text is `text`."""
        return [line for line in self.lines(page_number) if line["text"] == text]

    def pages_containing(self, text: str) -> list[int]:
        return [
            number
            for number in range(1, len(self.pages) + 1)
            if any(text in line["text"] for line in self.lines(number))
        ]

    def text(self) -> str:
        return "\n".join(page.extract_text() for page in self.pypdf.pages)

    def font_dicts(self) -> Iterator[tuple[str, Any]]:
        """(name, font dictionary) of every font every page uses, in its own resources
        or in those of the forms it draws (charts, images), descendants included; each
        font once."""
        seen: set[int] = set()

        def fonts_of(resources: Any) -> Iterator[tuple[str, Any]]:
            resources = resources.get_object() if resources is not None else {}
            for name, ref in resources.get("/Font", {}).get_object().items():
                font = ref.get_object()
                if id(font) in seen:
                    continue
                seen.add(id(font))
                yield name, font
                for descendant in font.get("/DescendantFonts", []):
                    yield name, descendant.get_object()
            for ref in resources.get("/XObject", {}).get_object().values():
                xobject = ref.get_object()
                if xobject.get("/Subtype") == "/Form" and id(xobject) not in seen:
                    seen.add(id(xobject))
                    yield from fonts_of(xobject.get("/Resources"))

        for page in self.pypdf.pages:
            yield from fonts_of(page["/Resources"])


def colour_is(colour: Any, expected: tuple[float, ...], tolerance: float = 0.02) -> bool:
    if colour is None:
        return False
    values = tuple(colour) if isinstance(colour, list | tuple) else (colour,)
    return len(values) == len(expected) and all(
        abs(a - b) <= tolerance for a, b in zip(values, expected, strict=True)
    )
