"""Start-up checks for the PDF layer: fast font subsetting, at least one Chinese font and
the official typefaces (the Fandol faces, or the licensed fonts official.css names first).

Both are probed with ctypes rather than by importing WeasyPrint, which would load
Pango into every management command.
"""

import ctypes
import ctypes.util
import functools
from typing import Any

from django.core.checks import CheckMessage, Warning, register
from django.utils.translation import gettext as _

# The names WeasyPrint 70 tries (weasyprint/text/ffi.py).
HARFBUZZ_NAMES = (
    "libharfbuzz-0",
    "harfbuzz",
    "harfbuzz-0.0",
    "libharfbuzz.so.0",
    "libharfbuzz.0.dylib",
    "libharfbuzz-0.dll",
)
HARFBUZZ_SUBSET_NAMES = (
    "libharfbuzz-subset-0",
    "harfbuzz-subset",
    "harfbuzz-subset-0.0",
    "libharfbuzz-subset.so.0",
    "libharfbuzz-subset.0.dylib",
    "libharfbuzz-subset-0.dll",
)
FONTCONFIG_NAMES = ("fontconfig", "libfontconfig.so.1", "libfontconfig.1.dylib")

# The official typefaces: each Fandol face (by its PostScript name, as the
# weight matters for the title) and the licensed fonts that stand before it in
# documents/static/documents/official.css (by family name); any one will do.
OFFICIAL_FACES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "FandolFang-Regular",
        ("仿宋_GB2312", "FangSong_GB2312", "仿宋", "FangSong", "STFangsong", "华文仿宋"),
    ),
    (
        "FandolSong-Bold",
        ("方正小标宋简体", "方正小标宋_GBK", "FZXiaoBiaoSong-B05S", "华文中宋", "STZhongsong"),
    ),
    ("FandolHei-Regular", ("黑体", "SimHei", "STHeiti")),
    (
        "FandolKai-Regular",
        ("楷体_GB2312", "KaiTi_GB2312", "楷体", "KaiTi", "STKaiti", "华文楷体"),
    ),
)


def _load_library(names: tuple[str, ...]) -> ctypes.CDLL | None:
    """The first of `names` the dynamic loader opens, by its name or else as
    ctypes.util.find_library resolves it (as cffi's dlopen does). Names first:
    find_library runs a subprocess for each."""
    for resolve in (lambda name: name, ctypes.util.find_library):
        for name in names:
            candidate = resolve(name)
            if not candidate:
                continue
            try:
                return ctypes.CDLL(candidate)
            except OSError:
                continue
    return None


@functools.cache
def harfbuzz_subset_available() -> bool:
    """Whether WeasyPrint subsets fonts with HarfBuzz.

    WeasyPrint 70 (weasyprint/pdf/fonts.py, Font.subset) needs libharfbuzz-subset and
    HarfBuzz 4.1.0 or later; without them it falls back to fontTools' subsetter in
    Python, which takes seconds for each CJK font of each PDF.
    """
    if _load_library(HARFBUZZ_SUBSET_NAMES) is None:
        return False
    harfbuzz = _load_library(HARFBUZZ_NAMES)
    if harfbuzz is None:
        return False
    version_atleast = harfbuzz.hb_version_atleast
    version_atleast.argtypes = [ctypes.c_uint, ctypes.c_uint, ctypes.c_uint]
    version_atleast.restype = ctypes.c_int
    return bool(version_atleast(4, 1, 0))


class _FcFontSet(ctypes.Structure):
    _fields_ = (
        ("nfont", ctypes.c_int),
        ("sfont", ctypes.c_int),
        ("fonts", ctypes.POINTER(ctypes.c_void_p)),
    )


