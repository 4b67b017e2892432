"""ISO 3166-1 alpha-2 country codes, and country names in the page's language.

The codes are a rule of the content format (validation accepts these and no
others), so they are listed here. The names are not: they come from the Unicode
CLDR through Babel, whose wheel carries the data (nothing is fetched at build
time), so a register in Chinese says 中国 and one in Norwegian says Kina, without a
hand-written table per language. Everything here is a pure function of its
arguments.
"""

from __future__ import annotations

import functools

from babel import Locale, UnknownLocaleError

# Every ISO 3166-1 alpha-2 code assigned to a country or territory (249). CLDR names
# more regions than ISO assigns codes (EU, XK, 001...); those are not accepted.
COUNTRY_CODES: tuple[str, ...] = (
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX",
    "AZ", "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ",
    "BR", "BS", "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK",
    "CL", "CM", "CN", "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM",
    "DO", "DZ", "EC", "EE", "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR",
    "GA", "GB", "GD", "GE", "GF", "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS",
    "GT", "GU", "GW", "GY", "HK", "HM", "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN",
    "IO", "IQ", "IR", "IS", "IT", "JE", "JM", "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN",
    "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC", "LI", "LK", "LR", "LS", "LT", "LU", "LV",
    "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK", "ML", "MM", "MN", "MO", "MP", "MQ",
    "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA", "NC", "NE", "NF", "NG", "NI",
    "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM",
    "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW", "SA", "SB", "SC",
    "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS", "ST", "SV",
    "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO", "TR",
    "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
)

# English when a register's language is English without a region, or one Babel does
# not know. CLDR's bare "en" is US English ("January 10, 2024", "St. Lucia"); "en-001"
# is international English, which writes "10 January 2024" and "St Lucia" as the
# register always has. A register that wants US forms says "en-US".
ENGLISH = Locale.parse("en_001")

# Babel carries only CLDR's standard names. For three codes the standard English name
# is qualified ("Hong Kong SAR China", "Macao SAR China", "Palestinian Territories")
# where readers of an address expect the plain name, which CLDR gives as the
# alt="short" form; CLDR's own guidance allows substituting it at build time. Other
# short forms are not taken: "US" and "UK" are abbreviations, and readers expect
# "United States" and "United Kingdom" spelled out. Other languages keep CLDR's
# standard names (zh: 中国香港特别行政区, the form used beside 中国).
_ENGLISH_SHORT_NAMES = {"HK": "Hong Kong", "MO": "Macao", "PS": "Palestine"}


@functools.cache
def babel_locale(language: str) -> Locale:
    """The Babel locale for a page's BCP 47 language tag; English for one Babel does not know.

    Subtags Babel does not read (extensions, private use) are dropped from the end, as
    BCP 47 lookup does, so "de-CH-u-co-phonebk" is Swiss German. Never raises.

    >>> [str(babel_locale(tag)) for tag in ("zh-CN", "zh-Hans", "nb-NO", "en-GB", "en-US")]
    ['zh_Hans_CN', 'zh_Hans', 'nb_NO', 'en_GB', 'en_US']
    >>> [str(babel_locale(tag)) for tag in ("en", "de-CH-u-co-phonebk", "tlh", "x-private", "und", "")]
    ['en_001', 'de_CH', 'en_001', 'en_001', 'en_001', 'en_001']
    """
    subtags = str(language).replace("_", "-").split("-")
    if subtags[0].lower() == "und":  # "undetermined": Babel would guess US English
        return ENGLISH
    while subtags:
        try:
            locale = Locale.parse("-".join(subtags), sep="-")
        except (ValueError, TypeError, UnknownLocaleError):
            subtags.pop()
            while len(subtags) > 1 and len(subtags[-1]) == 1:  # a singleton such as -u or -x
                subtags.pop()
            continue
        if locale.language == "en" and locale.territory is None:
            return ENGLISH
        return locale
    return ENGLISH


@functools.cache
def country_name(code: str, language: str = "en") -> str:
    """The short name of a country in the page's language (the code itself if unknown).

    >>> country_name("NO"), country_name("GB"), country_name("HK"), country_name("VC")
    ('Norway', 'United Kingdom', 'Hong Kong', 'St Vincent & the Grenadines')
    >>> country_name("CN", "zh-CN"), country_name("NO", "zh-CN"), country_name("CN", "nb")
    ('中国', '挪威', 'Kina')
    """
    locale = babel_locale(language)
    if locale.language == "en" and code in _ENGLISH_SHORT_NAMES:
        return _ENGLISH_SHORT_NAMES[code]
    return locale.territories.get(code) or ENGLISH.territories.get(code) or code


# The accepted codes with their English names (validation and the JSON Schema use the keys).
COUNTRY_NAMES: dict[str, str] = {code: country_name(code) for code in COUNTRY_CODES}
