"""Check one parsed content file against the contract and build its model object.

Each ``validate_*`` function returns the model object, or ``None`` together with
diagnostics appended to the caller's list. Every problem in a file is reported,
not just the first: a field that is wrong does not stop the others being checked.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from datetime import date
from typing import Any
from urllib.parse import SplitResult, urlsplit

from certsite import schema
from certsite.countries import COUNTRY_NAMES
from certsite.errors import Diagnostic
from certsite.frontmatter import KeyPath, RawDocument
from certsite.markdown_body import RenderedMarkdown, render_markdown
from certsite.model import (
    Announcement,
    Certification,
    Criterion,
    CriterionRef,
    EntityProfile,
    Licence,
    Location,
    Nonconformance,
    Page,
    Principle,
    Severity,
    Site,
    Standard,
    Status,
    Validity,
)
from certsite.schema import Field, Kind
from certsite.text import iso_date_hint, slugify

SLUG = re.compile(schema.SLUG_PATTERN)
ANNOUNCEMENT_FILE = re.compile(r"^([0-9]{4}-[0-9]{2}-[0-9]{2})-(.+)\.md$")
_DATE = re.compile(schema.DATE_PATTERN)
_CRITERION_NUMBER = re.compile(schema.CRITERION_NUMBER_PATTERN)
_CRITERION_REF = re.compile(schema.CRITERION_REF_PATTERN)
# Control characters other than tab and line feed, and the Unicode line and paragraph
# separators and non-characters: invisible to editors, invalid in XML.
# Also the zero-width space and the marks that reorder text (a right-to-left override can
# make a name read as another); zero-width joiners stay, as some scripts and emoji need them.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\u2028\u2029\ufeff\ufffe\uffff]")
_LANGUAGE_TAG = re.compile(schema.LANGUAGE_TAG_PATTERN)


class CriterionRefError(ValueError):
    """A criterion reference that does not follow the grammar."""


def parse_criterion_ref(raw: str) -> CriterionRef:
    """Read a criterion reference: ``<principle>.<criterion>`` then optional clauses.

    >>> parse_criterion_ref("1.3a-e").clauses
    ('a', 'b', 'c', 'd', 'e')
    >>> parse_criterion_ref("2.1a,c-d")
    CriterionRef(raw='2.1a,c-d', criterion='2.1', clauses=('a', 'c', 'd'))
    >>> parse_criterion_ref("3.2").clauses
    ()
    >>> parse_criterion_ref("5.2e-b")
    Traceback (most recent call last):
    ...
    certsite.validate.CriterionRefError: the clause range e-b runs backwards; write b-e
    """
    match = _CRITERION_REF.fullmatch(raw)
    if not match:
        raise CriterionRefError(
            f"'{raw}' is not a criterion reference; write <principle>.<criterion> with optional clause letters, e.g. 5.1, 5.2b, 1.3a-e or 2.1a,c-d"
        )
    clauses: list[str] = []
    for part in filter(None, (match.group(2) or "").split(",")):
        first, _, last = part.partition("-")
        last = last or first
        if last < first:
            raise CriterionRefError(f"the clause range {part} runs backwards; write {last}-{first}")
        clauses.extend(chr(c) for c in range(ord(first), ord(last) + 1))
    if len(set(clauses)) != len(clauses):
        raise CriterionRefError(f"'{raw}' names a clause twice")
    return CriterionRef(raw, match.group(1), tuple(clauses))


def slug_problem(text: str) -> tuple[str, str] | None:
    """Why ``text`` is not a slug, and what would be right; ``None`` when it is one.

    >>> slug_problem("baotou-aluminium") is None
    True
    >>> slug_problem("Baotou Aluminium")
    ("'Baotou Aluminium' is not a valid slug", "use lowercase ASCII letters, digits and single hyphens, e.g. 'baotou-aluminium'")
    """
    if SLUG.fullmatch(text):
        return None
    example = slugify(text)
    return f"'{text}' is not a valid slug", "use lowercase ASCII letters, digits and single hyphens" + (f", e.g. '{example}'" if example else "")


def country_problem(code: str) -> tuple[str, str] | None:
    """Why ``code`` is not a country code the register accepts, and what would be right.

    >>> country_problem("NO") is None
    True
    >>> country_problem("cn")
    ("'cn' is not an ISO 3166-1 alpha-2 country code", 'write it in upper case: CN')
    """
    if code in COUNTRY_NAMES:
        return None
    upper = code.upper()
    hint = (
        f"write it in upper case: {upper}" if upper in COUNTRY_NAMES
        else "use the ISO 3166-1 alpha-2 code, e.g. CN for China, NO for Norway, GB for the United Kingdom"
    )
    return f"'{code}' is not an ISO 3166-1 alpha-2 country code", hint


def close_match(word: str, choices: list[str] | tuple[str, ...]) -> str | None:
    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return matches[0] if matches else None


class _Reader:
    """Reads typed fields out of a RawDocument, collecting diagnostics as it goes."""

    def __init__(self, doc: RawDocument, diagnostics: list[Diagnostic]):
        self.doc = doc
        self.diagnostics = diagnostics
        self.failed = False

    def error(self, key_path: KeyPath, message: str, hint: str | None = None) -> None:
        self.failed = True
        self.diagnostics.append(Diagnostic(self.doc.path, self.doc.line(key_path), message, hint))

    def warn(self, key_path: KeyPath, message: str, hint: str | None = None) -> None:
        """Something readers may be misled by, that does not stop the build (unless --strict)."""
        self.diagnostics.append(Diagnostic(self.doc.path, self.doc.line(key_path), message, hint, warning=True))

    def file_error(self, message: str, hint: str | None = None, line: int | None = None) -> None:
        """A problem with the file as a whole (such as its name), or with its body at ``line``."""
        self.failed = True
        self.diagnostics.append(Diagnostic(self.doc.path, line, message, hint))

    def fields(self, mapping: Mapping[str, Any], at: KeyPath, table: dict[str, Field]) -> dict[str, Any]:
        """Check keys against ``table`` and convert simple kinds; nested kinds come back raw."""
        values: dict[str, Any] = {}
        misspelt: set[str] = set()  # absent required fields that an unknown key stands for: one error, not two
        for key in mapping:
            if key not in table:
                suggestion = close_match(key, tuple(table))
                if suggestion is None:
                    hint = "allowed fields: " + ", ".join(table)
                elif table[suggestion].required and suggestion not in mapping:
                    misspelt.add(suggestion)
                    hint = f"did you mean '{suggestion}'? ({suggestion} is required)"
                else:
                    hint = f"did you mean '{suggestion}'?"
                self.error(at + (key,), f"unknown field '{_display(at + (key,))}'", hint)
        for name, spec in table.items():
            value = mapping.get(name)
            if value is None or (isinstance(value, str) and not value.strip()):
                if spec.required and name not in misspelt:
                    self.error(at + (name,) if name in mapping else at, f"missing required field '{_display(at + (name,))}'", f"add e.g. {name}: {spec.example}")
                continue
            values[name] = self.convert(value, at + (name,), spec)
        return values

    def convert(self, value: Any, key_path: KeyPath, spec: Field) -> Any:
        where = _display(key_path)
        if spec.kind is Kind.MAPPING:
            if not isinstance(value, dict):
                self.error(key_path, f"'{where}' must be a mapping of fields", f"e.g. {spec.name}: {spec.example}")
                return None
            return value
        if spec.kind in (Kind.LIST, Kind.TEXTS):
            if not isinstance(value, list):
                self.error(key_path, f"'{where}' must be a list", f"e.g. {spec.name}: {spec.example}")
                return None
            if len(value) > schema.MAX_LIST_LENGTH:
                self.error(key_path, f"'{where}' has {len(value):,} items; the limit is {schema.MAX_LIST_LENGTH}", "a real announcement needs far fewer; split it into several")
                return None
        if spec.kind is Kind.LIST:
            return value
        if spec.kind is Kind.TEXTS:
            items = [self.text(item, key_path + (i,)) for i, item in enumerate(value)]
            return tuple(item for item in items if item is not None)
        if spec.kind is Kind.BOOL:
            if not isinstance(value, bool):
                self.error(key_path, f"'{where}' must be true or false, not '{self.doc.texts.get(key_path, value)}'")
                return None
            return value
        text = self.text(value, key_path)
        if text is None:
            return None
        if spec.kind is Kind.DATE:
            return self.date(text, key_path)
        if spec.kind is Kind.HTTPS:
            parts = _split_address(text)
            # urlsplit drops tabs and line breaks before it looks, so check them first:
            # a line break in base_url would write new lines into robots.txt.
            if _UNSAFE_IN_ADDRESS.search(text) or parts is None or parts.scheme != "https" or not parts.netloc or not _port_ok(parts):
                self.error(key_path, f"'{where}' must be an https:// address, not '{text}'", f"e.g. {spec.name}: {spec.example}")
                return None
        if spec.kind is Kind.SLUG and (problem := slug_problem(text)):
            message, hint = problem
            self.error(key_path, f"'{where}': {message}", hint if slugify(text) else f"{hint}, e.g. '{spec.example}'")
            return None
        return text

    def text(self, value: Any, key_path: KeyPath) -> str | None:
        """Text as the editor typed it: YAML's numbers and booleans are read back as their source."""
        if isinstance(value, (dict, list)):
            self.error(key_path, f"'{_display(key_path)}' must be text, not a {'mapping' if isinstance(value, dict) else 'list'}")
            return None
        if value is None:
            self.error(key_path, f"'{_display(key_path)}' is empty")
            return None
        text = str(self.doc.texts.get(key_path, value)).strip()
        if control := _CONTROL.search(text):
            # A YAML escape ("\x01", "\0") gets past the check on the raw file: such a
            # character makes the feed invalid XML and is invisible on every page.
            self.error(key_path, f"'{_display(key_path)}' contains the invisible character U+{ord(control.group()):04X}", "remove it (it may be written as an escape such as \\x01 inside double quotes)")
            return None
        limit = schema.MAX_BODY_LENGTH if key_path[-1:] == ("description",) else schema.MAX_TEXT_LENGTH
        if len(text) > limit:
            self.error(key_path, f"'{_display(key_path)}' is {len(text):,} characters long; the limit is {limit:,}", "shorten it; long text belongs in the announcement's body")
            return None
        return text

    def date(self, text: str, key_path: KeyPath) -> date | None:
        if _DATE.fullmatch(text):
            try:
                return date.fromisoformat(text)
            except ValueError as error:
                self.error(key_path, f"'{_display(key_path)}': {text} is not a calendar date ({error})", "write the date as YYYY-MM-DD, e.g. 2024-01-10")
                return None
        self.error(key_path, f"'{_display(key_path)}': '{text}' is not a date in the form YYYY-MM-DD", iso_date_hint(text) or "write e.g. 2024-01-10")
        return None


