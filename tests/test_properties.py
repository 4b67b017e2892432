"""Property-based tests (Hypothesis): whatever a content file holds, ``certsite check``
ends either in success or in errors that each name a file (and a line), never in a
traceback, a hang or a blow-up; and a register that checks also builds, with a
``feed.xml`` that is well-formed XML.

Inputs are written into a fresh copy of the small register of ``conftest.py`` per
example and run through ``certsite.cli.main`` in-process (fast), each run under a time
limit (``SIGALRM``). Input sizes are bounded by what is generated, so memory is too.
What could take the process down (a C extension's stack overflow) runs in a
subprocess, with few examples. The cases an adversarial review found (tests/test_hostile.py,
issue 11) are kept as explicit ``@example``s on the matching properties.

The budget is fixed (``derandomize=True``: the same examples on every run, as CI needs);
``CERTSITE_PROPERTY_SCALE=10`` runs ten times as many for a deeper search locally.
"""

from __future__ import annotations

import contextlib
import copy
import io
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import jinja2
import pytest
import yaml
from markupsafe import Markup
from conftest import ANNOUNCEMENT, SITE_YAML, STANDARD_YAML
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from certsite import render, schema
from certsite.cli import main
from certsite.frontmatter import nesting_bound
from certsite.markdown_body import render_markdown
from certsite.model import Status
from certsite.urls import Addresses

settings.register_profile(
    "certsite-properties",
    deadline=None,  # time is guarded per run by TIME_LIMIT instead
    derandomize=True,  # a fixed seed: CI sees the same examples on every run
    database=None,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
_PROFILE = settings.get_profile("certsite-properties")
_SCALE = float(os.environ.get("CERTSITE_PROPERTY_SCALE", "1"))


def budget(examples: int) -> settings:
    return settings(_PROFILE, max_examples=max(1, int(examples * _SCALE)))


AS_OF = "2024-06-01"
TIME_LIMIT = 5.0  # seconds for one in-process check; a valid register of this size takes ~0.1 s
BUILD_TIME_LIMIT = 10.0
LONG_RUN_TIME_LIMIT = 10.0  # the Markdown of a text at the length limit: under a second on this machine
MAX_SITE_BYTES = 20_000_000  # a register of two pages must not publish more than this

ANNOUNCEMENT_FILE = "certifications/2024-01-10-acme-metals.md"
ENTITY_FILE = "entities/acme-metals-ltd.yaml"  # the entity slug of ANNOUNCEMENT
PAGE_FILE = "pages/about.md"
PAGE_MD = """\
---
title: About this register
summary: What the register covers.
---
This register gathers public announcements of certifications.
"""
BASE_FILES = {"site.yaml": SITE_YAML, "standards/test-ps.yaml": STANDARD_YAML, ANNOUNCEMENT_FILE: ANNOUNCEMENT}

# What ran, per property; shown at the end of the module's run.
STATS: Counter[str] = Counter()


# ---------------------------------------------------------------------------
# Running certsite on a content folder


class _CaseTimeout(BaseException):
    """Raised by SIGALRM inside certsite: a BaseException, so that no ``except Exception``
    in the code under test swallows it; turned into an AssertionError for Hypothesis."""


FIFO, LINK_DEV_ZERO, LINK_ENVIRON, LINK_OUTSIDE = "<fifo>", "<link to /dev/zero>", "<link to /proc/self/environ>", "<link outside>"
SPECIAL_ENTRIES = (FIFO, LINK_DEV_ZERO, LINK_ENVIRON, LINK_OUTSIDE)


@contextlib.contextmanager
def register(files: dict[str, str | bytes | None]) -> Iterator[Path]:
    """A fresh copy of the conftest register with ``files`` written over it (``None``
    removes a file; one of ``SPECIAL_ENTRIES`` makes a FIFO or a symbolic link)."""
    with tempfile.TemporaryDirectory(prefix="certsite-property-") as folder:
        root = Path(folder) / "content"
        secrets = Path(folder) / ".env"
        secrets.write_text("API_KEY: do-not-print-me\n", encoding="utf-8")
        for relative, data in {**BASE_FILES, **files}.items():
            if data is None:
                continue
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            if data == FIFO:
                os.mkfifo(path)
            elif data in (LINK_DEV_ZERO, LINK_ENVIRON, LINK_OUTSIDE):
                path.symlink_to({LINK_DEV_ZERO: "/dev/zero", LINK_ENVIRON: "/proc/self/environ", LINK_OUTSIDE: str(secrets)}[data])
            else:
                path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        yield root


@dataclass
class Outcome:
    code: int
    out: str
    err: str
    seconds: float


def run_certsite(*args: str | Path, limit: float = TIME_LIMIT) -> Outcome:
    """``certsite ARGS`` in-process, its output captured, failing if it runs over ``limit``."""
    out, err = io.StringIO(), io.StringIO()
    where: list[str] = []

    def on_alarm(signum: int, frame: Any) -> None:
        where.extend(traceback.format_stack(frame)[-8:])
        raise _CaseTimeout

    previous = signal.signal(signal.SIGALRM, on_alarm)
    started = time.perf_counter()
    try:
        signal.setitimer(signal.ITIMER_REAL, limit)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([str(arg) for arg in args])
    except _CaseTimeout:
        raise AssertionError(f"certsite {args[0]} ran longer than {limit} s (a hang?); it was at:\n{''.join(where)}") from None
    except SystemExit as exit_:  # argparse: bad usage, which a content file cannot cause
        raise AssertionError(f"certsite exited with {exit_.code}: {err.getvalue()[-2000:]}") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    return Outcome(code, out.getvalue(), err.getvalue(), time.perf_counter() - started)


def _known_paths(root: Path) -> list[str]:
    """Every path a diagnostic may name: the content folder, what is in it, and the
    files and folders it should have."""
    paths = {str(root), *(str(root / name) for name in ("site.yaml", "certifications", "standards", "entities", "pages"))}
    for folder, folders, files in os.walk(root):
        paths.update(str(Path(folder) / name) for name in folders + files)
    return sorted(paths, key=len, reverse=True)


def located_output(err: str, root: Path) -> bool:
    """Whether ``err`` is nothing but diagnostics (``<path>:<line>: error: ...`` or
    ``<path>: error: ...``, warnings alike), each optionally followed by its source line
    (``   12 | ...``), and the closing count. A path is matched as certsite prints it (a
    line break in a file name as ``\\n``), so it is one line; a message with a line
    break in it is not one line."""
    # Paths as certsite prints them: a character that is not printable as an escape.
    printed = {"".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in path) for path in _known_paths(root)}
    where = "|".join(re.escape(path) for path in sorted(printed))
    headline = rf"(?:{where})(?::[1-9][0-9]*)?: (?:error|warning): [^\n]+"
    source = r" *[1-9][0-9]* \| [^\n]*"
    count = r"[0-9]+ (?:error|warning)s? in [0-9]+ files?\.(?: Nothing was published\.)?"
    return re.fullmatch(rf"(?:(?:{headline})\n(?:{source}\n)?)*(?:{count}\n)?", err) is not None


