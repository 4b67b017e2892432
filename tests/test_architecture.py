"""certsite's modules import in one direction only (see ../shared/STYLE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

GENERATOR = Path(__file__).resolve().parent.parent / "certsite"

# Each module and the project modules it may import; everything else stays out.
ALLOWED = {
    "countries": set(),
    "text": set(),
    "errors": set(),
    "model": {"errors"},
    "schema": {"model"},
    "frontmatter": {"errors"},
    "markdown_body": set(),
    "validate": {"errors", "model", "schema", "frontmatter", "markdown_body", "countries", "text"},
    "load": {"errors", "model", "frontmatter", "validate", "text", "cache", "fingerprint", "parallel"},
    # The build cache and the split of work across processes: below the stages that use them.
    "fingerprint": {"model"},
    "cache": set(),
    "parallel": set(),
    "catalog": {"model", "text"},
    "urls": {"model"},
    "views": {"model", "catalog", "urls", "countries", "data_fields", "charts", "figures", "verify"},
    "render": {"errors", "catalog", "urls", "countries", "json_schema", "views", "fingerprint", "model", "structured", "data", "charts", "fragments"},
    # The HTML pieces pages repeat (dates, badges, how a certification stands), for render.
    "fragments": {"catalog", "countries", "model", "urls"},
    # schema.org JSON-LD and sharing descriptions of a page, from its view data.
    "structured": {"model", "catalog", "urls"},
    # Open data: the downloads' fields declared once, the files written from the catalog, a spreadsheet read back.
    "data_fields": set(),
    "data": {"catalog", "countries", "data_fields", "model", "urls"},
    "data_import": {"countries", "data_fields", "schema", "text"},
    # The verify page's certificate lookup: numbers normalised, and the certifications they find.
    "verify": {"catalog"},
    "pages": {"urls", "cache", "parallel", "publish", "render", "views", "search"},
    "search": {"errors", "parallel"},
    "publish": {"errors"},
    "build": {"errors", "model", "load", "catalog", "data", "render", "search", "publish", "urls", "cache", "pages", "views", "fingerprint", "parallel"},
    "json_schema": {"schema", "model", "countries"},
    "scaffold": {"text"},
    "starter": set(),
    # The preview's first look at an edit: one entity's pages, through the stages above.
    "preview": {"catalog", "load", "model", "render", "urls", "views"},
    "serve": {"build", "errors", "load", "preview", "publish", "search", "urls", "cache"},
    # Beyond STYLE.md's table: `new` and `schema` are not builds, so the command line
    # calls their modules directly rather than through build.
    "cli": {"build", "serve", "errors", "json_schema", "load", "scaffold", "validate", "starter", "text", "urls", "cache", "parallel", "data_import"},
    "__main__": {"cli"},
    "__init__": set(),
    # Charts: drawing from plain numbers (charts), and the numbers counted from the catalog (figures).
    "charts": set(),
    "figures": {"catalog", "charts", "countries", "model"},
}


def project_imports(path: Path) -> set[str]:
    imported = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("certsite"):
            if node.module == "certsite":
                imported.update(alias.name for alias in node.names)
            else:
                imported.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            imported.update(a.name.split(".")[1] for a in node.names if a.name.startswith("certsite."))
    return imported


def test_every_module_has_a_declared_place():
    assert {p.stem for p in GENERATOR.glob("*.py")} == set(ALLOWED)


def test_modules_import_only_what_lies_below_them():
    for path in sorted(GENERATOR.glob("*.py")):
        forbidden = project_imports(path) - ALLOWED[path.stem]
        assert not forbidden, f"{path.name} may not import {sorted(forbidden)}"


def test_only_publish_writes_the_site():
    writers = set()
    for path in GENERATOR.glob("*.py"):
        source = path.read_text("utf-8")
        if any(call in source for call in ("write_bytes(", "write_text(", "copytree(", "os.replace(", '.open("x"', "rmtree(", "mkdir(", "mkdtemp(")):
            writers.add(path.stem)
    # scaffold writes one new content file, starter a new register into an empty folder;
    # serve makes and removes its temporary folder; cache writes only in the cache folder.
    assert writers == {"publish", "scaffold", "serve", "starter", "cache"}
