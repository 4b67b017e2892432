"""The content contract, declared once: every field of every kind of content file.

``validate`` checks files against these tables (an unknown key is an error, with the
closest known one as a hint) and the JSON Schema is written from them; a test holds
the hand-written editor's guide to mentioning every field.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from certsite.model import Status

# The text rules, shared by validation and the JSON Schema. [0-9], not \d: in Python
# \d also matches other scripts' digits, which JSON Schema tools would reject.
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
CRITERION_NUMBER_PATTERN = r"^([0-9]+)\.([0-9]+)$"
# <principle>.<criterion>, then optional clause letters and ranges: 5.1, 5.2b, 1.3a-e, 2.1a,c-d
CRITERION_REF_PATTERN = r"^([0-9]+\.[0-9]+)((?:[a-z](?:-[a-z])?)(?:,[a-z](?:-[a-z])?)*)?$"
# A BCP 47 language tag as pages use it: language, then optional script, region and
# variants (en, de-CH, zh-Hans-CN, sr-Latn). It names the search index's folder too.
LANGUAGE_TAG_PATTERN = (
    r"^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-(?:[A-Za-z]{2}|[0-9]{3}))?(-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*"
    r"(-[0-9A-WYZa-wyz](-[A-Za-z0-9]{2,8})+)*(-[Xx](-[A-Za-z0-9]{1,8})+)?$"  # extensions (-u-nu-latn), private use (-x-...)
)
MAX_LANGUAGE_TAG = 35

# Limits that keep every build fast and every page light, whatever a file contains.
MAX_TEXT_LENGTH = 2_000  # one field: a title, a name, a summary, a scope
MAX_LIST_LENGTH = 200  # items of one list: facilities, findings of one severity, aliases
# A body's limits keep Python-Markdown under a second whatever the text: some of its
# patterns take time proportional to lines times lines, or brackets times length.
MAX_BODY_LENGTH = 50_000  # characters of one announcement's or page's text (a long one has 4,000)
MAX_BODY_LINES = 2_000
MAX_BRACKET_WORK = 2_000_000  # "[" in a body times its length: each "[" searches the rest for its "]"
MAX_BODY_NESTING = 20  # levels of lists and quotes in one body


class Kind(Enum):
    TEXT = "text"
    DATE = "date"  # YYYY-MM-DD
    BOOL = "true or false"
    TEXTS = "list of text"
    HTTPS = "https:// address"
    SLUG = "slug"
    MAPPING = "mapping"
    LIST = "list"


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    kind: Kind
    required: bool
    description: str
    example: str


def _table(*fields: Field) -> dict[str, Field]:
    return {f.name: f for f in fields}


ANNOUNCEMENT = _table(
    Field("title", Kind.TEXT, True, "The headline, plain text.", "Baotou Aluminium certified against two ASI standards"),
    Field("date", Kind.DATE, True, "Announcement date; a date after the build date is an embargo.", "2024-01-10"),
    Field("summary", Kind.TEXT, False, "One plain-text sentence for listings, feeds and search; defaults to the body's first paragraph.", "Smelter and casthouse certified with minor findings."),
    Field("entity", Kind.TEXT, True, "The certified company's name as announced.", "Baotou Aluminium Co., Ltd."),
    Field("entity_slug", Kind.SLUG, False, "The entity page's slug; derived from entity when absent.", "baotou-aluminium-co-ltd"),
    Field("group", Kind.TEXT, False, "Parent company or group.", "Aluminium Corporation of China (Chalco)"),
    Field("location", Kind.MAPPING, True, "Where the certified site is: country (required), region, city.", "{country: CN, region: Inner Mongolia, city: Baotou}"),
    Field("facilities", Kind.TEXTS, False, "Facility (site) names covered.", "[Baotou Aluminium Co., Ltd.]"),
    Field("activities", Kind.TEXTS, False, "Supply-chain activities, free terms.", "[aluminium smelting, casting]"),
    Field("products", Kind.TEXTS, False, "Products, free terms.", "[aluminium ingot]"),
    Field("capacity", Kind.TEXT, False, "Production capacity, free text.", "1.3 million tonnes a year"),
    Field("certifications", Kind.LIST, True, "Non-empty list of certifications announced.", "[{standard: asi-ps-v3, auditor: Bureau Veritas Certification}]"),
    Field("draft", Kind.BOOL, False, "true: built only with --drafts (deploy previews), never in production.", "true"),
    Field("aliases", Kind.TEXTS, False, "Earlier addresses of this page, published as redirects.", "[/news/baotou-certified/]"),
)

LOCATION = _table(
    Field("country", Kind.TEXT, True, "ISO 3166-1 alpha-2 code, upper case.", "CN"),
    Field("region", Kind.TEXT, False, "Province, state or region.", "Inner Mongolia"),
    Field("city", Kind.TEXT, False, "City or town.", "Baotou"),
)

CERTIFICATION = _table(
    Field("standard", Kind.TEXT, True, "Id of a file in content/standards/.", "asi-ps-v3"),
    Field("edition", Kind.TEXT, False, "The edition as announced.", "V3 (2022)"),
    Field("auditor", Kind.TEXT, True, "The certification body that audited.", "Bureau Veritas Certification"),
    Field("certificate", Kind.TEXT, False, "Certificate number as issued; unique per standard.", "ASI-PS-2024-017"),
    Field("scope", Kind.TEXT, False, "What the certification covers, free text.", "Smelting and casthouse operations"),
    Field("status", Kind.TEXT, False, "One of " + ", ".join(s.value for s in Status) + " (default certified).", "certified"),
    Field("valid_from", Kind.DATE, False, "First day of validity.", "2024-01-10"),
    Field("valid_until", Kind.DATE, False, "Last day of validity; afterwards shown as expired. Without it, the end is derived from the standard's validity_months.", "2027-01-09"),
    Field("report", Kind.HTTPS, False, "https:// address of the summary audit report.", "https://example.org/report.pdf"),
    Field("nonconformances", Kind.MAPPING, False, "Lists minor and major of criterion references.", '{minor: ["5.1a-b", "5.2b"]}'),
)

NONCONFORMANCES = _table(
    Field("minor", Kind.LIST, False, "Minor non-conformances: criterion references or finding mappings.", '["1.3a-e", "3.2"]'),
    Field("major", Kind.LIST, False, "Major non-conformances: criterion references or finding mappings.", '["9.8e"]'),
)

FINDING = _table(
    Field("criterion", Kind.TEXT, True, "Criterion reference, e.g. 5.1a-b.", "5.1a-b"),
    Field("closed", Kind.DATE, False, "Date the finding was closed.", "2024-09-30"),
    Field("note", Kind.TEXT, False, "What was done, plain text.", "Closed at the follow-up audit."),
)

STANDARD = _table(
    Field("id", Kind.SLUG, True, "Equals the file name without .yaml.", "asi-ps-v3"),
    Field("name", Kind.TEXT, True, "The standard's name.", "ASI Performance Standard"),
    Field("version", Kind.TEXT, True, "Version.", "V3"),
    Field("owner", Kind.TEXT, True, "The body that owns the standard.", "Aluminium Stewardship Initiative"),
    Field("url", Kind.HTTPS, False, "The standard's home page.", "https://aluminium-stewardship.org/"),
    Field("principles", Kind.LIST, False, "Principles, each with its criteria.", "[{number: 5, title: ..., criteria: [...]}]"),
    Field("criteria", Kind.LIST, False, "Criteria of a standard without principles.", '[{number: "1.5", title: ...}]'),
    Field("validity_months", Kind.MAPPING, False, "How many months a certificate lasts: certified, provisional; derives end dates when an announcement gives no valid_until.", "{certified: 36, provisional: 12}"),
)

VALIDITY_MONTHS = _table(
    Field("certified", Kind.TEXT, False, "Months a full certificate lasts.", "36"),
    Field("provisional", Kind.TEXT, False, "Months a provisional certificate lasts.", "12"),
)

# A certificate period longer than this is surely a typo (months for years, an extra digit).
MAX_VALIDITY_MONTHS = 120

PRINCIPLE = _table(
    Field("number", Kind.TEXT, True, "Principle number.", "5"),
    Field("title", Kind.TEXT, True, "Principle title.", "Greenhouse Gas Emissions"),
    Field("criteria", Kind.LIST, False, "The principle's criteria.", '[{number: "5.1", title: ...}]'),
)

CRITERION = _table(
    Field("number", Kind.TEXT, True, "<principle>.<criterion>, quoted.", '"5.1"'),
    Field("title", Kind.TEXT, True, "Criterion title.", "Disclosure of GHG Emissions and Energy Use"),
)

ENTITY = _table(
    Field("name", Kind.TEXT, True, "Canonical name shown on the entity page.", "Baotou Aluminium Co., Ltd."),
    Field("aliases", Kind.TEXTS, False, "Other names used in announcements, any script.", "[Baotou Aluminium, 包头铝业有限公司]"),
    Field("group", Kind.TEXT, False, "Parent company or group.", "Aluminium Corporation of China (Chalco)"),
    Field("website", Kind.HTTPS, False, "The company's website.", "https://example.com/"),
    Field("description", Kind.TEXT, False, "A short profile in Markdown.", "Primary aluminium producer in Inner Mongolia."),
)

PAGE = _table(
    Field("title", Kind.TEXT, True, "Page title.", "About this register"),
    Field("summary", Kind.TEXT, False, "One sentence for the page's description in search engines and link previews.", "What the register covers."),
)

SITE = _table(
    Field("title", Kind.TEXT, True, "Site title.", "Certified Entities"),
    Field("base_url", Kind.HTTPS, True, "Absolute address of the published site.", "https://example.org/"),
    Field("description", Kind.TEXT, True, "One sentence about the register.", "Public register of certifications."),
    Field("language", Kind.TEXT, True, "Language code of the pages.", "en"),
    Field("corrections", Kind.TEXT, False, "mailto: or https:// address where the public reports a wrong entry.", "mailto:register@example.org"),
    Field("licence", Kind.MAPPING, False, "The licence of the data downloads: name, and optionally url; plain text names it alone.", "{name: CC BY 4.0, url: https://creativecommons.org/licenses/by/4.0/}"),
)

LICENCE = _table(
    Field("name", Kind.TEXT, True, "The licence's name.", "CC BY 4.0"),
    Field("url", Kind.HTTPS, False, "The licence's text.", "https://creativecommons.org/licenses/by/4.0/"),
)
