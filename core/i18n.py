"""One language at a time: gettext catalogs (Babel) and numbers formatted for the language.

The source language is English: strings in code are the msgids, wrapped in ``_()`` where they are
shown, or marked with ``N_()`` where they are defined before a language is known (error messages,
stage names, coaching templates) and translated where they are shown. The German catalog is
``core/locale/de/LC_MESSAGES/performate.po``, compiled in memory on first use (no stale .mo file);
``tests/test_i18n.py`` fails when a marked string has no German translation.

The language of the current script run (or request) lives in a context variable: the page shell
sets it first thing, from ?lang=, the account's choice or the browser.
"""
from __future__ import annotations

import contextvars
import functools
import gettext
import io
from datetime import datetime
from pathlib import Path

from babel import Locale, dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES = ("en", "de")
DEFAULT = "en"
DOMAIN = "performate"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
_current: contextvars.ContextVar[str] = contextvars.ContextVar("performate_language", default=DEFAULT)


def normalise(lang: str | None) -> str | None:
    """"de", "de-DE", "de_AT" -> "de"; None for a language not offered."""
    if not lang:
        return None
    base = str(lang).replace("-", "_").split("_")[0].lower()
    return base if base in LANGUAGES else None


def set_language(lang: str | None) -> str:
    chosen = normalise(lang) or DEFAULT
    _current.set(chosen)
    return chosen


def language() -> str:
    return _current.get()


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalog of ``lang`` (English is the source: no catalog)."""
    path = po_path(lang)
    if lang == DEFAULT or not path.is_file():
        return gettext.NullTranslations()
    with path.open("rb") as f:
        catalog = read_po(f, locale=lang, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def _(message: str) -> str:
    """``message`` in the current language."""
    return translations(language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(language()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for the catalog where it is defined; translate it with ``_()`` where shown."""
    return message


def translate(lang: str | None, message: str) -> str:
    """``message`` in ``lang`` (for text rendered for someone other than the current page)."""
    return translations(normalise(lang) or DEFAULT).gettext(message)


def _locale(lang: str | None = None) -> Locale:
    return Locale.parse({"en": "en_GB", "de": "de_DE"}[normalise(lang) or language()])


def num(value: float, digits: int = 1, lang: str | None = None) -> str:
    """1.3 in English, 1,3 in German."""
    fmt = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return numbers.format_decimal(round(float(value), digits), format=fmt, locale=_locale(lang))


def pct(share: float, digits: int = 0, lang: str | None = None) -> str:
    """0.42 -> "42%" in English, "42 %" in German."""
    if digits <= 0:
        return numbers.format_percent(float(share), locale=_locale(lang))
    # the language's own pattern with decimals (German keeps its space before the sign: "99,50 %")
    fmt = _locale(lang).percent_formats[None].pattern.replace("#,##0", "#,##0." + "0" * digits, 1)
    return numbers.format_percent(float(share), format=fmt, locale=_locale(lang))


def secs(value: float, digits: int = 1, lang: str | None = None) -> str:
    return f"{num(value, digits, lang)} s"


def decimal_symbol(lang: str | None = None) -> str:
    return numbers.get_decimal_symbol(_locale(lang))


def date_time(iso: str | None, lang: str | None = None) -> str:
    """An ISO timestamp (UTC) as the language writes it: "25 Nov 2026, 10:14" / "25.11.2026, 10:14"."""
    if not iso:
        return ""
    try:
        when = datetime.fromisoformat(str(iso).replace("Z", "+00:00"))
    except ValueError:
        return str(iso)[:16]
    return dates.format_datetime(when, format="medium", locale=_locale(lang), tzinfo=when.tzinfo).rsplit(":", 1)[0]
