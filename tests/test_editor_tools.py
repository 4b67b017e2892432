"""Editors' tools: starting an announcement with `certsite new`, and the JSON Schema."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml

from generator import schema

from conftest import BUNDLED_CONTENT, PROJECT

COMMITTED_SCHEMA = PROJECT / "schema/announcement.schema.json"


def test_new_writes_an_announcement_that_passes_check_once_filled_in(content, certsite):
    run = certsite("new", "--content", content.root, "--entity", "Hydro Årdal Metallverk AS", "--country", "no", "--standard", "test-ps", "--date", "2024-05-02")
    assert run.code == 0, run.err
    path = content.root / "certifications/2024-05-02-hydro-ardal-metallverk-as.md"
    assert f"Created {path}" in run.out

    unfinished = certsite("check", "--content", content.root, "--as-of", "2024-06-01")
    assert unfinished.code == 1
    assert "missing required field 'certifications[0].auditor'" in unfinished.err
    assert "the announcement has no text" in unfinished.err

    text = path.read_text("utf-8").replace("auditor:  #", "auditor: Nordic Audit AS  #") + "Hydro's Årdal plant was certified.\n"
    path.write_text(text, encoding="utf-8")
    run = certsite("build", "--content", content.root, "--output", content.root.parent / "site", "--as-of", "2024-06-01", "--no-search")
    assert run.code == 0, run.err
    page = (content.root.parent / "site/entities/hydro-ardal-metallverk-as/index.html").read_text("utf-8")
    assert "Hydro Årdal Metallverk AS" in page and "Norway" in page


def test_new_refuses_to_overwrite_an_existing_file(content, certsite):
    existing = content.root / "certifications/2024-01-10-acme-metals.md"
    before = existing.read_bytes()
    run = certsite("new", "--content", content.root, "--entity", "Acme Metals", "--country", "NO", "--standard", "test-ps", "--date", "2024-01-10")
    assert run.code == 1 and f"{existing} exists already" in run.err
    assert existing.read_bytes() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--entity", "Acme", "--country", "XX", "--standard", "test-ps"), "'XX' is not an ISO 3166-1 alpha-2 country code"),
        (("--entity", "Acme", "--country", "NO", "--standard", "test-pss"), "unknown standard 'test-pss'; known standards: test-ps"),
        (("--country", "NO", "--standard", "test-ps"), "--entity is required"),
        (("--entity", "阿克米", "--country", "CN", "--standard", "test-ps"), "--entity-slug is required"),
    ],
)
def test_new_explains_what_is_missing_or_wrong(content, certsite, monkeypatch, args, message):
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    run = certsite("new", "--content", content.root, *args)
    assert run.code == 2 and message in run.err


def test_new_says_when_it_cannot_write(content, certsite):
    shutil.rmtree(content.root / "certifications")
    (content.root / "certifications").write_text("not a folder")
    run = certsite("new", "--content", content.root, "--entity", "Acme", "--country", "NO", "--standard", "test-ps")
    assert run.code == 1 and "certifications is not a folder" in run.err


def test_new_takes_an_entity_slug_for_names_without_latin_letters(content, certsite):
    run = certsite("new", "--content", content.root, "--entity", "阿克米金属", "--entity-slug", "acme-jinshu", "--country", "CN", "--standard", "test-ps", "--date", "2024-05-02")
    assert run.code == 0, run.err
    text = (content.root / "certifications/2024-05-02-acme-jinshu.md").read_text("utf-8")
    assert "entity: \"阿克米金属\"\nentity_slug: acme-jinshu\n" in text


def test_committed_schema_is_what_the_command_prints(certsite):
    run = certsite("schema")
    assert run.code == 0
    assert COMMITTED_SCHEMA.read_text("utf-8") == run.out, "regenerate with: .venv/bin/certsite schema > schema/announcement.schema.json"


def front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text("utf-8").split("---\n")[1])


def test_schema_accepts_every_bundled_announcement_and_catches_typos():
    schema = json.loads(COMMITTED_SCHEMA.read_text("utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    for path in sorted((BUNDLED_CONTENT / "certifications").glob("*.md")):
        data = json.loads(json.dumps(front_matter(path), default=str))  # dates as text, as editors' tools see them
        assert list(validator.iter_errors(data)) == [], path
    data["titel"] = data.pop("title")
    data["certifications"][0]["status"] = "revoked"
    messages = sorted(error.message for error in validator.iter_errors(data))
    assert any("'title' is a required property" in m for m in messages)
    assert any("'titel' was unexpected" in m for m in messages)
    assert any("'revoked' is not one of" in m for m in messages)


def test_every_build_publishes_the_schema_at_its_id(bundled_site):
    schema = json.loads((bundled_site.root / "schema/announcement.schema.json").read_text("utf-8"))
    assert schema == json.loads(COMMITTED_SCHEMA.read_text("utf-8"))
    assert schema["$id"].endswith("/schema/announcement.schema.json")


def test_the_editors_guide_documents_every_field_of_the_contract():
    guide = (PROJECT / "docs/editing.md").read_text("utf-8")
    for table in (schema.ANNOUNCEMENT, schema.LOCATION, schema.CERTIFICATION, schema.NONCONFORMANCES, schema.FINDING,
                  schema.STANDARD, schema.PRINCIPLE, schema.CRITERION, schema.ENTITY, schema.PAGE, schema.SITE):
        for name in table:
            assert f"`{name}`" in guide, f"docs/editing.md does not mention the field `{name}`"
