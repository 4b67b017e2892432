"""Folding names to plain Latin letters, for slugs and for sorting."""

from __future__ import annotations

import unicodedata

# Letters that Unicode does not decompose into a base letter plus accents.
_UNDECOMPOSABLE = str.maketrans(
    {"Ø": "O", "ø": "o", "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ð": "D", "ð": "d", "Þ": "Th", "þ": "th",
     "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe", "ß": "ss", "ı": "i", "Ħ": "H", "ħ": "h"}
)


def fold_to_latin(text: str) -> str:
    """Text with accents removed and special Latin letters spelt out; other scripts unchanged.

    >>> fold_to_latin("Østfold Łódź Straße Đồng Nai Ærø")
    'Ostfold Lodz Strasse Dong Nai AEro'
    >>> fold_to_latin("包头铝业")
    '包头铝业'
    """
    decomposed = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSABLE))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))
