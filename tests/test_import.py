"""An editor imports a spreadsheet of certifications (the columns of the data download
certifications.csv) as announcement files, or learns every row that is wrong."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import openpyxl
import pytest

from certsite import data_import
from certsite.cli import main
from conftest import ASI_AS_OF, ASI_REGISTER, announcement
from generated import write_generated_register

HEADER = "date,title,entity,country,standard,auditor,valid_until,nonconformances"


def build(content: Path, output: Path, as_of: str) -> Path:
    assert main(["build", "--content", str(content), "--output", str(output), "--as-of", as_of, "--no-search", "--no-cache"]) == 0
    return output


def empty_register(source: Path, target: Path) -> Path:
    """A register with the source's settings, standards and company profiles, and no announcements."""
    target.mkdir(parents=True)
    shutil.copy(source / "site.yaml", target / "site.yaml")
    for folder in ("standards", "entities"):
        if (source / folder).is_dir():
            shutil.copytree(source / folder, target / folder)
    return target


def rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text("utf-8-sig"), newline="")))


def as_workbook(csv_path: Path, xlsx_path: Path) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in csv.reader(io.StringIO(csv_path.read_text("utf-8-sig"), newline="")):
        sheet.append(row)
    workbook.save(xlsx_path)
    return xlsx_path


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_register_imported_from_its_own_download_publishes_the_same_data(tmp_path: Path, certsite, kind: str):
    original = build(ASI_REGISTER, tmp_path / "original", ASI_AS_OF) / "data/certifications.csv"
    sheet = original if kind == "csv" else as_workbook(original, tmp_path / "certifications.xlsx")
    content = empty_register(ASI_REGISTER, tmp_path / "content")
    result = certsite("import", sheet, "--content", content)
    assert result.code == 0, result.err
    files = sorted(p.name for p in (content / "certifications").glob("*.md"))
    assert files == sorted({row["announcement"].rsplit("/", 2)[1] + ".md" for row in rows(original)})
    assert "generated" in (content / "certifications" / files[0]).read_text("utf-8")
    assert certsite("check", "--content", content, "--as-of", ASI_AS_OF).code == 0
    rebuilt = build(content, tmp_path / "rebuilt", ASI_AS_OF) / "data/certifications.csv"
    assert rebuilt.read_bytes() == original.read_bytes()


def test_a_generated_register_survives_the_round_trip(tmp_path: Path, certsite):
    source = write_generated_register(tmp_path / "source", 120)
    original = build(source, tmp_path / "original", "2026-11-23") / "data/certifications.csv"
    content = empty_register(source, tmp_path / "content")
    assert certsite("import", original, "--content", content).code == 0
    assert certsite("check", "--content", content, "--as-of", "2026-11-23").code == 0
    rebuilt = build(content, tmp_path / "rebuilt", "2026-11-23") / "data/certifications.csv"
    assert rows(rebuilt) == rows(original)


def test_formula_guards_and_list_separators_are_undone_on_import(content, tmp_path: Path, certsite):
    content.announce("2024-01-10-acme-metals.md", announcement(**{
        "title: Acme Metals certified": 'title: "=SUM(1) | Acme Metals certified"',
        '  country: "NO"': '  country: "NO"\nfacilities: ["Plant | North", "\'Quoted\' works", "C:\\\\share"]',
    }))
    original = build(content.root, tmp_path / "original", "2026-11-23") / "data/certifications.csv"
    target = empty_register(content.root, tmp_path / "imported")
    assert certsite("import", original, "--content", target).code == 0
    text = (target / "certifications/2024-01-10-acme-metals.md").read_text("utf-8")
    assert 'title: "=SUM(1) | Acme Metals certified"' in text
    assert "\"Plant | North\", \"'Quoted' works\", \"C:\\\\share\"" in text
    assert rows(build(target, tmp_path / "rebuilt", "2026-11-23") / "data/certifications.csv") == rows(original)


def test_every_bad_row_is_reported_with_its_column_and_nothing_is_written(content, tmp_path: Path, certsite):
    sheet = tmp_path / "certifications.csv"
    sheet.write_text(
        HEADER + "\n"
        "2024-02-01,Good,Good Metals,NO,test-ps,Example Certification,,\n"
        "2024-02-02,Bad end,Bad End Metals,NO,test-ps,Example Certification,31/02/2024,\n"
        "2024-02-03,Bad country,Nowhere Metals,XX,test-ps,Example Certification,,\n"
        '2024-02-04,Bad finding,Finding Metals,NO,test-ps,Example Certification,,"[{""clauses"":""five"",""severity"":""minor""}]"\n'
        "2024-02-05,No auditor,Lonely Metals,NO,test-ps,,,\n"
        "2024-02-06,Unknown standard,Other Metals,NO,iso-9001,Example Certification,,\n",
        encoding="utf-8",
    )
    before = sorted((content.root / "certifications").iterdir())
    result = certsite("import", sheet, "--content", content.root)
    assert result.code == 1
    assert "certifications.csv:3: column valid_until: '31/02/2024' is not a date; write YYYY-MM-DD" in result.err
    assert "certifications.csv:4: column country: 'XX'" in result.err
    assert "certifications.csv:5: column nonconformances: finding 1: clauses 'five'" in result.err
    assert "certifications.csv:6: column auditor: is empty" in result.err
    assert "certifications.csv:7: column standard: there is no standard 'iso-9001'" in result.err and "test-ps" in result.err
    assert "certifications.csv:2:" not in result.err
    assert "nothing was written" in result.err
    assert sorted((content.root / "certifications").iterdir()) == before