# Characters an address never holds as they are (RFC 3986): whitespace would write new
# lines into robots.txt, quotes and angle brackets would be escaped into wrong addresses.
_UNSAFE_IN_ADDRESS = re.compile(r"[\s<>\"'`{}|\\^]")


def _port_ok(parts: SplitResult) -> bool:
    try:
        parts.port  # noqa: B018 - reading it is the check: urllib raises for 99999 or "x"
    except ValueError:
        return False
    return True


def _split_address(text: str) -> SplitResult | None:
    try:
        return urlsplit(text)
    except ValueError:  # e.g. an unclosed IPv6 bracket: "https://[x"
        return None


def _display(key_path: KeyPath) -> str:
    """``("certifications", 0, "standard")`` -> ``certifications[0].standard``."""
    text = ""
    for part in key_path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def validate_site(doc: RawDocument, diagnostics: list[Diagnostic]) -> Site | None:
    reader = _Reader(doc, diagnostics)
    data = doc.data
    if isinstance(data.get("licence"), str):  # a plain name: licence: CC BY 4.0
        data = {**data, "licence": {"name": data["licence"]}}
    values = reader.fields(data, (), schema.SITE)
    licence = _licence(reader, values.get("licence"))
    corrections = values.get("corrections")
    parts = _split_address(corrections) if corrections else None
    reachable = (
        parts is not None
        and not _UNSAFE_IN_ADDRESS.search(corrections or "")
        and ((parts.scheme == "https" and parts.netloc and _port_ok(parts)) or (parts.scheme == "mailto" and parts.path))
    )
    if corrections and not reachable:
        reader.error(("corrections",), f"'corrections' must be a mailto: or https:// address, not '{corrections}'", "e.g. corrections: mailto:register@example.org")
    language = values.get("language")
    if language is not None and (len(language) > schema.MAX_LANGUAGE_TAG or not _LANGUAGE_TAG.fullmatch(language)):
        reader.error(("language",), f"'language' must be a language tag such as en, de-CH or zh-Hans, not '{language[:40]}'", "write the language of the pages as a BCP 47 tag, e.g. language: en")
    base = _split_address(values.get("base_url") or "")
    if base is not None and (base.query or base.fragment):
        reader.error(("base_url",), "'base_url' must be the site's address without ? or #", "e.g. base_url: https://example.org/")
    if reader.failed:
        return None
    base_url = values["base_url"] if values["base_url"].endswith("/") else values["base_url"] + "/"
    return Site(values["title"], base_url, values["description"], values["language"], corrections, licence)


