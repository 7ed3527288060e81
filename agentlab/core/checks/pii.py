"""PII and secret detection and masking for the output layer (and ``agentlab guard scan``).

Kinds: ``email``, ``phone`` (parsed with ``phonenumbers``: a valid number, international or
US), ``credit_card`` (Luhn-valid only, ``stdnum.luhn``), ``ssn`` (US, with the impossible
areas left out), ``iban`` (checksum- and format-valid, ``stdnum.iban``, spaced or not, any
case), ``api_key`` (OpenAI, Anthropic, AWS, GitHub, GitLab, Slack tokens and webhooks, Stripe,
Google, Hugging Face, npm, SendGrid, JWTs, bearer tokens), ``private_key`` (PEM/OpenSSH/PGP
private key blocks) and ``ip_address`` (IPv4 and IPv6, validated; a dotted number after
"version", "v", "release", "section", ... is a version, not an address). A mask keeps the
kind: ``[EMAIL]``, ``[CREDIT_CARD]``, ...

Offsets are into the text as given: invisible characters (zero-width spaces, tag characters,
controls) are skipped while matching, so ``ja\\u200bne@example.com`` is still an email, and its
span covers the invisible characters too.

Cost: each kind's pattern runs only on short windows around what it needs (digits, an ``@``,
a key prefix, a ``::``), found with C-speed substring and character tests; in ASCII text the
numeric kinds search only the runs of digits long enough to hold them, found in a byte image
of the text. Ordinary prose costs a few microseconds, a 1 KB business mail with dates and
amounts about 30, not nine regular-expression passes over the whole text.
"""

from __future__ import annotations

import bisect
import ipaddress
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from stdnum import iban as _iban
from stdnum import luhn

from agentlab.core.checks.sanitize import invisible_map

PiiKind = Literal[
    "email", "phone", "credit_card", "ssn", "iban", "api_key", "private_key", "ip_address"
]


@dataclass(frozen=True)
class Match:
    kind: PiiKind
    start: int
    end: int

    @property
    def mask(self) -> str:
        return f"[{self.kind.upper()}]"


_PRIVATE_KEY = re.compile(
    r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?"
    r"(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|\Z)"
)
_API_KEY = re.compile(
    r"\b(?:sk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_-]{20,}|sk-(?:proj-|svcacct-|admin-)?"
    r"[A-Za-z0-9_-]{20,}|(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36,}|"
    r"github_pat_[A-Za-z0-9_]{22,}|glpat-[A-Za-z0-9_-]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|"
    r"(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|AIza[0-9A-Za-z_-]{35}|hf_[A-Za-z0-9]{30,}|"
    r"npm_[A-Za-z0-9]{36}|SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}|"
    r"eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})"
    r"|https://hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9/_-]{20,}"
    r"|(?<=Bearer )[A-Za-z0-9._~+/-]{20,}=*"
    r"|(?i:aws_secret_access_key)[\"']?\s*[=:]\s*[\"']?(?P<value>[A-Za-z0-9/+]{40})\b"
)
_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
_SSN = re.compile(r"(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])")
_IBAN = re.compile(
    r"\b(?:[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?"
    r"|[a-z]{2}\d{2}(?: ?[a-z0-9]{4}){2,7}(?: ?[a-z0-9]{1,3})?)\b"
)
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?!\d|\.\d)")
_IPV6 = re.compile(
    r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{1,4})?"
    r"(?:%[A-Za-z0-9]+)?(?![\w:]|\.\d)"
)
_PHONE = re.compile(r"(?<![\w+\-/#])\+?\(?\d[\d ().-]{6,18}\d(?![\w-])")
#: A dotted number right after one of these words is a version or a section, not an address.
_NOT_AN_ADDRESS = re.compile(
    r"(?:\b(?:version|ver|release|build|firmware|fw|rev|revision|patch|update|upgrade|tag|"
    r"section|sect|chapter|clause|step|item|rule|article|par|para|paragraph)\.?|§)\s*$|\bv$",
    re.I,
)


_NON_DIGIT = re.compile(r"\D")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: A date first ("2026-11-12 09" of "2026-11-12 09:14"): a timestamp, never a phone number.
_DATE_FIRST = re.compile(r"\(?\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?!\d)")


def _card(s: str) -> bool:
    digits = _NON_DIGIT.sub("", s)
    return 13 <= len(digits) <= 19 and luhn.is_valid(digits) and len(set(digits)) > 1


def _ipv4(s: str, text: str, start: int) -> bool:
    return _ip(s) and not _NOT_AN_ADDRESS.search(text, max(0, start - 20), start)


