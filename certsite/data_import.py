"""``certsite import``: announcements from a spreadsheet with the columns of the data
download certifications.csv (``data_fields``), as CSV or as an Excel workbook.

Reading is all or nothing: every bad row is reported at once, by row and column, and
nothing is written unless every row is good. Rows of one announcement (one address,
or without that column one date and entity) become one file with the front matter of
the content format. A spreadsheet has no text, so each file gets a neutral sentence
made from its fields, and says so. The files come from whoever made the spreadsheet:
each read is bounded (file size, rows, characters per cell).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from certsite import schema
from certsite.countries import COUNTRY_NAMES
from certsite.data_fields import CERTIFICATION_FIELDS, FINDING_CELL_KEYS, Origin, Type, split_list, unguard_formula
from certsite.text import slugify

MAX_FILE_BYTES = 50_000_000  # a register of 100,000 certifications is about a third of this
MAX_ROWS = 100_000
MAX_CELL = 100_000  # characters; a findings cell with 200 findings and long notes fits

COLUMNS = {f.name: f for f in CERTIFICATION_FIELDS}
REQUIRED = tuple(f.name for f in CERTIFICATION_FIELDS if f.origin is Origin.REQUIRED)
# Fields every certification of one announcement shares; the rest belong to each certification.
ANNOUNCEMENT_COLUMNS = ("date", "title", "entity", "entity_slug", "group", "country", "region", "city", "facilities", "activities", "products")
STATUSES = ("certified", "provisional", "suspended", "withdrawn")
SEVERITIES = ("minor", "major")

_SLUG = re.compile(schema.SLUG_PATTERN)
_DATE = re.compile(schema.DATE_PATTERN)
_REF = re.compile(schema.CRITERION_REF_PATTERN)
# Tabs and line breaks are text (a YAML block gives them, and the download keeps them);
# what else content may not hold, the check of the whole register reports (see cli).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_ANNOUNCEMENT_ADDRESS = re.compile(r"^https://[^/\s]+/(?:[^\s]*/)?certifications/([0-9]{4}-[0-9]{2}-[0-9]{2}-[a-z0-9]+(?:-[a-z0-9]+)*)/$")


class SpreadsheetProblems(Exception):
    """The spreadsheet cannot be imported; ``problems`` are all its messages, located."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class _Announcement:
    file_name: str
    rows: list[int]
    values: dict[str, Any]
    certifications: list[dict[str, Any]] = field(default_factory=list)


def read_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """The sheet's rows as text, numbered as a spreadsheet numbers them (the header is row 1).

    Raises ``SpreadsheetProblems`` for a file too large, too many rows, or one that is not CSV or Excel.
    """
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise SpreadsheetProblems([f"{path.name}: the file has {size:,} bytes; the limit is {MAX_FILE_BYTES:,}: split it into several"])
    rows = _xlsx_rows(path) if path.suffix.lower() == ".xlsx" else _csv_rows(path)
    for number, row in enumerate(rows, start=1):
        if number > MAX_ROWS + 1:
            raise SpreadsheetProblems([f"{path.name}: more than {MAX_ROWS:,} rows; split the file into several"])
        yield number, row


