"""A standards body starts its own register with `certsite init` and builds it at once."""

from __future__ import annotations

from datetime import date
from importlib.metadata import version

from site_checks import broken_links, html5_problems, nu_problems

TODAY = date.today().isoformat()


def test_init_starts_a_register_that_builds_at_once(certsite, tmp_path):
    folder = tmp_path / "register"
    run = certsite("init", folder)
    assert run.code == 0, run.err
    for relative in ("content/site.yaml", "content/standards/example-standard.yaml", "netlify.toml", ".github/workflows/check.yml", "README.md", "requirements.txt"):
        assert (folder / relative).is_file(), relative
    assert (folder / "content/entities").is_dir()
    announcements = list((folder / "content/certifications").glob("*.md"))
    assert len(announcements) == 1
    site = tmp_path / "site"
    built = certsite("build", "--content", folder / "content", "--output", site, "--as-of", TODAY, "--no-search")
    assert built.code == 0, built.err
    assert "warning" not in built.err
    assert (site / f"certifications/{announcements[0].stem}/index.html").is_file()
    assert html5_problems(site) == [] and broken_links(site) == [] and nu_problems(site) == ""


def test_the_new_registers_editors_can_add_an_announcement_at_once(certsite, tmp_path):
    folder = tmp_path / "register"
    assert certsite("init", folder).code == 0
    new = certsite("new", "--content", folder / "content", "--entity", "Second Metals Ltd", "--country", "DE", "--standard", "example-standard", "--date", TODAY)
    assert new.code == 0, new.err
    path = folder / f"content/certifications/{TODAY}-second-metals-ltd.md"
    path.write_text(path.read_text("utf-8").replace("    auditor:  # required", "    auditor: Example Body  #") + "Second Metals was certified.\n", encoding="utf-8")
    assert certsite("check", "--content", folder / "content", "--as-of", TODAY).code == 0


def test_init_refuses_a_folder_with_files_in_it(certsite, tmp_path):
    folder = tmp_path / "existing"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    run = certsite("init", folder)
    assert run.code == 1 and "is not empty" in run.err
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]


def test_init_refuses_a_file(certsite, tmp_path):
    target = tmp_path / "notes.txt"
    target.write_text("mine", encoding="utf-8")
    run = certsite("init", target)
    assert run.code == 1 and "is a file" in run.err
    assert target.read_text("utf-8") == "mine"


def test_the_new_register_installs_the_certsite_it_was_started_with(certsite, tmp_path):
    folder = tmp_path / "register"
    run = certsite("init", folder)
    lines = [line for line in (folder / "requirements.txt").read_text("utf-8").splitlines() if line and not line.startswith("#")]
    assert lines == [f"certsite=={version('certsite')}"] or lines[0].startswith("certsite @ ")
    assert "requirements.txt installs" in run.out or lines[0].startswith("certsite @ ")
