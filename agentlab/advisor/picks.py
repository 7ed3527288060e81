"""The rules that pick a framework, a monitoring tool and a pattern from a `Profile`.

They follow the article's framework tree, monitoring tree, pattern table and one-table summary;
where the article is silent, the reason says "agentlab's rule". Each pick carries a rule id
(`tree:<leaf>`, `summary:<row>`, `infer:<why>` or `rule:<name>`) that tests walk.
"""

from __future__ import annotations

from dataclasses import dataclass

from agentlab.advisor.knowledge import Knowledge
from agentlab.advisor.profile import MANY_BUSINESS_UNITS, Profile
from agentlab.advisor.recommendation import Alternative


@dataclass(frozen=True)
class Pick:
    """One pick with the rule id that decided it, its reason and its alternatives."""

    id: str
    rule: str
    why: str
    alternatives: tuple[Alternative, ...] = ()


def _branch(kb: Knowledge, tree: str, leaf_id: str) -> str:
    t = kb.framework_tree if tree == "framework" else kb.monitoring_tree
    leaf = t.leaf(leaf_id)
    names = " or ".join(kb.name_of(p) for p in leaf.picks)
    return f"{' → '.join(leaf.path)} → {names} ({leaf.why})"


# --- framework -----------------------------------------------------------------------------

_WORKFLOW_LEAF = {
    "complex-branching": "multi-complex-branching",
    "multi-role-prototype": "multi-role-prototype",
    "conversational": "multi-conversational",
    "high-value-research": "multi-research",
}


def pick_framework(p: Profile, kb: Knowledge) -> Pick:
    alt = Alternative
    if p.agents == "learning":
        return Pick(
            "openai-swarm",
            "tree:learning",
            f"Framework tree: {_branch(kb, 'framework', 'learning')}. Two concepts (agents and "
            "handoffs) and little else, so the mechanics stay visible.",
            (alt("openai-agents-sdk", "framework", "when you move what you learnt to production"),),
        )
    if p.agents == "single":
        branch = f"Framework tree: {_branch(kb, 'framework', 'single-agent')}."
        if p.stack == "langchain":
            return Pick(
                "langgraph",
                "tree:single-agent",
                f"{branch} You are already on LangChain, so LangGraph is the one of the two "
                "that fits your stack (agentlab's tie-break).",
                (
                    alt(
                        "openai-agents-sdk",
                        "framework",
                        "if you would rather not depend on LangChain",
                    ),
                ),
            )
        return Pick(
            "openai-agents-sdk",
            "tree:single-agent",
            f"{branch} With no LangChain stack to reuse, the OpenAI Agents SDK is the lighter of "
            "the two (agentlab's tie-break).",
            (
                alt(
                    "langgraph",
                    "framework",
                    "if the agent grows branching logic or needs checkpoints",
                ),
            ),
        )

    assert p.workflow is not None  # Profile guarantees it for agents = "multi"
    leaf = _WORKFLOW_LEAF[p.workflow]
    if leaf == "multi-research" and p.budget != "ample":
        pick = Pick(
            "langgraph",
            "rule:research-limited-budget",
            "Framework tree: the orchestrator-worker pattern is the article's pick for high-value "
            "research with an ample budget; yours is limited. agentlab's rule: run the same "
            "parallel fan-out in LangGraph, whose cost controllability the article rates high.",
            (
                alt(
                    "anthropic-orchestrator-worker",
                    "framework",
                    "when the research is valuable enough to pay ~15x the tokens of chat",
                ),
            ),
        )
    else:
        fw = kb.framework_tree.leaf(leaf).picks[0]
        alts = {
            "langgraph": alt(
                "crewai", "framework", "to validate the roles in a quick prototype first"
            ),
            "crewai": alt(
                "langgraph",
                "framework",
                "for production: teams often validate in CrewAI, then rewrite in LangGraph",
            ),
            "autogen": alt(
                "langgraph", "framework", "when you need predictable turn counts and cost"
            ),
            "anthropic-orchestrator-worker": alt(
                "langgraph", "framework", "when cost control matters more than breadth"
            ),
        }
        pick = Pick(
            fw, f"tree:{leaf}", f"Framework tree: {_branch(kb, 'framework', leaf)}.", (alts[fw],)
        )

    if p.many_business_units and pick.id != "langgraph":
        return Pick(
            "langgraph",
            "summary:large-multi-department",
            f"One-table summary, large multi-department: LangGraph + supervisor. "
            f"{_many_units(p)} this outranks the tree's pick for your workflow "
            f"({kb.name_of(pick.id)}), which remains an option inside a single unit.",
            (alt(pick.id, "framework", "inside one business unit, for its own team"),),
        )
    if p.many_business_units:
        why = (
            f"{pick.why} The one-table summary agrees for many business units (large "
            "multi-department): LangGraph + supervisor."
        )
        return Pick(pick.id, pick.rule, why, pick.alternatives)
    return pick


