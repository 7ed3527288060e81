"""The selection advisor's decision engine: a pure function from a `Profile` to a `Recommendation`.

No UI, no files, no network: the only input besides the profile is the packaged knowledge
(`knowledge.py`), which a caller may pass in. The rules follow the article's framework tree,
monitoring tree, pattern table and one-table summary; where the article is silent the rule is
marked "agentlab's rule" in the rationale, so a reader can tell the two apart.

Rule ids (in `Recommendation.decided_by`) name the branch that decided each pick; tests walk them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from agentlab.advisor.knowledge import Knowledge, load_knowledge
from agentlab.advisor.profile import Profile, ProfileError

__all__ = [
    "Alternative",
    "Guardrails",
    "Profile",
    "ProfileError",
    "Rationale",
    "Recommendation",
    "TryIt",
    "recommend",
]

AltKind = Literal["framework", "monitoring", "pattern", "scenario"]


@dataclass(frozen=True)
class Guardrails:
    needed: bool
    """True when the answers call for the full Guardrail Sandwich (compliance / audit trail)."""
    layers: tuple[str, ...]
    """The layers to start with: all three when needed, else the reasoning layer every agent needs."""


@dataclass(frozen=True)
class Rationale:
    """Why each pick, in plain words, naming the rule or tree branch that decided it."""

    framework: str
    monitoring: str
    pattern: str
    guardrails: str


@dataclass(frozen=True)
class Alternative:
    id: str
    kind: AltKind
    when: str
    """When you would pick this instead."""


@dataclass(frozen=True)
class TryIt:
    scenario: str
    command: str
    about: str


@dataclass(frozen=True)
class Recommendation:
    profile: Profile
    framework: str
    monitoring: str
    pattern: str
    guardrails: Guardrails
    rationale: Rationale
    alternatives: tuple[Alternative, ...]
    cautions: tuple[str, ...]
    next_steps: tuple[str, ...]
    try_it: TryIt
    decided_by: dict[str, str] = field(default_factory=dict)
    """Rule id per pick, e.g. {"framework": "tree:multi-research", "monitoring": "infer:research"}."""
    summary_row: str | None = None
    """The id of the article's one-table summary row these picks match, if any."""

    @property
    def frameworks_in_play(self) -> tuple[str, ...]:
        """The pick first, then framework alternatives (for the comparison-matrix rows)."""
        alts = tuple(a.id for a in self.alternatives if a.kind == "framework")
        return (self.framework, *(a for a in alts if a != self.framework))


@dataclass(frozen=True)
class _Pick:
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


