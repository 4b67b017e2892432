"""Content arrives in pull requests from people we do not control. Each case an
adversarial review found (crashes, hangs, unbounded reads, leaks, stray writes) is
now a located error with a non-zero exit, and nothing is published.

Cases that could take the process down (a segfault, a hang) run certsite in a
subprocess with a time limit, so that the test suite survives them if they regress.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import ANNOUNCEMENT, announcement

TIME_LIMIT = 60  # seconds: far beyond what any case takes now, short of a hang


def run_certsite(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "certsite", *map(str, args)], capture_output=True, text=True, timeout=TIME_LIMIT, env=env, check=False
    )


def assert_located_error(run: subprocess.CompletedProcess[str], where: str, *fragments: str) -> None:
    assert run.returncode == 1, (run.returncode, run.stderr[-2000:])
    assert "Traceback" not in run.stderr
    lines = [line for line in run.stderr.splitlines() if line.startswith(where)]
    assert any(all(fragment in line for fragment in fragments) for line in lines), run.stderr[-2000:]


def test_yaml_nested_thirty_thousand_levels_is_an_error_not_a_segfault(content):
    content.write("entities/x.yaml", "[" * 30_000 + "\n")
    run = run_certsite("check", "--content", content.root)
    assert_located_error(run, f"{content.root}/entities/x.yaml:1:", "nested more than 32 levels deep")
    assert len(max(run.stderr.splitlines(), key=len)) < 400  # the offending line is shortened, not echoed whole


def test_a_list_nested_hundreds_of_levels_in_a_body_is_an_error(content):
    body = "".join("  " * i + "- x\n" for i in range(200))
    content.announce("2024-01-10-acme-metals.md", ANNOUNCEMENT + body)
    run = run_certsite("check", "--content", content.root)
    assert_located_error(run, f"{content.root}/certifications/2024-01-10-acme-metals.md:", "nested more than 20 levels deep")


def test_a_body_of_twenty_thousand_brackets_is_refused_at_once(content):
    content.announce("2024-01-10-acme-metals.md", ANNOUNCEMENT + "[" * 20_000 + "\n")
    run = run_certsite("check", "--content", content.root)
    assert_located_error(run, f"{content.root}/certifications/2024-01-10-acme-metals.md:", "20,000 '[' characters; a text this long may have 99")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("![" * 500 + "a" * 30_000, "500 '[' characters; a text this long may have 64"),  # 29 s before the limit
        ("-\n" * 20_000, "20,002 lines; the limit is 2,000"),  # lines of '-' and unclosed fences grow with lines squared
        ("```a\n" * 9_000, "9,002 lines; the limit is 2,000"),
        ("\\" * 60_000, "60,053 characters long; the limit is 50,000"),
    ],
)
def test_texts_that_would_keep_markdown_busy_for_minutes_are_refused(content, body, message):
    content.announce("2024-01-10-acme-metals.md", ANNOUNCEMENT + body)
    run = run_certsite("check", "--content", content.root)
    assert_located_error(run, f"{content.root}/certifications/2024-01-10-acme-metals.md:", message)


def test_a_fifo_in_the_content_folder_is_reported_without_waiting_for_it(content):
    os.mkfifo(content.root / "certifications/2024-02-01-pipe.md")
    run = run_certsite("check", "--content", content.root)
    assert_located_error(run, f"{content.root}/certifications/2024-02-01-pipe.md:", "not a regular file")


NOBODY = 65534


def run_certsite_bound_by_permissions(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """``run_certsite`` as a user whom file permissions bind: this one, or nobody when the
    tests run as root, who may read anything."""
    if os.geteuid() != 0:
        return run_certsite(*args)
    as_nobody = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", sys.executable]
    if shutil.which("setpriv") is None or subprocess.run([*as_nobody, "-c", "import certsite"], capture_output=True, check=False).returncode != 0:
        pytest.skip("running as root, and nobody cannot run certsite here")
    return subprocess.run([*as_nobody, "-m", "certsite", *map(str, args)], capture_output=True, text=True, timeout=TIME_LIMIT, check=False)


@pytest.mark.parametrize("folder", ["certifications", "standards"])
@pytest.mark.parametrize(
    ("mode", "message"),
    [
        (0o300, "the folder cannot be read (Permission denied)"),  # cannot be listed
        (0o644, "the folder's files cannot be opened (permission denied)"),  # listed, not entered
    ],
)
def test_a_folder_the_build_may_not_read_is_an_error_naming_it(content, folder, mode, message):
    """One error, naming the folder: not one for each file in it, nor for each company
    profile that no announcement seems to name, nor for each certification of a standard
    that seems not to exist."""
    content.write("entities/acme-metals-ltd.yaml", "name: Acme Metals Ltd.\n")
    content.write(f"{folder}/notes.txt", "not a content file")
    # Where nobody may reach it, and put back so that pytest can delete it.
    shared = Path(tempfile.mkdtemp(prefix="certsite-permissions-"))
    try:
        shutil.copytree(content.root, shared / "content")
        for path in [shared, *(shared / "content").rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        (shared / "content" / folder).chmod(mode)
        run = run_certsite_bound_by_permissions("check", "--content", shared / "content")
    finally:
        (shared / "content" / folder).chmod(0o755)
        shutil.rmtree(shared)
    assert_located_error(run, f"{shared}/content/{folder}:", message)
    assert run.stderr.count(": error: ") == 1, run.stderr


@pytest.mark.parametrize("target", ["/dev/zero", "/proc/self/environ"])
def test_a_link_out_of_the_content_folder_is_never_read(content, target):
    (content.root / "pages").mkdir(exist_ok=True)
    (content.root / "pages/leak.md").symlink_to(target)
    env = {**os.environ, "CERTSITE_TEST_SECRET": "s3cr3t-value-for-the-test"}
    run = run_certsite("check", "--content", content.root, env=env)
    assert_located_error(run, f"{content.root}/pages/leak.md:", "is a symbolic link")
    assert "s3cr3t-value-for-the-test" not in run.stdout + run.stderr


def test_a_link_to_a_secrets_file_prints_none_of_its_lines(content, tmp_path):
    secrets = tmp_path / ".env"
    secrets.write_text("API_KEY: do-not-print-me\n", encoding="utf-8")
    (content.root / "entities").mkdir(exist_ok=True)
    (content.root / "entities/acme.yaml").symlink_to(secrets)
    (content.root / "standards-old").symlink_to(tmp_path)
    run = run_certsite("check", "--content", content.root)
    assert_located_error(run, f"{content.root}/entities/acme.yaml:", "is a symbolic link")
    assert_located_error(run, f"{content.root}/standards-old:", "is a symbolic link")
    assert "do-not-print-me" not in run.stdout + run.stderr


@pytest.mark.parametrize("language", ["'../../../../../var/x'", "abcdefghijklmnopqrstuvwxyzabcdefghijklmnop", '"en\\0"', "en_US x"])
def test_a_language_that_is_not_a_tag_is_refused_and_nothing_is_written(content, certsite, tmp_path, language):
    content.write("site.yaml", (content.root / "site.yaml").read_text("utf-8").replace("language: en", f"language: {language}"))
    before = sorted(p.name for p in tmp_path.iterdir())
    run = certsite("build", "--content", content.root, "--output", tmp_path / "site", "--as-of", "2024-06-01")
    assert run.code == 1
    assert f"{content.root}/site.yaml:4: error:" in run.err
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no site, no staging folder, nothing beside


@pytest.mark.parametrize("title", ['"a\\x01b"', '"a\\0b"', '"a\\u2028b"'])
def test_a_control_character_written_as_an_escape_is_an_error(content, certsite, title):
    content.announce("2024-01-10-acme-metals.md", announcement(**{"title: Acme Metals certified": f"title: {title}"}))
    run = certsite("check", "--content", content.root)
    assert run.code == 1
    assert f"{content.root}/certifications/2024-01-10-acme-metals.md:2: error: 'title' contains the invisible character" in run.err


def test_a_control_character_in_a_body_is_an_error_on_its_line(content, certsite):
    content.announce("2024-01-10-acme-metals.md", ANNOUNCEMENT + "Second paragraph.\n\nThird \x0b paragraph.\n")
    run = certsite("check", "--content", content.root)
    assert run.code == 1
    assert f"{content.root}/certifications/2024-01-10-acme-metals.md:17: error: the text contains the invisible character U+000B" in run.err


def test_a_line_break_inside_base_url_cannot_write_into_robots_txt(content, certsite, tmp_path):
    content.write("site.yaml", (content.root / "site.yaml").read_text("utf-8").replace(
        "base_url: https://register.example.org/", 'base_url: "https://example.org/\\nUser-agent: *\\nDisallow: /\\n#"'
    ))
    run = certsite("build", "--content", content.root, "--output", tmp_path / "site", "--as-of", "2024-06-01", "--no-search")
    assert run.code == 1
    assert f"{content.root}/site.yaml:2: error: 'base_url' must be an https:// address" in run.err
    assert not (tmp_path / "site").exists()


def test_a_name_ten_thousand_characters_long_is_refused(content, certsite):
    content.announce("2024-01-10-acme-metals.md", announcement(**{"entity: Acme Metals Ltd.": "entity: " + "铝" * 10_000 + "\nentity_slug: acme"}))
    run = certsite("check", "--content", content.root)
    assert run.code == 1
    assert "'entity' is 10,000 characters long; the limit is 2,000" in run.err


def test_the_longest_name_allowed_keeps_its_pages_light(content, certsite, tmp_path):
    content.announce("2024-01-10-acme-metals.md", announcement(**{"entity: Acme Metals Ltd.": "entity: " + "铝" * 2_000 + "\nentity_slug: acme"}))
    site = tmp_path / "site"
    assert certsite("build", "--content", content.root, "--output", site, "--as-of", "2024-06-01", "--no-search").code == 0
    largest = max(path.stat().st_size for path in site.rglob("*.html"))
    assert largest < 200_000, largest


def test_a_page_file_name_with_a_line_break_is_refused(content, certsite, tmp_path):
    content.write("pages/search\n.md", "---\ntitle: Search\n---\nText.\n")
    run = certsite("build", "--content", content.root, "--output", tmp_path / "site", "--as-of", "2024-06-01", "--no-search")
    assert run.code == 1
    assert "is not <slug>.md" in run.err
    assert not (tmp_path / "site").exists()


def test_a_huge_file_is_not_read_past_the_limit(content, certsite):
    content.announce("2024-01-10-acme-metals.md", ANNOUNCEMENT + "word " * 200_000)
    run = certsite("check", "--content", content.root)
    assert run.code == 1
    assert f"{content.root}/certifications/2024-01-10-acme-metals.md: error: the file is larger than 512 KB" in run.err


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("corrections", '"mailto:a@b.org\\nDisallow: /"'),
        ("base_url", '"https://example.org/<x>/"'),
        ("base_url", "'https://example.org/\"x/'"),
        ("base_url", "https://example.org:99999/"),
    ],
)
def test_an_address_that_would_break_the_pages_it_is_written_into_is_refused(content, certsite, field, value):
    site_yaml = (content.root / "site.yaml").read_text("utf-8")
    line = next(number for number, text in enumerate(site_yaml.splitlines(), start=1) if text.startswith(f"{field}:"))
    content.write("site.yaml", "\n".join(f"{field}: {value}" if text.startswith(f"{field}:") else text for text in site_yaml.splitlines()) + "\n")
    run = certsite("check", "--content", content.root)
    assert run.code == 1
    assert f"{content.root}/site.yaml:{line}: error: '{field}' must be" in run.err


@pytest.mark.parametrize("character", ["\\u200b", "\\u202e"])
def test_zero_width_and_reordering_characters_are_refused(content, certsite, character):
    content.announce("2024-01-10-acme-metals.md", announcement(**{"entity: Acme Metals Ltd.": f'entity: "Acme{character}Metals"\nentity_slug: acme'}))
    run = certsite("check", "--content", content.root)
    assert run.code == 1 and "'entity' contains the invisible character U+" in run.err


def test_one_line_of_nested_list_markers_is_held_to_the_nesting_limit(content):
    content.announce("2024-01-10-acme-metals.md", ANNOUNCEMENT + "\n" + "- " * 400 + "x\n")
    run = run_certsite("check", "--content", content.root)
    assert_located_error(run, f"{content.root}/certifications/2024-01-10-acme-metals.md:16:", "nested more than 20 levels deep")


def test_an_entity_description_is_held_to_the_limits_of_a_text(content):
    content.write("entities/acme-metals-ltd.yaml", 'name: Acme Metals Ltd.\ndescription: "' + "[" * 20_000 + '"\n')
    run = run_certsite("check", "--content", content.root)
    assert_located_error(run, f"{content.root}/entities/acme-metals-ltd.yaml:2:", "'description': the text has 20,000 '[' characters")
