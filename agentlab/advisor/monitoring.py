"""The rule that picks a monitoring tool: the article's monitoring tree, then inference.

A stated preference walks the tree. Stated requirements come first: "must be open source" and
"must self-host" are constraints a closed SaaS cannot meet, so they outrank the ecosystem fit
of "already on LangChain". With no preference the tool is inferred from the rest of the
profile, in this order: the large multi-department row (Braintrust), teaching, research (the
article pairs research with Arize Phoenix, so it is decided before "LangGraph implies the
LangChain ecosystem"), the framework's ecosystem, then the organisation.
"""

from __future__ import annotations

from agentlab.advisor.knowledge import Knowledge
from agentlab.advisor.picks import Pick, branch, sos_keys, summary_text
from agentlab.advisor.profile import Profile
from agentlab.advisor.recommendation import Alternative, Basis


def _alt(tool: str, when: str) -> tuple[Alternative, ...]:
    return (Alternative(tool, "monitoring", when),)


def _overhead(kb: Knowledge, tool: str) -> str:
    return f"Monitoring table: {kb.monitoring[tool].name}'s overhead is {kb.monitoring[tool].overhead}."


def _langsmith_traffic(p: Profile) -> str:
    if p.sessions_per_day is None:
        return " Its async tracing adds ~0% overhead, which counts most under heavy traffic."
    return (
        f" Its async tracing adds ~0% overhead, which counts at {p.sessions_per_day:,} "
        "sessions a day (Langfuse's is 15%, AgentOps.ai's 12%)."
    )


def pick_monitoring(p: Profile, framework: str, fw_keys: tuple[str, ...], kb: Knowledge) -> Pick:
    """`fw_keys` are the answers that decided `framework` (the ecosystem inference rests on them)."""

    def tree(leaf: str) -> str:
        return f"Monitoring tree: {branch(kb, 'monitoring', leaf)}."

    if p.open_source:
        keys = ("self_host", "open_source") if p.self_host else ("open_source",)
        return Pick(
            "arize-phoenix",
            "tree:self-host-open-source",
            "You need the whole monitoring stack fully open source; that can always be "
            "self-hosted.",
            _alt(
                "langfuse",
                "if you need an OSI open-source licence (its core is MIT) and cost tracking",
            ),
            Basis(keys, tree("self-host-open-source")),
        )
    if p.self_host:
        why = "You need to self-host; Langfuse is MIT licensed and tracks cost."
        if p.tooling_budget == "ample":
            why += (
                " Your tooling budget is ample, a case the tree leaves open; agentlab's rule "
                "keeps Langfuse."
            )
        elif p.tooling_budget is None:
            why += " Your tooling budget is not stated; the tree's leaf is for a limited one."
        return Pick(
            "langfuse",
            "tree:self-host-limited-budget",
            why,
            _alt("arize-phoenix", "if the whole stack must be fully open source"),
            Basis(("self_host", "tooling_budget"), tree("self-host-limited-budget")),
        )
    if p.stack == "langchain":
        return Pick(
            "langsmith",
            "tree:langchain",
            "You are already on LangChain: LangSmith integrates natively." + _langsmith_traffic(p),
            _alt("langfuse", "if you later need self-hosting or open source"),
            Basis(("stack",), f"{tree('langchain')} {_overhead(kb, 'langsmith')}"),
        )
    if p.agent_specific:
        return Pick(
            "agentops",
            "tree:agent-specific",
            "You want agent-specific depth: session replay and recursive thought detection.",
            _alt("langfuse", "if cost tracking and prompt management matter more"),
            Basis(("agent_specific",), f"{tree('agent-specific')} {_overhead(kb, 'agentops')}"),
        )
    if p.all_in_one:
        return Pick(
            "braintrust",
            "tree:enterprise",
            "You want one enterprise suite: comprehensive traces with automated evaluation.",
            _alt("maxim-ai", "for the fastest enterprise rollout, with pre-release testing"),
            Basis(("all_in_one",), tree("enterprise")),
        )

    inferred = "No monitoring preference given, so inferred: "
    if p.supervisor_of_supervisors:
        return Pick(
            "braintrust",
            "infer:large-multi-department",
            f"{inferred}a large multi-department organisation wants one enterprise suite.",
            _alt("maxim-ai", "for the fastest enterprise rollout, with pre-release testing"),
            Basis(
                sos_keys(p),
                f"{summary_text(kb, 'large-multi-department')}. {tree('enterprise')}",
            ),
        )
    if p.agents == "learning" or p.org == "education":
        keys = ("agents",) if p.agents == "learning" else ("org",)
        return Pick(
            "arize-phoenix",
            "infer:teaching",
            f"{inferred}agentlab's rule: Arize Phoenix runs locally for free and reads "
            "OpenTelemetry traces, so learners can see every step without an account; Swarm "
            "has no tracing of its own.",
            _alt("langfuse", "if you also want prompt management and cost tracking"),
            Basis(keys, f"{summary_text(kb, 'teaching')} (the article names no tool)."),
        )
    research_keys = tuple(
        k
        for k, yes in (
            ("org", p.org == "research"),
            ("workflow", p.workflow == "high-value-research"),
        )
        if yes
    )
    if research_keys or framework == "anthropic-orchestrator-worker":
        return Pick(
            "arize-phoenix",
            "infer:research",
            f"{inferred}research pairs with Arize Phoenix: distributed tracing across "
            "parallel workers, open source.",
            _alt("langfuse", "if per-session cost tracking is what you need most"),
            Basis(research_keys or fw_keys, f"{summary_text(kb, 'high-value-research')}."),
        )
    if framework == "langgraph":
        return Pick(
            "langsmith",
            "infer:langgraph-ecosystem",
            f"{inferred}LangGraph lives in the LangChain ecosystem and LangSmith integrates "
            "natively." + _langsmith_traffic(p),
            _alt("langfuse", "if you need self-hosting or open source"),
            Basis(fw_keys, f"{tree('langchain')} {_overhead(kb, 'langsmith')}"),
        )
    if framework == "autogen":
        return Pick(
            "agentops",
            "infer:autogen-loops",
            f"{inferred}AutoGen conversations can run away, and AgentOps.ai's recursive "
            "thought detection catches exactly that (agentlab's rule).",
            _alt("langfuse", "if cost tracking and prompt management matter more"),
            Basis(fw_keys, f"{tree('agent-specific')} {_overhead(kb, 'agentops')}"),
        )
    if p.org == "large-enterprise":
        return Pick(
            "braintrust",
            "infer:enterprise",
            f"{inferred}a large enterprise wants an all-in-one suite.",
            _alt("maxim-ai", "for the fastest enterprise rollout, with pre-release testing"),
            Basis(("org",), tree("enterprise")),
        )
    return Pick(
        "langfuse",
        "infer:small-team",
        f"{inferred}a small or mid-size team needs tracing and cost tracking on a small bill.",
        _alt("arize-phoenix", "if the whole stack must be fully open source"),
        Basis(
            ("org",),
            f"{summary_text(kb, 'quick-prototype')}. Framework tree note: small teams need "
            "tracing and cost monitoring even with one agent.",
        ),
    )