def _framework(p: Profile, kb: Knowledge) -> _Pick:
    alt = Alternative
    if p.agents == "learning":
        return _Pick(
            "openai-swarm",
            "tree:learning",
            f"Framework tree: {_branch(kb, 'framework', 'learning')}. Two concepts (agents and "
            "handoffs) and little else, so the mechanics stay visible.",
            (alt("openai-agents-sdk", "framework", "when you move what you learnt to production"),),
        )
    if p.agents == "single":
        branch = f"Framework tree: {_branch(kb, 'framework', 'single-agent')}."
        if p.stack == "langchain":
            return _Pick(
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
        return _Pick(
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
        pick = _Pick(
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
        pick = _Pick(
            fw, f"tree:{leaf}", f"Framework tree: {_branch(kb, 'framework', leaf)}.", (alts[fw],)
        )

    if p.large_multi_department and pick.id != "langgraph":
        return _Pick(
            "langgraph",
            "summary:large-multi-department",
            f"One-table summary, large multi-department: LangGraph + supervisor. With "
            f"{p.departments} business units this outranks the tree's pick for your workflow "
            f"({kb.name_of(pick.id)}), which remains an option inside a single unit.",
            (alt(pick.id, "framework", "inside one business unit, for its own team"),),
        )
    if p.large_multi_department:
        why = (
            f"{pick.why} The one-table summary agrees for a large multi-department "
            "organisation: LangGraph + supervisor."
        )
        return _Pick(pick.id, pick.rule, why, pick.alternatives)
    return pick


# --- monitoring ----------------------------------------------------------------------------


def _mon_alt(tool: str, when: str) -> Alternative:
    return Alternative(tool, "monitoring", when)


def _monitoring(p: Profile, framework: str, kb: Knowledge) -> _Pick:
    def tree(leaf: str, extra: str = "") -> str:
        return f"Monitoring tree: {_branch(kb, 'monitoring', leaf)}.{extra}"

    # Stated requirements first: "must be open source" and "must self-host" are constraints that
    # a closed SaaS cannot meet, so they outrank the ecosystem fit of "already on LangChain".
    if p.open_source:
        return _Pick(
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
        return _Pick(
            "langfuse",
            "tree:self-host-limited-budget",
            tree("self-host-limited-budget", extra),
            (_mon_alt("arize-phoenix", "if the whole stack must be fully open source"),),
        )
    if p.stack == "langchain":
        return _Pick(
            "langsmith",
            "tree:langchain",
            tree("langchain"),
            (_mon_alt("langfuse", "if you later need self-hosting or open source"),),
        )
    if p.agent_specific:
        return _Pick(
            "agentops",
            "tree:agent-specific",
            tree("agent-specific"),
            (_mon_alt("langfuse", "if cost tracking and prompt management matter more"),),
        )

    inferred = "No monitoring preference given, so inferred: "
    if p.large_multi_department:
        return _Pick(
            "braintrust",
            "infer:large-multi-department",
            f"{inferred}a large multi-department organisation wants one enterprise suite "
            f"(one-table summary: Braintrust). {tree('enterprise')}",
            (_mon_alt("maxim-ai", "for the fastest enterprise rollout, with pre-release testing"),),
        )
    if p.agents == "learning" or p.org == "education":
        return _Pick(
            "arize-phoenix",
            "infer:teaching",
            f"{inferred}the article's summary lists no monitoring tool for teaching, and Swarm "
            "has no tracing of its own. agentlab's rule: Arize Phoenix, because it is fully "
            "open source, runs locally for free and reads OpenTelemetry traces, so learners can "
            "see every step without an account.",
            (_mon_alt("langfuse", "if you also want prompt management and cost tracking"),),
        )
    if framework == "langgraph":
        return _Pick(
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
        return _Pick(
            "arize-phoenix",
            "infer:research",
            f"{inferred}the one-table summary pairs high-value research with Arize Phoenix: "
            "distributed tracing across parallel workers, fully open source.",
            (_mon_alt("langfuse", "if per-session cost tracking is what you need most"),),
        )
    if framework == "autogen":
        return _Pick(
            "agentops",
            "infer:autogen-loops",
            f"{inferred}AutoGen conversations can run away, and AgentOps.ai's recursive thought "
            f"detection catches exactly that (agentlab's rule). {tree('agent-specific')}",
            (_mon_alt("langfuse", "if cost tracking and prompt management matter more"),),
        )
    if p.org == "large-enterprise":
        return _Pick(
            "braintrust",
            "infer:enterprise",
            f"{inferred}a large enterprise wants an all-in-one suite. {tree('enterprise')}",
            (_mon_alt("maxim-ai", "for the fastest enterprise rollout, with pre-release testing"),),
        )
    return _Pick(
        "langfuse",
        "infer:small-team",
        f"{inferred}a small or mid-size team needs tracing and cost tracking on a small bill; "
        "the one-table summary pairs a quick prototype / small team with Langfuse (MIT).",
        (_mon_alt("arize-phoenix", "if the whole stack must be fully open source"),),
    )


# --- pattern -------------------------------------------------------------------------------


def _pattern(p: Profile, kb: Knowledge) -> _Pick:
    def fits(pattern: str) -> str:
        return f"{kb.patterns[pattern].name} fits {kb.patterns[pattern].fits}"

    alt = Alternative
    if p.agents == "single":
        return _Pick(
            "sequential",
            "rule:single-agent",
            "A single agent has nothing to orchestrate; its steps run one after another. The "
            "pattern list has no single-agent entry, so agentlab reports the simplest one, "
            "sequential, and the try-it scenario is a single agent. When one agent falls "
            "short, split it into a sequential pipeline first.",
            (alt("hierarchical", "pattern", "if you later split the work into sub-teams"),),
        )
    if p.agents == "learning":
        return _Pick(
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
    if p.large_multi_department:
        return _Pick(
            "supervisor-of-supervisors",
            "summary:large-multi-department",
            f"One-table summary, large multi-department: supervisor of supervisors. With "
            f"{p.departments} business units, each runs its own multi-agent supervisor and a "
            "higher-level orchestrator serves all users (Databricks' architecture).",
            (alt("hierarchical", "pattern", "while a single unit pilots on its own"),),
        )
    if p.workflow == "complex-branching":
        return _Pick(
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
        return _Pick(
            "sequential",
            "summary:quick-prototype",
            f"One-table summary, quick prototype / small team: sequential. {fits('sequential')}: "
            "roles hand work down a line.",
            (alt("hierarchical", "pattern", "when roles need a manager making local decisions"),),
        )
    if p.workflow == "high-value-research":
        return _Pick(
            "parallel",
            "summary:high-value-research",
            f"One-table summary, high-value research: parallel. {fits('parallel')}.",
            (alt("sequential", "pattern", "when each finding depends on the previous one"),),
        )
    return _Pick(
        "supervisor",
        "rule:conversational",
        f"Pattern table: {fits('supervisor')}. agentlab's rule for conversation-driven flows: a "
        "supervisor decides who speaks next and checks the result, which bounds the "
        "conversation that AutoGen would otherwise leave open.",
        (alt("parallel", "pattern", "when several agents can answer the same question at once"),),
    )


# --- guardrails, cautions, next steps, try-it ----------------------------------------------


def _guardrails(p: Profile, kb: Knowledge) -> tuple[Guardrails, str]:
    if p.compliance:
        return (
            Guardrails(True, kb.guardrail_layers),
            "Regulated data or an audit trail calls for the Guardrail Sandwich: an input layer "
            "(sanitise, label trust), a reasoning layer (tool allowlist, step limits) and an "
            "output layer (validate, mask PII), with human approval gates at high-risk points.",
        )
    return (
        Guardrails(False, kb.guardrail_baseline),
        "No regulated data or audit trail, so the full sandwich is not called for. Start with "
        "the reasoning layer every agent needs: least-privilege tools and step limits.",
    )


def _cautions(p: Profile, framework: str, monitoring: str, kb: Knowledge) -> list[str]:
    out: list[str] = []
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
    if p.workflow == "high-value-research" and p.agents == "multi":
        out.append(
            "Research agents read untrusted documents. If they can also reach private data and "
            "send data out, that is the lethal trifecta; remove at least one of the three."
        )
    if p.compliance:
        out.append(
            "Indirect prompt injection through documents and tool results beats direct "
            "injection; treat every tool output and retrieved document as untrusted input."
        )
    if p.org == "large-enterprise":
        cancelled, washing = kb.figure("gartner-cancelled"), kb.figure("agent-washing")
        out.append(
            f"{cancelled.text} ({cancelled.source}.) Beware 'agent washing': "
            f"{washing.text[0].lower()}{washing.text[1:]}"
        )
    tool = kb.monitoring[monitoring]
    if tool.overhead[:1].isdigit():  # only the tools the article gives a real overhead for
        out.append(f"{tool.name}'s overhead is {tool.overhead}: measure latency with it on.")
    return out


_EVAL_HINT = {
    "single": "the core tasks the agent must get right",
    "learning": "small tasks, then compare runs as you change the agents",
    "complex-branching": "one per major branch of the workflow",
    "multi-role-prototype": "one per role and one end to end",
    "conversational": "include conversations that should end early",
    "high-value-research": "questions with known good answers and sources",
}


def _next_steps(p: Profile, monitoring: str, kb: Knowledge) -> list[str]:
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
    if p.org == "large-enterprise":
        steps.append(
            "Set a go/stop date: from proof of concept to scalable production within 90 days, "
            "or stop."
        )
    return steps


def _try_it(p: Profile, framework: str, pattern: str, kb: Knowledge) -> TryIt:
    if p.agents == "single":
        key, about = "single-agent", "one agent with tools answering a question"
    elif pattern == "parallel" and framework == "anthropic-orchestrator-worker":
        key, about = "orchestrator-worker", "a lead agent delegating to parallel workers"
    else:
        key, about = pattern, kb.patterns[pattern].summary
    path = kb.try_it[key]
    return TryIt(scenario=path, command=f"agentlab run {path}", about=about)


def _summary_row(framework: str, monitoring: str, pattern: str, kb: Knowledge) -> str | None:
    for row in kb.summary:
        if (row.framework, row.pattern) == (framework, pattern) and row.monitoring in (
            "",
            monitoring,
        ):
            return row.id
    return None


def recommend(profile: Profile, knowledge: Knowledge | None = None) -> Recommendation:
    """Recommend a framework, a monitoring tool and a pattern for `profile`, with the reasons."""
    kb = knowledge or load_knowledge()
    fw = _framework(profile, kb)
    mon = _monitoring(profile, fw.id, kb)
    pat = _pattern(profile, kb)
    guard, guard_why = _guardrails(profile, kb)
    return Recommendation(
        profile=profile,
        framework=fw.id,
        monitoring=mon.id,
        pattern=pat.id,
        guardrails=guard,
        rationale=Rationale(fw.why, mon.why, pat.why, guard_why),
        alternatives=fw.alternatives + mon.alternatives + pat.alternatives,
        cautions=tuple(_cautions(profile, fw.id, mon.id, kb)),
        next_steps=tuple(_next_steps(profile, mon.id, kb)),
        try_it=_try_it(profile, fw.id, pat.id, kb),
        decided_by={"framework": fw.rule, "monitoring": mon.rule, "pattern": pat.rule},
        summary_row=_summary_row(fw.id, mon.id, pat.id, kb),
    )
