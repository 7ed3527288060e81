"""What flips: change answers (``--set key=value``, or one answer on the TUI card) and compare.

Pure: parses the settings against the profile contract and diffs two recommendations.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from agentlab.advisor.profile import BOOLS, COUNTS, Profile, ProfileError
from agentlab.advisor.recommendation import Recommendation

_NONE = ("none", "null", "")
_TRUE = ("true", "yes", "y", "1", "on")
_FALSE = ("false", "no", "n", "0", "off")
_NULLABLE = ("workflow", "role", "provider", "tooling_budget", "model", "sessions_per_day")


def _coerce(key: str, text: str) -> Any:
    low = text.strip().lower()
    if key in _NULLABLE and low in _NONE:
        return None
    if key in BOOLS:
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        return text  # the profile names the key and the values it accepts
    if key in COUNTS:
        try:
            return int(low.replace(",", "").replace("_", ""))
        except ValueError:
            return text
    return text.strip()


def parse_sets(items: Iterable[str]) -> dict[str, Any]:
    """``["departments=2", "role=engineer"]`` → ``{"departments": 2, "role": "engineer"}``.

    Raises ProfileError (one line, naming the setting) for a malformed item or an unknown key.
    """
    out: dict[str, Any] = {}
    allowed = Profile.field_names()
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ProfileError(f"--set {item}: expected KEY=VALUE, e.g. --set departments=2")
        if key not in allowed:
            raise ProfileError(
                f"--set {item}: unknown key {key!r}; allowed keys: {', '.join(allowed)}"
            )
        out[key] = _coerce(key, value)
    return out


def apply_sets(base: Mapping[str, Any], sets: Mapping[str, Any]) -> Profile:
    """`base` (a profile's answers) with `sets` applied, validated as a complete profile.

    Setting `agents` to anything but "multi" drops the base's `workflow` (only a team of agents
    has one) unless `workflow` is set too. Errors name the setting that caused them.
    """
    data = {k: v for k, v in base.items() if v is not None}
    if "agents" in sets and sets["agents"] != "multi" and "workflow" not in sets:
        data.pop("workflow", None)
    data.update(sets)
    try:
        return Profile.from_mapping(data, complete=True)
    except ProfileError as exc:
        shown = ", ".join(f"{k}={_show(v)}" for k, v in sets.items())
        raise ProfileError(f"--set {shown}: {exc}") from None


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "none" if value is None else str(value)


@dataclass(frozen=True)
class Flip:
    pick: str
    """"framework", "monitoring", "pattern" or "guardrails"."""
    before: str
    after: str


def flips(before: Recommendation, after: Recommendation) -> list[Flip]:
    """The picks that changed, in card order."""
    a, b = before.picks(), after.picks()
    return [Flip(k, a[k], b[k]) for k in a if a[k] != b[k]]


def changed_answers(before: Profile, after: Profile) -> dict[str, tuple[Any, Any]]:
    """Profile keys whose value differs: key → (before, after)."""
    return {
        k: (getattr(before, k), getattr(after, k))
        for k in Profile.field_names()
        if getattr(before, k) != getattr(after, k)
    }