def _licence(reader: _Reader, value: Any) -> Licence | None:
    if value is None:
        return None
    fields = reader.fields(value, ("licence",), schema.LICENCE)
    return Licence(fields["name"], fields.get("url")) if "name" in fields else None


def validate_standard(doc: RawDocument, diagnostics: list[Diagnostic]) -> Standard | None:
    reader = _Reader(doc, diagnostics)
    values = reader.fields(doc.data, (), schema.STANDARD)
    standard_id = values.get("id")
    if standard_id and standard_id != doc.path.stem:
        reader.error(("id",), f"the id '{standard_id}' differs from the file name '{doc.path.name}'", f"rename the file to {standard_id}.yaml or set id: {doc.path.stem}")
    principles: list[Principle] = []
    criteria: list[tuple[Criterion, KeyPath]] = []
    for index, item in enumerate(values.get("principles") or ()):
        at: KeyPath = ("principles", index)
        if not isinstance(item, dict):
            reader.error(at, "each principle must be a mapping with number, title and criteria")
            continue
        fields = reader.fields(item, at, schema.PRINCIPLE)
        number = fields.get("number")
        if number is not None and not (number.isascii() and number.isdigit()):
            reader.error(at + ("number",), f"principle number '{number}' must be a whole number")
            continue
        if number is None or "title" not in fields:
            continue
        if any(p.number == int(number) for p in principles):
            reader.error(at + ("number",), f"principle {number} is listed twice", "give each principle its own number")
            continue
        principles.append(Principle(int(number), fields["title"]))
        criteria.extend(_criteria(reader, fields.get("criteria") or (), at + ("criteria",), doc.path.stem, int(number)))
    criteria.extend(_criteria(reader, values.get("criteria") or (), ("criteria",), doc.path.stem, None))
    validity = _validity(reader, values.get("validity_months"))
    seen: set[str] = set()
    for criterion, key_path in criteria:
        if criterion.number in seen:
            reader.error(key_path, f"criterion {criterion.number} is defined twice", "remove one of the two entries")
        seen.add(criterion.number)
    if reader.failed:
        return None
    return Standard(values["id"], values["name"], values["version"], values["owner"], values.get("url"), tuple(principles), tuple(c for c, _ in criteria), validity)


