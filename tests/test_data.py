"""A reader downloads the register as data: every published certification in JSON and CSV,
with its findings, described on /data/ and by a JSON Schema.

Expectations come from the content files themselves, read here with yaml.safe_load,
never from certsite's catalog.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from pathlib import Path

import jsonschema
import pytest
import yaml
from bs4 import BeautifulSoup

from certsite.cli import main
from conftest import ASI_AS_OF, ASI_REGISTER, SITE_YAML, announcement
from generated import write_generated_register

DATA_FILES = ("certifications.json", "certifications.schema.json", "certifications.csv", "nonconformances.csv")


def front_matter(path: Path) -> dict:
    return yaml.safe_load(re.split(r"^---[ \t]*$", path.read_text("utf-8"), maxsplit=2, flags=re.M)[1])


def published(content: Path, as_of: str, drafts: bool = False) -> list[tuple[str, dict]]:
    """(slug, front matter) of every announcement a reader may see on ``as_of``, newest first."""
    items = []
    for path in sorted((content / "certifications").glob("*.md")):
        data = front_matter(path)
        if str(data["date"]) <= as_of and (drafts or not data.get("draft")):
            items.append((path.stem, data))
    return sorted(items, key=lambda item: (-date.fromisoformat(str(item[1]["date"])).toordinal(), item[0]))


def findings_of(certification: dict) -> list[tuple[str, str]]:
    """(reference as written, severity) of each finding, in the file's order: minor, then major."""
    found = certification.get("nonconformances") or {}
    return [
        (str(item["criterion"] if isinstance(item, dict) else item), severity)
        for severity in ("minor", "major")
        for item in found.get(severity) or ()
    ]


def build(content: Path, output: Path, as_of: str, *extra: str) -> Path:
    assert main(["build", "--content", str(content), "--output", str(output), "--as-of", as_of, "--no-search", "--no-cache", *extra]) == 0
    return output


def read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith("\ufeff".encode()), f"{path.name} has no byte order mark"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


@pytest.fixture(scope="module")
def asi(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(ASI_REGISTER, tmp_path_factory.mktemp("asi-data") / "site", ASI_AS_OF)


def test_every_published_certification_is_a_record_with_its_findings(asi: Path):
    expected = [
        (slug, position, data, certification)
        for slug, data in published(ASI_REGISTER, ASI_AS_OF)
        for position, certification in enumerate(data["certifications"], start=1)
    ]
    document = json.loads((asi / "data/certifications.json").read_text("utf-8"))
    records = document["certifications"]
    assert document["data_date"] == ASI_AS_OF
    assert len(records) == len(expected) > 0
    for record, (slug, position, data, certification) in zip(records, expected, strict=True):
        assert record["certification"] == f"https://certsite.netlify.app/certifications/{slug}/#certification-{position}"
        assert (record["title"], record["entity"], record["date"]) == (data["title"], data["entity"], str(data["date"]))
        assert (record["country"], record["standard"], record["auditor"]) == (data["location"]["country"], certification["standard"], certification["auditor"])
        assert record["certificate"] == certification.get("certificate")
        assert record["announced_status"] == certification.get("status", "certified")
        assert [(n["clauses"], n["severity"]) for n in record["nonconformances"]] == findings_of(certification)
        if "valid_until" in certification:
            assert (record["valid_until"], record["valid_until_derived"]) == (str(certification["valid_until"]), False)


def test_the_csv_files_hold_the_same_records_and_open_in_a_spreadsheet(asi: Path):
    records = json.loads((asi / "data/certifications.json").read_text("utf-8"))["certifications"]
    rows = read_csv(asi / "data/certifications.csv")
    assert [row["certification"] for row in rows] == [record["certification"] for record in records]
    for row, record in zip(rows, records):
        assert row["entity"] == record["entity"] and row["valid_until"] == (record["valid_until"] or "")
        assert json.loads(row["nonconformances"] or "[]") == [
            {key: n[key] for key in ("clauses", "severity", "closed", "note") if n[key] is not None} for n in record["nonconformances"]
        ]
    expected_findings = sum(len(findings_of(c)) for _, data in published(ASI_REGISTER, ASI_AS_OF) for c in data["certifications"])
    findings = read_csv(asi / "data/nonconformances.csv")
    assert len(findings) == expected_findings > 0
    assert {row["certification"] for row in findings} <= {row["certification"] for row in rows}
    for name in ("certifications.csv", "nonconformances.csv"):
        raw = (asi / "data" / name).read_bytes()
        assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b""), f"{name}: every line ends with CRLF"


def test_the_json_validates_against_the_published_schema(asi: Path):
    schema = json.loads((asi / "data/certifications.schema.json").read_text("utf-8"))
    assert schema["$id"] == "https://certsite.netlify.app/data/certifications.schema.json"
    jsonschema.Draft202012Validator.check_schema(schema)
    document = json.loads((asi / "data/certifications.json").read_text("utf-8"))
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(document)
    document["certifications"][0]["status"] = 3
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(document)


def test_the_data_page_describes_every_column_and_links_the_files(asi: Path):
    page = BeautifulSoup((asi / "data/index.html").read_text("utf-8"), "html.parser")
    for name in ("certifications.csv", "nonconformances.csv"):
        header = next(csv.reader(io.StringIO((asi / "data" / name).read_text("utf-8-sig"))))
        section = page.find("h2", string=name)
        documented = [code.get_text() for code in section.find_next("table").select("tbody th code")]
        assert documented == header
    links = {a["href"] for a in page.select("main a")}
    assert {f"/data/{name}" for name in DATA_FILES} <= links
    assert "No licence was stated" in page.get_text()
    assert "23 November 2026" in page.get_text()
    home = BeautifulSoup((asi / "index.html").read_text("utf-8"), "html.parser")
    assert home.select_one('footer a[href="/data/"]') is not None


