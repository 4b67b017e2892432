"""The open data's contract, declared once: every field of the data downloads.

``data`` writes the files from these lists, the /data/ page documents them from the
same lists, and ``data_import`` reads a spreadsheet back by them, so the files, their
documentation and the importer cannot drift apart. No I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Type(Enum):
    TEXT = "text"
    DATE = "date"  # YYYY-MM-DD
    URL = "address"  # an absolute https:// address
    BOOLEAN = "true or false"
    INTEGER = "whole number"
    TEXTS = "list of text"
    FINDINGS = "list of findings"


class Origin(Enum):
    """Where a field's value comes from, which decides what the importer does with it."""

    REQUIRED = "content, required"  # an announcement's field that must be there: the importer needs the column
    CONTENT = "content"  # an announcement's field as written: the importer reads it when the column is there
    ADDRESS = "address"  # the announcement's address: the importer names the file after it
    DERIVED = "derived"  # computed by the build (statuses, names, links): the importer ignores it


@dataclass(frozen=True, slots=True)
class DataField:
    name: str
    type: Type
    always: bool  # always has a value; otherwise empty (CSV) or null (JSON) when unknown
    origin: Origin
    description: str


CERTIFICATION_FIELDS = (
    DataField("announcement", Type.URL, True, Origin.ADDRESS, "The announcement's page."),
    DataField("certification", Type.URL, True, Origin.DERIVED, "The certification's permanent address: the announcement's page and #certification-N, N its place in the announcement."),
    DataField("date", Type.DATE, True, Origin.REQUIRED, "The announcement's date."),
    DataField("title", Type.TEXT, True, Origin.REQUIRED, "The announcement's headline."),
    DataField("entity", Type.TEXT, True, Origin.REQUIRED, "The certified company's name as announced."),
    DataField("entity_slug", Type.TEXT, True, Origin.CONTENT, "The company's key: its page is /entities/<entity_slug>/."),
    DataField("other_names", Type.TEXTS, True, Origin.DERIVED, "The company's other names: its profile's aliases and every other name it was announced under."),
    DataField("group", Type.TEXT, False, Origin.CONTENT, "Parent company or group, as announced."),
    DataField("country", Type.TEXT, True, Origin.REQUIRED, "ISO 3166-1 alpha-2 code of the certified site's country."),
    DataField("country_name", Type.TEXT, True, Origin.DERIVED, "The country's name in the site's language."),
    DataField("region", Type.TEXT, False, Origin.CONTENT, "Province, state or region."),
    DataField("city", Type.TEXT, False, Origin.CONTENT, "City or town."),
    DataField("facilities", Type.TEXTS, True, Origin.CONTENT, "Facility (site) names the announcement covers."),
    DataField("activities", Type.TEXTS, True, Origin.CONTENT, "Supply-chain activities."),
    DataField("products", Type.TEXTS, True, Origin.CONTENT, "Products."),
    DataField("standard", Type.TEXT, True, Origin.REQUIRED, "The standard's id: its page is /standards/<standard>/."),
    DataField("standard_name", Type.TEXT, True, Origin.DERIVED, "The standard's name."),
    DataField("edition", Type.TEXT, False, Origin.CONTENT, "The standard's edition as announced."),
    DataField("certificate", Type.TEXT, False, Origin.CONTENT, "Certificate number as issued."),
    DataField("auditor", Type.TEXT, True, Origin.REQUIRED, "The certification body that audited."),
    DataField("scope", Type.TEXT, False, Origin.CONTENT, "What the certification covers."),
    DataField("announced_status", Type.TEXT, True, Origin.CONTENT, "The status as announced: certified, provisional, suspended or withdrawn."),
    DataField("status", Type.TEXT, True, Origin.DERIVED, "The status as of the data date: the announced one, or superseded (a later announcement covers the same company, standard and facilities), or expired (after valid_until)."),
    DataField("valid_from", Type.DATE, False, Origin.CONTENT, "First day of validity, as announced."),
    DataField("valid_until", Type.DATE, False, Origin.CONTENT, "Last day of validity: announced, or derived from the standard's validity period (see valid_until_derived)."),
    DataField("valid_until_derived", Type.BOOLEAN, True, Origin.DERIVED, "true when valid_until was derived from the standard's validity period rather than announced."),
    DataField("superseded_by", Type.URL, False, Origin.DERIVED, "The later announcement that supersedes this certification."),
    DataField("report", Type.URL, False, Origin.CONTENT, "The summary audit report."),
    DataField("open_nonconformances", Type.INTEGER, True, Origin.DERIVED, "Findings still open as of the data date (a superseded or expired certification has none)."),
    DataField("nonconformances", Type.FINDINGS, True, Origin.CONTENT, "The audit's findings (non-conformances), each with the fields below."),
)

