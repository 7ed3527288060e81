"""Everything around the three picks: guardrails, cautions, next steps and the try-it scenario."""

from __future__ import annotations

from agentlab.advisor.knowledge import Knowledge
from agentlab.advisor.profile import Profile
from agentlab.advisor.recommendation import Basis, Guardrails, TryIt

TRIFECTA = ("private_data", "untrusted_input", "exfiltration")


def guardrails(p: Profile, kb: Knowledge) -> tuple[Guardrails, str, Basis]:
    """The Guardrail Sandwich for compliance or the lethal trifecta; else the baseline layer."""
    legs = [kb.lethal_trifecta[i] for i, k in enumerate(TRIFECTA) if getattr(p, k)]
    trifecta = (
        "Lethal trifecta: "
        + ", ".join(kb.lethal_trifecta)
        + ": all three together make a vulnerability."
    )
    sandwich = (
        "Guardrail Sandwich: "
        + " → ".join(layer.split(":")[0] + " layer" for layer in kb.guardrail_layers)
        + "."
    )
    reasons = []
    if p.lethal_trifecta:
        reasons.append(
            "your agents have all three legs of the lethal trifecta (private data, untrusted "
            "input, a way to send data out); the sandwich cuts the path between them, and "
            "removing one leg (least privilege) is stronger still"
        )
    if p.compliance:
        reasons.append(
            "regulated data or an audit trail calls for it, with human approval gates at high-risk points"
        )
    keys = tuple(k for k in ("compliance", *TRIFECTA) if getattr(p, k)) or ("compliance", *TRIFECTA)
    if reasons:
        why = f"The full Guardrail Sandwich: {'; and '.join(reasons)}."
        return Guardrails(True, kb.guardrail_layers), why, Basis(keys, f"{sandwich} {trifecta}")
    if len(legs) == 2:
        missing = next(
            leg for leg, k in zip(kb.lethal_trifecta, TRIFECTA, strict=True) if not getattr(p, k)
        )
        why = (
            f"Two legs of the lethal trifecta ({legs[0]}, {legs[1]}) but not {missing}: keep it "
            "that way, or the full sandwich becomes necessary. Start with the reasoning layer: "
            "least-privilege tools and step limits."
        )
        return Guardrails(False, kb.guardrail_baseline), why, Basis(keys, trifecta)
    why = (
        "No regulated data and no lethal trifecta, so the full sandwich is not called for. "
        "Start with the reasoning layer every agent needs: least-privilege tools and step limits."
    )
    return Guardrails(False, kb.guardrail_baseline), why, Basis(keys, f"{sandwich} {trifecta}")


def since_tag(kb: Knowledge) -> str:
    """How a fact from agentlab's note is introduced wherever it appears."""
    checked = kb.since.checked if kb.since else ""
    return f"Since the article (agentlab's note, checked {checked})"


def cautions(p: Profile, framework: str, monitoring: str, kb: Knowledge) -> list[str]:
    out: list[str] = []
    if kb.since is not None:  # e.g. AutoGen's maintenance mode: on top, labelled and dated
        out += [
            f"{since_tag(kb)}: {n.text}"
            for n in kb.since.notes
            if n.caution and framework in n.applies_to
        ]
    if kb.since is not None and p.open_source and monitoring == "arize-phoenix":
        # The tree's "fully open source" leaf, against agentlab's note on Phoenix's licence.
        out += [
            f"{since_tag(kb)}: you asked for fully open source. {n.text}"
            for n in kb.since.notes
            if n.id == "phoenix-licence"
        ]
    if framework == "openai-swarm":
        out.append(
            "OpenAI Swarm is experimental and officially not for production: no tracing, no "
            "monitoring, no checkpoint or replay. Move to the OpenAI Agents SDK or LangGraph "
            "before anything ships."
        )
    if framework == "autogen":
        out.append(
            "AutoGen's turn count and cost are unpredictable (cost controllability: low): cap "
            "turns, tokens and cost per session before the first real run."
        )
    if framework == "anthropic-orchestrator-worker":
        out.append(
            "Orchestrator-worker is token-heavy (cost controllability: low): use smaller models "
            "for the workers and a large one only for the lead."
        )
    if framework == "crewai":
        out.append(
            "CrewAI has limited complex routing and few large-scale production cases; plan for "
            "a LangGraph rewrite if the prototype heads to production."
        )
    if framework == "langgraph":
        out.append(
            "LangGraph has a steep learning curve and is over-engineered for simple cases; "
            "budget time to learn it and keep the first graph small."
        )
    if p.agents == "multi":
        out.append(
            "Multi-agent systems use about 15x the tokens of a chat interaction (a single agent "
            "about 4x). Set hard token and cost caps per agent and per session."
        )
        out.append(
            "Multi-agent from day one is the most common mistake: prove the flow with a single "
            "agent + solid observability, and add agents only where evaluation shows one falls "
            "short."
        )
    elif p.agents == "single":
        out.append(
            "Starting with a single agent + observability is the article's advice: an agent "
            "already uses about 4x the tokens of chat, and multi-agent about 15x."
        )
    if p.lethal_trifecta:
        out.append(
            "Your agents combine private data, untrusted input and a way to send data out: the "
            "lethal trifecta. Remove one leg where you can (least privilege), and guard the "
            "rest with the full sandwich."
        )
    elif p.workflow == "high-value-research" and p.agents == "multi":
        out.append(
            "Research agents read untrusted documents. If they can also reach private data and "
            "send data out, that is the lethal trifecta; remove at least one of the three."
        )
    if p.compliance or p.untrusted_input:
        out.append(
            "Indirect prompt injection through documents and tool results beats direct "
            "injection; treat every tool output and retrieved document as untrusted input."
        )
    if p.org == "large-enterprise" or p.role == "decision-maker":
        cancelled, washing = kb.figure("gartner-cancelled"), kb.figure("agent-washing")
        out.append(
            f"{cancelled.text} ({cancelled.source}.) Beware 'agent washing': "
            f"{washing.text[0].lower()}{washing.text[1:]}"
        )
    tool = kb.monitoring[monitoring]
    if tool.overhead[:1].isdigit():  # only the tools the article gives a real overhead for
        volume = f" at {p.sessions_per_day:,} sessions a day" if p.sessions_per_day else ""
        out.append(
            f"{tool.name}'s overhead is {tool.overhead}: measure latency with it on{volume} "
            "(LangSmith's is ~0%, async tracing)."
        )
    if monitoring in ("braintrust", "maxim-ai") and p.tooling_budget == "limited":
        out.append(
            f"{tool.name} is a commercial suite (not open source) and your tooling budget is "
            "limited: price it before you commit, or self-host Langfuse (MIT)."
        )
    return out