def _validity(reader: _Reader, value: Any) -> Validity:
    if value is None:
        return Validity()
    months: dict[str, int] = {}
    for status, text in reader.fields(value, ("validity_months",), schema.VALIDITY_MONTHS).items():
        if text is None:
            continue
        if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= schema.MAX_VALIDITY_MONTHS:
            reader.error(("validity_months", status), f"validity_months.{status} must be a whole number of months from 1 to {schema.MAX_VALIDITY_MONTHS}, not '{text}'", f"e.g. {status}: {schema.VALIDITY_MONTHS[status].example}")
            continue
        months[status] = int(text)
    return Validity(**months)


def _criteria(reader: _Reader, items: Any, at: KeyPath, standard_id: str, principle: int | None) -> list[tuple[Criterion, KeyPath]]:
    criteria = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            reader.error(at + (index,), "each criterion must be a mapping with number and title")
            continue
        fields = reader.fields(item, at + (index,), schema.CRITERION)
        number = fields.get("number")
        if number is None or "title" not in fields:
            continue
        match = _CRITERION_NUMBER.fullmatch(number)
        if not match:
            reader.error(at + (index, "number"), f"criterion number '{number}' must be <principle>.<criterion>, e.g. \"5.1\"")
            continue
        if principle is not None and int(match.group(1)) != principle:
            reader.error(at + (index, "number"), f"criterion {number} is listed under principle {principle}", f"move it under principle {match.group(1)}")
            continue
        criteria.append((Criterion(standard_id, number, fields["title"], principle), at + (index, "number")))
    return criteria