def _ip(s: str) -> bool:
    try:
        ipaddress.ip_address(s)
    except ValueError:
        return False
    return True


def _ipv6(s: str) -> bool:
    return ":" in s and s.count(":") >= 2 and len(s) >= 3 and _ip(s)


def _phone(s: str) -> bool:
    digits = _NON_DIGIT.sub("", s)
    if not 7 <= len(digits) <= 15 or _DATE.fullmatch(s.strip()) or _DATE_FIRST.match(s):
        return False
    if not s.startswith("+") and not (
        len(digits) == 10 or (len(digits) == 11 and digits[0] == "1")
    ):
        return False  # read as a US number: a valid one has 10 digits (11 with the leading 1)
    import phonenumbers  # here: ~40 ms to import, and most runs never see a phone-like text

    try:
        n = phonenumbers.parse(s, None if s.startswith("+") else "US")
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(n)


def _iban_len(s: str) -> int:
    """The length of the valid IBAN ``s`` starts with (0: none): a word after an IBAN may
    look like one more group ("BE68 5390 0754 7034 THEN")."""
    while len(s) >= 15:
        if _iban.is_valid(s.upper()):
            return len(s)
        s = s[: max(s.rfind(" "), len(s) - 4)].rstrip() if " " in s else s[:-1]
    return 0


#: Where a key can start: its provider's prefix. One regular expression per leading literal
#: (``_``, ``-``, ``A``), so each scans at C speed for that one character.
_HINT_UNDERSCORE = re.compile(
    r"_(?:(?<=gh[pousr]_)|(?<=hf_)|(?<=npm_)|(?<=github_)pat_|(?<=[sprk]k_)(?:live|test)_"
    r"|(?<=ws_)secret_access_key|(?<=WS_)SECRET_ACCESS_KEY)"
)
_HINT_DASH = re.compile(r"-(?:(?<=sk-)|(?<=glpat-))")
_HINT_A = re.compile(r"A(?:KIA|SIA|GPA|IDA|ROA|Iza)")
#: Other prefixes, each after a rarer character that gates it (one C-speed test).
_HINTS = (("G", "SG."), ("J", "eyJ"), ("B", "Bearer "), ("x", "xox"), ("k", "hooks.slack.com"))
_DIGIT_RUN = re.compile(r"[0-9][0-9 .:/()+-]*")
_ANY_DIGIT_RUN = re.compile(r"\d[\d .:/()+-]*")  # other scripts' digits too (\d in the kinds)
_SPACE = re.compile(r"\s")
Window = tuple[int, int]


def _back(text: str, i: int, floor: int = 0) -> int:
    """The start of the whitespace-separated token holding ``i``, or ``floor`` when it starts
    before it (a search back to 0 for each window, in a text without tabs, was quadratic)."""
    return (
        max(
            text.rfind(" ", floor, i),
            text.rfind("\n", floor, i),
            text.rfind("\t", floor, i),
            floor - 1,
        )
        + 1
    )


def _forward(text: str, i: int) -> int:
    """The end of the whitespace-separated token holding ``i`` (exclusive)."""
    m = _SPACE.search(text, i)
    return m.start() if m else len(text)


def _merge(spans: Iterable[Window], text: str, before: int, after: int) -> list[Window]:
    """Spans (in order) widened by ``before`` and ``after`` characters and then to whole
    tokens, overlapping ones merged."""
    raw: list[list[int]] = []
    for lo, hi in spans:
        lo, hi = lo - before, hi + after
        if raw and lo <= raw[-1][1]:
            raw[-1][1] = max(raw[-1][1], hi)
        else:
            raw.append([lo, hi])
    out: list[Window] = []
    n = len(text)
    for lo, hi in raw:
        # A token starting before the last window's end merges with it either way.
        floor = min(out[-1][1], max(0, lo)) if out else 0
        lo, hi = _back(text, max(0, lo), floor), _forward(text, min(n, hi))
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _positions(text: str, needle: str) -> Iterator[Window]:
    i = text.find(needle)
    while i >= 0:
        yield i, i + len(needle)
        i = text.find(needle, i + 1)


def _digit_windows(text: str) -> list[Window]:
    # Every numeric kind holds a digit, starts at most 2 characters before its first digit
    # ("+(", an IBAN's country), ends at most ~8 after its last one (an IBAN's letters) and has
    # no longer stretch without a digit: a few characters around each run of digits, widened
    # to whole tokens, hold every candidate whole.
    if not text.isascii():
        runs = _ANY_DIGIT_RUN
    elif any(d in text for d in "0123456789"):
        runs = _DIGIT_RUN
    else:
        return []
    return _merge((m.span() for m in runs.finditer(text)), text, 4, 12)


