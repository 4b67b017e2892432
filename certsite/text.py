"""Folding names to plain Latin letters, for slugs and for sorting; reading dates written in other common forms."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

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


def slugify(name: str) -> str:
    """Derive a slug from a name: ASCII letters and digits joined by single hyphens.

    >>> slugify("Baotou Aluminium Co., Ltd.")
    'baotou-aluminium-co-ltd'
    >>> slugify("Société Générale d'Aluminium")
    'societe-generale-d-aluminium'
    >>> slugify("Østfold Aluminium AS")
    'ostfold-aluminium-as'
    >>> slugify("包头铝业有限公司")
    ''
    """
    ascii_name = fold_to_latin(name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december")
_MONTH_NAME = r"([A-Za-z]{3,9})\.?"
_DAY_NUMBER = r"([0-9]{1,2})(?:st|nd|rd|th)?\.?"
_YEAR_FIRST = re.compile(r"([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})", re.ASCII)
_DAY_OR_MONTH_FIRST = re.compile(r"([0-9]{1,2})([-/.])([0-9]{1,2})\2([0-9]{4})", re.ASCII)
_DAY_MONTH_NAME = re.compile(_DAY_NUMBER + r"\s+" + _MONTH_NAME + r",?\s+([0-9]{4})", re.ASCII)
_MONTH_NAME_DAY = re.compile(_MONTH_NAME + r"\s+" + _DAY_NUMBER + r",?\s+([0-9]{4})", re.ASCII)


def iso_date_hint(text: str) -> str | None:
    """How to write a date typed in another common form as YYYY-MM-DD, or ``None``.

    Numbers with the year last are read day first, as in most of the world; when
    the month-first reading is a date too, and a different one, both are offered.
    Month names are English, in full or abbreviated. Without a calendar date to
    offer (no such day, a two-digit year, another language), there is no hint.

    >>> iso_date_hint("20/11/2026"), iso_date_hint("20.11.2026"), iso_date_hint("2026/11/20")
    ('write 2026-11-20', 'write 2026-11-20', 'write 2026-11-20')
    >>> iso_date_hint("03/04/2026")
    'write 2026-04-03 if you mean 3 April, or 2026-03-04 if you mean 4 March'
    >>> iso_date_hint("11/20/2026"), iso_date_hint("04/04/2026")  # only one reading is a date
    ('write 2026-11-20', 'write 2026-04-04')
    >>> iso_date_hint("2029-11-7"), iso_date_hint("20 November 2026"), iso_date_hint("November 20, 2026")
    ('write 2029-11-07', 'write 2026-11-20', 'write 2026-11-20')
    >>> iso_date_hint("1st Feb 2024"), iso_date_hint("Sept. 3, 2024")
    ('write 2024-02-01', 'write 2024-09-03')
    >>> [iso_date_hint(t) for t in ("31/02/2026", "2029-2-30", "20 Novembre 2026", "20/11/26", "soon")]
    [None, None, None, None, None]
    """
    text = text.strip()
    readings: list[tuple[int, int, int]] = []  # (year, month, day), the likelier first
    if match := _YEAR_FIRST.fullmatch(text):
        readings.append((int(match[1]), int(match[3]), int(match[4])))
    elif match := _DAY_OR_MONTH_FIRST.fullmatch(text):
        first, second, year = int(match[1]), int(match[3]), int(match[4])
        readings += [(year, second, first), (year, first, second)]
    elif match := _DAY_MONTH_NAME.fullmatch(text):
        readings.append((int(match[3]), _month(match[2]), int(match[1])))
    elif match := _MONTH_NAME_DAY.fullmatch(text):
        readings.append((int(match[3]), _month(match[1]), int(match[2])))
    dates: list[date] = []
    for year, month, day in readings:
        try:
            found = date(year, month, day)
        except ValueError:  # no such day, or a month name that is not one (0)
            continue
        if found not in dates:
            dates.append(found)
    if len(dates) == 1:
        return f"write {dates[0].isoformat()}"
    if len(dates) == 2:
        first, second = (f"{d.isoformat()} if you mean {d.day} {_MONTHS[d.month - 1].title()}" for d in dates)
        return f"write {first}, or {second}"
    return None


def _month(name: str) -> int:
    """1 to 12 for an English month name or its first three (or four) letters; 0 otherwise."""
    name = name.lower()
    for number, month in enumerate(_MONTHS, start=1):
        if name == month or (len(name) in (3, 4) and month.startswith(name)):
            return number
    return 0