def _many_units(p: Profile) -> str:
    """The threshold in words, for the reasons that depend on it."""
    return (
        f"With {p.departments} business units running agents (agentlab counts "
        f"{MANY_BUSINESS_UNITS} or more as many, whatever the organisation's size),"
    )


# --- monitoring ----------------------------------------------------------------------------


def _mon_alt(tool: str, when: str) -> Alternative:
    return Alternative(tool, "monitoring", when)


def pick_monitoring(p: Profile, framework: str, kb: Knowledge) -> Pick:
    def tree(leaf: str, extra: str = "") -> str:
        return f"Monitoring tree: {_branch(kb, 'monitoring', leaf)}.{extra}"

    # Stated requirements first: "must be open source" and "must self-host" are constraints that
    # a closed SaaS cannot meet, so they outrank the ecosystem fit of "already on LangChain".
    if p.open_source:
        return Pick(
            "arize-phoenix",
            "tree:self-host-open-source",
            tree("self-host-open-source", " A fully open-source stack can always be self-hosted."),
            (
                _mon_alt(
                    "langfuse", "if MIT-licensed open source is enough and you want cost tracking"
                ),
            ),
        )
    if p.self_host:
        extra = ""
        if p.budget == "ample":
            extra = (
                " Your budget is ample, a case the tree leaves open; agentlab's rule keeps "
                "Langfuse: self-hostable, MIT licensed, with cost tracking."
            )
        return Pick(
            "langfuse",
            "tree:self-host-limited-budget",
            tree("self-host-limited-budget", extra),
            (_mon_alt("arize-phoenix", "if the whole stack must be fully open source"),),
        )
    if p.stack == "langchain":
        return Pick(
            "langsmith",
            "tree:langchain",
            tree("langchain"),
            (_mon_alt("langfuse", "if you later need self-hosting or open source"),),
        )
    if p.agent_specific:
        return Pick(
            "agentops",
            "tree:agent-specific",
            tree("agent-specific"),
            (_mon_alt("langfuse", "if cost tracking and prompt management matter more"),),
        )

    inferred = "No monitoring preference given, so inferred: "
    if p.large_multi_department:
        return Pick(
            "braintrust",
            "infer:large-multi-department",
            f"{inferred}a large multi-department organisation wants one enterprise suite "
            f"(one-table summary: Braintrust). {tree('enterprise')}",
            (_mon_alt("maxim-ai", "for the fastest enterprise rollout, with pre-release testing"),),
        )
    if p.agents == "learning" or p.org == "education":
        return Pick(
            "arize-phoenix",
            "infer:teaching",
            f"{inferred}the article's summary lists no monitoring tool for teaching, and Swarm "
            "has no tracing of its own. agentlab's rule: Arize Phoenix, because it is fully "
            "open source, runs locally for free and reads OpenTelemetry traces, so learners can "
            "see every step without an account.",
            (_mon_alt("langfuse", "if you also want prompt management and cost tracking"),),
        )
    if framework == "langgraph":
        return Pick(
            "langsmith",
            "infer:langgraph-ecosystem",
            f"{inferred}LangGraph lives in the LangChain ecosystem. {tree('langchain')}",
            (_mon_alt("langfuse", "if you need self-hosting or open source"),),
        )
    if (
        framework == "anthropic-orchestrator-worker"
        or p.org == "research"
        or p.workflow == "high-value-research"
    ):
        return Pick(
            "arize-phoenix",
            "infer:research",
            f"{inferred}the one-table summary pairs high-value research with Arize Phoenix: "
            "distributed tracing across parallel workers, fully open source.",
            (_mon_alt("langfuse", "if per-session cost tracking is what you need most"),),
        )
    if framework == "autogen":
        return Pick(
            "agentops",
            "infer:autogen-loops",
            f"{inferred}AutoGen conversations can run away, and AgentOps.ai's recursive thought "
            f"detection catches exactly that (agentlab's rule). {tree('agent-specific')}",
            (_mon_alt("langfuse", "if cost tracking and prompt management matter more"),),
        )
    if p.org == "large-enterprise":
        return Pick(
            "braintrust",
            "infer:enterprise",
            f"{inferred}a large enterprise wants an all-in-one suite. {tree('enterprise')}",
            (_mon_alt("maxim-ai", "for the fastest enterprise rollout, with pre-release testing"),),
        )
    return Pick(
        "langfuse",
        "infer:small-team",
        f"{inferred}a small or mid-size team needs tracing and cost tracking on a small bill; "
        "the one-table summary pairs a quick prototype / small team with Langfuse (MIT).",
        (_mon_alt("arize-phoenix", "if the whole stack must be fully open source"),),
    )