def _font_list(pattern_text: bytes, objects: tuple[bytes, ...]) -> set[str]:
    """Every value of `objects` (each of a font's family names, in every language it
    has them, its PostScript name...) of the fonts fontconfig lists for
    `pattern_text` (`fc-list PATTERN OBJECTS`), through the library WeasyPrint
    itself uses; empty when there are none or no fontconfig."""
    fontconfig = _load_library(FONTCONFIG_NAMES)
    if fontconfig is None:
        return set()
    fontconfig.FcNameParse.argtypes = [ctypes.c_char_p]
    fontconfig.FcNameParse.restype = ctypes.c_void_p
    fontconfig.FcObjectSetCreate.restype = ctypes.c_void_p
    fontconfig.FcObjectSetAdd.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    fontconfig.FcFontList.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    fontconfig.FcFontList.restype = ctypes.POINTER(_FcFontSet)
    fontconfig.FcPatternGetString.argtypes = [
        ctypes.c_void_p,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.POINTER(ctypes.c_char_p),
    ]
    fontconfig.FcFontSetDestroy.argtypes = [ctypes.POINTER(_FcFontSet)]
    fontconfig.FcObjectSetDestroy.argtypes = [ctypes.c_void_p]
    fontconfig.FcPatternDestroy.argtypes = [ctypes.c_void_p]

    pattern = fontconfig.FcNameParse(pattern_text)
    object_set = fontconfig.FcObjectSetCreate()
    for name in objects:
        fontconfig.FcObjectSetAdd(object_set, name)
    font_set = fontconfig.FcFontList(None, pattern, object_set)
    values: set[str] = set()
    try:
        if font_set:
            for index in range(font_set.contents.nfont):
                font = font_set.contents.fonts[index]
                for name in objects:
                    for position in range(16):
                        value = ctypes.c_char_p()
                        # 0 is FcResultMatch.
                        if (
                            fontconfig.FcPatternGetString(font, name, position, ctypes.byref(value))
                            != 0
                        ):
                            break
                        if value.value:
                            values.add(value.value.decode("utf-8", "replace"))
    finally:
        if font_set:
            fontconfig.FcFontSetDestroy(font_set)
        fontconfig.FcObjectSetDestroy(object_set)
        fontconfig.FcPatternDestroy(pattern)
    return values


@functools.cache
def cjk_font_families() -> tuple[str, ...]:
    """The families fontconfig lists for Chinese (`fc-list :lang=zh family`); empty
    when there are none or no fontconfig."""
    return tuple(sorted(_font_list(b":lang=zh", (b"family",))))


@functools.cache
def missing_official_faces() -> tuple[str, ...]:
    """The Fandol faces (PostScript names) fontconfig does not find and no licensed
    font stands in for (OFFICIAL_FACES); empty when all are there."""
    installed = _font_list(b":lang=zh", (b"family", b"postscriptname"))
    return tuple(
        fandol
        for fandol, licensed in OFFICIAL_FACES
        if fandol not in installed and not installed.intersection(licensed)
    )


def pdf_environment_warnings() -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    if not harfbuzz_subset_available():
        messages.append(
            Warning(
                _(
                    "WeasyPrint cannot subset fonts with HarfBuzz: libharfbuzz-subset.so.0 "
                    "(HarfBuzz 4.1.0 or later) could not be loaded, so every official "
                    "document PDF takes seconds to render."
                ),
                hint=_(
                    "Install the HarfBuzz subset library (Debian: apt-get install "
                    "libharfbuzz-subset0)."
                ),
                id="documents.W001",
            )
        )
    if not cjk_font_families():
        messages.append(
            Warning(
                _(
                    "fontconfig finds no Chinese font: official documents would print "
                    "empty boxes instead of characters."
                ),
                hint=_(
                    "Install the free Chinese fonts (Debian: apt-get install "
                    "fonts-arphic-uming fonts-arphic-ukai fonts-wqy-zenhei), or FangSong "
                    "and FZXiaoBiaoSong where they are licensed."
                ),
                id="documents.W002",
            )
        )
    elif missing := missing_official_faces():
        messages.append(
            Warning(
                _(
                    "fontconfig does not find the official typefaces %(faces)s: official "
                    "documents are set in AR PL UMing and WenQuanYi Zen Hei instead of 仿宋, "
                    "小标宋, 黑体 and 楷体, and do not look like 公文."
                )
                % {"faces": ", ".join(missing)},
                hint=_(
                    "Run scripts/setup.sh (as root for every user): it takes the Fandol "
                    "fonts out of Debian's texlive-lang-chinese package into "
                    "/usr/local/share/fonts/fandol. Or install the licensed 仿宋_GB2312, "
                    "方正小标宋, 黑体 and 楷体_GB2312."
                ),
                id="documents.W003",
            )
        )
    return messages


@register()
def check_pdf_environment(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """documents.W001 without HarfBuzz subsetting, documents.W002 without a Chinese font,
    documents.W003 without the official typefaces."""
    return pdf_environment_warnings()