def test_two_builds_give_identical_data_files(asi: Path, tmp_path: Path):
    again = build(ASI_REGISTER, tmp_path / "site", ASI_AS_OF)
    for name in DATA_FILES:
        assert (again / "data" / name).read_bytes() == (asi / "data" / name).read_bytes(), name


def test_embargoed_and_draft_announcements_are_in_no_data_file(content, tmp_path: Path):
    content.announce("2024-03-01-hidden-draft.md", announcement(**{"date: 2024-01-10": "date: 2024-03-01\ndraft: true", "entity: Acme Metals Ltd.": "entity: Draftonia Metals"}))
    content.announce("2030-01-01-future-metals.md", announcement(**{"date: 2024-01-10": "date: 2030-01-01", "entity: Acme Metals Ltd.": "entity: Embargonia Metals"}))
    site = build(content.root, tmp_path / "site", "2026-11-23")
    for name in DATA_FILES:
        text = (site / "data" / name).read_text("utf-8")
        assert "Draftonia" not in text and "Embargonia" not in text, name
    assert "Acme Metals" in (site / "data/certifications.csv").read_text("utf-8")
    preview = build(content.root, tmp_path / "preview", "2026-11-23", "--drafts")
    assert "Draftonia" in (preview / "data/certifications.json").read_text("utf-8")


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_written_as_text(content, tmp_path: Path):
    content.announce("2024-01-10-acme-metals.md", announcement(**{
        "title: Acme Metals certified": 'title: "=HYPERLINK(\\"https://evil.example/\\", \\"Click\\")"',
        "auditor: Example Certification": "auditor: \"@Auditors\"\n    scope: \"-1+1\"",
    }))
    site = build(content.root, tmp_path / "site", "2026-11-23")
    [row] = read_csv(site / "data/certifications.csv")
    assert row["title"] == "'=HYPERLINK(\"https://evil.example/\", \"Click\")"
    assert (row["auditor"], row["scope"]) == ("'@Auditors", "'-1+1")
    record = json.loads((site / "data/certifications.json").read_text("utf-8"))["certifications"][0]
    assert record["title"].startswith("=HYPERLINK"), "the JSON keeps the value as written"


@pytest.mark.parametrize(
    ("licence", "shown", "link"),
    [("licence: CC BY 4.0\n", "Licence: CC BY 4.0.", None), ("licence:\n  name: ODbL 1.0\n  url: https://opendatacommons.org/licenses/odbl/1-0/\n", "Licence: ODbL 1.0.", "https://opendatacommons.org/licenses/odbl/1-0/")],
)
def test_the_licence_in_site_yaml_is_stated_with_the_data(content, tmp_path: Path, licence: str, shown: str, link: str | None):
    content.write("site.yaml", SITE_YAML + licence)
    site = build(content.root, tmp_path / "site", "2026-11-23")
    page = BeautifulSoup((site / "data/index.html").read_text("utf-8"), "html.parser")
    assert shown in page.get_text(" ", strip=True).replace(" .", ".")
    if link:
        assert page.select_one(f'main a[href="{link}"]') is not None
    assert json.loads((site / "data/certifications.json").read_text("utf-8"))["licence"]["url"] == link


def test_a_licence_without_a_name_is_a_located_error(content, certsite):
    content.write("site.yaml", SITE_YAML + "licence:\n  url: https://example.org/licence/\n")
    result = certsite("check", "--content", content.root, "--as-of", "2026-11-23")
    assert result.code == 1
    assert "site.yaml" in result.err and "licence.name" in result.err


def test_a_generated_register_gives_every_published_certification(tmp_path: Path):
    content = write_generated_register(tmp_path / "content", 150)
    as_of = "2026-11-23"
    site = build(content, tmp_path / "site", as_of)
    expected = [(slug, c) for slug, data in published(content, as_of) for c in data["certifications"]]
    rows = read_csv(site / "data/certifications.csv")
    assert [row["announcement"].rsplit("/", 2)[1] for row in rows] == [slug for slug, _ in expected]
    assert [row["standard"] for row in rows] == [c["standard"] for _, c in expected]
    assert len(read_csv(site / "data/nonconformances.csv")) == sum(len(findings_of(c)) for _, c in expected)
    schema = json.loads((site / "data/certifications.schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator(schema).validate(json.loads((site / "data/certifications.json").read_text("utf-8")))


def test_the_json_download_is_the_whole_document_with_one_record_per_line():
    """The download is put together from each certification's line (so that a build
    reuses the lines of those that did not change): it must be exactly the document
    serialised at once, one record per line, as a reader's diff of two days expects."""
    from certsite.catalog import build_catalog
    from certsite.load import load
    from certsite.render import fixed_outputs
    from certsite.urls import DATA_JSON, output_path

    catalog = build_catalog(load(ASI_REGISTER), date.fromisoformat(ASI_AS_OF), False)
    text = fixed_outputs(catalog)[output_path(DATA_JSON)].decode("utf-8")
    document = json.loads(text)
    assert len(document["certifications"]) > 1
    whole = json.dumps(document, ensure_ascii=False, separators=(",", ":")).replace('{"announcement":', '\n{"announcement":') + "\n"
    assert text == whole
    assert len(text.splitlines()) == 1 + len(document["certifications"])