def assert_check_ends_well(root: Path, property_name: str, build: bool = True, limit: float = TIME_LIMIT) -> Outcome:
    """``certsite check``: success, or exit 1 with located errors only. After a success,
    the site is also built (unless ``build`` is False): a build takes ~20 ms more."""
    outcome = run_certsite("check", "--content", root, "--as-of", AS_OF, limit=limit)
    STATS[f"{property_name}: cases"] += 1
    STATS[f"{property_name}: seconds in check"] += outcome.seconds
    assert outcome.code in (0, 1), (outcome.code, outcome.err[-3000:])
    assert "Traceback" not in outcome.err, outcome.err[-3000:]
    assert located_output(outcome.err, root), f"unlocated output:\n{outcome.err[-3000:]}"
    if outcome.code == 1:
        STATS[f"{property_name}: located errors"] += 1
        assert re.search(r": error: ", outcome.err), outcome.err[-3000:]
        if "nested too deeply" in outcome.err:  # Python-Markdown ran out of stack
            assert_next_check_unaffected()
        return outcome
    STATS[f"{property_name}: valid"] += 1
    assert "valid" in outcome.out, outcome.out
    if build:
        assert_builds(root, property_name)
    return outcome


def assert_next_check_unaffected() -> None:
    """The valid register still checks after a run that ended in a RecursionError inside
    Python-Markdown (``certsite serve`` keeps running after one)."""
    with register({}) as root:
        outcome = run_certsite("check", "--content", root, "--as-of", AS_OF)
    assert outcome.code == 0, f"a valid register fails after a text nested too deeply:\n{outcome.err[-3000:]}"


def assert_builds(root: Path, property_name: str) -> None:
    """A register that checks builds, into a site whose XML files (the feed, the
    sitemap) are well-formed and whose size stays bounded."""
    output = root.parent / "site"
    outcome = run_certsite("build", "--content", root, "--as-of", AS_OF, "--output", output, "--no-search", limit=BUILD_TIME_LIMIT)
    STATS[f"{property_name}: builds"] += 1
    STATS[f"{property_name}: seconds in build"] += outcome.seconds
    assert outcome.code == 0, outcome.err[-3000:]
    assert "Built" in outcome.out
    for name in ("feed.xml", "sitemap.xml"):
        ElementTree.fromstring((output / name).read_bytes())  # raises ParseError if not well-formed
    size = sum(path.stat().st_size for path in output.rglob("*") if path.is_file())
    assert size < MAX_SITE_BYTES, size


# ---------------------------------------------------------------------------
# YAML documents: a small tree of nodes, written out in block or flow style


@dataclass
class Node:
    """A YAML node as source text: ``kind`` is scalar (``value`` is its source: plain,
    quoted, tagged, an alias), block (``value`` is the text of a ``|``/``>`` scalar),
    map (``value`` is a list of (key source, Node)) or seq (a list of Nodes).
    ``prefix`` is an anchor and/or tag written before it."""

    kind: str
    value: Any
    flow: bool = False
    prefix: str = ""
    indicator: str = "|"
    children_indent: int = 2


def scalar(source: str) -> Node:
    return Node("scalar", source)


def quoted(text: str) -> Node:
    return Node("scalar", double_quoted(text))


def mapping(items: dict[str, Node], flow: bool = False) -> Node:
    return Node("map", list(items.items()), flow)


def sequence(items: list[Node], flow: bool = False) -> Node:
    return Node("seq", items, flow)


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\0": "\\0"}


def double_quoted(text: str) -> str:
    """``text`` as a YAML double-quoted scalar: exactly ``text`` when read back."""
    return '"' + "".join(_ESCAPES.get(c) or (f"\\x{ord(c):02x}" if ord(c) < 0x20 or c == "\x7f" else c) for c in text) + '"'


def emit(node: Node, indent: int = 0) -> str:
    """The document whose top node is the block mapping ``node``."""
    assert node.kind == "map" and not node.flow
    return "".join(f"{' ' * indent}{key}:{_after(value, indent)}\n" for key, value in node.value).rstrip("\n")


def _after(node: Node, indent: int) -> str:
    """What follows ``key:`` or ``-`` for ``node``, at ``indent`` (the key's column)."""
    prefix = f" {node.prefix}" if node.prefix else ""
    child = indent + node.children_indent
    if node.kind == "scalar" or (node.kind in ("map", "seq") and (node.flow or not node.value)):
        return f"{prefix} {_flow(node)}" if node.kind != "scalar" else f"{prefix} {node.value}"
    if node.kind == "block":
        lines = node.value.split("\n")
        return f"{prefix} {node.indicator}\n" + "\n".join(" " * child + line if line else "" for line in lines)
    if node.kind == "map":
        return prefix + "".join(f"\n{' ' * child}{key}:{_after(value, child)}" for key, value in node.value)
    return prefix + "".join(f"\n{' ' * child}-{_after(item, child)}" for item in node.value)


def _flow(node: Node) -> str:
    prefix = f"{node.prefix} " if node.prefix else ""
    if node.kind == "scalar":
        return prefix + node.value
    if node.kind == "block":
        return prefix + double_quoted(node.value)
    if node.kind == "map":
        return prefix + "{" + ", ".join(f"{key}: {_flow(value)}" for key, value in node.value) + "}"
    return prefix + "[" + ", ".join(_flow(item) for item in node.value) + "]"


def base_announcement(certificate: str = "TPS-2024-001", alias: str = "/news/acme-certified/") -> Node:
    """The front matter of conftest's ANNOUNCEMENT (valid), with every optional field."""
    return mapping({
        "title": scalar("Acme Metals certified"),
        "date": scalar("2024-01-10"),
        "summary": scalar("Acme Metals was certified against the test standard."),
        "entity": scalar("Acme Metals Ltd."),
        "entity_slug": scalar("acme-metals-ltd"),
        "group": scalar("Acme Group"),
        "location": mapping({"city": scalar("Oslo"), "region": scalar("Oslo"), "country": quoted("NO")}),
        "facilities": sequence([quoted("Acme smelter, Oslo")]),
        "activities": sequence([scalar("aluminium smelting"), scalar("casting")], flow=True),
        "products": sequence([scalar("aluminium ingot")], flow=True),
        "capacity": scalar("200,000 tonnes a year"),
        "certifications": sequence([
            mapping({
                "standard": scalar("test-ps"),
                "edition": scalar("V1 (2024)"),
                "auditor": scalar("Example Certification"),
                "certificate": scalar(certificate),
                "scope": scalar("Smelting"),
                "status": scalar("certified"),
                "valid_from": scalar("2024-01-10"),
                "valid_until": scalar("2027-01-09"),
                "report": scalar("https://example.org/report.pdf"),
                "nonconformances": mapping({
                    "minor": sequence([quoted("5.1a-b"), mapping({"criterion": quoted("5.10"), "closed": scalar("2024-05-01"), "note": scalar("Closed.")})]),
                    "major": sequence([quoted("5.2")], flow=True),
                }),
            })
        ]),
        "draft": scalar("false"),
        "aliases": sequence([scalar(alias)], flow=True),
    })


