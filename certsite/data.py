"""The open data downloads: every published certification as JSON and CSV, with the
JSON's schema, made from the same catalog as the pages.

Pure: the catalog in, ``{output path: bytes}`` out. Embargoed and draft announcements
are not in the catalog, so they are not in the files either. The same catalog gives
the same bytes: records come in the catalog's order (date descending, then the
announcement's slug, then the certification's place in it) and every field in the
order ``data_fields`` declares.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from certsite import urls
from certsite.catalog import Catalog, Standing
from certsite.countries import country_name
from certsite.data_fields import (
    CERTIFICATION_FIELDS,
    FINDING_CELL_KEYS,
    FINDING_KEYS,
    NONCONFORMANCE_FIELDS,
    NONCONFORMANCE_ROW_FIELDS,
    DataField,
    Type,
    guard_formula,
    join_list,
)
from certsite.model import Announcement

# Excel takes a CSV file for the machine's legacy code page unless it starts with this.
BYTE_ORDER_MARK = "\ufeff"


@dataclass(frozen=True, slots=True)
class DataRows:
    """One certification's part of each download, as text: its record of
    certifications.json (one line), its row of certifications.csv and its rows of
    nonconformances.csv. A download is its head and these, joined in the catalog's
    order, so that a build can reuse those of the certifications that did not change."""

    json: str
    csv: str
    findings_csv: str


def published_standings(catalog: Catalog) -> list[Standing]:
    """Every published certification's standing, in the order of the downloads."""
    return [standing for announcement in catalog.announcements for standing in catalog.standings[announcement.slug]]


def data_rows(catalog: Catalog, standings: list[Standing]) -> Iterator[DataRows]:
    """The ``DataRows`` of each of ``standings`` (of ``catalog``), in order, made one at a
    time as they are asked for: a build makes them while it waits for its page workers
    (see ``build``)."""
    record_of = certification_record(catalog)
    for standing in standings:
        record = record_of(standing)
        yield DataRows(_json_text(record), _csv_text([_certification_row(record)]), _csv_text(list(_finding_rows([record]))))


def data_outputs(catalog: Catalog, rows: list[DataRows]) -> dict[PurePosixPath, bytes]:
    """The downloads, from the ``DataRows`` of ``published_standings(catalog)``, in that order."""
    addresses = urls.Addresses(catalog.site.base_url)
    head = {
        "register": catalog.site.title,
        "address": catalog.site.base_url,
        "data_date": catalog.build_date.isoformat(),
        "licence": {"name": catalog.site.licence.name, "url": catalog.site.licence.url} if catalog.site.licence else None,
        "certifications": [],
    }
    # One record per line, so that diffs between two days' files show what changed: the
    # head ends in '"certifications":[]}', into which the records go.
    records = "".join(("," if number else "") + "\n" + row.json for number, row in enumerate(rows))
    document = _json_text(head)[: -len("]}")] + records + "]}\n"
    return {
        urls.output_path(urls.DATA_JSON): document.encode("utf-8"),
        urls.output_path(urls.DATA_SCHEMA): (json.dumps(data_schema(addresses.absolute(urls.DATA_SCHEMA)), ensure_ascii=False, indent=2) + "\n").encode("utf-8"),
        urls.output_path(urls.DATA_CSV): _csv(CERTIFICATION_FIELDS, [row.csv for row in rows]),
        urls.output_path(urls.NONCONFORMANCES_CSV): _csv(NONCONFORMANCE_ROW_FIELDS, [row.findings_csv for row in rows]),
    }


def certification_record(catalog: Catalog) -> Callable[[Standing], dict[str, Any]]:
    """What makes the record of a standing of ``catalog``, as the JSON holds it (with
    the catalog's lookups made once)."""
    addresses = urls.Addresses(catalog.site.base_url)
    other_names = {entity.slug: list(entity.aliases) for entity in catalog.entities}
    criteria = {(c.standard_id, c.number): c for s in catalog.standards for c in s.criteria}
    standard_names = {s.id: s.name for s in catalog.standards}

    def page(announcement: Announcement) -> str:
        return addresses.absolute(urls.announcement_url(announcement))

    def record(standing: Standing) -> dict[str, Any]:
        a, c = standing.announcement, standing.certification
        values = {
            "announcement": page(a),
            "certification": f"{page(a)}#certification-{standing.position}",
            "date": a.date.isoformat(),
            "title": a.title,
            "entity": a.entity,
            "entity_slug": a.entity_slug,
            "other_names": other_names[a.entity_slug],
            "group": a.group,
            "country": a.location.country,
            "country_name": country_name(a.location.country, catalog.site.language),
            "region": a.location.region,
            "city": a.location.city,
            "facilities": list(a.facilities),
            "activities": list(a.activities),
            "products": list(a.products),
            "standard": c.standard_id,
            "standard_name": standard_names[c.standard_id],
            "edition": c.edition,
            "certificate": c.certificate,
            "auditor": c.auditor,
            "scope": c.scope,
            "announced_status": c.status.value,
            "status": standing.status.value,
            "valid_from": c.valid_from.isoformat() if c.valid_from else None,
            "valid_until": standing.valid_until.isoformat() if standing.valid_until else None,
            "valid_until_derived": standing.until_derived,
            "superseded_by": page(standing.superseded_by) if standing.superseded_by else None,
            "report": c.report,
            "open_nonconformances": standing.open_findings,
            "nonconformances": [
                {
                    "criterion": n.ref.criterion,
                    "criterion_title": criteria[(c.standard_id, n.ref.criterion)].title,
                    "clauses": n.ref.raw,
                    "severity": n.severity.value,
                    "closed": n.closed.isoformat() if n.closed else None,
                    "note": n.note,
                    "open": standing.is_open(n),
                }
                for n in c.nonconformances
            ],
        }
        assert list(values) == [field.name for field in CERTIFICATION_FIELDS], "data_fields and data disagree"
        return values

    return record