NONCONFORMANCE_FIELDS = (
    DataField("criterion", Type.TEXT, True, Origin.DERIVED, "The criterion's number, e.g. 5.1."),
    DataField("criterion_title", Type.TEXT, True, Origin.DERIVED, "The criterion's title in its standard."),
    DataField("clauses", Type.TEXT, True, Origin.REQUIRED, "The reference as written, criterion and clauses, e.g. 5.1a-b."),
    DataField("severity", Type.TEXT, True, Origin.REQUIRED, "minor or major."),
    DataField("closed", Type.DATE, False, Origin.CONTENT, "The day the finding was closed; empty while that day lies after the data date."),
    DataField("note", Type.TEXT, False, Origin.CONTENT, "What was done about it."),
    DataField("open", Type.BOOLEAN, True, Origin.DERIVED, "Still open as of the data date."),
)

# nonconformances.csv: one row per finding, first the keys of its certification.
FINDING_KEYS = ("certification", "announcement", "date", "entity", "entity_slug", "standard", "certificate", "status")
NONCONFORMANCE_ROW_FIELDS = (
    *(field for key in FINDING_KEYS for field in CERTIFICATION_FIELDS if field.name == key),
    DataField("finding", Type.INTEGER, True, Origin.DERIVED, "The finding's place among its certification's findings, from 1."),
    *NONCONFORMANCE_FIELDS,
)

# How the CSV writes what a cell cannot hold as it is. The importer undoes each.
LIST_SEPARATOR = " | "  # between the items of a list; a "|" or "\" inside an item is written "\|" or "\\"
# The findings cell holds a JSON array of objects with these keys (absent when empty).
FINDING_CELL_KEYS = ("clauses", "severity", "closed", "note")
# A spreadsheet runs a cell that starts with one of these as a formula: such a cell, and
# one that starts with an apostrophe, is written with an apostrophe in front.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_GUARD = "'"
_GUARDED_STARTS = frozenset((*FORMULA_STARTS, FORMULA_GUARD))


def guard_formula(cell: str) -> str:
    """A cell a spreadsheet shows as text rather than running it.

    >>> guard_formula("=HYPERLINK(\\"http://x\\")"), guard_formula("'quoted"), guard_formula("Acme")
    ('\\'=HYPERLINK("http://x")', "''quoted", 'Acme')
    """
    return FORMULA_GUARD + cell if cell[:1] in _GUARDED_STARTS else cell


def unguard_formula(cell: str) -> str:
    """The cell as the content has it: ``guard_formula`` undone.

    >>> all(unguard_formula(guard_formula(c)) == c for c in ("=1+1", "'", "''x", "-", "Acme", ""))
    True
    """
    return cell[1:] if cell.startswith(FORMULA_GUARD) else cell


def join_list(items: tuple[str, ...] | list[str]) -> str:
    r"""A list in one cell, each item escaped so that ``split_list`` gives it back.

    >>> join_list(["Smelter", "Casthouse | East", "C:\\plant"])
    'Smelter | Casthouse \\| East | C:\\\\plant'
    """
    return LIST_SEPARATOR.join(item.replace("\\", "\\\\").replace("|", "\\|") for item in items)


def split_list(cell: str) -> list[str]:
    r"""The items ``join_list`` wrote; surrounding spaces of an item are dropped (content has none).

    >>> split_list(join_list(["Smelter", "Casthouse | East", "C:\\plant", "a\\|b"]))
    ['Smelter', 'Casthouse | East', 'C:\\plant', 'a\\|b']
    >>> split_list("")
    []
    """
    items, current, escaped = [], [], False
    for char in cell:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "|":
            items.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    last = "".join(current).strip()
    if items or last:
        items.append(last)
    return items