def validate_announcement(doc: RawDocument, standards: Mapping[str, Standard | None], diagnostics: list[Diagnostic]) -> Announcement | None:
    """Check an announcement, including that its standards and criteria exist.

    ``standards`` maps each standard file's id to the standard, or to ``None`` when
    that file has errors of its own: those are reported there, not here again.
    """
    reader = _Reader(doc, diagnostics)
    values = reader.fields(doc.data, (), schema.ANNOUNCEMENT)
    slug = _announcement_slug(reader, values.get("date"))
    location = _location(reader, values.get("location"))
    certifications = values.get("certifications")
    if certifications == []:
        reader.error(("certifications",), "'certifications' is empty", "list at least one certification with its standard and auditor")
    checked = tuple(
        c for c in (_certification(reader, item, index, standards) for index, item in enumerate(certifications or ())) if c is not None
    )
    entity = values.get("entity")
    entity_slug = values.get("entity_slug")
    if entity and not entity_slug:
        entity_slug = slugify(entity)
        if not entity_slug:
            reader.error(("entity",), f"no slug can be derived from the entity name '{entity}'", "add entity_slug: with a Latin-letter slug, e.g. entity_slug: baotou-aluminium")
    aliases = values.get("aliases") or ()
    for index, alias in enumerate(aliases):
        if not re.match(r"^/(?:[A-Za-z0-9_~-][A-Za-z0-9._~-]*/)+$", alias):
            reader.error(("aliases", index), f"alias '{alias}' is not a site address", "write a path that starts and ends with '/', e.g. /news/baotou-certified/")
    body = _body(reader, top_heading=3)  # under the page's "The announcement"
    summary = values.get("summary") or (body.first_paragraph if body else "")
    if not summary and values.get("title") and body is not None:
        reader.file_error("the announcement has no text", "write it below the closing '---' (its first paragraph is the summary), or add summary:", line=doc.body_line)
    if reader.failed or slug is None or location is None:
        return None
    return Announcement(
        source=doc.path,
        slug=slug,
        title=values["title"],
        date=values["date"],
        summary=summary,
        entity=entity,
        entity_slug=entity_slug,
        group=values.get("group"),
        location=location,
        facilities=values.get("facilities", ()),
        activities=values.get("activities", ()),
        products=values.get("products", ()),
        capacity=values.get("capacity"),
        certifications=checked,
        draft=values.get("draft", False),
        aliases=aliases,
        body_html=body.html,
    )


def _nesting(line: str) -> int:
    """Levels of lists and quotes a line sits in: each '>', each list marker, and each
    four columns of indentation count one. Reads only the line's opening characters.

    >>> _nesting("plain"), _nesting("- a"), _nesting("- - - a"), _nesting("        - a"), _nesting("> > - a")
    (0, 1, 3, 3, 3)
    """
    levels = columns = index = 0
    while index < len(line):
        char = line[index]
        if char in " \t":
            columns += 4 if char == "\t" else 1
            index += 1
        elif char == ">":
            levels += 1
            index += 1
        elif char in "-*+" and line[index + 1 : index + 2] in (" ", "\t"):
            levels += 1
            index += 2
        elif char.isdigit() and (marker := _NUMBERED.match(line, index)):
            levels += 1
            index = marker.end()
        else:
            break
    return levels + columns // 4


_NUMBERED = re.compile(r"[0-9]{1,9}[.)][ \t]")


def _markdown_problem(text: str) -> tuple[int, str, str] | None:
    """Why ``text`` is beyond what any announcement needs (its line within the text, what,
    what to do), or None: limits that keep Python-Markdown's time and depth bounded."""
    if control := _CONTROL.search(text):
        return (text.count("\n", 0, control.start()), f"the text contains the invisible character U+{ord(control.group()):04X}", "delete it and retype the text around it")
    if len(text) > schema.MAX_BODY_LENGTH:
        return (0, f"the text is {len(text):,} characters long; the limit is {schema.MAX_BODY_LENGTH:,}", "an announcement needs a few thousand")
    if text.count("\n") >= schema.MAX_BODY_LINES:
        return (0, f"the text has {text.count(chr(10)) + 1:,} lines; the limit is {schema.MAX_BODY_LINES:,}", "an announcement needs a few dozen")
    if text.count("[") * len(text) > schema.MAX_BRACKET_WORK:
        allowed = schema.MAX_BRACKET_WORK // max(len(text), 1)
        return (0, f"the text has {text.count('['):,} '[' characters; a text this long may have {allowed:,}", "links need one pair of [ ] each; remove the others")
    for number, line in enumerate(text.split("\n")):
        if _nesting(line) > schema.MAX_BODY_NESTING:
            return (number, f"a list or quote is nested more than {schema.MAX_BODY_NESTING} levels deep", "flatten it: a few levels are all a reader can follow")
    return None


