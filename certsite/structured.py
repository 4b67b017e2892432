"""What machines read about a page: schema.org JSON-LD and the short description that
search engines and shared links show.

Pure: each function turns a page's view data into plain dicts or text, and ``json_ld``
turns a dict into the ``<script type="application/ld+json">`` element that carries it.
Embargoed and draft announcements never reach here: they have no standing in the
catalog, so no page and no organisation's list of certifications can name them.
"""

from __future__ import annotations

import json
from typing import Any

from babel.core import LOCALE_ALIASES
from markupsafe import Markup

from certsite import urls
from certsite.catalog import EntityPage, Standing
from certsite.model import Announcement, Criterion, Location, Site, Standard

SCHEMA_ORG = "https://schema.org"
# Google shows about 160 characters of a description, Open Graph readers up to 300: a
# description is cut at a word to this length, so that no field fills a shared card.
DESCRIPTION_LENGTH = 300
# An organisation's certifications in its JSON-LD, its current ones first: an entity
# announced every month for decades keeps a page of bounded weight.
ENTITY_CERTIFICATIONS = 50

# Inside a script element the HTML parser ends the element at "</script", whatever JSON
# thinks of it: escaped, content can never close the element or open a comment.
# (Three replaces rather than str.translate, which is several times slower with a table
# of strings.)
_SCRIPT_SAFE = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"))


def json_ld(data: dict[str, Any]) -> Markup:
    """``data`` as a JSON-LD script element, keys sorted so that equal data gives equal bytes.

    >>> json_ld({"name": "</script><script>alert(1)</script>", "@type": "Thing"})
    Markup('<script type="application/ld+json">{"@type":"Thing","name":"\\\\u003c/script\\\\u003e\\\\u003cscript\\\\u003ealert(1)\\\\u003c/script\\\\u003e"}</script>')
    """
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    # Markup only after the escaping: before it, the text is not safe to place in a page.
    for unsafe, escaped in _SCRIPT_SAFE:
        text = text.replace(unsafe, escaped)
    return Markup('<script type="application/ld+json">' + text + "</script>")