def base_site() -> Node:
    return mapping({
        "title": scalar("Test Register"),
        "base_url": scalar("https://register.example.org/"),
        "description": scalar("A register for tests."),
        "language": scalar("en"),
        "corrections": scalar("mailto:fix@example.org"),
    })


def base_standard() -> Node:
    return mapping({
        "id": scalar("test-ps"),
        "name": scalar("Test Performance Standard"),
        "version": scalar("V1"),
        "owner": scalar("Test Standards Body"),
        "url": scalar("https://standards.example.org/"),
        "validity_months": mapping({"certified": scalar("36"), "provisional": scalar("12")}),
        "principles": sequence([
            mapping({
                "number": scalar("5"),
                "title": scalar("Greenhouse Gas Emissions"),
                "criteria": sequence([
                    mapping({"number": quoted("5.1"), "title": scalar("Disclosure of GHG Emissions and Energy Use")}),
                    mapping({"number": quoted("5.2"), "title": scalar("Smelter GHG Emissions Intensity")}),
                    mapping({"number": quoted("5.10"), "title": scalar("A criterion whose number looks like a float")}),
                ]),
            })
        ]),
        "criteria": sequence([mapping({"number": quoted("7.1"), "title": scalar("A criterion outside the principles")})]),
    })


def base_entity() -> Node:
    return mapping({
        "name": scalar("Acme Metals Ltd."),
        "aliases": sequence([scalar("Acme Metals"), scalar("アクメ金属")], flow=True),
        "group": scalar("Acme Group"),
        "website": scalar("https://acme.example.com/"),
        "description": Node("block", "Primary **aluminium** producer.\n\n- smelting\n- casting\n"),
    })


def base_page() -> Node:
    return mapping({"title": scalar("About this register"), "summary": scalar("What the register covers.")})


def _all_field_names() -> list[str]:
    names: set[str] = set()
    for table in (schema.ANNOUNCEMENT, schema.LOCATION, schema.CERTIFICATION, schema.NONCONFORMANCES, schema.FINDING, schema.STANDARD,
                  schema.VALIDITY_MONTHS, schema.PRINCIPLE, schema.CRITERION, schema.ENTITY, schema.PAGE, schema.SITE):
        names.update(table)
    return sorted(names)


FIELD_NAMES = _all_field_names()

# Plain scalars that YAML 1.1 reads as something other than text, or that look like
# syntax: booleans, nulls, numbers in every base, sexagesimals, dates, the value key.
SPECIAL_SCALARS = [
    "NO", "no", "No", "yes", "Yes", "on", "off", "y", "n", "~", "null", "Null", "NULL", "true", "false", "TRUE",
    ".inf", "-.Inf", ".nan", "0x1F", "0o17", "017", "0b101", "1_000", "+12", ".5", "1.", "1e400", "-1e-400",
    "12:30:00", "190:20:30", "2024-01-10", "2022-13-45", "2024-02-30", "0000-00-00", "9999-12-31", "2024-01-10T10:00:00Z",
    "2024-1-1", "=", "<<", "-", "?", "5.10", "5.1a-b", "2.1a,c-d", "5.2e-b", "5.1a,a", "0.0", "-0", "9" * 5000, "1" + "0" * 400,
    "https://", "https://[x", "http://example.org/", "mailto:", "javascript:alert(1)", "/", "//", "/news/x/", "/certifications/",
    "/entities/", "/feed.xml/", "../../etc/passwd", "asi-ps-v3", "test-ps", "CN", "cn", "UK", "XX", "en", "zh-Hans-CN", "x" * 2001,
    "铝" * 2001, "'", '"', "`", "@", "%", "&", "*", "!", "|", ">", "#", "a #b", "a: b", "[a", "{a", "a,b", "''", '""',
    # Addresses the register already has, for aliases and slugs that clash with them.
    "/certifications/2024-01-10-acme-metals/", "/certifications/2024-01-10-acme-metals-2/", "/certifications/2024/", "/about/",
    "/news/acme-certified/", "/entities/acme-metals-ltd/", "/criteria/test-ps/5.1/", "/standards/test-ps/", "/search/", "/404/",
    "/schema/", "/static/style.css/", "/pagefind/", "acme-metals-ltd", "about", "TPS-2024-001",
]
TAGGED_SCALARS = [
    "!!python/object:os.system {}", "!!python/object/apply:os.system [echo hi]", "!!python/name:os.system ''", "!!binary aGVsbG8=",
    "!!timestamp 2024-01-10", "!!int abc", "!!int 0x10", "!!float x", "!!float 1e999", "!!bool maybe", "!!bool true", "!!null x",
    "!!str 5.10", "!!str", "!!set {a, b}", "!!omap [a: 1]", "!!pairs [a: 1]", "!!map {}", "!!seq []", "!<tag:yaml.org,2002:str> x",
    "!local x", "! x", "!!merge x", "!!value x", "!!yaml x", "!!int " + "9" * 5000,
]


yaml_text = st.text(max_size=40)
yaml_scalar = st.one_of(
    st.sampled_from(SPECIAL_SCALARS).map(scalar),
    st.sampled_from(TAGGED_SCALARS).map(scalar),
    yaml_text.map(quoted),  # any text, exactly (control characters as escapes)
    yaml_text.map(lambda t: scalar("'" + t.replace("'", "''") + "'")),  # single-quoted: raw line breaks fold
    yaml_text.map(scalar),  # whatever the text does to the YAML around it
    st.integers().map(lambda n: scalar(str(n))),
    st.floats(allow_nan=True, allow_infinity=True).map(lambda x: scalar(repr(x))),
    st.dates().map(lambda d: scalar(d.isoformat())),
    st.sampled_from(["*a", "*b", "*undefined"]).map(scalar),  # aliases, defined or not
    st.sampled_from([r'"\N\_\L\P\e\a"', r'"\u2028"', r'"\U0001F600"', r'"\x85"', r'"\ud800"', r'"\0"', r'"\x1b[31m"', r'"\q"']).map(scalar),
    st.tuples(st.text(max_size=60), st.sampled_from(["|", "|-", "|+", ">", ">-", "|2", ">+"])).map(lambda pair: Node("block", pair[0], indicator=pair[1])),
)
yaml_key = st.one_of(
    st.sampled_from(FIELD_NAMES),
    st.sampled_from(["<<", "~", "null", "1", "5.10", "true", "NO", "? x", "'title'", '"title"', "title ", "Title", "tit\u200ble", "&a title", "!!str title", "[a]", "{a: b}", "*a", '"a\\nb"', "- x", "#x", "a b: c"]),
    st.text(max_size=12),
)
yaml_prefix = st.sampled_from(["", "", "", "&a", "&b", "!!str", "!!map", "!!seq", "!!set", "!!omap", "!!python/object:os.system", "!local", "&a !!str"])


