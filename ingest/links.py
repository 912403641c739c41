"""The documents a document lists as linked to it ("Strategic and Partnership Plans: ..."), by structure.

A label ending in a colon whose words name documents in the plural ("plans", "strategies") introduces the
list: either the items follow it as bullets or lines, or they follow it on the same line. A list extracted
from a PDF often loses its line breaks, so a run of names is split after each word that ends a document's
name (data/document_nouns.toml). Pure functions over text: the ingest records what they find in the outline.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from ingest.cleaning import clean_lines
from ingest.manifest import DocumentEntry
from ingest.structure import Block, blocks_from_lines, similarity

_NOUNS_FILE = Path(__file__).with_name("data") / "document_nouns.toml"
MAX_LABEL_WORDS = 8
MAX_NAME_WORDS = 10
TITLE_MATCH = 0.9  # similarity at which a manifest title is taken for a listed name


@lru_cache(maxsize=1)
def document_nouns() -> tuple[frozenset[str], frozenset[str]]:
    """(words that end a document's name, plural words that introduce a list of documents)."""
    data = tomllib.loads(_NOUNS_FILE.read_text(encoding="utf-8"))
    return frozenset(data["ending"]), frozenset(w.lower() for w in data["listing"])


def _label(text: str) -> tuple[str, str] | None:
    """('label', 'rest') when a block opens with a short label naming documents in the plural."""
    head, sep, rest = text.partition(":")
    if not sep:
        return None
    words = re.findall(r"[A-Za-z][\w'-]*", head)
    _, listing = document_nouns()
    if not words or len(words) > MAX_LABEL_WORDS or not any(w.lower() in listing for w in words):
        return None
    return head.strip(), rest.strip()


def split_names(run: str) -> list[str]:
    """Names run together ('A Strategy B Plan') split after each word that ends a document's name."""
    ending, _ = document_nouns()
    names: list[str] = []
    current: list[str] = []
    for word in run.replace(";", " ; ").replace(",", " , ").split():
        if word in {";", ","}:
            if current:
                names.append(" ".join(current))
                current = []
            continue
        current.append(word)
        if word.strip(".") in ending:
            names.append(" ".join(current))
            current = []
    if current:
        names.append(" ".join(current))
    return [_tidy(n) for n in names if _is_name(n)]


def _tidy(name: str) -> str:
    return re.sub(r"^(?:and|or|the)\s+", "", name.strip(" .;,"), flags=re.I)


def _is_name(text: str) -> bool:
    words = _tidy(text).split()
    return 0 < len(words) <= MAX_NAME_WORDS and words[0][:1].isupper()


def linked_names(source: str) -> list[str]:
    """Every document a text lists under a label such as 'Strategic and Partnership Plans Including:'."""
    blocks = blocks_from_lines(clean_lines(source), source)
    names: list[str] = []
    for n, block in enumerate(blocks):
        found = _label(block.text)
        if found is None:
            continue
        _, rest = found
        names += split_names(rest) if rest else _items_after(blocks, n)
    return list(dict.fromkeys(names))


def _items_after(blocks: Sequence[Block], n: int) -> list[str]:
    """The bullets (or short capitalised lines) right after a label that ends its line."""
    items: list[str] = []
    for block in blocks[n + 1 :]:
        text = block.text.strip()
        if not block.bullet and (text.endswith((".", ":")) or not _is_name(text)):
            break
        items += split_names(text) if len(text.split()) > MAX_NAME_WORDS else [_tidy(text)]
    return [i for i in items if _is_name(i)]


def _norm(text: str) -> str:
    text = text.lower().replace("&", " and ").replace("'", "").replace("’", "")
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def matches_title(name: str, title: str) -> bool:
    """Whether a listed name and a manifest title are the same document: one holds the other's words in order
    ('Climate Emergency Strategy' in 'Somerset Climate Emergency Strategy 2020'), or they are near-identical."""
    a, b = f" {_norm(name)} ", f" {_norm(title)} "
    return a in b or b in a or similarity(name, title) >= TITLE_MATCH


def resolve_links(
    names: Sequence[str], entries: Sequence[DocumentEntry], lister: str
) -> list[tuple[str, str | None]]:
    """Each listed name with the manifest id of its text, or None when it is not loaded.

    An entry's explicit `links` win; otherwise its title, the closest listed name taking it (so a title
    'Economic Recovery and Growth Plan' goes to that name, not to 'Recovery and Growth Plan' inside it).
    """
    owner: dict[str, str] = {}
    for entry in entries:
        if entry.id == lister:
            continue
        for link in entry.links:
            for name in names:
                if _norm(name) == _norm(link):
                    owner.setdefault(name, entry.id)
    for entry in entries:
        if entry.id == lister or entry.links:
            continue
        candidates = [n for n in names if n not in owner and matches_title(n, entry.title)]
        if candidates:
            best = max(candidates, key=lambda n: (similarity(n, entry.title), len(n)))
            owner[best] = entry.id
    return [(name, owner.get(name)) for name in names]
