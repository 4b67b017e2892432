"""Editors' tools: starting an announcement with `certsite new`, and the JSON Schema."""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest
import yaml

from certsite import schema

from conftest import LIVE_CONTENT, PROJECT

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
        (("--entity", "Acme", "--country", "NO", "--standard", "test-ps", "--entity-slug", "Acme_Metals"), "'Acme_Metals' is not a valid slug; use lowercase ASCII letters, digits and single hyphens, e.g. 'acme-metals'"),
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


def test_new_and_schema_report_a_broken_content_folder_without_a_traceback(content, certsite):
    content.write("standards/test-ps.yaml", "id: [unclosed\n")
    content.write("site.yaml", "title: [unclosed\n")
    new = certsite("new", "--content", content.root, "--entity", "Acme", "--country", "NO", "--standard", "test-ps")
    schema = certsite("schema", "--content", content.root)
    for run in (new, schema):
        assert run.code == 1 and "Traceback" not in run.err
    assert "test-ps.yaml:1" in new.err and "fix the standards first" in new.err
    assert "site.yaml:1" in schema.err and "base_url" in schema.err


def test_new_takes_an_entity_slug_for_names_without_latin_letters(content, certsite):
    run = certsite("new", "--content", content.root, "--entity", "阿克米金属", "--entity-slug", "acme-jinshu", "--country", "CN", "--standard", "test-ps", "--date", "2024-05-02")
    assert run.code == 0, run.err
    text = (content.root / "certifications/2024-05-02-acme-jinshu.md").read_text("utf-8")
    assert "entity: \"阿克米金属\"\nentity_slug: acme-jinshu\n" in text


def test_new_offers_every_field_a_buyer_needs_as_a_comment_to_uncomment(content, certsite):
    run = certsite("new", "--content", content.root, "--entity", "Fjord Metals AS", "--country", "NO", "--standard", "test-ps", "--date", "2024-05-02")
    assert run.code == 0, run.err
    path = content.root / "certifications/2024-05-02-fjord-metals-as.md"
    text = path.read_text("utf-8")
    assert "\n# summary:  # one plain sentence for listings and search" in text
    assert "\n    # certificate:  # the number as issued, e.g. ASI-PS-2024-017\n" in text
    assert "\n    # status: certified  # certified | provisional | suspended | withdrawn (default certified)\n" in text
    assert "\n    # valid_from: YYYY-MM-DD  # first day of validity\n" in text
    assert "\n    # valid_until: YYYY-MM-DD  # last day; without it the end date is derived from the standard's validity period\n" in text

    # The editor uncomments the lines, fills them in, and writes the text.
    for commented, filled in [
        ("# summary:  #", "summary: Fjord Metals' smelter was provisionally certified.  #"),
        ("auditor:  #", "auditor: Nordic Audit AS  #"),
        ("# certificate:  #", "certificate: ASI-PS-2024-017  #"),
        ("# status: certified  #", "status: provisional  #"),
        ("# valid_from: YYYY-MM-DD  #", "valid_from: 2024-05-02  #"),
        ("# valid_until: YYYY-MM-DD  #", "valid_until: 2025-05-01  #"),
    ]:
        text = text.replace(commented, filled)
    path.write_text(text + "Fjord Metals was provisionally certified.\n", encoding="utf-8")
    run = certsite("check", "--content", content.root, "--as-of", "2024-06-01")
    assert run.code == 0, run.err
    data = front_matter(path)
    assert data["summary"] == "Fjord Metals' smelter was provisionally certified."
    assert {key: str(data["certifications"][0][key]) for key in ("certificate", "status", "valid_from", "valid_until")} == {
        "certificate": "ASI-PS-2024-017", "status": "provisional", "valid_from": "2024-05-02", "valid_until": "2025-05-01",
    }


