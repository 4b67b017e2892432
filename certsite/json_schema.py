"""The announcement front matter as a JSON Schema, written from the contract in ``schema``.

Editors' YAML tooling can then complete field names and flag mistakes as they type.
The schema checks shape; ``certsite check`` remains the authority (criteria, dates,
cross-file rules).
"""

from __future__ import annotations

import json
from typing import Any

from certsite import schema
from certsite.countries import COUNTRY_NAMES
from certsite.model import Status
from certsite.schema import Field, Kind

_DATE = {"type": "string", "pattern": schema.DATE_PATTERN}
_CRITERION = {"type": "string", "pattern": schema.CRITERION_REF_PATTERN}


def _scalar(field: Field) -> dict[str, Any]:
    if field.kind is Kind.DATE:
        return dict(_DATE)
    if field.kind is Kind.BOOL:
        return {"type": "boolean"}
    if field.kind is Kind.TEXTS:
        return {"type": "array", "items": {"type": "string"}}
    if field.kind is Kind.HTTPS:
        return {"type": "string", "pattern": "^https://"}
    if field.kind is Kind.SLUG:
        return {"type": "string", "pattern": schema.SLUG_PATTERN}
    return {"type": "string"}


def _object(table: dict[str, Field], nested: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    nested = nested or {}
    properties = {}
    for name, field in table.items():
        prop = nested.get(name) or _scalar(field)
        properties[name] = {**prop, "description": field.description, "examples": [field.example]}
    result: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    required = [name for name, field in table.items() if field.required]
    if required:
        result["required"] = required
    return result


def announcement_schema(schema_id: str) -> dict[str, Any]:
    """The schema, identified by ``schema_id``: the absolute address it is published at."""
    finding = {"oneOf": [_CRITERION, _object(schema.FINDING, {"criterion": _CRITERION})]}
    nonconformances = _object(schema.NONCONFORMANCES, {severity: {"type": "array", "items": finding} for severity in ("minor", "major")})
    certification = _object(
        schema.CERTIFICATION,
        {"status": {"enum": [s.value for s in Status]}, "nonconformances": nonconformances},
    )
    location = _object(schema.LOCATION, {"country": {"enum": sorted(COUNTRY_NAMES)}})
    body = _object(
        schema.ANNOUNCEMENT,
        {"location": location, "certifications": {"type": "array", "minItems": 1, "items": certification}},
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": schema_id,
        "title": "certsite announcement front matter",
        "description": "The YAML front matter of content/certifications/YYYY-MM-DD-<slug>.md",
        **body,
    }


def announcement_schema_json(schema_id: str) -> str:
    return json.dumps(announcement_schema(schema_id), indent=2, ensure_ascii=False, sort_keys=False) + "\n"