def _collections(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    return st.one_of(
        st.builds(lambda items, flow, prefix: Node("map", items, flow, prefix), st.lists(st.tuples(yaml_key, children), max_size=5), st.booleans(), yaml_prefix),
        st.builds(lambda items, flow, prefix: Node("seq", items, flow, prefix), st.lists(children, max_size=5), st.booleans(), yaml_prefix),
    )


yaml_node = st.recursive(yaml_scalar, _collections, max_leaves=12)


def _addresses(node: Node, path: tuple[int, ...] = ()) -> list[tuple[int, ...]]:
    """Index paths to every node under ``node`` (itself included)."""
    found = [path]
    if node.kind in ("map", "seq"):
        for index, item in enumerate(node.value):
            found.extend(_addresses(item[1] if node.kind == "map" else item, path + (index,)))
    return found


def _at(node: Node, path: tuple[int, ...]) -> Node:
    for index in path:
        node = node.value[index][1] if node.kind == "map" else node.value[index]
    return node


@st.composite
def mutated(draw: st.DrawFn, base: Node, max_changes: int = 4) -> str:
    """``base`` with a few changes (a value replaced, a key or item removed, renamed,
    added or duplicated, a style or indentation changed), written out as YAML."""
    document = copy.deepcopy(base)
    for _ in range(draw(st.integers(0, max_changes))):
        path = draw(st.sampled_from(_addresses(document)))
        target = _at(document, path)
        parent = _at(document, path[:-1]) if path else None
        change = draw(st.sampled_from(["replace", "replace", "replace", "remove", "rename", "add", "duplicate", "style", "prefix", "indent"]))
        if change == "replace" and parent is not None:
            new = draw(yaml_node)
            if parent.kind == "map":
                parent.value[path[-1]] = (parent.value[path[-1]][0], new)
            else:
                parent.value[path[-1]] = new
        elif change == "remove" and parent is not None:
            del parent.value[path[-1]]
        elif change == "rename" and parent is not None and parent.kind == "map":
            parent.value[path[-1]] = (draw(yaml_key), target)
        elif change == "duplicate" and parent is not None:
            parent.value.insert(path[-1], copy.deepcopy(parent.value[path[-1]]))
        elif change == "add" and target.kind == "map":
            target.value.insert(draw(st.integers(0, len(target.value))), (draw(yaml_key), draw(yaml_node)))
        elif change == "add" and target.kind == "seq":
            target.value.append(draw(yaml_node))
        elif change == "style" and target.kind in ("map", "seq") and path:
            target.flow = not target.flow
        elif change == "prefix" and path:
            target.prefix = draw(yaml_prefix)
        elif change == "indent":
            target.children_indent = draw(st.sampled_from([0, 1, 3, 4, 8]))
    return emit(document)


def front_matter_file(front_matter: str, body: str = "Acme Metals was certified against the test standard.\n") -> str:
    return f"---\n{front_matter}\n---\n{body}"


def announcement_with(**lines: str) -> str:
    """conftest's ANNOUNCEMENT with whole lines replaced."""
    text = ANNOUNCEMENT
    for old, new in lines.items():
        assert old in text
        text = text.replace(old, new)
    return text


def front_matter_of(text: str) -> str:
    return text.split("---\n")[1].rstrip("\n")


# ---------------------------------------------------------------------------
# (a) Announcement front matter


@budget(250)
@given(front_matter=mutated(base_announcement()))
@example(front_matter=emit(base_announcement()))
# Control characters written as escapes (issue 11, #8; test_hostile).
@example(front_matter=front_matter_of(announcement_with(**{"title: Acme Metals certified": 'title: "a\\x01b"'})))
@example(front_matter=front_matter_of(announcement_with(**{"title: Acme Metals certified": 'title: "a\\0b"'})))
@example(front_matter=front_matter_of(announcement_with(**{"title: Acme Metals certified": 'title: "a\\u2028b"'})))
# A 10,000-character name (issue 11, #10), and the longest allowed.
@example(front_matter=front_matter_of(announcement_with(**{"entity: Acme Metals Ltd.": "entity: " + "铝" * 10_000 + "\nentity_slug: acme"})))
@example(front_matter=front_matter_of(announcement_with(**{"entity: Acme Metals Ltd.": "entity: " + "铝" * 2_000 + "\nentity_slug: acme"})))
# Nesting far beyond the limit (issue 11, #1), and anchors that would expand exponentially.
@example(front_matter="title: " + "[" * 30_000)
@example(front_matter="a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nd: [*c, *c]\ntitle: t")
@example(front_matter="title: !!python/object/apply:os.system [echo pwned]")
@example(front_matter='title: "\x80"')  # a raw C1 control character: was a ReaderError traceback
@example(front_matter='title: "line one\\nline two"\nentity_slug: "a\\nb"\nlocation: {country: "X\\nY"}')
def test_announcement_front_matter(front_matter: str) -> None:
    with register({ANNOUNCEMENT_FILE: front_matter_file(front_matter)}) as root:
        assert_check_ends_well(root, "announcement front matter")


SECOND_ANNOUNCEMENT = base_announcement(certificate="TPS-2024-002", alias="/news/acme-again/")


@budget(150)
@given(first=mutated(base_announcement(), max_changes=2), second=mutated(SECOND_ANNOUNCEMENT, max_changes=3))
@example(first=emit(base_announcement()), second=emit(SECOND_ANNOUNCEMENT))  # one certification announced twice on one day: warnings
@example(first=emit(base_announcement()), second=emit(base_announcement()))  # one certificate number twice, one alias twice
@example(first=emit(base_announcement()), second=emit(base_announcement(alias="/certifications/2024-01-10-acme-metals/")))
@example(first=emit(base_announcement()), second=emit(base_announcement(alias="/about/")))
@example(first=emit(base_announcement()), second=emit(base_announcement(alias="/entities/acme-metals-ltd/")))
def test_two_announcements_and_a_page(first: str, second: str) -> None:
    """Rules across files (certificates, entity pages, addresses claimed twice) on two
    announcements of one day, a page and an entity profile."""
    with register({
        ANNOUNCEMENT_FILE: front_matter_file(first),
        "certifications/2024-01-10-acme-metals-2.md": front_matter_file(second),
        PAGE_FILE: PAGE_MD,
        ENTITY_FILE: emit(base_entity()),
    }) as root:
        assert_check_ends_well(root, "two announcements and a page")


@budget(150)
@given(text=st.one_of(
    st.text(max_size=300),
    st.text(alphabet="-:[]{},#&*!|>'\"%@`? \n\tabcNOtrue0123456789.~\\\u2028\x00\x85\ufeff", max_size=300),
    st.text(max_size=300).map(lambda t: f"---\n{t}\n---\nBody.\n"),
    st.text(alphabet="-:[]{},#&*!|>'\"%@`? \n\tabtitle0123456789.~", max_size=300).map(lambda t: f"---\n{t}\n---\n"),
    st.binary(max_size=300),
    st.binary(max_size=200).map(lambda b: ANNOUNCEMENT.encode() + b),
    st.binary(max_size=50).map(lambda b: b"\xef\xbb\xbf" + ANNOUNCEMENT.replace("\n", "\r\n").encode() + b),
    st.sampled_from(SPECIAL_ENTRIES),
))
@example(text="")
@example(text="---")
@example(text="---\n---\n")
@example(text="---\n...\n---\n")
@example(text="--- \ntitle: x\n--- \n")
@example(text="---\n--- !!python/object:os.system\n---\n")
@example(text=ANNOUNCEMENT.replace("\n", "\r"))
@example(text=ANNOUNCEMENT + "word " * 200_000)  # larger than 512 KB (test_hostile)
@example(text=FIFO)  # issue 11, #4
@example(text=LINK_DEV_ZERO)  # issue 11, #5
@example(text=LINK_ENVIRON)  # issue 11, #6
@example(text=LINK_OUTSIDE)
def test_announcement_file_of_any_text_or_bytes(text: str | bytes) -> None:
    with register({ANNOUNCEMENT_FILE: text}) as root:
        outcome = assert_check_ends_well(root, "announcement raw file")
        assert "do-not-print-me" not in outcome.out + outcome.err


# ---------------------------------------------------------------------------
# (b) Markdown bodies

MARKDOWN_ALPHABET = "[]()*_`#>-+ \n\t<>&!|:\\~=.0123456789aZ/\"'{}"
MARKDOWN_SNIPPETS = [
    "[a](https://example.org/)", "[x](javascript:alert(1))", "[x](java\tscript:alert(1))", "[x](&#106;avascript:alert(1))",
    "![i](/static/x.png)", "![i](https://evil.example/x.png)", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
    "&amp;", "&#0;", "&#x110000;", "&#xD800;", "&#65535;", "&nbsp;", "&bogus;", "```\ncode\n```", "~~~\nx", "    indented code",
    "| a | b |\n|---|---|\n| 1 | 2 |", "***", "---", "===", "* * *", "1. x", "10) y", "0. z", "<https://example.org>",
    "www.example.org", "a@b.example", "https://example.org/a_(b)", "\\", "&", "<!--", "-->", "<![CDATA[", "]]>", "<?xml",
    "\u202e", "\u200b", "\ufffd", "\U0001F600", "# heading", "###### h6", "####### h7", "[ref]: https://example.org/",
    "[ref]", "[^1]", "*a*", "**b**", "_c_", "__d__", "`e`", "``f``", "<b>", "</div>", "<div>\n", "\n\n", "  \n", "\\\n",
]


def _run(pair: tuple[str, int]) -> str:
    return pair[0] * pair[1]


def _nested(args: tuple[int, str, str]) -> str:
    depth, indent, marker = args
    return "".join(indent * level + marker + " x\n" for level in range(depth))


markdown_fragment = st.one_of(
    st.text(alphabet=MARKDOWN_ALPHABET, max_size=120),
    st.text(max_size=40),
    st.sampled_from(MARKDOWN_SNIPPETS),
    st.tuples(st.sampled_from(["[", "]", "(", "*", "_", "`", "#", ">", "-", "+", "<", "&", "!", "|", "\\", " ", "\n", "> ", "1. ", "- ", "*a", "`a", "[a](", "\t", "    "]), st.integers(1, 3_000)).map(_run),
    st.tuples(st.integers(1, 40), st.sampled_from(["  ", "   ", "    ", "\t", "> ", " ", ""]), st.sampled_from(["-", "*", "+", "1.", "1)", ">"])).map(_nested),
)
markdown_bodies = st.lists(markdown_fragment, max_size=10).map("".join)


@budget(200)
@given(body=markdown_bodies, where=st.sampled_from(["announcement", "page", "entity"]))
@example(body="".join("  " * i + "- x\n" for i in range(310)), where="announcement")  # issue 11, #2
@example(body="".join("    " * i + "- x\n" for i in range(310)), where="page")
@example(body="[" * 20_000 + "\n", where="announcement")  # issue 11, #3
@example(body="Second paragraph.\n\nThird \x0b paragraph.\n", where="announcement")  # issue 11, #8
@example(body="a\x01b", where="page")
@example(body=">" * 5_000 + " x\n", where="announcement")
@example(body="1. " * 3_000 + "x\n", where="page")
@example(body="", where="announcement")
@example(body="", where="page")
@example(body=">" + " " * 60, where="announcement")  # found here: the nesting check backtracked exponentially (a hang)
# Found here: the summary taken from the body kept Python-Markdown's placeholders (control
# characters that made feed.xml invalid XML), from an entity, an escape or an e-mail address.
@example(body="11&0000; \\* &amp;", where="announcement")
@example(body="0@0.A", where="announcement")
def test_markdown_body(body: str, where: str) -> None:
    if where == "announcement":
        files = {ANNOUNCEMENT_FILE: announcement_with(**{"Acme Metals was certified against the test standard.\n": body})}
    elif where == "page":
        files = {PAGE_FILE: PAGE_MD.replace("This register gathers public announcements of certifications.\n", body)}
    else:  # an entity's description is Markdown too
        files = {ENTITY_FILE: emit(mapping({"name": scalar("Acme Metals Ltd."), "description": Node("block", body, indicator="|")}))}
    with register(files) as root:
        assert_check_ends_well(root, "Markdown body")


# One pattern repeated to the longest text allowed: what Python-Markdown likes least
# (issue 11, #3 was a run of '['). Every pattern, not a sample: each run is one case.
LONG_RUN_PATTERNS = [
    "\\", "\\*", "*a", "_a", "`a", "`a`", "> ", ">", "*", "**a** ", "[a](b) ", "<a", "&amp;", "&#0;", "a  \n", "1. ", "- ",
    "![a](b) ", "<https://a.example> ", "https://a.example ", "a@b.example ", "www.a.example ", "a\n", "```\n", "|a|\n",
    "<div>", "***a", "~~a", "    a\n", "\t", "]", "(", "a*", "__a", "[^1]", "\\\n", "> a\n", "[", "![",
]


@pytest.mark.parametrize("pattern", LONG_RUN_PATTERNS)
def test_a_long_run_up_to_the_length_limit(pattern: str) -> None:
    body = (pattern * (schema.MAX_BODY_LENGTH // len(pattern) + 1))[: schema.MAX_BODY_LENGTH]
    with register({ANNOUNCEMENT_FILE: front_matter_file(front_matter_of(ANNOUNCEMENT), body)}) as root:
        assert_check_ends_well(root, "long runs", build=False, limit=LONG_RUN_TIME_LIMIT)


def test_a_summary_taken_from_the_body_is_plain_text() -> None:
    """Found here: entities, escapes and e-mail addresses left Python-Markdown's placeholder
    control characters in a summary taken from the body, and so in the feed."""
    text = ANNOUNCEMENT.replace("Acme Metals was certified against the test standard.", "Acme &amp; Sons \\* (press@acme.example) were certified.")
    with register({ANNOUNCEMENT_FILE: text}) as root:
        assert run_certsite("build", "--content", root, "--as-of", AS_OF, "--output", root.parent / "site", "--no-search").code == 0
        feed = (root.parent / "site/feed.xml").read_text("utf-8")
        assert "<summary>Acme &amp; Sons * (press@acme.example) were certified.</summary>" in feed, feed


def test_a_body_nested_too_deeply_leaves_the_next_check_unaffected() -> None:
    """Found here: a RecursionError inside Python-Markdown left its cached converter
    garbling every later text of the process (under certsite serve, until a restart)."""
    # Validation refuses such a body before Markdown sees it; Markdown itself, given
    # it, runs out of recursion and must not leave its converter broken for the next.
    with pytest.raises(RecursionError):
        render_markdown("1. " * 3_000 + "x\n")
    assert render_markdown("Plain *text*.").first_paragraph == "Plain text."
    with register({ANNOUNCEMENT_FILE: front_matter_file(front_matter_of(ANNOUNCEMENT), "1. " * 3_000 + "x\n")}) as root:
        assert "nested" in run_certsite("check", "--content", root, "--as-of", AS_OF).err
    with register({}) as root:
        outcome = run_certsite("check", "--content", root, "--as-of", AS_OF)
    assert outcome.code == 0, outcome.err


# ---------------------------------------------------------------------------
# (c) site.yaml, standards, entities, pages


OTHER_FILES = {
    "site.yaml": base_site(),
    "standards/test-ps.yaml": base_standard(),
    ENTITY_FILE: base_entity(),
    PAGE_FILE: base_page(),
}


@st.composite
def other_file(draw: st.DrawFn) -> tuple[str, str]:
    relative = draw(st.sampled_from(sorted(OTHER_FILES)))
    text = draw(mutated(OTHER_FILES[relative]))
    return relative, front_matter_file(text, "About.\n") if relative.endswith(".md") else text + "\n"


def site_with(old: str, new: str) -> tuple[str, str]:
    assert old in SITE_YAML
    return "site.yaml", SITE_YAML.replace(old, new)


@budget(250)
@given(case=other_file())
@example(case=("site.yaml", emit(base_site())))
@example(case=("standards/test-ps.yaml", emit(base_standard())))
@example(case=(ENTITY_FILE, emit(base_entity())))
@example(case=(PAGE_FILE, front_matter_file(emit(base_page()))))
# language is a path segment of the search index (issue 11, #7; test_hostile)
@example(case=site_with("language: en", "language: '../../../../../var/x'"))
@example(case=site_with("language: en", "language: abcdefghijklmnopqrstuvwxyzabcdefghijklmnop"))
@example(case=site_with("language: en", 'language: "en\\0"'))
@example(case=site_with("language: en", "language: en_US x"))
# robots.txt injection through base_url (issue 11, #9)
@example(case=site_with("base_url: https://register.example.org/", 'base_url: "https://example.org/\\nUser-agent: *\\nDisallow: /\\n#"'))
@example(case=site_with("base_url: https://register.example.org/", "base_url: https://register.example.org/a?b#c"))
@example(case=site_with("corrections: mailto:fix@example.org", "corrections: 'javascript:alert(1)'"))
@example(case=(ENTITY_FILE, "[" * 30_000 + "\n"))  # issue 11, #1 (in-process: the depth check runs before libyaml composes)
@example(case=("standards/test-ps.yaml", STANDARD_YAML.replace("certified: 36", "certified: 99999999999999999999")))
@example(case=("standards/test-ps.yaml", STANDARD_YAML.replace("number: 5\n", "number: ５\n")))
def test_other_yaml_files(case: tuple[str, str]) -> None:
    relative, text = case
    with register({relative: text}) as root:
        assert_check_ends_well(root, "site, standard, entity and page files")


@budget(150)
@given(
    relative=st.sampled_from(["site.yaml", "standards/test-ps.yaml", "standards/other.yaml", ENTITY_FILE, PAGE_FILE, "entities/x.yaml"]),
    data=st.one_of(
        st.text(max_size=300),
        st.text(alphabet="-:[]{},#&*!|>'\"%@`? \n\tabcNOtrue0123456789.~\\", max_size=300),
        st.binary(max_size=300),
        st.sampled_from(SPECIAL_ENTRIES),
    ),
)
@example(relative="entities/x.yaml", data="[" * 30_000 + "\n")  # issue 11, #1
@example(relative=PAGE_FILE, data=LINK_DEV_ZERO)  # issue 11, #5
@example(relative=PAGE_FILE, data=LINK_ENVIRON)  # issue 11, #6
@example(relative=ENTITY_FILE, data=LINK_OUTSIDE)  # test_hostile: a .env file
@example(relative="standards/other.yaml", data=FIFO)
@example(relative="site.yaml", data=b"\xff\xfe" + "title: x\n".encode("utf-16-le"))
@example(relative="site.yaml", data="")
def test_other_files_of_any_text_or_bytes(relative: str, data: str | bytes) -> None:
    with register({relative: data}) as root:
        outcome = assert_check_ends_well(root, "other raw files")
        assert "do-not-print-me" not in outcome.out + outcome.err


file_name = st.text(
    alphabet=st.characters(blacklist_characters="/\0", blacklist_categories=("Cs",)), min_size=1, max_size=40
).filter(lambda name: name not in (".", "..") and len(name.encode("utf-8")) < 200)


@budget(100)
@given(folder=st.sampled_from(["certifications", "pages", "standards", "entities", "", "certifications/sub", "other"]), name=file_name,
       kind=st.sampled_from(["announcement", "page", "standard", "folder"]))
@example(folder="pages", name="search\n.md", kind="page")  # issue 11, #11
@example(folder="pages", name="search.md", kind="page")
@example(folder="pages", name="feed.xml.md", kind="page")
@example(folder="certifications", name="2024-01-10-acme-metals .md", kind="announcement")
@example(folder="certifications", name="2024-01-10-ACME.md", kind="announcement")
@example(folder="standards", name="Test-PS.yaml", kind="standard")
@example(folder="", name="site.yml", kind="standard")
def test_file_names(folder: str, name: str, kind: str) -> None:
    relative = f"{folder}/{name}" if folder else name
    text = {"announcement": ANNOUNCEMENT, "page": PAGE_MD, "standard": STANDARD_YAML, "folder": None}[kind]
    with register({}) as root:
        path = root / relative
        if text is None:
            path.mkdir(parents=True, exist_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        assert_check_ends_well(root, "file names")


# ---------------------------------------------------------------------------
# Output escaping: certsite's templates write every value exactly as Jinja would


class _Label:
    """A value whose text is markup without being markup itself: still escaped."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return Markup(self.text)


_OUTPUT_VALUES = st.one_of(
    st.text(max_size=30),
    st.text(alphabet="<>&'\"a ", max_size=12),
    st.text(max_size=30).map(Markup),
    st.text(max_size=30).map(_Label),
    st.sampled_from(list(Status)),
    st.integers(),
    st.floats(allow_nan=False),
    st.none(),
    st.dates(),
    st.lists(st.text(alphabet="<a'", max_size=3), max_size=3),
)


@budget(300)
@given(value=_OUTPUT_VALUES)
def test_a_value_written_into_a_page_is_escaped_exactly_as_jinja_escapes_it(tmp_path_factory: pytest.TempPathFactory, value: object) -> None:
    source = "<p title='{{ value }}'>{{ value }}{% set again %}{{ value }}{% endset %}{{ again }}</p>"
    certsite_env = render.make_environment((tmp_path_factory.getbasetemp(),), Addresses("https://example.org/"), "en")
    assert certsite_env.from_string(source).render(value=value) == jinja2.Environment(autoescape=True).from_string(source).render(value=value)


# Templates of every structure Jinja has: certsite's code generator gives a run of text
# and values to the page as one piece, where Jinja's gives each on its own.
_STRUCTURED_TEMPLATES = {
    "base.html": "<html>{% block head %}<title>{{ title }} · {{ site }}</title>{% endblock %}\n<body>{% block main %}{% endblock %}\n"
    "{% include 'footer.html' %}</body></html>\n",
    "page.html": "{% extends 'base.html' %}{% from 'macros.html' import cell %}{% import 'macros.html' as m %}\n"
    "text outside any block, {{ title }}, is never written\n"
    "{% block head %}{{ super() }}<meta content=\"{{ title }}\">{% endblock %}\n"
    "{% block main %}<h1>{{ title }}</h1>\n"
    "{% for item in items %}{{ cell(item) }} {{ loop.index }} of {{ items | length }}{% if loop.last %}.{% endif %}\n{% else %}none{% endfor %}\n"
    "{% call m.cell(title) %}inner {{ title }} and {{ items | first | default('-') }}{% endcall %}\n"
    "{% filter upper %}{{ title }} in capitals{% endfilter %} {% set joined %}{{ items | join(', ') }}!{% endset %}{{ joined }}\n"
    "{% with count = items | length %}<p>{{ count }} items, {{ title }}</p>{% endwith %}{{ '<b>' if items else '' }}{{ '&' }} {{ 1 + 2 }}"
    "{% raw %}{{ raw }}{% endraw %}{% endblock %}\n",
    "macros.html": "{% macro cell(value) %}<td>{{ value }}</td>{% if caller is defined %}<td>{{ caller() }}</td>{% endif %}{% endmacro %}",
    "footer.html": "<footer>{{ site }}: {% for item in items %}{{ item }}{{ ', ' if not loop.last }}{% endfor %}</footer>",
}


@budget(100)
@given(title=st.text(alphabet="<>&'\"a ", max_size=8), items=st.lists(st.text(alphabet="<a&", max_size=3), max_size=3))
def test_every_kind_of_template_renders_the_text_jinjas_own_code_generator_gives(tmp_path_factory: pytest.TempPathFactory, title: str, items: list[str]) -> None:
    folder = tmp_path_factory.getbasetemp() / "structured-templates"
    if not folder.is_dir():
        folder.mkdir()
        for name, source in _STRUCTURED_TEMPLATES.items():
            (folder / name).write_text(source, "utf-8")
    certsite_env = render.make_environment((folder,), Addresses("https://example.org/"), "en")
    jinja_env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder), autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True
    )
    context = {"title": title, "items": items, "site": "Register <R&D>"}
    assert certsite_env.get_template("page.html").render(context) == jinja_env.get_template("page.html").render(context)

# ---------------------------------------------------------------------------
# The cheap bound on nesting that spares most files the parser's exact count


_PROPERTIES = st.sampled_from(["", "", "", "&a ", "!!map ", "!t ", "&b !t "])
_SCALARS = st.sampled_from(["x", "'q'", '"q"', "*a", "1", "a b"])


@st.composite
def _nested_node(draw: st.DrawFn, column: int, levels: int) -> list[str]:
    """A YAML node whose text begins where its parent's indicator left off (the first
    line) and goes on in lines of their own, in every layout YAML allows for nesting:
    block lists and mappings at any indentation, a list as a mapping's value at the
    mapping's own column, lists and mappings opened on their parent's line ("- - x",
    "- k: v", "? - x"), and flow collections, "[a: b]" pairs among them."""
    kind = draw(st.sampled_from(["scalar", "block list", "block map", "flow", "compact list", "compact map", "explicit key"]))
    if levels == 0 or kind == "scalar":
        return [draw(_SCALARS)]
    if kind == "flow":
        return [draw(_PROPERTIES) + draw(st.recursive(_SCALARS, lambda inner: st.one_of(
            st.lists(inner, max_size=2).map(lambda items: "[" + ", ".join(items) + "]"),
            st.lists(inner, max_size=2).map(lambda items: "{" + ", ".join(f"k{i}: {v}" for i, v in enumerate(items)) + "}"),
            inner.map(lambda value: f"[a: {value}]"),
        ), max_leaves=8))]
    indent = column + draw(st.integers(1, 4))
    lines: list[str] = []
    if kind in ("compact list", "explicit key"):
        for indicator in ["- "] * draw(st.integers(1, 2)) if kind == "compact list" else ["? ", ": "]:
            child = draw(_nested_node(column + 2, levels - 1))
            lines += [" " * column + indicator + child[0], *child[1:]]
        return [lines[0][column:], *lines[1:]]
    if kind == "compact map":
        for key in range(draw(st.integers(1, 2))):
            child = draw(_nested_node(indent, levels - 1))
            lines += [" " * column + f"k{key}:", " " * indent + child[0], *child[1:]]
        return [lines[0][column:], *lines[1:]]
    list_as_value = kind == "block map" and draw(st.booleans())
    for key in range(draw(st.integers(1, 2))):
        if kind == "block list":
            child = draw(_nested_node(indent + 2, levels - 1))
            lines += [" " * indent + "- " + child[0], *child[1:]]
        elif list_as_value:
            child = draw(_nested_node(indent + 2, levels - 1))
            lines += [" " * indent + f"k{key}:", " " * indent + "- " + child[0], *child[1:]]
        else:
            child = draw(_nested_node(indent + 2, levels - 1))
            lines += [" " * indent + f"k{key}:", " " * (indent + 2) + child[0], *child[1:]]
    return [draw(_PROPERTIES).rstrip(), *lines]


@st.composite
def nested_documents(draw: st.DrawFn) -> str:
    """A document of ``_nested_node``, perhaps opened with "--- " and with a few characters
    inserted or deleted (the bound must hold for texts the parser rejects half-way too)."""
    text = draw(st.sampled_from(["", "--- "])) + "\n".join(draw(_nested_node(0, draw(st.integers(1, 40)))))
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(["", "- ", "? ", ": ", "--- ", "[", "{", " ", "\n", "&a ", "a: "])) + text[at + 1 :]
    return text


def parser_depth(text: str) -> int:
    """How deep the parser finds ``text`` nests, up to where it stops with an error."""
    depth = deepest = 0
    with contextlib.suppress(yaml.YAMLError):
        for event in yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                deepest = max(deepest, depth)
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    return deepest


@budget(200)
@given(text=nested_documents())
@example(text="--- " + "- " * 40 + "x")
@example(text="? " * 40 + "x")
@example(text="".join("  " * i + "k:\r" for i in range(40)) + "v")  # a line break only to YAML
@example(text="".join(" " * i + "a:\n" + " " * i + "- b:\n" for i in range(0, 80, 2)) + "x")
def test_the_nesting_bound_is_never_below_what_the_parser_finds(text: str) -> None:
    assert parser_depth(text) <= nesting_bound(text)


# ---------------------------------------------------------------------------
# Nesting deep enough to overflow a C stack: a crash cannot be caught in-process


NESTINGS = {
    "flow lists": lambda n: "[" * n + "]" * n,
    "unclosed flow lists": lambda n: "[" * n,
    "flow mappings": lambda n: "{a: " * n + "x" + "}" * n,
    "mixed flow": lambda n: "[{a: " * n,
    "compact block lists": lambda n: "- " * n + "x",
    "block mappings": lambda n: "".join(" " * i + "a:\n" for i in range(n)) + " " * n + "x",
    "complex keys": lambda n: "? " * n + "x",
    "anchored lists": lambda n: "".join(f"&a{i} [" for i in range(n)),
}
BODY_NESTINGS = {
    "quotes": lambda n: ">" * n + " x\n",
    "spaced quotes": lambda n: "> " * n + "x\n",
    "numbered": lambda n: "1. " * n + "x\n",
    "bullets": lambda n: "- " * n + "x\n",
    "indented lists": lambda n: "".join("  " * i + "- x\n" for i in range(min(n, 200))),  # 200 levels: 40,000 characters
    "emphasis": lambda n: "*" * n + "a" + "*" * n,
    "links": lambda n: "[" * min(n, 900) + "a" + "](b)" * min(n, 900),
}


@budget(6)
@given(yaml_kind=st.sampled_from(sorted(NESTINGS)), body_kind=st.sampled_from(sorted(BODY_NESTINGS)),
       depth=st.sampled_from([33, 500, 5_000, 30_000]))
@example(yaml_kind="flow lists", body_kind="indented lists", depth=30_000)  # issue 11, #1 and #2
def test_deep_nesting_in_a_subprocess(yaml_kind: str, body_kind: str, depth: int) -> None:
    nested = NESTINGS[yaml_kind](depth)
    with register({
        "entities/x.yaml": nested + "\n",
        "standards/other.yaml": "id: other\nname: " + nested + "\n",
        "certifications/2024-02-01-other.md": f"---\ntitle: {nested}\n---\nBody.\n",
        PAGE_FILE: PAGE_MD + BODY_NESTINGS[body_kind](depth),
        ANNOUNCEMENT_FILE: ANNOUNCEMENT + BODY_NESTINGS[body_kind](depth),
    }) as root:
        run = subprocess.run([sys.executable, "-m", "certsite", "check", "--content", str(root), "--as-of", AS_OF],
                             capture_output=True, text=True, timeout=60, check=False)
        STATS["deep nesting (subprocess): cases"] += 1
        assert run.returncode == 1, (run.returncode, run.stderr[-3000:])  # a crash is a negative signal number
        assert located_output(run.stderr, root), run.stderr[-3000:]
        for relative in ("entities/x.yaml", "standards/other.yaml", "certifications/2024-02-01-other.md"):
            assert f"{root / relative}:" in run.stderr, relative


# ---------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def compiled_templates_once(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every run makes a new Jinja environment and so compiles the templates again
    (most of a valid check's time); share one bytecode cache across the module's runs.
    It is keyed on each template's source, so what renders is unchanged."""

    class InMemory(jinja2.BytecodeCache):
        def __init__(self) -> None:
            self.code: dict[str, bytes] = {}

        def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            if bucket.key in self.code:
                bucket.bytecode_from_string(self.code[bucket.key])

        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            self.code[bucket.key] = bucket.bytecode_to_string()

    cache, original = InMemory(), render.make_environment

    def make_environment(*args: Any, **kwargs: Any) -> jinja2.Environment:
        environment = original(*args, **kwargs)
        environment.bytecode_cache = cache
        return environment

    started = time.perf_counter()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(render, "make_environment", make_environment)
        yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and STATS:
        cases = sum(value for key, value in STATS.items() if key.endswith(": cases"))
        with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
            reporter.write_line(f"\ntest_properties: {cases} cases in {time.perf_counter() - started:.1f} s")
            for key, value in sorted(STATS.items()):
                reporter.write_line(f"  {key}: {value:.1f}" if isinstance(value, float) else f"  {key}: {value}")