class Terminal:
    """``certsite`` run in a pseudo-terminal, as an editor runs it. Every read has a deadline, so a test never hangs."""

    def __init__(self, *args: str | Path):
        self.master, slave = os.openpty()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "certsite", *map(str, args)],
            stdin=slave, stdout=slave, stderr=slave, cwd=PROJECT, start_new_session=True,
            env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        )
        os.close(slave)
        self.output = b""
        self.seen = 0  # how far expect() has read

    @property
    def shown(self) -> str:
        return self.output.decode("utf-8", "replace").replace("\r\n", "\n")

    def expect(self, text: str, timeout: float = 15) -> None:
        """Wait until ``text`` appears after what was expected before."""
        deadline = time.monotonic() + timeout
        while (found := self.shown.find(text, self.seen)) < 0:
            if not self._read(deadline):
                raise AssertionError(f"{text!r} did not appear; the terminal shows:\n{self.shown}")
        self.seen = found + len(text)

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode("utf-8"))

    def finish(self, timeout: float = 15) -> int:
        """Read what is left to show, then the exit status."""
        deadline = time.monotonic() + timeout
        while self._read(deadline):
            pass
        return self.process.wait(timeout=max(deadline - time.monotonic(), 1))

    def _read(self, deadline: float) -> bool:
        """Read a little more; False when the deadline has passed or the program has closed the terminal."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        if select.select([self.master], [], [], remaining)[0]:
            try:
                chunk = os.read(self.master, 4096)
            except OSError:  # EIO: the program has ended
                return False
            if not chunk:
                return False
            self.output += chunk
        return True

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=5)
        os.close(self.master)


@pytest.fixture
def terminal():
    started: list[Terminal] = []

    def start(*args: str | Path) -> Terminal:
        started.append(Terminal(*args))
        return started[-1]

    yield start
    for each in started:
        each.close()


needs_a_terminal = pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs pseudo-terminals (POSIX)")


@needs_a_terminal
def test_new_in_a_terminal_explains_a_wrong_answer_and_asks_again(content, terminal):
    editor = terminal("new", "--content", content.root, "--date", "2024-05-02")
    editor.expect("Entity (company name as announced): ")
    editor.type("\n")
    editor.expect("an answer is needed; try again, or press Ctrl-D to stop")
    editor.expect("Entity (company name as announced): ")
    editor.type("Fjord Metals AS\n")
    editor.expect("Country (ISO code, e.g. CN): ")
    editor.type("xx\n")
    editor.expect("'XX' is not an ISO 3166-1 alpha-2 country code; use the ISO 3166-1 alpha-2 code, e.g. CN for China, NO for Norway, GB for the United Kingdom; try again, or press Ctrl-D to stop")
    editor.expect("Country (ISO code, e.g. CN): ")
    editor.type("no\n")
    editor.expect("Standard (test-ps): ")
    editor.type("test-pss\n")
    editor.expect("unknown standard 'test-pss'; known standards: test-ps; try again")
    editor.expect("Standard (test-ps): ")
    editor.type("test-ps\n")
    path = content.root / "certifications/2024-05-02-fjord-metals-as.md"
    assert editor.finish() == 0, editor.shown
    assert f"Created {path}" in editor.shown
    text = path.read_text("utf-8")
    assert 'entity: "Fjord Metals AS"\n' in text and '  country: "NO"\n' in text and "  - standard: test-ps\n" in text


@needs_a_terminal
def test_new_in_a_terminal_asks_for_a_slug_until_it_is_one(content, terminal):
    editor = terminal("new", "--content", content.root, "--country", "CN", "--standard", "test-ps", "--date", "2024-05-02")
    editor.expect("Entity (company name as announced): ")
    editor.type("阿克米金属\n")
    editor.expect("Entity slug (Latin letters, e.g. baotou-aluminium): ")
    editor.type("Acme_Jinshu\n")
    editor.expect("'Acme_Jinshu' is not a valid slug; use lowercase ASCII letters, digits and single hyphens, e.g. 'acme-jinshu'; try again")
    editor.expect("Entity slug (Latin letters, e.g. baotou-aluminium): ")
    editor.type("acme-jinshu\n")
    assert editor.finish() == 0, editor.shown
    text = (content.root / "certifications/2024-05-02-acme-jinshu.md").read_text("utf-8")
    assert 'entity: "阿克米金属"\nentity_slug: acme-jinshu\n' in text


@needs_a_terminal
def test_new_in_a_terminal_stops_cleanly_at_ctrl_d(content, terminal):
    editor = terminal("new", "--content", content.root, "--date", "2024-05-02")
    editor.expect("Entity (company name as announced): ")
    editor.type("Fjord Metals AS\n")
    editor.expect("Country (ISO code, e.g. CN): ")
    editor.type("\x04")  # Ctrl-D: end of input
    assert editor.finish() == 2, editor.shown
    assert "certsite new: stopped without an answer for --country; no file was written" in editor.shown
    assert "Traceback" not in editor.shown
    assert sorted(p.name for p in (content.root / "certifications").iterdir()) == ["2024-01-10-acme-metals.md"]


def test_a_wrong_option_is_a_usage_error_even_in_a_terminal(content, certsite, monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt="": pytest.fail(f"asked {prompt!r} although the option was given"))
    run = certsite("new", "--content", content.root, "--entity", "Acme", "--country", "XX", "--standard", "test-ps")
    assert run.code == 2
    assert run.err == "certsite new: 'XX' is not an ISO 3166-1 alpha-2 country code; use the ISO 3166-1 alpha-2 code, e.g. CN for China, NO for Norway, GB for the United Kingdom\n"


def test_committed_schema_is_what_the_command_prints(certsite):
    run = certsite("schema")
    assert run.code == 0
    assert COMMITTED_SCHEMA.read_text("utf-8") == run.out, "regenerate with: .venv/bin/certsite schema > schema/announcement.schema.json"


def front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text("utf-8").split("---\n")[1])


def test_schema_accepts_every_bundled_announcement_and_catches_typos():
    schema = json.loads(COMMITTED_SCHEMA.read_text("utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    for path in sorted((LIVE_CONTENT / "certifications").glob("*.md")):
        data = json.loads(json.dumps(front_matter(path), default=str))  # dates as text, as editors' tools see them
        assert list(validator.iter_errors(data)) == [], path
    data["titel"] = data.pop("title")
    data["certifications"][0]["status"] = "revoked"
    messages = sorted(error.message for error in validator.iter_errors(data))
    assert any("'title' is a required property" in m for m in messages)
    assert any("'titel' was unexpected" in m for m in messages)
    assert any("'revoked' is not one of" in m for m in messages)


def test_every_build_publishes_the_schema_at_its_id(asi_site):
    schema = json.loads((asi_site.root / "schema/announcement.schema.json").read_text("utf-8"))
    assert schema == json.loads(COMMITTED_SCHEMA.read_text("utf-8"))
    assert schema["$id"].endswith("/schema/announcement.schema.json")


def test_the_editors_guide_documents_every_field_of_the_contract():
    guide = (PROJECT / "docs/editing.md").read_text("utf-8")
    for table in (schema.ANNOUNCEMENT, schema.LOCATION, schema.CERTIFICATION, schema.NONCONFORMANCES, schema.FINDING,
                  schema.STANDARD, schema.PRINCIPLE, schema.CRITERION, schema.ENTITY, schema.PAGE, schema.SITE):
        for name in table:
            assert f"`{name}`" in guide, f"docs/editing.md does not mention the field `{name}`"
