"""PII and secret detection and masking for the output layer (and ``agentlab guard scan``).

Kinds: ``email``, ``phone`` (parsed with ``phonenumbers``: a valid number, international or
US), ``credit_card`` (Luhn-valid only, ``stdnum.luhn``), ``ssn`` (US, with the impossible
areas left out), ``iban`` (checksum-valid, ``stdnum.iban``), ``api_key`` (OpenAI, Anthropic,
AWS, GitHub, GitLab, Slack, Stripe, Google, Hugging Face, npm, bearer tokens), ``private_key``
(PEM/OpenSSH private key blocks) and ``ip_address`` (IPv4 and IPv6, validated). A mask keeps
the kind: ``[EMAIL]``, ``[CREDIT_CARD]``, ... Offsets are into the text as given.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from stdnum import iban as _iban
from stdnum import luhn

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
    r"|(?<=Bearer )[A-Za-z0-9._~+/-]{20,}=*"
    r"|(?i:(?<=aws_secret_access_key)\s*[=:]\s*)[A-Za-z0-9/+]{40}\b"
)
_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
_SSN = re.compile(r"(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){2,7}(?::|[0-9A-Fa-f]{1,4})(?![\w:])|::1\b")
_PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d ().-]{6,18}\d(?!\w)")


def _card(s: str) -> bool:
    digits = re.sub(r"\D", "", s)
    return 13 <= len(digits) <= 19 and luhn.is_valid(digits) and len(set(digits)) > 1


def _ip(s: str) -> bool:
    try:
        ipaddress.ip_address(s)
    except ValueError:
        return False
    return True


def _phone(s: str) -> bool:
    digits = re.sub(r"\D", "", s)
    if not 7 <= len(digits) <= 15 or re.fullmatch(r"\d{4}-\d{2}-\d{2}", s.strip()):
        return False
    import phonenumbers  # here: ~40 ms to import, and most runs never see a phone-like text

    try:
        n = phonenumbers.parse(s, None if s.startswith("+") else "US")
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(n)


_KEY_HINTS = (
    "sk-", "AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ghp_", "gho_", "ghu_", "ghs_", "ghr_",
    "github_pat_", "glpat-", "xox", "_live_", "_test_", "AIza", "hf_", "npm_", "SG.", "eyJ",
    "Bearer ", "ws_secret_access_key", "WS_SECRET_ACCESS_KEY",
)  # fmt: skip
_DIGIT = re.compile(r"\d\d")


def _has_key(text: str) -> bool:
    return any(h in text for h in _KEY_HINTS)


def _has_digits(text: str) -> bool:
    return _DIGIT.search(text) is not None


#: Kinds in priority order: an earlier kind's span wins an overlap. Each finder runs only when
#: a cheap test says the text may hold one (most text holds none: a 1 KB message costs a few
#: substring tests, not nine regular-expression passes).
_FINDERS: list[tuple[PiiKind, re.Pattern[str], object, Callable[[str], bool]]] = [
    ("private_key", _PRIVATE_KEY, None, lambda t: "PRIVATE KEY" in t),
    ("api_key", _API_KEY, None, _has_key),
    ("email", _EMAIL, None, lambda t: "@" in t),
    ("iban", _IBAN, lambda s: _iban.is_valid(s), _has_digits),
    ("credit_card", _CARD, _card, _has_digits),
    ("ssn", _SSN, None, lambda t: "-" in t and _has_digits(t)),
    ("ip_address", _IPV4, _ip, lambda t: "." in t and _has_digits(t)),
    ("ip_address", _IPV6, _ip, lambda t: t.count(":") >= 2),
    ("phone", _PHONE, _phone, _has_digits),
]


def find(text: str) -> list[Match]:
    """Every PII or secret span in ``text``, in order, without overlaps."""
    taken: list[Match] = []
    digits = _has_digits(text)
    quiet = not digits and "@" not in text and text.count(":") < 2
    if quiet and not _has_key(text) and "PRIVATE KEY" not in text:
        return taken
    for kind, rx, valid, may in _FINDERS:
        if not (digits if may is _has_digits else may(text)):
            continue
        for m in rx.finditer(text):
            start, end = m.span()
            if callable(valid) and not valid(m.group(0)):
                continue
            if any(start < t.end and t.start < end for t in taken):
                continue
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