def _email_windows(text: str) -> list[Window]:
    # an email holds no whitespace: the token around each @
    return _merge(_positions(text, "@"), text, 0, 0) if "@" in text else []


def _key_windows(text: str) -> list[Window]:
    found: list[Window] = []
    if "_" in text:
        found += [m.span() for m in _HINT_UNDERSCORE.finditer(text)]
    if "-" in text:
        found += [m.span() for m in _HINT_DASH.finditer(text)]
    if "A" in text:
        found += [m.span() for m in _HINT_A.finditer(text)]
    for c, h in _HINTS:
        if c in text and h in text:
            found += _positions(text, h)
    # a key follows its prefix in the same token (or the next ones: "Bearer X", "key = X")
    return _merge(sorted(found), text, 12, 8) if found else []


def _ipv6_windows(text: str) -> list[Window]:
    # an IPv6 address holds a colon with a hex digit or a colon on either side, and no
    # whitespace: the token around each such colon
    if text.count(":") < 2:
        return []
    colons = [m.span() for m in _IPV6_COLON.finditer(text)]
    if not colons:
        return []
    # an address holds two colons or more, and no whitespace: one token
    return [(lo, hi) for lo, hi in _merge(colons, text, 0, 0) if text.count(":", lo, hi) >= 2]


#: A colon between two hex digits or colons ("::" as one span): the literal first, so the
#: search skips at C speed from colon to colon.
_IPV6_COLON = re.compile(r":(?<=[0-9A-Fa-f:]:)(?=[0-9A-Fa-f:])|::")


def _key_block(text: str) -> list[Window]:
    return [(0, len(text))] if "PRIVATE KEY" in text else []


#: A candidate's check: the candidate, the text, where it starts -> the length kept (0: none).
Check = Callable[[str, str, int], int]
#: Kinds in priority order (an earlier kind's span wins an overlap): the pattern, what checks a
#: candidate (the candidate, the text, where it starts) and where in the text it can be.
_FINDERS: list[tuple[PiiKind, re.Pattern[str], Check | None, Callable[[str], list[Window]]]] = [
    ("private_key", _PRIVATE_KEY, None, _key_block),
    ("api_key", _API_KEY, None, _key_windows),
    ("email", _EMAIL, None, _email_windows),
    ("iban", _IBAN, lambda s, t, i: _iban_len(s), _digit_windows),
    ("credit_card", _CARD, lambda s, t, i: len(s) * _card(s), _digit_windows),
    ("ssn", _SSN, None, _digit_windows),
    ("ip_address", _IPV6, lambda s, t, i: len(s) * _ipv6(s), _ipv6_windows),
    ("ip_address", _IPV4, lambda s, t, i: len(s) * _ipv4(s, t, i), _digit_windows),
    ("phone", _PHONE, lambda s, t, i: len(s) * _phone(s), _digit_windows),
]


def find(text: str, *, whole: bool = False) -> list[Match]:
    """Every PII or secret span in ``text``, in order, without overlaps; offsets into ``text``
    as given. ``whole`` searches the whole text instead of the windows where each kind can be
    (the same result, slower: for tests)."""
    if not text.isascii():
        cleaned, index = invisible_map(text)
        if index is not None:
            return [
                Match(m.kind, index[m.start], index[m.end - 1] + 1) for m in _find(cleaned, whole)
            ]
    return _find(text, whole)


#: A run of digits (and the separators numbers use, ``[0-9 .:/()+-]``) holding at least 4
#: (9) digits, in the byte image ``_RUN_BYTES`` makes: where a card, an SSN, an IPv4 address
#: or a phone number's digits can be (none spans two runs).
#: (``(?<!dd)``: a digit right after a digit is not where a run starts; the search tried the
#: one before it, which had more digits ahead.)
_RUN4_BYTES = re.compile(rb"d(?<!dd)(?:[phs]*d){3}[dphs]*")
_RUN9_BYTES = re.compile(rb"d(?<!dd)(?:[phs]*d){8}[dphs]*")
_RUN_BYTES = bytes(
    ord(
        "d" if "0" <= chr(i) <= "9" else "p" if chr(i) == "." else "h" if chr(i) == "-"
        else "s" if chr(i) in " :/()+" else " "
    )
    for i in range(256)
)  # fmt: skip
#: Upper-case letters -> U, lower-case ones -> l, digits -> d (ASCII), the rest -> a space.
_CASE_BYTES = bytes(
    ord(
        "U" if "A" <= chr(i) <= "Z"
        else "l" if "a" <= chr(i) <= "z"
        else "d" if "0" <= chr(i) <= "9"
        else " "
    )
    for i in range(256)
)  # fmt: skip


