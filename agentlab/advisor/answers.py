"""Answers as a person reads them ("Because you answered ..."), and back to the questionnaire's
answers (for changing one of them)."""

from __future__ import annotations

from typing import Any

from agentlab.advisor.profile import Profile
from agentlab.advisor.questions import BY_KEY, MODEL_CHOICE, MONITORING_PREFERENCE, QUESTIONS


def to_answers(profile: Profile) -> dict[str, Any]:
    """The questionnaire's answers that give `profile` back (for changing one of them)."""
    out: dict[str, Any] = {}
    for q in QUESTIONS:
        if q.key == MONITORING_PREFERENCE:
            out[q.key] = (
                "langchain"
                if profile.stack == "langchain"
                else "self-host"
                if profile.self_host
                else "agent-specific"
                if profile.agent_specific
                else "all-in-one"
                if profile.all_in_one
                else "none"
            )
        elif q.key == MODEL_CHOICE:
            values = {c.value for c in q.choices}
            if profile.model in values:
                out[q.key] = profile.model
            elif profile.model is not None or profile.provider is not None:
                out[q.key] = "other"
            else:
                out[q.key] = "undecided"
        else:
            out[q.key] = getattr(profile, q.key)
    return out


KEY_LABELS: dict[str, str] = {
    "agents": "what you build",
    "workflow": "how the agents work together",
    "org": "organisation",
    "departments": "business units running agents",
    "platform": "one platform serving the units",
    "compliance": "regulated data or audit trail",
    "private_data": "private data",
    "untrusted_input": "untrusted input",
    "exfiltration": "a way to send data out",
    "budget": "token budget",
    "tooling_budget": "monitoring tooling budget",
    "stack": "stack",
    "self_host": "must self-host monitoring",
    "open_source": "monitoring fully open source",
    "agent_specific": "agent-specific monitoring",
    "all_in_one": "enterprise all-in-one monitoring",
    "role": "your role",
    "provider": "model provider",
    "model": "model",
    "sessions_per_day": "sessions a day",
    "language": "language",
}


def answer_text(profile: Profile, key: str) -> str:
    """One answer as a person reads it, e.g. "organisation: A mid-size company"."""
    value = getattr(profile, key)
    if isinstance(value, bool):
        shown = "yes" if value else "no"
    elif key in BY_KEY and value is not None:
        shown = BY_KEY[key].label_of(value)
    elif key == "stack":
        shown = "LangChain" if value == "langchain" else "none"
    elif key == "language" and value is not None:
        shown = {"python": "Python", "typescript": "TypeScript"}.get(value, value)
    elif value is None:
        shown = "not stated"
    else:
        shown = f"{value:,}" if isinstance(value, int) else str(value)
    return f"{KEY_LABELS.get(key, key)}: {shown}"