_EVAL_HINT = {
    "single": "the core tasks the agent must get right",
    "learning": "small tasks, then compare runs as you change the agents",
    "complex-branching": "one per major branch of the workflow",
    "multi-role-prototype": "one per role and one end to end",
    "conversational": "include conversations that should end early",
    "high-value-research": "questions with known good answers and sources",
}


def next_steps(p: Profile, monitoring: str, kb: Knowledge) -> list[str]:
    tool = kb.monitoring[monitoring].name
    step1, step2, step3, step4 = kb.start_today
    scope = "every agent, LLM call and tool call" if p.agents == "multi" else "every step"
    hint = _EVAL_HINT[p.workflow if p.agents == "multi" and p.workflow else p.agents]
    caps = "per agent and per session" if p.agents == "multi" else "per session"
    tight = p.agents == "multi" and p.budget == "limited"  # budget is only asked for teams
    steps = [
        f"{step1.rstrip('.')}: send {scope} to {tool} from the first run.",
        f"{step2.rstrip('.')} ({hint}) and run them as regression tests in CI.",
        f"{step3.rstrip('.')}: caps {caps}"
        + ("; start tight, your budget is limited." if tight else ".")
        + (" Cap conversation turns too." if p.workflow == "conversational" else ""),
        f"{step4.rstrip('.')}"
        + ("; log every tool call for the audit trail." if p.compliance else ": least privilege."),
    ]
    if p.compliance:
        steps.append(
            "Add human approval gates at high-risk points (payments, customer-data changes), a "
            "confidence threshold below which the agent hands over to a person, and PII-leak "
            "detection on what is stored."
        )
    if p.role == "tech-lead":
        steps.append(
            "Before development starts, write down the guardrail strategy and the cost budget "
            "(the article's advice for tech leads)."
        )
    if p.org == "large-enterprise" or p.role == "decision-maker":
        steps.append(
            "Set a go/stop date: from proof of concept to scalable production within 90 days, "
            "or stop."
        )
    return steps


def _try(path: str, about: str, also: TryIt | None = None) -> TryIt:
    return TryIt(scenario=path, command=f"agentlab run {path}", about=about, also=also)


def try_it(p: Profile, framework: str, pattern: str, kb: Knowledge) -> TryIt:
    """The scenario whose declared pattern is the recommended one.

    For high-value research with the orchestrator-worker framework, the card still leads with
    the parallel scenario (the pattern it names) and adds the orchestrator-worker scenario, the
    Anthropic form of the same fan-out, as `also`, saying how the two relate.
    """
    if p.agents == "single":
        return _try(kb.try_it["single-agent"], "one agent with tools answering a question")
    about = kb.patterns[pattern].summary
    if pattern == "parallel" and framework == "anthropic-orchestrator-worker":
        also = _try(
            kb.try_it["orchestrator-worker"],
            "the orchestrator-worker form of the parallel pattern, as your framework pick "
            "builds it: a lead agent plans, delegates the angles to parallel workers and "
            "writes the answer from theirs.",
        )
        about += (
            " Anthropic's orchestrator-worker (your framework pick) adds a lead that plans the "
            "angles: see research_team."
        )
        return _try(kb.try_it[pattern], about, also)
    return _try(kb.try_it[pattern], about)


def summary_row(framework: str, monitoring: str, pattern: str, kb: Knowledge) -> str | None:
    for row in kb.summary:
        if (row.framework, row.pattern) == (framework, pattern) and row.monitoring in (
            "",
            monitoring,
        ):
            return row.id
    return None