def _csv_rows(path: Path) -> Iterator[list[str]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SpreadsheetProblems([f"{path.name}: byte {error.start:,} is not UTF-8; save the file as CSV UTF-8"]) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        yield from reader
    except csv.Error as error:  # a cell longer than csv's own limit, or a stray quote
        raise SpreadsheetProblems([f"{path.name}:{reader.line_num}: {error}; check the quotes on that line"]) from None


def _xlsx_rows(path: Path) -> Iterator[list[str]]:
    import openpyxl  # only for .xlsx: a CSV import does not pay for loading it

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        raise SpreadsheetProblems([f"{path.name}: not an Excel workbook ({type(error).__name__}); save it as .xlsx or CSV UTF-8"]) from None
    try:
        for row in workbook.worksheets[0].iter_rows(values_only=True):
            yield [_xlsx_text(value) for value in row]
    finally:
        workbook.close()


def _xlsx_text(value: Any) -> str:
    """A cell's value as the CSV would hold it: dates as YYYY-MM-DD, whole numbers without ".0"."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass(frozen=True, slots=True)
class PlannedFile:
    """An announcement file an import would write, and the rows it comes from."""

    text: str
    rows: tuple[int, ...]


def plan_import(path: Path, content_dir: Path) -> dict[str, PlannedFile]:
    """Every announcement file the spreadsheet makes, by file name; raise
    ``SpreadsheetProblems`` with every problem found (bad rows, files that exist already)."""
    name = path.name
    problems: list[str] = []
    rows = read_rows(path)
    header_row = next(rows, None)
    if header_row is None:
        raise SpreadsheetProblems([f"{name}: the file is empty; the first row names the columns, e.g. {','.join(REQUIRED)}"])
    header = [unguard_formula(cell).strip() for cell in header_row[1]]
    problems += _header_problems(name, header)
    if problems:
        raise SpreadsheetProblems(problems)
    standards_dir = content_dir / "standards"
    known_standards = {p.stem for p in standards_dir.glob("*.yaml")} if standards_dir.is_dir() else None
    announcements: dict[str, _Announcement] = {}
    by_file_name: dict[str, _Announcement] = {}
    for number, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue  # a blank row, as spreadsheets leave at the end
        if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header):]):
            problems.append(f"{name}:{number}: the row has {len(cells)} cells but the header names {len(header)} columns")
            continue
        row = {column: cells[index] if index < len(cells) else "" for index, column in enumerate(header)}
        values = _row_values(name, number, row, known_standards, problems)
        if values is not None:
            _add(name, number, values, "announcement" in header, announcements, by_file_name, problems)
    if not announcements and not problems:
        problems.append(f"{name}: no rows below the header")
    target = content_dir / "certifications"
    for planned in announcements.values():
        if (target / planned.file_name).exists():
            problems.append(f"{name}:{planned.rows[0]}: {target / planned.file_name} exists already; import never overwrites a file (remove that row or the file)")
    if problems:
        raise SpreadsheetProblems(problems)
    return {planned.file_name: PlannedFile(announcement_text(planned, name), tuple(planned.rows)) for planned in announcements.values()}


def _header_problems(name: str, header: list[str]) -> list[str]:
    problems = []
    for index, column in enumerate(header):
        if column not in COLUMNS:
            problems.append(f"{name}:1: column {index + 1} '{column[:60]}' is not a column of certifications.csv; expected one of: {', '.join(COLUMNS)}")
        elif header.index(column) != index:
            problems.append(f"{name}:1: column '{column}' appears twice; keep one")
    for column in REQUIRED:
        if column not in header:
            problems.append(f"{name}:1: the required column '{column}' is missing; expected: {COLUMNS[column].description}")
    return problems


def _row_values(name: str, number: int, row: dict[str, str], known_standards: set[str] | None, problems: list[str]) -> dict[str, Any] | None:
    """One row's content fields, checked; ``None`` after appending its problems."""
    found: list[str] = []

    def problem(column: str, message: str) -> None:
        found.append(f"{name}:{number}: column {column}: {message}")

    values: dict[str, Any] = {}
    for column, cell in row.items():
        spec = COLUMNS[column]
        if spec.origin is Origin.DERIVED and column != "valid_until_derived":
            continue  # the build computes these again
        if len(cell) > MAX_CELL:
            problem(column, f"the cell has {len(cell):,} characters; the limit is {MAX_CELL:,}")
            continue
        text = unguard_formula(cell).strip()
        if not text:
            if spec.origin is Origin.REQUIRED:
                problem(column, f"is empty; it is required ({spec.description})")
            continue
        if spec.type is Type.FINDINGS:
            values[column] = _findings(text, lambda message: problem(column, message))
            continue
        items = split_list(text) if spec.type is Type.TEXTS else [text]
        for item in items:
            if control := _CONTROL.search(item):
                problem(column, f"contains the invisible character U+{ord(control.group()):04X}; remove it")
            elif len(item) > schema.MAX_TEXT_LENGTH:
                problem(column, f"has {len(item):,} characters; the limit is {schema.MAX_TEXT_LENGTH:,}")
        if spec.type is Type.TEXTS and len(items) > schema.MAX_LIST_LENGTH:
            problem(column, f"has {len(items)} items; the limit is {schema.MAX_LIST_LENGTH}")
        values[column] = items if spec.type is Type.TEXTS else text
    for column in ("date", "valid_from", "valid_until"):
        if column in values and _date(values[column]) is None:
            problem(column, f"'{values[column][:40]}' is not a date; write YYYY-MM-DD")
    if "country" in values and values["country"] not in COUNTRY_NAMES:
        problem("country", f"'{values['country'][:40]}' is not an ISO 3166-1 country code; write two capital letters, e.g. NO or CN")
    for column in ("standard", "entity_slug"):
        if column in values and not _SLUG.fullmatch(values[column]):
            problem(column, f"'{values[column][:40]}' is not a slug; write lowercase letters, digits and single hyphens, e.g. {slugify(values[column]) or 'asi-ps-v3'}")
    standard = values.get("standard")
    if standard and known_standards is not None and _SLUG.fullmatch(standard) and standard not in known_standards:
        problem("standard", f"there is no standard '{standard}' in standards/; write one of: {', '.join(sorted(known_standards)) or '(none yet: add the standard first)'}")
    if values.get("announced_status", "certified") not in STATUSES:
        problem("announced_status", f"'{values['announced_status'][:40]}' is not a status; write one of: {', '.join(STATUSES)}")
    if values.get("valid_until_derived", "false") not in ("true", "false"):
        problem("valid_until_derived", f"'{values['valid_until_derived'][:40]}' must be true or false")
    if "report" in values and not re.fullmatch(r"https://[^\s<>\"'`{}|\\^]+", values["report"]):
        problem("report", f"'{values['report'][:60]}' is not an https:// address")
    if "announcement" in values and not (match := _ANNOUNCEMENT_ADDRESS.fullmatch(values["announcement"])):
        problem("announcement", f"'{values['announcement'][:80]}' is not an announcement's address; write e.g. https://example.org/certifications/2024-01-10-acme-metals/")
    elif "announcement" in values and "date" in values and not match.group(1).startswith(values["date"]):
        problem("announcement", f"the address's date {match.group(1)[:10]} differs from the date column's {values['date']}; correct one of them")
    if found:
        problems.extend(found)
        return None
    if values.pop("valid_until_derived", "false") == "true":
        values.pop("valid_until", None)  # the build derives it again from the standard
    return values


def _date(text: str) -> date | None:
    if not _DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _findings(text: str, problem) -> list[dict[str, str]]:
    example = 'write a JSON array such as [{"clauses":"5.1a-b","severity":"minor"}]'
    try:
        findings = json.loads(text)
    except ValueError as error:
        problem(f"is not JSON ({error.msg} at character {error.pos + 1}); {example}")
        return []
    if not isinstance(findings, list) or not all(isinstance(item, dict) for item in findings):
        problem(f"must be a JSON array of objects; {example}")
        return []
    if len(findings) > 2 * schema.MAX_LIST_LENGTH:
        problem(f"has {len(findings)} findings; the limit is {2 * schema.MAX_LIST_LENGTH}")
        return []
    for index, item in enumerate(findings, start=1):
        where = f"finding {index}"
        unknown = sorted(set(item) - set(FINDING_CELL_KEYS))
        if unknown:
            problem(f"{where} has the unknown key '{unknown[0]}'; the keys are {', '.join(FINDING_CELL_KEYS)}")
        if not all(isinstance(value, str) for value in item.values()):
            problem(f"{where}: every value must be text in double quotes")
            continue
        if not _REF.fullmatch(item.get("clauses", "")):
            problem(f"{where}: clauses '{item.get('clauses', '')[:40]}' is not a criterion reference; write e.g. 5.1 or 5.1a-b")
        if item.get("severity") not in SEVERITIES:
            problem(f"{where}: severity must be minor or major, not '{str(item.get('severity', ''))[:20]}'")
        if "closed" in item and _date(item["closed"]) is None:
            problem(f"{where}: closed '{item['closed'][:40]}' is not a date; write YYYY-MM-DD")
        if "note" in item and (control := _CONTROL.search(item["note"])):
            problem(f"{where}: the note contains the invisible character U+{ord(control.group()):04X}; remove it")
        elif "note" in item and len(item["note"]) > schema.MAX_TEXT_LENGTH:
            problem(f"{where}: the note has {len(item['note']):,} characters; the limit is {schema.MAX_TEXT_LENGTH:,}")
    return findings


def _add(
    name: str,
    number: int,
    values: dict[str, Any],
    by_address: bool,
    announcements: dict[str, _Announcement],
    by_file_name: dict[str, _Announcement],
    problems: list[str],
) -> None:
    """Put the row's certification into its announcement, checking that the rows of one
    announcement agree on what they share."""
    if by_address:
        key = values["announcement"]
        file_name = _ANNOUNCEMENT_ADDRESS.fullmatch(key).group(1) + ".md"  # type: ignore[union-attr]
    else:
        key = f"{values['date']}\0{values['entity']}"
        file_name = f"{values['date']}-{values.get('entity_slug') or slugify(values['entity']) or 'announcement'}.md"
    shared = {column: values.get(column) for column in ANNOUNCEMENT_COLUMNS}
    planned = announcements.get(key)
    if planned is None:
        clash = by_file_name.get(file_name)  # a lookup, not a scan: 100,000 rows import in linear time
        if clash is not None:
            problems.append(f"{name}:{number}: this row's announcement would be {file_name}, as row {clash.rows[0]}'s is; give the two different dates or entity names")
            return
        planned = announcements[key] = by_file_name[file_name] = _Announcement(file_name, [], shared)
    else:
        for column in ANNOUNCEMENT_COLUMNS:
            if shared[column] != planned.values[column]:
                problems.append(f"{name}:{number}: column {column}: differs from row {planned.rows[0]} of the same announcement; the rows of one announcement share it")
                return
    planned.rows.append(number)
    planned.certifications.append(values)


def announcement_text(planned: _Announcement, source: str) -> str:
    """The announcement file: front matter in the content format, then a generated sentence."""
    values = planned.values
    rows = f"row {planned.rows[0]}" if len(planned.rows) == 1 else f"rows {', '.join(map(str, planned.rows))}"
    lines = [
        "---",
        f"# Imported by certsite import from {_comment(source)}, {rows}. The text below the front matter was generated from the fields.",
        f"title: {_yaml(values['title'])}",
        f"date: {values['date']}",
        f"entity: {_yaml(values['entity'])}",
    ]
    if values["entity_slug"]:
        lines.append(f"entity_slug: {values['entity_slug']}")
    if values["group"]:
        lines.append(f"group: {_yaml(values['group'])}")
    lines += ["location:", f"  country: {_yaml(values['country'])}"]
    lines += [f"  {column}: {_yaml(values[column])}" for column in ("region", "city") if values[column]]
    lines += [f"{column}: {_yaml(values[column])}" for column in ("facilities", "activities", "products") if values[column]]
    lines.append("certifications:")
    for certification in planned.certifications:
        lines.append(f"  - standard: {certification['standard']}")
        for column, key in (("edition", "edition"), ("auditor", "auditor"), ("certificate", "certificate"), ("scope", "scope"), ("announced_status", "status"), ("valid_from", "valid_from"), ("valid_until", "valid_until"), ("report", "report")):
            if certification.get(column):
                value = certification[column]
                lines.append(f"    {key}: {value if COLUMNS[column].type is Type.DATE else _yaml(value)}")
        findings = certification.get("nonconformances") or []
        if findings:
            lines.append("    nonconformances:")
            for severity in SEVERITIES:
                items = [finding for finding in findings if finding["severity"] == severity]
                if items:
                    lines.append(f"      {severity}:")
                    lines += [f"        - {_finding(finding)}" for finding in items]
    lines += ["---", "", _sentence(planned), ""]
    return "\n".join(lines)


def _finding(finding: dict[str, str]) -> str:
    if "closed" not in finding and "note" not in finding:
        return _yaml(finding["clauses"])
    parts = [f"criterion: {_yaml(finding['clauses'])}"]
    if "closed" in finding:
        parts.append(f"closed: {finding['closed']}")
    if "note" in finding:
        parts.append(f"note: {_yaml(finding['note'])}")
    return "{" + ", ".join(parts) + "}"


def _sentence(planned: _Announcement) -> str:
    """A neutral sentence from the fields, for the announcement's page (a spreadsheet has no text)."""
    values = planned.values
    place = ", ".join(_markdown(values[column]) for column in ("city", "region") if values[column])
    certifications = "; ".join(
        f"{_markdown(c['standard'])} ({c.get('announced_status', 'certified')}), audited by {_markdown(c['auditor'])}" for c in planned.certifications
    )
    where = f" in {place} ({values['country']})" if place else f" ({values['country']})"
    return f"{_markdown(values['entity'])}{where}: {certifications}. This text was generated from a spreadsheet when the announcement was imported."


def _yaml(value: str | list[str]) -> str:
    """Text as a YAML double-quoted string (or a list of them), which YAML never reads as anything else."""
    if isinstance(value, list):
        return "[" + ", ".join(_yaml(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _comment(text: str) -> str:
    return re.sub(r"[\r\n]", " ", text)


def _markdown(text: str) -> str:
    """Text that Markdown shows as it is: its marks escaped (raw HTML is shown as text anyway)."""
    return re.sub(r"([\\`*_\[\]<>#!])", r"\\\1", text)
