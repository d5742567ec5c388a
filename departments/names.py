"""Pure helpers for writing unit names the one way the registry stores them."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def normalize_unit_name(name: str) -> str:
    """Fold full-width forms and spacing so that two spellings of one name compare equal.

    NFKC turns full-width parentheses, colons and letters into their
    half-width forms, so `各县（市、区）政府` and `各县(市、区)政府` become one key.
    """
    folded = unicodedata.normalize("NFKC", name)
    return _SPACES.sub("", folded).strip("、,，;；:：。.")
