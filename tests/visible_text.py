"""The text a person sees on a page, to check that no English shows through."""

import re
from html.parser import HTMLParser


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        for name, value in attrs:
            if name in ("title", "placeholder", "aria-label", "alt") and value:
                self.texts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.texts.append(data.strip())


def english_on_page(html: str, *names: str) -> list[str]:
    """Visible text with a Latin word in it, but for the switch to English and
    the given names (people's user names are Latin)."""
    parser = _VisibleText()
    parser.feed(html)
    texts = parser.texts
    for name in names:
        texts = [t.replace(name, "") for t in texts]
    return [t for t in texts if re.search(r"[A-Za-z]{2,}", t) and t != "English"]
