"""What the answers that never decide a pick add to a card: the article's advice by reader type,
provider notes and alternatives, and the facts of agentlab's dated note that concern the card.
"""

from __future__ import annotations

from agentlab.advisor.knowledge import Knowledge
from agentlab.advisor.profile import ROLES, Profile
from agentlab.advisor.recommendation import Alternative, ReaderAdvice, SinceItem


def reader_advice(p: Profile, kb: Knowledge) -> tuple[ReaderAdvice, ...]:
    """The advice for the stated reader type; for every type when none is stated."""
    roles = (p.role,) if p.role else ROLES
    return tuple(ReaderAdvice(r, kb.advice[r], r == p.role) for r in roles if r in kb.advice)


def provider_notes(p: Profile, framework: str, kb: Knowledge) -> list[str]:
    provider = p.model_provider
    if provider == "anthropic" and p.agents != "learning":
        if framework == "anthropic-orchestrator-worker":
            return [
                "You use Claude, the provider of your framework pick: a large model for the "
                "lead only and smaller ones for the workers (the article's example: an Opus 4 "
                "lead with Sonnet 4 workers)."
            ]
        return [
            "You use Claude, which points toward Anthropic's orchestrator-worker pattern once a "
            "team of agents has earned its ~15x tokens: a lead model plans and delegates to "
            "parallel worker subagents (the article's example: an Opus 4 lead with Sonnet 4 "
            "workers)."
        ]
    if provider == "openai" and p.agents != "learning":
        if framework == "openai-agents-sdk":
            return ["You use OpenAI, the provider of your framework pick."]
        return [
            "You use OpenAI, which points toward the OpenAI Agents SDK, Swarm's production "
            "successor: the article's pick (with LangGraph) for a single agent with tool calls."
        ]
    return []


def extra_alternatives(
    p: Profile, framework: str, monitoring: str, kb: Knowledge
) -> list[Alternative]:
    """Alternatives the role and the provider add (never replacing a pick)."""
    alt = Alternative
    out: list[Alternative] = []
    provider = p.model_provider
    if (
        provider == "anthropic"
        and p.agents == "multi"
        and framework != "anthropic-orchestrator-worker"
    ):
        out.append(
            alt(
                "anthropic-orchestrator-worker",
                "framework",
                "you use Claude: a lead model plans and delegates to parallel workers",
            )
        )
    if provider == "openai" and p.agents != "learning" and framework != "openai-agents-sdk":
        out.append(
            alt("openai-agents-sdk", "framework", "you use OpenAI: Swarm's production successor")
        )
    # agentlab's note (§9): frameworks the article does not cover, where the provider points
    # at its own (never for a learner, whose pick is the teaching one).
    if provider == "google" and p.agents != "learning" and kb.is_since("google-adk"):
        out.append(
            alt(
                "google-adk",
                "framework",
                "you use Gemini: Google's own Agent Development Kit",
                since=True,
            )
        )
    if provider == "anthropic" and p.agents == "single" and kb.is_since("claude-agent-sdk"):
        out.append(
            alt(
                "claude-agent-sdk",
                "framework",
                "you use Claude: Anthropic's own agent harness (formerly the Claude Code SDK)",
                since=True,
            )
        )
    if p.role == "engineer" and p.agents != "learning":
        why = "the article's start for engineers new to agents: CrewAI + Langfuse, one agent first"
        if framework != "crewai":
            out.append(alt("crewai", "framework", why))
        if monitoring != "langfuse":
            out.append(alt("langfuse", "monitoring", why))
    if p.role == "tech-lead" and p.agents != "learning" and framework != "langgraph":
        out.append(
            alt(
                "langgraph",
                "framework",
                "the article's advice for tech leads: LangGraph + a full observability stack",
            )
        )
    return out


def merge_alternatives(
    *groups: list[Alternative] | tuple[Alternative, ...],
) -> tuple[Alternative, ...]:
    """Alternatives in order, the first of each (id, kind) kept."""
    seen: set[tuple[str, str]] = set()
    out: list[Alternative] = []
    for group in groups:
        for a in group:
            if (a.id, a.kind) not in seen:
                seen.add((a.id, a.kind))
                out.append(a)
    return tuple(out)


def since_items(
    framework: str, monitoring: str, alternatives: tuple[Alternative, ...], kb: Knowledge
) -> tuple[SinceItem, ...]:
    """The facts of agentlab's note that concern the picks and alternatives on this card."""
    if kb.since is None:
        return ()
    ids = {framework, monitoring, *(a.id for a in alternatives), "*", "matrix"}
    return tuple(
        SinceItem(n.id, n.text, n.sources) for n in kb.since.notes if ids & set(n.applies_to)
    )