def _markdown(text: str, top_heading: int) -> RenderedMarkdown | tuple[int, str, str]:
    """Safe HTML, or why not (as ``_markdown_problem`` says)."""
    problem = _markdown_problem(text)
    if problem is not None:
        return problem
    try:
        return render_markdown(text, top_heading=top_heading)
    except RecursionError:
        return (0, "the text is nested too deeply", f"use at most {schema.MAX_BODY_NESTING} levels of lists and quotes")


def _body(reader: _Reader, top_heading: int) -> RenderedMarkdown | None:
    """The body as safe HTML, or None with a located error."""
    result = _markdown(reader.doc.body, top_heading)
    if isinstance(result, RenderedMarkdown):
        return result
    offset, message, hint = result
    reader.file_error(message, hint, line=reader.doc.body_line + offset)
    return None


def _announcement_slug(reader: _Reader, announced: date | None) -> str | None:
    name = reader.doc.path.name
    match = ANNOUNCEMENT_FILE.fullmatch(name)
    if not match:
        reader.file_error(f"the file name '{name}' is not YYYY-MM-DD-<slug>.md", "name it after the announcement date and entity, e.g. 2024-01-10-baotou-aluminium.md")
        return None
    if not SLUG.fullmatch(match.group(2)):
        reader.file_error(f"'{match.group(2)}' in the file name is not a valid slug", f"use lowercase ASCII letters, digits and single hyphens, e.g. {match.group(1)}-{slugify(match.group(2)) or 'entity-name'}.md")
        return None
    if announced is not None and match.group(1) != announced.isoformat():
        reader.error(("date",), f"the file name's date {match.group(1)} differs from date: {announced.isoformat()}", f"rename the file to {announced.isoformat()}-{match.group(2)}.md or correct the date")
    return name.removesuffix(".md")


def _location(reader: _Reader, value: Any) -> Location | None:
    if value is None:
        return None
    values = reader.fields(value, ("location",), schema.LOCATION)
    country = values.get("country")
    if country is None:
        return None
    if problem := country_problem(country):
        reader.error(("location", "country"), *problem)
        return None
    return Location(country, values.get("region"), values.get("city"))


def _certification(reader: _Reader, item: Any, index: int, standards: Mapping[str, Standard | None]) -> Certification | None:
    at: KeyPath = ("certifications", index)
    if not isinstance(item, dict):
        reader.error(at, "each certification must be a mapping with at least standard and auditor")
        return None
    failed_before = reader.failed
    reader.failed = False
    values = reader.fields(item, at, schema.CERTIFICATION)
    standard = None
    standard_id = values.get("standard")
    if standard_id is not None:
        standard = standards.get(standard_id)
        if standard is None and standard_id not in standards:
            suggestion = close_match(standard_id, tuple(standards))
            hint = (
                f"did you mean '{suggestion}'?" if suggestion
                else "known standards: " + ", ".join(sorted(standards)) if standards
                else f"no standard is defined: add content/standards/{standard_id}.yaml"
            )
            reader.error(at + ("standard",), f"unknown standard '{standard_id}'", hint)
    status_text = values.get("status", Status.CERTIFIED.value)  # None: already reported as not text
    if status_text is not None and status_text not in Status._value2member_map_:
        reader.error(at + ("status",), f"unknown status '{status_text}'", "use one of: " + ", ".join(s.value for s in Status))
    valid_from, valid_until = values.get("valid_from"), values.get("valid_until")
    if valid_from and valid_until and valid_until < valid_from:
        reader.error(at + ("valid_until",), f"valid_until {valid_until} is before valid_from {valid_from}")
    findings = _nonconformances(reader, values.get("nonconformances"), at + ("nonconformances",), standard)
    ok = not reader.failed
    if ok and standard is not None and valid_until is None and standard.validity.months(Status(status_text)) is None:
        reader.warn(
            at,
            f"certification {index + 1} ({standard_id}) has no end date: the register will show 'no end date announced'",
            f"add valid_until: YYYY-MM-DD, or the months a certificate lasts to content/standards/{standard_id}.yaml (validity_months: {{certified: 36, provisional: 12}}) so that the end date can be derived",
        )
    reader.failed = failed_before or reader.failed
    if not ok:
        return None
    return Certification(
        standard_id=standard_id,
        edition=values.get("edition"),
        auditor=values["auditor"],
        certificate=values.get("certificate"),
        scope=values.get("scope"),
        status=Status(status_text),
        valid_from=valid_from,
        valid_until=valid_until,
        report=values.get("report"),
        nonconformances=findings,
    )


