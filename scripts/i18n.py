"""The German catalog's upkeep: find every marked string and update the .po file.

    python scripts/i18n.py            # add new strings to core/locale/de/LC_MESSAGES/performate.po
    python scripts/i18n.py --check    # exit 1 when a string has no German translation (the test does this)

Marked strings are found by Babel's Python extractor with the keywords ``_``, ``N_``,
``ngettext`` and ``Np_`` (a coaching template with a plural) in core/, ui/, pages/ and app.py.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "core" / "locale" / "de" / "LC_MESSAGES" / "performate.po"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "Np_": (1, 2)}
SOURCES = ("core", "ui", "pages")


def marked() -> dict[str | tuple[str, str], list[tuple[str, int]]]:
    """Every marked msgid (a plural one as a (singular, plural) pair) with where it is used."""
    found: dict[str | tuple[str, str], list[tuple[str, int]]] = {}
    for folder in SOURCES:
        for path, line, msg, _comments, _ctx in extract_from_dir(
                ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS,
                comment_tags=(), strip_comment_tags=True):
            key = msg if isinstance(msg, str) else (msg[0], msg[1])
            if key and key != ("", ""):
                found.setdefault(key, []).append((f"{folder}/{path}", line))
    return found


def load() -> Catalog:
    if not PO.is_file():
        return Catalog(locale="de", domain="performate", project="Performate")
    with PO.open("rb") as f:
        return read_po(f, locale="de", domain="performate")


def missing(catalog: Catalog, found: dict) -> list[str]:
    """Marked strings without a German translation."""
    out = []
    for key in found:
        msgid = key if isinstance(key, str) else key[0]
        m = catalog.get(msgid)
        if m is None or m.fuzzy:
            out.append(msgid)
        elif isinstance(m.string, (list, tuple)):
            if not all(m.string):
                out.append(msgid)
        elif not m.string:
            out.append(msgid)
    return out


def update() -> int:
    found = marked()
    old = load()
    new = Catalog(locale="de", domain="performate", project="Performate", fuzzy=False)
    for key, places in sorted(found.items(), key=lambda kv: kv[1][0]):
        msgid = key if isinstance(key, str) else key
        before = old.get(key if isinstance(key, str) else key[0])
        string = before.string if before is not None else ("", "") if isinstance(key, tuple) else ""
        new.add(msgid, string, locations=places[:3])
    PO.parent.mkdir(parents=True, exist_ok=True)
    with PO.open("wb") as f:
        write_po(f, new, width=120, omit_header=False, sort_output=False, include_lineno=False)
    left = missing(new, found)
    print(f"{len(found)} strings, {len(left)} without German")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    if a.check:
        left = missing(load(), marked())
        for m in left:
            print("missing:", m)
        return 1 if left else 0
    return update()


if __name__ == "__main__":
    sys.exit(main())