def _findings_cell(findings: list[dict[str, Any]]) -> str:
    return _json_text([{key: finding[key] for key in FINDING_CELL_KEYS if finding[key] is not None} for finding in findings]) if findings else ""


# How a value of each type is written into a cell, before ``guard_formula``.
_CELL_TEXT: dict[Type, Callable[[Any], str]] = {
    Type.TEXT: str,
    Type.DATE: str,
    Type.URL: str,
    Type.BOOLEAN: lambda value: "true" if value else "false",
    Type.INTEGER: str,
    Type.TEXTS: join_list,
    Type.FINDINGS: _findings_cell,
}


def _cells(fields: tuple[DataField, ...]) -> tuple[tuple[str, Callable[[Any], str]], ...]:
    """Each field's name and how its value becomes a cell ("" for none), looked up once
    rather than for each of the 800,000 cells of a register of 10,000 announcements."""
    return tuple((field.name, _cell_of(_CELL_TEXT[field.type])) for field in fields)


def _cell_of(text: Callable[[Any], str]) -> Callable[[Any], str]:
    def cell(value: Any) -> str:
        return "" if value is None else guard_formula(text(value))

    return cell


_CERTIFICATION_CELLS = _cells(CERTIFICATION_FIELDS)
_FINDING_CERTIFICATION_CELLS = _cells(NONCONFORMANCE_ROW_FIELDS[: len(FINDING_KEYS)])
_FINDING_CELLS = _cells(NONCONFORMANCE_FIELDS)


def _certification_row(record: dict[str, Any]) -> list[str]:
    return [cell(record[name]) for name, cell in _CERTIFICATION_CELLS]


def _finding_rows(records: list[dict[str, Any]]):
    for record in records:
        certification = [cell(record[name]) for name, cell in _FINDING_CERTIFICATION_CELLS] if record["nonconformances"] else []
        for number, finding in enumerate(record["nonconformances"], start=1):
            yield [*certification, str(number), *(cell(finding[name]) for name, cell in _FINDING_CELLS)]


def _csv(fields: tuple[DataField, ...], rows: list[str]) -> bytes:
    """RFC 4180: CRLF line ends, a header row, cells quoted when they hold a comma, quote or line break."""
    return (BYTE_ORDER_MARK + _csv_text([[field.name for field in fields]]) + "".join(rows)).encode("utf-8")


def _csv_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


_DATE_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_SCALARS: dict[Type, dict[str, Any]] = {
    Type.TEXT: {"type": "string"},
    Type.DATE: {"type": "string", "pattern": _DATE_PATTERN, "format": "date"},
    Type.URL: {"type": "string", "pattern": "^https://", "format": "uri"},
    Type.BOOLEAN: {"type": "boolean"},
    Type.INTEGER: {"type": "integer", "minimum": 0},
    Type.TEXTS: {"type": "array", "items": {"type": "string"}},
}


def _property(field: DataField) -> dict[str, Any]:
    if field.type is Type.FINDINGS:
        kind: dict[str, Any] = {"type": "array", "items": _object(NONCONFORMANCE_FIELDS)}
    else:
        kind = _SCALARS[field.type]
    described = {"description": field.description, **kind}
    if not field.always:
        described["type"] = [described["type"], "null"]
    return described


def _object(fields: tuple[DataField, ...]) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": [field.name for field in fields],
        "properties": {field.name: _property(field) for field in fields},
    }


def data_schema(schema_id: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of certifications.json, from the declared fields."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": schema_id,
        "title": "Certifications",
        "description": "Every published certification of the register as of data_date.",
        "type": "object",
        "additionalProperties": False,
        "required": ["register", "address", "data_date", "licence", "certifications"],
        "properties": {
            "register": {"type": "string", "description": "The register's title."},
            "address": {"type": "string", "pattern": "^https://", "description": "The register's address."},
            "data_date": {"type": "string", "pattern": _DATE_PATTERN, "format": "date", "description": "The date the statuses are as of: the build date."},
            "licence": {
                "description": "The licence of the data, or null when none is stated.",
                "type": ["object", "null"],
                "additionalProperties": False,
                "required": ["name", "url"],
                "properties": {"name": {"type": "string"}, "url": {"type": ["string", "null"]}},
            },
            "certifications": {"type": "array", "items": _object(CERTIFICATION_FIELDS)},
        },
    }
