"""Full-text search over a folder of .txt/.md documents: SQLite FTS5 in memory, BM25 ranked.

Each document is split into paragraphs (a Markdown heading travels with the paragraph under it),
and every paragraph is a row in an FTS5 table. The index for a folder is built on first use and
cached; it is rebuilt when any file is added, removed, or changes size or mtime.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

DOC_SUFFIXES = (".txt", ".md")
MAX_LIMIT = 20
SNIPPET_TOKENS = 48

# Words that match nearly every paragraph; dropped from a query unless nothing else is left.
_STOPWORD_TEXT = """
a an and are as at be by do does for from how i in is it of on or s t that the this to was what
when where which who why with you your
"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())

Signature = tuple[tuple[str, int, int], ...]


@dataclass
class _Index:
    signature: Signature
    conn: sqlite3.Connection


_cache: dict[Path, _Index] = {}
_lock = threading.Lock()  # sync tools run in worker threads; one query at a time per process


def _doc_files(root: Path) -> list[Path]:
    """The documents under ``root``: no hidden files, and (least privilege, as for the file
    tools) nothing that is really somewhere else: a symlink out of the folder or a hard link."""
    return sorted(
        p
        for p in root.rglob("*")
        if p.suffix.lower() in DOC_SUFFIXES
        and p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(root).parts)
        and p.resolve().is_relative_to(root)
        and p.stat().st_nlink == 1
    )


def _signature(root: Path, files: list[Path]) -> Signature:
    sig = []
    for path in files:
        st = path.stat()
        sig.append((path.relative_to(root).as_posix(), st.st_mtime_ns, st.st_size))
    return tuple(sig)


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs separated by blank lines; a heading-only paragraph is joined to the next one."""
    chunks = [c.strip() for c in re.split(r"\n\s*\n", text) if c.strip()]
    merged: list[str] = []
    heading = ""
    for chunk in chunks:
        if chunk.startswith("#") and "\n" not in chunk:
            heading = f"{heading}\n{chunk}" if heading else chunk
            continue
        merged.append(f"{heading}\n{chunk}" if heading else chunk)
        heading = ""
    if heading:
        merged.append(heading)
    return merged


def _build(root: Path, files: list[Path], signature: Signature) -> _Index:
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    conn.execute(
        "CREATE VIRTUAL TABLE chunks USING fts5(path UNINDEXED, body, "
        "tokenize = 'porter unicode61')"
    )
    rows: list[tuple[str, str]] = []
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        rel = path.relative_to(root).as_posix()
        rows.extend((rel, para) for para in split_paragraphs(text))
    conn.executemany("INSERT INTO chunks (path, body) VALUES (?, ?)", rows)
    return _Index(signature, conn)


def _index_for(root: Path) -> tuple[_Index, int]:
    files = _doc_files(root)
    signature = _signature(root, files)
    cached = _cache.get(root)
    if cached is None or cached.signature != signature:
        if cached is not None:
            cached.conn.close()
        cached = _cache[root] = _build(root, files, signature)
    return cached, len(files)


def fts_query(query: str) -> str:
    """Turn natural language into a safe FTS5 query: quoted word tokens joined with OR.

    Quoting every token means punctuation, FTS operators (AND, NEAR, ``*``, ``:``) and stray
    quotes in the question can never raise a syntax error. Returns "" when there are no words.
    """
    words = list(dict.fromkeys(w.lower() for w in re.findall(r"\w+", query)))
    kept = [w for w in words if w not in _STOPWORDS] or words
    return " OR ".join(f'"{w}"' for w in kept)


def search(docs: Path | None, query: str, limit: int = 3) -> str:
    """The top ``limit`` paragraphs for ``query`` as text, best first, each with its file name."""
    if docs is None:
        raise FileNotFoundError("no docs folder is configured for this run")
    root = docs.resolve()
    if not root.is_dir():
        raise FileNotFoundError(f"docs folder not found: {docs}")
    limit = max(1, min(int(limit), MAX_LIMIT))
    match = fts_query(query)
    if not match:
        return f"no results for {query!r}"
    with _lock:
        index, n_files = _index_for(root)
        if n_files == 0:
            return f"no results for {query!r} (the docs folder has no .txt or .md files)"
        hits = index.conn.execute(
            "SELECT path, snippet(chunks, 1, '', '', ' … ', ?) FROM chunks "
            "WHERE chunks MATCH ? ORDER BY bm25(chunks), rowid LIMIT ?",
            (SNIPPET_TOKENS, match, limit),
        ).fetchall()
    if not hits:
        return f"no results for {query!r}"
    blocks = (f"[{i}] {path}\n{text.strip()}" for i, (path, text) in enumerate(hits, 1))
    return "\n\n".join(blocks)


def clear_cache() -> None:
    """Drop every cached index (tests; long-lived processes that want the memory back)."""
    with _lock:
        for index in _cache.values():
            index.conn.close()
        _cache.clear()