def shorten(text: str, limit: int = DESCRIPTION_LENGTH) -> str:
    """``text`` with its runs of white space made single, cut at a word to at most ``limit`` characters.

    >>> shorten("  Baotou   Aluminium\\n certified ")
    'Baotou Aluminium certified'
    >>> shorten("Baotou Aluminium certified against two standards", 30)
    'Baotou Aluminium certified…'
    >>> shorten("x" * 40, 10)
    'xxxxxxxxx…'
    """
    words = " ".join(text.split())
    if len(words) <= limit:
        return words
    cut = words[: limit - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "…"


def open_graph_locale(language: str) -> str:
    """The register's language tag as Open Graph writes a locale (language_TERRITORY), with
    the usual territory when the tag names none, as Babel's aliases give it.

    >>> open_graph_locale("en"), open_graph_locale("zh-CN"), open_graph_locale("de"), open_graph_locale("tlh")
    ('en_US', 'zh_CN', 'de_DE', 'tlh')
    """
    if "-" in language or "_" in language:
        return language.replace("-", "_")
    return LOCALE_ALIASES.get(language.lower(), language)


def news_article(site: Site, announcement: Announcement) -> dict[str, Any]:
    """An announcement as a schema.org ``NewsArticle`` published by the register, about the entity."""
    addresses = urls.Addresses(site.base_url)
    return {
        "@context": SCHEMA_ORG,
        "@type": "NewsArticle",
        "headline": announcement.title,
        "datePublished": announcement.date.isoformat(),
        "description": announcement.summary,
        "url": addresses.absolute(urls.announcement_url(announcement)),
        "inLanguage": site.language,
        "publisher": _register(site),
        "about": _compact(
            {
                "@type": "Organization",
                "@id": _organization_id(addresses, announcement.entity_slug),
                "name": announcement.entity,
                "url": addresses.absolute(urls.entity_url(announcement.entity_slug)),
                "address": _address(announcement.location),
                "parentOrganization": _group(announcement.group),
            }
        ),
    }


def organization(site: Site, entity: EntityPage, standards: dict[str, Standard]) -> dict[str, Any]:
    """An entity as a schema.org ``Organization`` with its certifications (current ones first)."""
    addresses = urls.Addresses(site.base_url)
    organization_id = _organization_id(addresses, entity.slug)
    current = {id(standing) for standing in entity.current}
    # Stable: both groups keep the history's order (newest first).
    listed = sorted(entity.certifications, key=lambda standing: id(standing) not in current)[:ENTITY_CERTIFICATIONS]
    return _compact(
        {
            "@context": SCHEMA_ORG,
            "@type": "Organization",
            "@id": organization_id,
            "name": entity.name,
            "alternateName": list(entity.aliases),
            "url": addresses.absolute(urls.entity_url(entity.slug)),
            "address": _address(entity.newest.location),
            "parentOrganization": _group(entity.group),
            "sameAs": entity.profile.website if entity.profile else None,
            "hasCertification": [_certification(addresses, organization_id, s, standards[s.certification.standard_id]) for s in listed],
        }
    )


def defined_term_set(site: Site, standard: Standard) -> dict[str, Any]:
    """A standard as a schema.org ``DefinedTermSet`` (a ``CreativeWork``) of its criteria, published by its owner."""
    addresses = urls.Addresses(site.base_url)
    return _compact(
        {
            "@context": SCHEMA_ORG,
            **_term_set(addresses, standard),
            "version": standard.version,
            "publisher": _owner(standard),
            "hasDefinedTerm": [_term(addresses, criterion) for criterion in standard.criteria],
        }
    )


def defined_term(site: Site, standard: Standard, criterion: Criterion) -> dict[str, Any]:
    """A criterion as a schema.org ``DefinedTerm`` in its standard's set."""
    addresses = urls.Addresses(site.base_url)
    principle = next((p for p in standard.principles if p.number == criterion.principle), None)
    return _compact(
        {
            "@context": SCHEMA_ORG,
            **_term(addresses, criterion),
            "description": f"Principle {principle.number}: {principle.title}" if principle else None,
            "inDefinedTermSet": {**_term_set(addresses, standard), "publisher": _owner(standard)},
        }
    )


def _certification(addresses: urls.Addresses, organization_id: str, standing: Standing, standard: Standard) -> dict[str, Any]:
    certification = standing.certification
    anchor = addresses.absolute(urls.announcement_url(standing.announcement)) + f"#certification-{standing.position}"
    return _compact(
        {
            "@type": "Certification",
            "@id": anchor,
            "url": anchor,
            "name": f"{standard.name} {certification.edition or standard.version}",
            "issuedBy": _owner(standard),
            "certificationStatus": f"{SCHEMA_ORG}/{'CertificationActive' if standing.in_force else 'CertificationInactive'}",
            "validFrom": certification.valid_from.isoformat() if certification.valid_from else None,
            "expires": standing.valid_until.isoformat() if standing.valid_until else None,
            "certificationIdentification": certification.certificate,
            "about": {"@id": organization_id},
        }
    )


def _term_set(addresses: urls.Addresses, standard: Standard) -> dict[str, Any]:
    url = addresses.absolute(urls.standard_url(standard))
    return {"@type": "DefinedTermSet", "@id": url + "#standard", "name": f"{standard.name} {standard.version}", "url": url}


def _term(addresses: urls.Addresses, criterion: Criterion) -> dict[str, Any]:
    url = addresses.absolute(urls.criterion_url(criterion))
    return {"@type": "DefinedTerm", "@id": url + "#criterion", "termCode": criterion.number, "name": criterion.title, "url": url}


def _register(site: Site) -> dict[str, Any]:
    return {"@type": "Organization", "name": site.title, "url": site.base_url}


def _owner(standard: Standard) -> dict[str, Any]:
    return _compact({"@type": "Organization", "name": standard.owner, "url": standard.url})


def _group(group: str | None) -> dict[str, Any] | None:
    return {"@type": "Organization", "name": group} if group else None


def _organization_id(addresses: urls.Addresses, entity_slug: str) -> str:
    return addresses.absolute(urls.entity_url(entity_slug)) + "#organization"


def _address(location: Location) -> dict[str, Any]:
    return _compact({"@type": "PostalAddress", "addressCountry": location.country, "addressRegion": location.region, "addressLocality": location.city})


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` without the fields the content leaves out: JSON-LD says nothing rather than null.

    >>> _compact({"name": "x", "url": None, "alternateName": []})
    {'name': 'x'}
    """
    return {key: value for key, value in data.items() if value is not None and value != []}