# --- pattern -------------------------------------------------------------------------------


def pick_pattern(p: Profile, kb: Knowledge) -> Pick:
    def fits(pattern: str) -> str:
        return f"{kb.patterns[pattern].name} fits {kb.patterns[pattern].fits}"

    alt = Alternative
    if p.agents == "single":
        return Pick(
            "sequential",
            "rule:single-agent",
            "A single agent has nothing to orchestrate; its steps run one after another. The "
            "pattern list has no single-agent entry, so agentlab reports the simplest one, "
            "sequential, and the try-it scenario is a single agent. When one agent falls "
            "short, split it into a sequential pipeline first.",
            (alt("hierarchical", "pattern", "if you later split the work into sub-teams"),),
        )
    if p.agents == "learning":
        return Pick(
            "sequential",
            "summary:teaching",
            f"One-table summary, teaching and learning: sequential. {fits('sequential')}: "
            "each hop is easy to follow.",
            (
                alt(
                    kb.try_it["handoff"],
                    "scenario",
                    "to see Swarm's other idea, handoffs: agents passing control to each other",
                ),
            ),
        )
    if p.many_business_units:
        return Pick(
            "supervisor-of-supervisors",
            "summary:large-multi-department",
            f"One-table summary, large multi-department: supervisor of supervisors. "
            f"{_many_units(p)} each unit runs its own multi-agent supervisor and a "
            "higher-level orchestrator serves all users (Databricks' architecture).",
            (alt("hierarchical", "pattern", "while a single unit pilots on its own"),),
        )
    pick = _workflow_pattern(p, kb)
    if p.agents == "multi" and p.departments > 1:  # some units, but not many
        return Pick(
            pick.id,
            pick.rule,
            f"{pick.why} {p.departments} business units are below agentlab's threshold of "
            f"{MANY_BUSINESS_UNITS} or more for a supervisor of supervisors (even in a large "
            "enterprise): a top-level orchestrator over so few supervisors adds a layer for "
            "little routing, so the units can share this pattern or run it side by side.",
            (
                *pick.alternatives,
                alt(
                    "supervisor-of-supervisors",
                    "pattern",
                    f"once {MANY_BUSINESS_UNITS} or more business units run agents",
                ),
            ),
        )
    return pick


def _workflow_pattern(p: Profile, kb: Knowledge) -> Pick:
    """The pattern for a team of agents in one business unit, from its workflow."""

    def fits(pattern: str) -> str:
        return f"{kb.patterns[pattern].name} fits {kb.patterns[pattern].fits}"

    alt = Alternative
    if p.workflow == "complex-branching":
        return Pick(
            "hierarchical",
            "summary:complex-enterprise-workflow",
            f"One-table summary, complex enterprise workflow: hierarchical. {fits('hierarchical')}.",
            (
                alt(
                    "supervisor",
                    "pattern",
                    "when the work spans several domains that need checking",
                ),
            ),
        )
    if p.workflow == "multi-role-prototype":
        return Pick(
            "sequential",
            "summary:quick-prototype",
            f"One-table summary, quick prototype / small team: sequential. {fits('sequential')}: "
            "roles hand work down a line.",
            (alt("hierarchical", "pattern", "when roles need a manager making local decisions"),),
        )
    if p.workflow == "high-value-research":
        led = (
            " Anthropic's orchestrator-worker is this pattern with a lead: the lead plans, "
            "fans the angles out to parallel workers and merges their answers."
            if p.budget == "ample"
            else ""
        )
        return Pick(
            "parallel",
            "summary:high-value-research",
            f"One-table summary, high-value research: parallel. {fits('parallel')}.{led}",
            (alt("sequential", "pattern", "when each finding depends on the previous one"),),
        )
    return Pick(
        "supervisor",
        "rule:conversational",
        f"Pattern table: {fits('supervisor')}. agentlab's rule for conversation-driven flows: a "
        "supervisor decides who speaks next and checks the result, which bounds the "
        "conversation that AutoGen would otherwise leave open.",
        (alt("parallel", "pattern", "when several agents can answer the same question at once"),),
    )