def _nonconformances(reader: _Reader, value: Any, at: KeyPath, standard: Standard | None) -> tuple[Nonconformance, ...]:
    if value is None:
        return ()
    lists = reader.fields(value, at, schema.NONCONFORMANCES)
    findings = []
    for severity in Severity:
        for index, item in enumerate(lists.get(severity.value) or ()):
            item_at = at + (severity.value, index)
            closed = note = None
            if isinstance(item, dict):
                fields = reader.fields(item, item_at, schema.FINDING)
                raw, closed, note = fields.get("criterion"), fields.get("closed"), fields.get("note")
                ref_at = item_at + ("criterion",)
            else:
                raw, ref_at = reader.text(item, item_at), item_at
            if raw is None:
                continue
            ref = _criterion_ref(reader, raw, ref_at, standard)
            if ref is not None:
                findings.append(Nonconformance(ref, severity, closed, note))
    return tuple(findings)


def _criterion_ref(reader: _Reader, raw: str, at: KeyPath, standard: Standard | None) -> CriterionRef | None:
    try:
        ref = parse_criterion_ref(raw)
    except CriterionRefError as error:
        comma_split = re.fullmatch(r"[a-z](?:-[a-z])?", raw) is not None
        hint = 'a comma inside [ ] separates items: quote references with commas, e.g. ["2.1a,c-d"]' if comma_split else None
        reader.error(at, str(error), hint)
        return None
    if standard is not None and standard.criterion(ref.criterion) is None:
        suggestion = close_match(ref.criterion, [c.number for c in standard.criteria])
        add = f"add it to content/standards/{standard.id}.yaml if the standard has it"
        hint = f"did you mean {suggestion}? Otherwise {add}" if suggestion else f"check the number, or {add}"
        reader.error(at, f"criterion {ref.criterion} is not defined in {standard.id}", hint)
        return None
    return ref


def validate_entity(doc: RawDocument, diagnostics: list[Diagnostic]) -> EntityProfile | None:
    reader = _Reader(doc, diagnostics)
    values = reader.fields(doc.data, (), schema.ENTITY)
    slug = doc.path.stem
    if not SLUG.fullmatch(slug):
        reader.file_error(f"the file name '{doc.path.name}' is not <entity-slug>.yaml", f"rename it to {slugify(slug) or 'entity-name'}.yaml")
    if reader.failed:
        return None
    description = _markdown(values.get("description", ""), top_heading=2)
    if not isinstance(description, RenderedMarkdown):
        _, message, hint = description
        reader.error(("description",), f"'description': {message}", hint)
        return None
    return EntityProfile(doc.path, slug, values["name"], values.get("aliases", ()), values.get("group"), values.get("website"), description.html)


def validate_page(doc: RawDocument, reserved: frozenset[str], diagnostics: list[Diagnostic]) -> Page | None:
    reader = _Reader(doc, diagnostics)
    values = reader.fields(doc.data, (), schema.PAGE)
    slug = doc.path.stem
    if not SLUG.fullmatch(slug):
        reader.file_error(f"the file name '{doc.path.name}' is not <slug>.md", f"rename it to {slugify(slug) or 'page'}.md")
    elif slug in reserved:
        reader.file_error(f"the page address /{slug}/ clashes with a generated section", f"rename the file; these names are taken: {', '.join(sorted(reserved))}")
    if reader.failed:
        return None
    body = _body(reader, top_heading=2)
    if reader.failed or body is None:
        return None
    return Page(doc.path, slug, values["title"], values.get("summary"), body.html)
