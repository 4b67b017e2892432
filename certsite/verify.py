"""The lookup behind the verify page: certificate numbers as a reader types them, and
the published certifications each one finds.

A number is looked up as issued, but ignoring case and everything that is not a letter
or a digit: spaces, dashes, dots, slashes, underscores. Certificates printed as
"ASI-2024/0042", copied as "asi 2024 0042" or typed in full-width digits find each
other. Two certificates that differ only in separators (rare, and then under different
standards) both answer, as two matches.

The lookup is published in parts, each certificate in the part its number hashes to,
so that the verify page fetches a few kilobytes whatever the size of the register.
``static/verify.js`` normalises and hashes numbers the same way: change both together.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict

from certsite.catalog import Catalog, EntityPage, Standing

# Certificates in one part of the lookup, at most on average: about 0.5 KB each as
# published, so that a part stays near 100 KB.
PART_SIZE = 200

Match = tuple[EntityPage, Standing]


def certificate_key(number: str) -> str:
    """The number as the lookup files it: compatibility forms folded (full-width digits,
    ligatures), then only its letters and digits, upper case.

    >>> certificate_key("asi-cert 0042/B"), certificate_key("ASI.CERT_0042b"), certificate_key("ＡＳＩ－００４２")
    ('ASICERT0042B', 'ASICERT0042B', 'ASI0042')
    >>> certificate_key(" - / ")
    ''
    """
    folded = unicodedata.normalize("NFKC", number)
    return "".join(char for char in folded if char.isalnum()).upper()


def part_of(key: str, parts: int) -> int:
    """The part of the lookup that holds ``key``: its 32-bit FNV-1a hash (of its UTF-8
    bytes), modulo the number of parts. Small, and easy to compute alike in JavaScript.

    >>> part_of("ASICERT0042B", 1), part_of("ASICERT0042B", 8), part_of("", 8)
    (0, 2, 5)
    """
    digest = 0x811C9DC5
    for byte in key.encode("utf-8"):
        digest = ((digest ^ byte) * 0x01000193) & 0xFFFFFFFF
    return digest % parts


def lookup_parts(catalog: Catalog) -> list[dict[str, tuple[Match, ...]]]:
    """The lookup in parts: in each, normalised number -> every published certification
    with that number (newest first), by number.

    The catalog holds only what is published (no embargoed or draft announcement unless
    drafts are asked for), so the lookup does too. There is always at least one part, so
    that the page finds a file to say "no such certificate" from.
    """
    found: dict[str, list[Match]] = defaultdict(list)
    for entity in catalog.entities:
        for standing in entity.certifications:
            number = standing.certification.certificate
            if number and (key := certificate_key(number)):
                found[key].append((entity, standing))
    count = 1
    while len(found) > count * PART_SIZE:
        count *= 2
    parts: list[dict[str, tuple[Match, ...]]] = [{} for _ in range(count)]
    for key in sorted(found):
        matches = sorted(found[key], key=lambda match: (-match[1].announcement.date.toordinal(), match[1].announcement.slug, match[1].position))
        parts[part_of(key, count)][key] = tuple(matches)
    return parts