def test_rows_that_a_build_would_refuse_are_reported_by_row_before_anything_is_written(content, tmp_path: Path, certsite):
    """What only the whole register can tell: a criterion the standard does not define, an
    end before the start, and a certificate number the register already gives."""
    content.announce("2024-01-10-acme-metals.md", announcement(**{"    auditor: Example Certification": "    auditor: Example Certification\n    certificate: TPS-1"}))
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(
        HEADER + ",valid_from,certificate\n"
        '2024-02-01,Unknown criterion,Nine Metals,NO,test-ps,Example Certification,,"[{""clauses"":""9.9"",""severity"":""minor""}]",,\n'
        "2024-02-02,Ends first,Backwards Metals,NO,test-ps,Example Certification,2024-01-01,,2025-01-01,\n"
        "2024-02-03,Copied number,Copy Metals,NO,test-ps,Example Certification,,,,TPS-1\n",
        encoding="utf-8",
    )
    before = sorted((content.root / "certifications").iterdir())
    result = certsite("import", sheet, "--content", content.root)
    assert result.code == 1
    lines = result.err.splitlines()
    assert any(line.startswith("sheet.csv:2: ") and "9.9" in line for line in lines), result.err
    assert any(line.startswith("sheet.csv:3: ") and "valid_until" in line for line in lines), result.err
    assert any("TPS-1" in line and ("sheet.csv:4: " in line or "with these rows" in line) for line in lines), result.err
    assert sorted((content.root / "certifications").iterdir()) == before
    assert certsite("check", "--content", content.root, "--as-of", "2024-06-01").code == 0

def test_unknown_and_missing_columns_are_named(content, tmp_path: Path, certsite):
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("date,title,entity,country,standard,auditr\n2024-02-01,T,E,NO,test-ps,A\n", encoding="utf-8")
    result = certsite("import", sheet, "--content", content.root)
    assert result.code == 1
    assert "sheet.csv:1: column 6 'auditr' is not a column of certifications.csv; expected one of:" in result.err
    assert "sheet.csv:1: the required column 'auditor' is missing" in result.err


def test_an_existing_file_is_never_overwritten(content, tmp_path: Path, certsite):
    existing = content.root / "certifications/2024-01-10-acme-metals.md"
    text = existing.read_text("utf-8")
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(HEADER + ",entity_slug\n2024-01-10,Other,Acme Metals,NO,test-ps,Other Auditor,,,acme-metals\n", encoding="utf-8")
    result = certsite("import", sheet, "--content", content.root)
    assert result.code == 1
    assert f"{existing} exists already" in result.err
    assert existing.read_text("utf-8") == text


def test_rows_without_an_address_are_grouped_by_date_and_entity(content, tmp_path: Path, certsite):
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(
        HEADER + "\n"
        "2024-03-01,Two certificates,Twin Metals,NO,test-ps,First Auditor,,\n"
        "2024-03-01,Two certificates,Twin Metals,NO,test-ps,Second Auditor,2025-01-01,\n",
        encoding="utf-8",
    )
    assert certsite("import", sheet, "--content", content.root).code == 0
    text = (content.root / "certifications/2024-03-01-twin-metals.md").read_text("utf-8")
    assert text.count("- standard: test-ps") == 2 and "valid_until: 2025-01-01" in text
    assert certsite("check", "--content", content.root, "--as-of", "2026-11-23").code == 0


def test_hostile_files_are_bounded(content, tmp_path: Path, certsite, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(data_import, "MAX_ROWS", 3)
    monkeypatch.setattr(data_import, "MAX_CELL", 50)
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(HEADER + "\n" + "2024-03-01,T,E,NO,test-ps,A,,\n" * 5, encoding="utf-8")
    result = certsite("import", sheet, "--content", content.root)
    assert result.code == 1 and "more than 3 rows" in result.err
    sheet.write_text(HEADER + "\n" + "2024-03-01," + "T" * 60 + ",E,NO,test-ps,A,,\n", encoding="utf-8")
    result = certsite("import", sheet, "--content", content.root)
    assert result.code == 1 and "sheet.csv:2: column title: the cell has 60 characters; the limit is 50" in result.err
    sheet.write_bytes(b"\xff\xfe" + HEADER.encode("utf-16-le"))
    result = certsite("import", sheet, "--content", content.root)
    assert result.code == 1 and "is not UTF-8" in result.err
    assert sorted(p.name for p in (content.root / "certifications").iterdir()) == ["2024-01-10-acme-metals.md"]


def test_a_note_of_several_lines_survives_the_round_trip(content, tmp_path: Path, certsite):
    content.announce("2024-01-10-acme-metals.md", announcement(**{'      minor: ["5.1a-b"]': '      minor: [{criterion: "5.1a-b", closed: 2024-03-01, note: "Corrective plan accepted.\\nVerified on site."}]'}))
    original = build(content.root, tmp_path / "original", "2024-06-01") / "data/certifications.csv"
    target = empty_register(content.root, tmp_path / "imported")
    result = certsite("import", original, "--content", target)
    assert result.code == 0, result.err
    again = build(target, tmp_path / "again", "2024-06-01") / "data/certifications.csv"
    assert again.read_bytes() == original.read_bytes()
    assert "Verified on site." in again.read_text("utf-8-sig")
