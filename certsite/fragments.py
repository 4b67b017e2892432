"""The small pieces of HTML that pages repeat many times over: a date, a status or
severity badge, a standard's name, a place, and the words that say how a
certification stands (until when, superseded by what, which findings are open).

They are Python rather than Jinja macros because a page shows dozens of them: at
10,000 announcements the pages call them about a million times, and a macro call
costs several times what these functions do. The renderer gives every template each
of them under the name the macro had, as a function and as a filter (see ``render``);
certsite's templates use the filters (``{{ a.date | day }}``, ``{{ s | standing }}``),
which Jinja calls faster. Each returns ``Markup`` with every value from the
content escaped, as autoescape would; the words are the same on every page that
shows them, so that a reader never sees a certificate described two ways.

>>> fragments = Fragments(urls.Addresses("https://example.org/"), "en", {})
>>> fragments.day(date(2024, 1, 10))
Markup('<time datetime="2024-01-10">10 January 2024</time>')
>>> fragments.status_badge(CurrentStatus.CERTIFIED)
Markup('<span class="status status-certified">Certified</span>')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from functools import lru_cache
from typing import Any

from babel.dates import format_date
from jinja2.filters import do_urlencode
from markupsafe import Markup, escape

from certsite import urls
from certsite.catalog import CurrentStatus, Standing
from certsite.countries import babel_locale, country_name
from certsite.model import CriterionRef, Location, Nonconformance, Standard


@lru_cache(maxsize=8192)  # a register shows a few thousand distinct dates, each many times
def long_date(value: date, language: str = "en") -> str:
    """A date as readers of the page's language write it: CLDR's long format, through Babel.

    >>> long_date(date(2024, 1, 10))
    '10 January 2024'
    >>> long_date(date(2024, 1, 10), "zh-CN"), long_date(date(2024, 1, 10), "nb")
    ('2024年1月10日', '10. januar 2024')
    """
    return format_date(value, format="long", locale=babel_locale(language))


_DERIVED = Markup(' <span class="derived">(derived)</span>')


# A handful of statuses and severities, each badge shown tens of thousands of times.
@lru_cache(maxsize=64)
def _status_badge(status: str) -> Markup:
    return Markup(f'<span class="status status-{escape(status)}">{escape(str(status).capitalize())}</span>')


@lru_cache(maxsize=64)
def _severity_badge(severity: str) -> Markup:
    shown = escape(severity)
    return Markup(f'<span class="severity severity-{shown}">{shown}</span>')


class Fragments:
    """The pieces for one site: its addresses, its language and its standards."""

    def __init__(self, addresses: urls.Addresses, language: str, standards: Mapping[str, Standard]) -> None:
        self._addresses = addresses
        self._language = language
        self._standards = standards
        # A register shows a few thousand distinct dates, each on many pages, and a few
        # standards, each on most of them.
        self._days: dict[date, Markup] = {}
        self._standard_names: dict[str, Markup] = {}

    def globals(self) -> dict[str, Callable[..., Any]]:
        """Every piece by the name templates call it."""
        return {
            name: getattr(self, name)
            for name in (
                "day", "status_badge", "severity_badge", "standard_name", "clause_list", "location", "certificate",
                "until_phrase", "standing", "valid_until", "validity", "follow_up", "findings_count", "standing_words",
            )
        }

    def day(self, value: date) -> Markup:
        """A date as readers write it, and as machines read it."""
        known = self._days.get(value)
        if known is None:
            known = self._days[value] = Markup(f'<time datetime="{value.isoformat()}">{escape(long_date(value, self._language))}</time>')
        return known

    @staticmethod
    def status_badge(status: str) -> Markup:
        """The status in words: colour is never the only signal."""
        return _status_badge(status) if isinstance(status, str) else _status_badge.__wrapped__(status)  # a register's template may pass anything

    @staticmethod
    def severity_badge(nonconformance: Nonconformance) -> Markup:
        severity = nonconformance.severity
        return _severity_badge(severity) if isinstance(severity, str) else _severity_badge.__wrapped__(severity)

    def standard_name(self, standard_id: str) -> Markup:
        known = self._standard_names.get(standard_id)
        if known is None:
            standard = self._standards[standard_id]
            known = self._standard_names[standard_id] = Markup(f"{escape(standard.name)} {escape(standard.version)}")
        return known

    @staticmethod
    def clause_list(ref: CriterionRef) -> Markup:
        """One wording for a finding's clauses on every page."""
        return escape(", ".join(ref.clauses)) if ref.clauses else Markup("whole criterion")

    def location(self, location: Location) -> Markup:
        parts = [part for part in (location.city, location.region) if part]
        return Markup("".join(f"{escape(part)}, " for part in parts)) + escape(country_name(location.country, self._language))

    def certificate(self, number: str) -> Markup:
        """A certificate number as issued, with the link that verifies it, to cite or to check."""
        shown = escape(number)
        link = f"{escape(self._addresses.href(urls.VERIFY))}?id={escape(do_urlencode(number))}"
        return Markup(f'{shown} <a class="verify-link" href="{link}">verify<span class="visually-hidden"> certificate {shown}</span></a>')

    def until_phrase(self, s: Standing) -> Markup:
        """Until when a certificate is (or was) valid, in words that never call an ended or
        suspended certificate valid; "(derived)" marks an end date computed from the
        standard's validity period."""
        if s.valid_until:
            if s.ended:
                lead = Markup("was valid until ")
            elif s.status == CurrentStatus.SUSPENDED:
                lead = Markup("end date ")
            elif s.starts_later:
                lead = Markup("valid from ") + self.day(s.certification.valid_from) + " until "  # type: ignore[arg-type]
            else:
                lead = Markup("valid until ")
            phrase = lead + self.day(s.valid_until)
            if s.until_derived:
                phrase += _DERIVED
            if s.status == CurrentStatus.SUSPENDED and s.until_passed:
                phrase += ", passed"
            return phrase
        if s.starts_later:
            return Markup("valid from ") + self.day(s.certification.valid_from) + ", no end date announced"  # type: ignore[arg-type]
        return Markup("no end date announced")

    def standing(self, s: Standing) -> Markup:
        """A certification's status as of the data date in words: the badge, then until
        when, or what replaced it."""
        badge = self.status_badge(s.status)
        if s.status == CurrentStatus.SUPERSEDED:
            by = s.superseded_by
            address = escape(self._addresses.href(urls.announcement_url(by)))  # type: ignore[arg-type]
            return badge + Markup(f' by the <a href="{address}">announcement of {escape(long_date(by.date, self._language))}</a>')  # type: ignore[union-attr]
        if s.status == CurrentStatus.WITHDRAWN:
            return badge
        return badge + ", " + self.until_phrase(s)

    def valid_until(self, s: Standing) -> Markup:
        """The end date alone, for a "Valid until" column."""
        if not s.valid_until:
            return Markup("no end date announced")
        return self.day(s.valid_until) + (_DERIVED if s.until_derived else "")

    def validity(self, s: Standing) -> Markup:
        """From when until when a certification is valid, saying how an end date was derived
        (the announcement page and the verify page's answers)."""
        c = s.certification
        phrase = Markup("from ") + self.day(c.valid_from) if c.valid_from else Markup("")
        if not s.valid_until:
            return phrase + ("; " if c.valid_from else "") + "no end date announced"
        phrase += (" " if c.valid_from else "") + Markup("until ") + self.day(s.valid_until)
        if s.until_derived:
            months = self._standards[c.standard_id].validity.months(c.status)
            start = "the start of validity" if c.valid_from else "the announcement date"
            phrase += Markup(
                f' <span class="derived">(derived: the announcement gives no end date, and certificates under this standard last {escape(months)} months from {start})</span>'
            )
        return phrase

    def follow_up(self, n: Nonconformance, s: Standing) -> Markup:
        """A finding's follow-up; one of an ended (superseded or expired) certification is history, not open."""
        note = n.note
        if n.closed:
            return Markup("Closed ") + self.day(n.closed) + (Markup(": ") + note if note else "")
        if s.ended:
            how = "was superseded" if s.status == CurrentStatus.SUPERSEDED else "expired"
            return Markup(f"History: not recorded as closed before the certificate {how}") + (Markup(" (") + note + ")" if note else "")
        return Markup("Open") + (Markup(": ") + note if note else "")

    @staticmethod
    def findings_count(s: Standing) -> Markup:
        total = len(s.certification.nonconformances)
        return Markup(f"{total} (history)" if s.ended else f"{s.open_findings} open of {total}")

    def standing_words(self, standings: tuple[Standing, ...]) -> Markup:
        """How each certification stands, as a plain sentence for search results' meta line."""
        parts = []
        for s in standings:
            words = self.standard_name(s.certification.standard_id) + ": " + s.status
            if s.status == CurrentStatus.SUPERSEDED:
                words += " by the announcement of " + long_date(s.superseded_by.date, self._language)  # type: ignore[union-attr]
            elif s.status != CurrentStatus.WITHDRAWN:
                words += ", " + self.until_phrase(s).striptags()
            parts.append(words)
        return Markup("; ").join(parts)