def _iban_may_start(text: str) -> bool:
    """Two letters of one case and two digits (where an IBAN starts) in the ASCII ``text``:
    two substring tests on a byte-table image of it."""
    t = text.encode("ascii").translate(_CASE_BYTES)
    return b"UUdd" in t or b"lldd" in t


def _run_windows(text: str, has_digit: bool) -> dict[int, list[Window]]:
    """Per numeric pattern, the runs of digits (ASCII text) that can hold one of its matches.

    Every character a card, an SSN, an IPv4 address or a phone number's digits are made of is
    a run character (``[0-9 .:/()+-]``) and they start with a digit, so each match lies in one
    maximal run from its first digit (a phone number's ``+(`` at most 2 characters before
    it); a run with fewer digits than a kind needs cannot hold one, and matches in different
    runs never overlap, so searching each long-enough run (its next character included, for
    the look-aheads) finds what a search of the whole text finds, in a fraction of the time.
    A phone number that does not start with "+" is read as a US one and needs 10 or 11
    digits, so a run with 7 to 9 (a date, an invoice number) is searched only after a "+".
    """
    # keyed by the pattern's id: hashing a compiled pattern hashes its code, every time
    card: list[Window] = []
    ssn: list[Window] = []
    ipv4: list[Window] = []
    phone: list[Window] = []
    out = {id(_CARD): card, id(_SSN): ssn, id(_IPV4): ipv4, id(_PHONE): phone}
    if not has_digit:
        return out
    n = len(text)
    # searched in a byte image of the (ASCII) text: digits -> d, "." -> p, "-" -> h, the other
    # separators -> s (a third of the time of the same search on the text). Without a "+"
    # a phone needs 10 digits, and without digit-dot-digit there is no IPv4 address: only
    # runs of 9 digits or more can then hold a match.
    img = text.encode("ascii").translate(_RUN_BYTES)
    runs = _RUN4_BYTES if "+" in text or b"dpd" in img else _RUN9_BYTES
    for m in runs.finditer(img):
        lo, end = m.span()
        hi = min(n, end + 1)
        got = m.group()
        if got.count(b"p") >= 3:
            ipv4.append((lo, hi))
        digits = got.count(b"d")
        if digits >= 7:
            # read as a US number a phone has 10 or 11 digits; fewer only after a "+"
            if digits >= 10 or "+" in text[max(0, lo - 2) : hi]:
                phone.append((max(0, lo - 2), hi))
            if digits >= 9 and got.count(b"h") >= 2:
                ssn.append((lo, hi))
            if digits >= 13:
                card.append((lo, hi))
    return out


def _find(text: str, whole: bool) -> list[Match]:
    taken: list[Match] = []
    # The taken spans never overlap, so sorted by start their ends are sorted too: a new span
    # overlaps one iff the last that starts before its end ends after its start (a bisect, not
    # a walk over every match: that walk made a text with thousands of matches quadratic).
    starts: list[int] = []
    ends: list[int] = []
    cache: dict[object, list[Window]] = {}
    count = not whole and text.isascii()
    has_digit = count and any(d in text for d in "0123456789")
    runs = _run_windows(text, has_digit) if count else {}
    for kind, rx, valid, where in _FINDERS:
        if whole:
            windows = [(0, len(text))]
        elif id(rx) in runs:
            windows = runs[id(rx)]
        elif rx is _IBAN and count and not (has_digit and _iban_may_start(text)):
            windows = []
        elif where in cache:
            windows = cache[where]
        else:
            windows = cache[where] = where(text)
        for lo, hi in windows:
            for m in rx.finditer(text, lo, hi):
                start, end = m.span(m.lastgroup) if m.lastgroup else m.span()
                if valid is not None:
                    if not (kept := valid(m.group(0), text, start)):
                        continue
                    end = start + kept
                i = bisect.bisect_left(starts, end)
                if i and ends[i - 1] > start:
                    continue
                # An empty span at a taken one's start sorts before it: both lists stay sorted.
                j = (bisect.bisect_left if start == end else bisect.bisect_right)(starts, start)
                starts.insert(j, start)
                ends.insert(j, end)
                taken.append(Match(kind, start, end))
    return sorted(taken, key=lambda m: m.start)


def redact(text: str, matches: list[Match] | None = None) -> str:
    """``text`` with every match replaced by its mask."""
    out: list[str] = []
    at = 0
    for m in find(text) if matches is None else matches:
        out += [text[at : m.start], m.mask]
        at = m.end
    out.append(text[at:])
    return "".join(out)
