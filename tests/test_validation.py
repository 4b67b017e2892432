"""An editor's mistakes are reported with file, line, what is wrong and what would be right."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ANNOUNCEMENT, PROJECT, announcement

FILE = "certifications/2024-01-10-acme-metals.md"


def errors_of(run) -> list[str]:
    return [line for line in run.err.splitlines() if ": error: " in line]


def assert_reported(run, relative: str, line: int | None, *fragments: str) -> None:
    """Exit 1 and one error for ``relative:line`` whose text contains every fragment."""
    assert run.code == 1, run.err
    where = f"{relative}:{line}: error: " if line is not None else f"{relative}: error: "
    matching = [e for e in errors_of(run) if where in e]
    assert matching, f"no error at {where!r} in:\n{run.err}"
    assert any(all(f in e for f in fragments) for e in matching), f"{fragments} not in {matching}"


def test_the_valid_fixture_passes(content, certsite):
    run = certsite("check", "--content", content.root)
    assert run.code == 0, run.err
    assert "valid" in run.out


@pytest.mark.parametrize(
    ("replacements", "line", "fragments"),
    [
        pytest.param({"entity: Acme Metals Ltd.\n": ""}, 2, ("missing required field 'entity'", "add e.g. entity:"), id="missing-required-field"),
        pytest.param({"title: Acme Metals certified": "titel: Acme Metals certified"}, 2, ("unknown field 'titel'", "did you mean 'title'?"), id="unknown-field"),
        pytest.param({"date: 2024-01-10": "date: 2022-13-45"}, 3, ("2022-13-45 is not a calendar date", "YYYY-MM-DD"), id="impossible-date"),
        pytest.param({"date: 2024-01-10": "date: 10/01/2024"}, 3, ("not a date in the form YYYY-MM-DD",), id="date-format"),
        pytest.param({"date: 2024-01-10": "date: 2024-01-11"}, 3, ("file name's date 2024-01-10 differs from date: 2024-01-11", "rename the file to 2024-01-11-acme-metals.md"), id="file-name-date"),
        pytest.param({'country: "NO"': "country: China"}, 7, ("'China' is not an ISO 3166-1 alpha-2 country code", "e.g. CN for China"), id="bad-country"),
        pytest.param({'country: "NO"': "country: cn"}, 7, ("'cn' is not an ISO 3166-1", "upper case: CN"), id="lower-case-country"),
        pytest.param({"standard: test-ps": "standard: test-pss"}, 9, ("unknown standard 'test-pss'", "did you mean 'test-ps'?"), id="unknown-standard"),
        pytest.param({'minor: ["5.1a-b"]': 'minor: ["5.1 a"]'}, 12, ("'5.1 a' is not a criterion reference", "e.g. 5.1, 5.2b, 1.3a-e"), id="malformed-criterion"),
        pytest.param({'minor: ["5.1a-b"]': 'minor: ["5.3"]'}, 12, ("criterion 5.3 is not defined in test-ps", "did you mean"), id="unknown-criterion"),
        pytest.param({'minor: ["5.1a-b"]': 'minor: ["5.1d-a"]'}, 12, ("runs backwards", "write a-d"), id="backwards-clause-range"),
        pytest.param({"    auditor: Example Certification\n": "    auditor: Example Certification\n    report: http://example.org/r.pdf\n"}, 11, ("must be an https:// address", "http://example.org/r.pdf"), id="non-https-report"),
        pytest.param({"location:\n  city: Oslo\n": "facilities: Oslo works\nlocation:\n  city: Oslo\n"}, 5, ("'facilities' must be a list",), id="wrong-type"),
        pytest.param({"title: Acme Metals certified": "title: [Acme, Metals]"}, 2, ("'title' must be text, not a list",), id="text-got-list"),
        pytest.param({"title: Acme Metals certified": "title: Acme Metals certified\ndraft: yes"}, 3, ("'draft' must be true or false, not 'yes'",), id="yaml-1.1-yes-is-not-a-boolean"),
        pytest.param({"title: Acme Metals certified": "title: Acme Metals certified\nentity_slug: Acme_Metals"}, 3, ("'entity_slug': 'Acme_Metals' is not a valid slug", "e.g. 'acme-metals'"), id="bad-entity-slug"),
        pytest.param({"title: Acme Metals certified": "title: Acme Metals certified\ntitle: again"}, 3, ("duplicate key 'title'",), id="duplicate-key"),
        pytest.param({"    auditor: Example Certification\n": "    auditor: Example Certification\n    status: revoked\n"}, 11, ("unknown status 'revoked'", "certified, provisional, suspended, withdrawn"), id="unknown-status"),
        pytest.param({"certifications:\n": "certifications: []\nx:\n"}, 8, ("'certifications' is empty",), id="no-certifications"),
        pytest.param({'minor: ["5.1a-b"]': "minor: [5.1a,c-d]"}, 12, ("'c-d' is not a criterion reference", 'quote references with commas, e.g. ["2.1a,c-d"]'), id="unquoted-comma-in-flow-list"),
        pytest.param({"date: 2024-01-10": "date: 2024-01-10\naliases: [/entities/acme/]"}, 4, ("alias /entities/acme/ lies in an address range the generator owns",), id="alias-in-generated-section"),
        pytest.param({"date: 2024-01-10": "date: 2024-01-10\naliases: [/news/acme]"}, 4, ("alias '/news/acme' is not a site address", "starts and ends with '/'"), id="alias-without-final-slash"),
        pytest.param({"location:\n  city: Oslo\n": "location:\n\tcity: Oslo\n"}, 6, ("invalid YAML", "indent with spaces, not tabs"), id="tab-indentation"),
    ],
)
def test_announcement_rule(content, certsite, replacements, line, fragments):
    content.announce("2024-01-10-acme-metals.md", announcement(**replacements))
    assert_reported(certsite("check", "--content", content.root), f"{content.root}/{FILE}", line, *fragments)


# A misspelt required field: one error, where the editor typed it.


def test_a_misspelt_required_field_is_reported_once_on_its_own_line(content, certsite):
    content.announce("2024-01-10-acme-metals.md", announcement(**{"    auditor: Example Certification\n": "    auditer: Example Certification\n"}))
    run = certsite("check", "--content", content.root)
    assert run.code == 1
    assert errors_of(run) == [
        f"{content.root}/{FILE}:10: error: unknown field 'certifications[0].auditer'; did you mean 'auditor'? (auditor is required)"
    ]
    assert "   10 |     auditer: Example Certification" in run.err
    assert "missing required field" not in run.err


def test_a_misspelt_top_level_field_is_reported_once_too(content, certsite):
    content.announce("2024-01-10-acme-metals.md", announcement(**{"title: Acme Metals certified": "titel: Acme Metals certified"}))
    run = certsite("check", "--content", content.root)
    assert errors_of(run) == [f"{content.root}/{FILE}:2: error: unknown field 'titel'; did you mean 'title'? (title is required)"]


def test_a_missing_required_field_without_a_look_alike_is_still_reported_as_missing(content, certsite):
    content.announce("2024-01-10-acme-metals.md", announcement(**{"    auditor: Example Certification\n": "    notes: Example Certification\n"}))
    run = certsite("check", "--content", content.root)
    errors = errors_of(run)
    assert len(errors) == 2, run.err
    assert errors[0].startswith(f"{content.root}/{FILE}:9: error: missing required field 'certifications[0].auditor'; add e.g. auditor: ")
    assert errors[1].startswith(f"{content.root}/{FILE}:10: error: unknown field 'certifications[0].notes'; allowed fields: standard, edition, auditor")


def test_a_look_alike_of_a_field_that_is_there_only_suggests_it(content, certsite):
    cert = "    auditor: Example Certification\n"
    content.announce("2024-01-10-acme-metals.md", announcement(**{cert: cert + "    auditors: Second Body\n"}))
    run = certsite("check", "--content", content.root)
    assert errors_of(run) == [f"{content.root}/{FILE}:11: error: unknown field 'certifications[0].auditors'; did you mean 'auditor'?"]


# A date written another way: the hint gives it as YYYY-MM-DD.


@pytest.mark.parametrize(
    ("typed", "hint"),
    [
        pytest.param("20/11/2026", "write 2026-11-20", id="day-first-slashes"),
        pytest.param("20.11.2026", "write 2026-11-20", id="day-first-dots"),
        pytest.param("03/04/2026", "write 2026-04-03 if you mean 3 April, or 2026-03-04 if you mean 4 March", id="day-or-month-first"),
        pytest.param("2029-11-7", "write 2029-11-07", id="missing-leading-zero"),
        pytest.param("2026/11/20", "write 2026-11-20", id="year-first-slashes"),
        pytest.param("20 November 2026", "write 2026-11-20", id="month-name"),
        pytest.param("November 20, 2026", "write 2026-11-20", id="month-name-first"),
        pytest.param("31/02/2026", "write e.g. 2024-01-10", id="no-such-day-falls-back"),
        pytest.param("next spring", "write e.g. 2024-01-10", id="not-a-date-at-all"),
    ],
)
def test_a_date_in_another_form_is_offered_in_iso_form(content, certsite, typed, hint):
    cert = "    auditor: Example Certification\n"
    content.announce("2024-01-10-acme-metals.md", announcement(**{cert: cert + f"    valid_until: {typed}\n"}))
    run = certsite("check", "--content", content.root)
    assert run.code == 1
    assert errors_of(run) == [
        f"{content.root}/{FILE}:11: error: 'certifications[0].valid_until': '{typed}' is not a date in the form YYYY-MM-DD; {hint}"
    ]
    assert f"   11 |     valid_until: {typed}" in run.err


def test_the_announcement_date_in_another_form_is_offered_in_iso_form(content, certsite):
    content.announce("2024-01-10-acme-metals.md", announcement(**{"date: 2024-01-10": "date: 10 January 2024"}))
    run = certsite("check", "--content", content.root)
    assert errors_of(run) == [f"{content.root}/{FILE}:3: error: 'date': '10 January 2024' is not a date in the form YYYY-MM-DD; write 2024-01-10"]


def test_unparseable_yaml_points_at_the_line_and_suggests_quoting(content, certsite):
    content.announce("2024-01-10-acme-metals.md", announcement(**{"title: Acme Metals certified": "title: Acme: certified today"}))
    assert_reported(certsite("check", "--content", content.root), f"{content.root}/{FILE}", 2, "invalid YAML", "must be quoted")


def test_missing_front_matter(content, certsite):
    content.announce("2024-01-10-acme-metals.md", "Just some text.\n")
    assert_reported(certsite("check", "--content", content.root), f"{content.root}/{FILE}", 1, "missing front matter", "start the file with a line '---'")


def test_unclosed_front_matter(content, certsite):
    content.announce("2024-01-10-acme-metals.md", ANNOUNCEMENT.replace("---\nAcme", "Acme"))
    assert_reported(certsite("check", "--content", content.root), f"{content.root}/{FILE}", 1, "not closed", "add a line '---'")


def test_bad_file_name_slug(content, certsite):
    content.remove(FILE)
    content.announce("2024-01-10-Acme_Metals.md")
    assert_reported(certsite("check", "--content", content.root), f"{content.root}/certifications/2024-01-10-Acme_Metals.md", None, "'Acme_Metals' in the file name is not a valid slug", "2024-01-10-acme-metals.md")


def test_file_name_without_date(content, certsite):
    content.announce("acme.md")
    assert_reported(certsite("check", "--content", content.root), f"{content.root}/certifications/acme.md", None, "is not YYYY-MM-DD-<slug>.md")


def test_file_that_is_not_utf8_names_the_line(content, certsite):
    latin1 = ANNOUNCEMENT.replace("Example Certification", "Société Générale").encode("latin-1")
    content.announce("2024-01-10-acme-metals.md", latin1)
    assert_reported(certsite("check", "--content", content.root), f"{content.root}/{FILE}", 10, "not UTF-8", "save the file with UTF-8 encoding")


def test_alias_that_takes_another_pages_address(content, certsite):
    content.announce("2024-02-01-beta.md", announcement(**{"date: 2024-01-10": "date: 2024-02-01\naliases: [/certifications/2024-01-10-acme-metals/]"}))
    assert_reported(
        certsite("check", "--content", content.root),
        f"{content.root}/certifications/2024-02-01-beta.md",
        4,
        "alias /certifications/2024-01-10-acme-metals/ is already the address of",
    )


def test_page_that_takes_a_generated_address(content, certsite):
    content.write("pages/entities.md", "---\ntitle: Entities\n---\nText.\n")
    assert_reported(certsite("check", "--content", content.root), f"{content.root}/pages/entities.md", None, "/entities/ clashes with a generated section")


def test_two_names_under_one_slug_are_one_company_with_a_warning(content, certsite):
    content.announce(
        "2024-02-01-other.md",
        announcement(**{"date: 2024-01-10": "date: 2024-02-01", "entity: Acme Metals Ltd.": "entity: Zenith Alloys\nentity_slug: acme-metals-ltd"}),
    )
    run = certsite("check", "--content", content.root)
    assert run.code == 0, run.err
    assert (
        f"{content.root}/certifications/2024-02-01-other.md:4: warning: entity 'Zenith Alloys' shares the entity page 'acme-metals-ltd'"
        in run.err
    )
    assert "with 'Acme Metals Ltd.'; they are shown as one company" in run.err
    assert "create entities/acme-metals-ltd.yaml with the name to show and the others under aliases:" in run.err
    assert "valid; 1 warning" in run.out
    strict = certsite("check", "--content", content.root, "--strict")
    assert strict.code == 1 and "warning" in strict.err.splitlines()[-1]
    content.write("entities/acme-metals-ltd.yaml", "name: Acme Metals Ltd.\naliases: [Zenith Alloys]\n")
    declared = certsite("check", "--content", content.root, "--strict")
    assert declared.code == 0 and "warning" not in declared.err


def test_two_announcements_of_one_day_about_one_certificate_are_a_warning(content, certsite):
    content.announce("2024-01-10-acme-metals-again.md", announcement(**{"title: Acme Metals certified": "title: Acme Metals suspended"}))
    run = certsite("check", "--content", content.root)
    assert run.code == 0, run.err
    assert (
        f"{content.root}/certifications/2024-01-10-acme-metals.md:9: warning: 2024-01-10-acme-metals-again.md also announces a certification of 'acme-metals-ltd' against test-ps on 2024-01-10; both are shown as current"
        in run.err
    )


def test_names_declared_in_the_entity_profile_share_one_page(content, certsite):
    content.announce(
        "2024-02-01-other.md",
        announcement(**{"date: 2024-01-10": "date: 2024-02-01", "entity: Acme Metals Ltd.": "entity: 阿克米金属\nentity_slug: acme-metals-ltd"}),
    )
    content.write("entities/acme-metals-ltd.yaml", "name: Acme Metals Ltd.\naliases: [阿克米金属]\n")
    assert certsite("check", "--content", content.root).code == 0


def test_duplicate_certificate_number(content, certsite):
    cert = "    auditor: Example Certification\n"
    content.announce("2024-01-10-acme-metals.md", announcement(**{cert: cert + "    certificate: C-1\n"}))
    content.announce("2024-02-01-beta.md", announcement(**{"date: 2024-01-10": "date: 2024-02-01", cert: cert + "    certificate: C-1\n"}))
    run = certsite("check", "--content", content.root)
    assert_reported(run, f"{content.root}/certifications/2024-02-01-beta.md", 11, "certificate C-1 of test-ps is also given in")


def test_unknown_field_in_a_standard(content, certsite):
    content.write("standards/test-ps.yaml", "id: test-ps\nname: X\nversion: V1\nowner: Y\nprinciple: []\n")
    assert_reported(certsite("check", "--content", content.root), f"{content.root}/standards/test-ps.yaml", 5, "unknown field 'principle'", "did you mean 'principles'?")


def test_standard_id_must_match_its_file_name(content, certsite):
    content.write("standards/test-ps.yaml", STANDARD_ID_MISMATCH)
    assert_reported(certsite("check", "--content", content.root), f"{content.root}/standards/test-ps.yaml", 1, "the id 'other' differs from the file name")


def test_criterion_defined_twice_in_a_standard(content, certsite):
    content.write("standards/test-ps.yaml", "id: test-ps\nname: X\nversion: V1\nowner: Y\ncriteria:\n  - {number: \"5.1\", title: A}\n  - {number: \"5.1\", title: B}\n")
    assert_reported(certsite("check", "--content", content.root), f"{content.root}/standards/test-ps.yaml", 7, "criterion 5.1 is defined twice")


STANDARD_ID_MISMATCH = "id: other\nname: X\nversion: V1\nowner: Y\ncriteria: []\n"


# YAML 1.1 traps: what an editor typed is what the register shows.


def test_country_no_is_norway_not_false(content, certsite, tmp_path):
    content.announce("2024-01-10-acme-metals.md", announcement(**{'country: "NO"': "country: NO"}))
    run = certsite("build", "--content", content.root, "--output", tmp_path / "site", "--no-search", "--as-of", "2024-06-01")
    assert run.code == 0, run.err
    page = (tmp_path / "site/certifications/2024-01-10-acme-metals/index.html").read_text("utf-8")
    assert "Oslo, Norway" in page


def test_criterion_5_10_is_not_the_number_5_1(content, certsite, tmp_path):
    content.announce("2024-01-10-acme-metals.md", announcement(**{'minor: ["5.1a-b"]': "minor: [5.10]"}))
    run = certsite("build", "--content", content.root, "--output", tmp_path / "site", "--no-search", "--as-of", "2024-06-01")
    assert run.code == 0, run.err
    assert (tmp_path / "site/criteria/test-ps/5.10/index.html").read_text("utf-8").count("Acme Metals Ltd.") >= 1
    assert "Acme Metals" not in (tmp_path / "site/criteria/test-ps/5.1/index.html").read_text("utf-8")


def test_numbers_where_text_is_expected_are_read_as_typed(content, certsite, tmp_path):
    content.announce("2024-01-10-acme-metals.md", announcement(**{"title: Acme Metals certified": "title: 2024"}))
    run = certsite("build", "--content", content.root, "--output", tmp_path / "site", "--no-search", "--as-of", "2024-06-01")
    assert run.code == 0, run.err
    assert "<h1>2024</h1>" in (tmp_path / "site/certifications/2024-01-10-acme-metals/index.html").read_text("utf-8")


# The whole run.


def test_every_error_in_every_file_is_reported_in_one_run(content, certsite):
    content.announce("2024-01-10-acme-metals.md", announcement(**{"title: Acme Metals certified": "titel: x", 'country: "NO"': "country: XX"}))
    content.announce("2024-02-01-beta.md", announcement(**{"date: 2024-01-10": "date: 2024-02-30"}))
    content.announce("2024-03-01-gamma.md", "no front matter\n")
    run = certsite("check", "--content", content.root)
    assert run.code == 1
    errors = errors_of(run)
    assert len(errors) == 4, run.err  # titel (which also says title is required), country, impossible date, front matter
    assert len({e.split(":")[0] for e in errors}) == 3
    assert "4 errors in 3 files" in run.err


def test_errors_show_the_offending_source_line(content, certsite):
    content.announce("2024-01-10-acme-metals.md", announcement(**{'country: "NO"': "country: XX"}))
    run = certsite("check", "--content", content.root)
    assert "    7 |   country: XX" in run.err


def test_content_mistakes_never_show_a_traceback(content):
    content.announce("2024-01-10-acme-metals.md", b"---\ntitle: [unclosed\ndate: \xff\n---\n")
    content.write("standards/broken.yaml", "- just\n- a list\n")
    result = subprocess.run(
        [sys.executable, "-m", "certsite", "build", "--content", str(content.root), "--output", str(content.root.parent / "site")],
        capture_output=True, text=True, cwd=PROJECT, check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "Nothing was published." in result.stderr
    assert not (content.root.parent / "site").exists()


def test_bad_usage_exits_2(certsite, capsys):
    with pytest.raises(SystemExit) as exit_info:
        certsite("build", "--as-of", "tomorrow")
    assert exit_info.value.code == 2
    assert "'tomorrow' is not a date in the form YYYY-MM-DD" in capsys.readouterr().err


def test_annotations_for_github_actions(content, certsite, monkeypatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    content.announce("2024-01-10-acme-metals.md", announcement(**{'country: "NO"': "country: XX"}))
    run = certsite("check", "--content", content.root)
    assert f"::error file={content.root}/{FILE},line=7::'XX' is not an ISO 3166-1 alpha-2 country code" in run.out


# Mistakes that once crashed the generator: each is a located error now.


@pytest.mark.parametrize(
    ("replacements", "line", "fragments"),
    [
        pytest.param({"date: 2024-01-10": "date: 2024-01-10\naliases: /news/acme/"}, 4, ("'aliases' must be a list",), id="aliases-as-text"),
        pytest.param({"title: Acme Metals certified": "title: Acme\x0c Metals"}, 2, ("invisible character U+000C",), id="form-feed-pasted-from-a-pdf"),
        pytest.param({"entity: Acme Metals Ltd.": "entity: Acme\u2028Metals"}, 4, ("invisible character U+2028",), id="unicode-line-separator"),
        pytest.param({"location:\n": "facilities: &f [a, *f]\nlocation:\n"}, 5, ("anchors and aliases (& and *) are not supported",), id="self-referencing-alias"),
        pytest.param({"location:\n": "x1: &a [q, q]\nx2: &b [*a, *a]\nx3: [*b, *b]\nlocation:\n"}, 6, ("anchors and aliases",), id="billion-laughs"),
        pytest.param({"location:\n": "facilities: " + "[" * 3000 + "]" * 3000 + "\nlocation:\n"}, None, ("nested more than 32 levels deep",), id="deep-nesting"),
        pytest.param({'minor: ["5.1a-b"]': 'minor: ["5.1a-b"'}, 12, ("flow sequence that starts here",), id="unclosed-bracket-is-reported-where-it-opens"),
        pytest.param({"    auditor: Example Certification\n": "    auditor: Example Certification\n    status: [certified]\n"}, 11, ("'certifications[0].status' must be text, not a list",), id="status-as-list"),
        pytest.param({"    auditor: Example Certification\n": "    auditor: Example Certification\n    report: https://[x\n"}, 11, ("must be an https:// address",), id="unparseable-address"),
        pytest.param({"location:\n": "capacity: !!int abc\nlocation:\n"}, 5, ("'abc' cannot be read as int", "without a '!!' tag"), id="explicit-yaml-tag"),
        pytest.param({"location:\n": "capacity: " + "9" * 5000 + "\nlocation:\n"}, 5, ("cannot be read as int",), id="five-thousand-digits"),
        pytest.param({"entity: Acme Metals Ltd.": "entity: Acme\rMetals"}, 4, ("invisible character U+000D",), id="stray-carriage-return"),
        pytest.param({"title: Acme Metals certified": 'title: "Acme Metals certified'}, None, ("invalid YAML", "opened but not closed"), id="unclosed-double-quote"),
    ],
)
def test_odd_yaml_is_a_located_error_not_a_crash(content, certsite, replacements, line, fragments):
    content.announce("2024-01-10-acme-metals.md", announcement(**replacements))
    run = certsite("check", "--content", content.root)
    if line is None:
        assert run.code == 1 and all(f in run.err for f in fragments), run.err
    else:
        assert_reported(run, f"{content.root}/{FILE}", line, *fragments)
    assert "unknown status 'None'" not in run.err


@pytest.mark.parametrize(
    ("alias", "message"),
    [
        ("/robots.txt/", "names a file"),
        ("/about/index.html/", "names a file"),
        ("/certifications/2027/", "lies in an address range the generator owns"),
        ("/certifications/", "lies in an address range the generator owns"),
        ("/search/", "lies in an address range the generator owns"),
    ],
)
def test_aliases_cannot_take_addresses_the_generator_owns_now_or_later(content, certsite, alias, message):
    content.announce("2024-01-10-acme-metals.md", announcement(**{"date: 2024-01-10": f"date: 2024-01-10\naliases: [{alias}]"}))
    assert_reported(certsite("check", "--content", content.root), f"{content.root}/{FILE}", 4, f"the alias {alias} {message}")


def test_a_broken_standard_is_reported_once_not_in_every_announcement(content, certsite):
    content.write("standards/test-ps.yaml", STANDARD_ID_MISMATCH.replace("id: other", "id: test-ps").replace("criteria: []", "criteria: {}"))
    run = certsite("check", "--content", content.root)
    assert run.code == 1
    assert "'criteria' must be a list" in run.err
    assert "unknown standard" not in run.err


def test_a_misnamed_content_folder_is_an_error_not_a_silent_omission(content, certsite):
    content.write("certification/2024-05-16-new.md", ANNOUNCEMENT)
    assert_reported(certsite("check", "--content", content.root), f"{content.root}/certification", None, "unexpected folder in the content folder", "did you mean certifications?")


def test_a_file_that_cannot_be_parsed_does_not_make_its_entity_profile_look_unused(content, certsite):
    content.write("entities/acme-metals-ltd.yaml", "name: Acme Metals Ltd.\n")
    content.announce("2024-01-10-acme-metals.md", announcement(**{"location:\n  city: Oslo\n": "location:\n\tcity: Oslo\n"}))
    run = certsite("check", "--content", content.root)
    assert run.code == 1 and "indent with spaces" in run.err
    assert "no announcement has the entity slug" not in run.err


def test_an_entity_profile_that_no_announcement_uses_is_reported(content, certsite):
    content.write("entities/acme-metal-ltd.yaml", "name: Acme Metals Ltd.\n")
    assert_reported(certsite("check", "--content", content.root), f"{content.root}/entities/acme-metal-ltd.yaml", None, "no announcement has the entity slug 'acme-metal-ltd'", "did you mean acme-metals-ltd.yaml?")


def test_principle_numbers_are_unique(content, certsite):
    content.write("standards/test-ps.yaml", STANDARD_YAML_TWO_FIVES)
    assert_reported(certsite("check", "--content", content.root), f"{content.root}/standards/test-ps.yaml", 11, "principle 5 is listed twice")


STANDARD_YAML_TWO_FIVES = """\
id: test-ps
name: X
version: V1
owner: Y
principles:
  - number: 5
    title: Greenhouse Gas Emissions
    criteria:
      - number: "5.1"
        title: Disclosure
  - number: 5
    title: Again
"""


def test_thousands_of_warnings_do_not_bury_an_error(content, certsite):
    content.write("standards/test-ps.yaml", (content.root / "standards/test-ps.yaml").read_text("utf-8").replace("validity_months:\n  certified: 36\n  provisional: 12\n", ""))
    for n in range(60):
        content.announce(f"2024-02-{n % 28 + 1:02d}-company-{n}.md", announcement(**{"date: 2024-01-10": f"date: 2024-02-{n % 28 + 1:02d}", "entity: Acme Metals Ltd.": f"entity: Company {n}"}))
    content.announce("2024-03-01-broken.md", announcement(**{"date: 2024-01-10": "date: 2024-03-01", 'country: "NO"': "country: XX"}))
    run = certsite("check", "--content", content.root)
    assert run.code == 1
    assert "2024-03-01-broken.md:7: error: 'XX' is not an ISO 3166-1 alpha-2 country code" in run.err
    assert run.err.count(": warning: ") == 50
    assert "… and 12 more warnings of the kinds above." in run.err  # 62: the 60, Acme, and the broken file's own
