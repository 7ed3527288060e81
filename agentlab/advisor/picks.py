"""The rules that pick a framework and a pattern from a `Profile` (monitoring: `monitoring.py`).

They follow the article's framework tree, pattern table and one-table summary; where the article
is silent, the reason says "agentlab's rule". Each pick carries a rule id (`tree:<leaf>`,
`summary:<row>`, `infer:<why>` or `rule:<name>`) that tests walk, and a `Basis`: the answers
that decided it and the article's rule or figure behind it.

Only the answers the article's trees and table speak about decide a pick: what you build, the
workflow, the organisation and its business units, the token budget, the stack and the
monitoring preference. The other answers (role, provider, the trifecta, volume) add notes and
alternatives (`advice.py`), never a different pick.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from agentlab.advisor.knowledge import Knowledge
from agentlab.advisor.profile import MANY_BUSINESS_UNITS, Profile
from agentlab.advisor.recommendation import Alternative, Basis


@dataclass(frozen=True)
class Pick:
    """One pick with the rule id that decided it, its reason, alternatives and basis."""

    id: str
    rule: str
    why: str
    alternatives: tuple[Alternative, ...] = ()
    basis: Basis = field(default_factory=lambda: Basis((), ""))


def branch(kb: Knowledge, tree: str, leaf_id: str) -> str:
    """A tree leaf in the article's words: "a → b → X (why)"."""
    t = kb.framework_tree if tree == "framework" else kb.monitoring_tree
    leaf = t.leaf(leaf_id)
    names = " or ".join(kb.name_of(p) for p in leaf.picks)
    return f"{' → '.join(leaf.path)} → {names} ({leaf.why})"


def summary_text(kb: Knowledge, row_id: str) -> str:
    """A row of the one-table summary in the article's words."""
    row = next(r for r in kb.summary if r.id == row_id)
    mon = kb.name_of(row.monitoring) if row.monitoring else "—"
    return (
        f"One-table summary: {row.need} → {row.framework_label} / {mon} / "
        f"{kb.name_of(row.pattern).lower()}"
    )


def sos_keys(p: Profile) -> tuple[str, ...]:
    """The answers that make a supervisor of supervisors."""
    if p.platform:
        return ("agents", "platform", "departments")
    return ("agents", "org", "departments")


def _sos_reason(p: Profile) -> str:
    if p.platform:
        return (
            f"You are building one platform that serves {p.departments} business units: the "
            "article's large multi-department case."
        )
    return (
        f"A large enterprise with {p.departments} business units running agents is the "
        f"article's large multi-department case (agentlab counts {MANY_BUSINESS_UNITS} or more "
        "units as many)."
    )


# --- framework -----------------------------------------------------------------------------

WORKFLOW_LEAF = {
    "complex-branching": "multi-complex-branching",
    "multi-role-prototype": "multi-role-prototype",
    "conversational": "multi-conversational",
    "high-value-research": "multi-research",
}

_WHY = {
    "langgraph": "A state machine of nodes and conditional edges keeps branching business logic "
    "manageable, with checkpoints and replay built in.",
    "crewai": "Roles (role, goal, backstory) with delegation built in: the quickest way to a "
    "readable prototype of a multi-role team.",
    "autogen": "Agents talk to each other in natural language and roles shift as the "
    "conversation goes: what a conversation-driven flow needs.",
    "anthropic-orchestrator-worker": "A lead model plans and fans the angles out to parallel "
    "worker subagents, then merges their findings; simple composable patterns, no framework.",
}


#: Frameworks with no TypeScript SDK -> (the TypeScript framework on the same branch, what it
#: is, why the tree's pick was passed over). LangGraph (LangGraph.js) and the OpenAI Agents SDK
#: (openai-agents-js) have TypeScript SDKs; Anthropic's patterns are no framework at all.
_NOT_TYPESCRIPT = {
    "crewai": (
        "langgraph",
        "LangGraph.js gives you the same multi-role team as a graph, in TypeScript",
        "CrewAI is Python only; worth it if one Python service is acceptable",
    ),
    "autogen": (
        "langgraph",
        "LangGraph.js runs the conversation as a graph whose turns you bound, in TypeScript",
        "AutoGen is Python and .NET only",
    ),
    "openai-swarm": (
        "openai-agents-sdk",
        "the OpenAI Agents SDK for TypeScript teaches the same two ideas (agents and "
        "handoffs), and is production-ready",
        "Swarm is Python only; its short source still reads well as a lesson",
    ),
}


def pick_framework(p: Profile, kb: Knowledge) -> Pick:
    pick = _pick_framework(p, kb)
    if p.language != "typescript" or pick.id not in _NOT_TYPESCRIPT:
        return pick
    to, what, passed = _NOT_TYPESCRIPT[pick.id]
    return Pick(
        to,
        "rule:typescript",
        f"Your team writes TypeScript and the tree's pick, {kb.name_of(pick.id)}, has no "
        f"TypeScript SDK: {what} (agentlab's rule).",
        (
            Alternative(pick.id, "framework", passed),
            *(a for a in pick.alternatives if a.id != to),
        ),
        Basis((*pick.basis.answers, "language"), pick.basis.article),
    )


def _pick_framework(p: Profile, kb: Knowledge) -> Pick:
    alt = Alternative
    if p.agents == "learning":
        return Pick(
            "openai-swarm",
            "tree:learning",
            "Two concepts (agents and handoffs) and little else, so the mechanics stay visible. "
            "Officially not for production.",
            (alt("openai-agents-sdk", "framework", "when you move what you learnt to production"),),
            Basis(("agents",), f"Framework tree: {branch(kb, 'framework', 'learning')}."),
        )
    if p.agents == "single":
        article = f"Framework tree: {branch(kb, 'framework', 'single-agent')}."
        if p.stack == "langchain":
            return Pick(
                "langgraph",
                "tree:single-agent",
                "The tree names two; you are already on LangChain, so LangGraph is the one that "
                "fits your stack (agentlab's tie-break).",
                (
                    alt(
                        "openai-agents-sdk",
                        "framework",
                        "if you would rather not depend on LangChain",
                    ),
                ),
                Basis(("agents", "stack"), article),
            )
        return Pick(
            "openai-agents-sdk",
            "tree:single-agent",
            "The tree names two; with no LangChain stack to reuse, the OpenAI Agents SDK "
            "(Swarm's production successor) is the lighter one (agentlab's tie-break).",
            (alt("langgraph", "framework", "if the agent grows branching logic or needs checkpoints"),),
            Basis(("agents", "stack"), article),
        )  # fmt: skip

    assert p.workflow is not None  # Profile guarantees it for agents = "multi"
    leaf = WORKFLOW_LEAF[p.workflow]
    if leaf == "multi-research" and p.budget != "ample":
        lg, ow = kb.frameworks["langgraph"], kb.frameworks["anthropic-orchestrator-worker"]
        pick = Pick(
            "langgraph",
            "rule:research-limited-budget",
            "Your token budget is limited, and the tree sends research to the orchestrator-worker "
            "pattern only with an ample one. agentlab's rule: run the same parallel fan-out in "
            "LangGraph, where you control the cost.",
            (
                alt(
                    "anthropic-orchestrator-worker",
                    "framework",
                    "when the research is valuable enough to pay ~15x the tokens of chat",
                ),
            ),
            Basis(
                ("agents", "workflow", "budget"),
                f"Framework tree: {branch(kb, 'framework', 'multi-research')}; comparison "
                f"matrix, cost controllability: LangGraph {lg.cell('cost_controllability')}, "
                f"Anthropic patterns {ow.cell('cost_controllability')}.",
            ),
        )
    else:
        fw = kb.framework_tree.leaf(leaf).picks[0]
        alts: tuple[Alternative, ...] = {
            "langgraph": (alt("crewai", "framework", "to validate the roles in a quick prototype first"),),
            "crewai": (alt("langgraph", "framework", "for production: teams often validate in CrewAI, then rewrite in LangGraph"),),
            "autogen": (alt("langgraph", "framework", "when you need predictable turn counts and cost"),),
            "anthropic-orchestrator-worker": (alt("langgraph", "framework", "when cost control matters more than breadth"),),
        }[fw]  # fmt: skip
        if fw == "autogen" and kb.is_since("microsoft-agent-framework"):
            maf = alt(
                "microsoft-agent-framework",
                "framework",
                "for a new project: Microsoft's enterprise-ready successor to AutoGen",
                since=True,
            )
            alts = (maf, *alts)
        keys: tuple[str, ...] = ("agents", "workflow")
        article = f"Framework tree: {branch(kb, 'framework', leaf)}."
        if fw == "anthropic-orchestrator-worker":
            keys += ("budget",)
            fig = kb.figure("anthropic-research")
            article += f" {fig.text} ({fig.source})"
        pick = Pick(fw, f"tree:{leaf}", _WHY[fw], alts, Basis(keys, article))

    if p.supervisor_of_supervisors and pick.id != "langgraph":
        return Pick(
            "langgraph",
            "summary:large-multi-department",
            f"{_sos_reason(p)} Its row gives LangGraph + supervisor, which outranks the tree's "
            f"pick for your workflow ({kb.name_of(pick.id)}); that stays an option inside a "
            "single unit.",
            (alt(pick.id, "framework", "inside one business unit, for its own team"),),
            Basis(sos_keys(p), f"{summary_text(kb, 'large-multi-department')}."),
        )
    if p.supervisor_of_supervisors:
        why = f"{pick.why} {_sos_reason(p)} Its row agrees: LangGraph + supervisor."
        basis = Basis(
            (*pick.basis.answers, *(k for k in sos_keys(p) if k not in pick.basis.answers)),
            f"{pick.basis.article} {summary_text(kb, 'large-multi-department')}.",
        )
        return Pick(pick.id, pick.rule, why, pick.alternatives, basis)
    return pick


# --- pattern -------------------------------------------------------------------------------


def _fits(kb: Knowledge, pattern: str) -> str:
    return f"Pattern table: {kb.patterns[pattern].name.lower()} fits {kb.patterns[pattern].fits}"


def pick_pattern(p: Profile, kb: Knowledge) -> Pick:
    alt = Alternative
    if p.agents == "single":
        return Pick(
            "sequential",
            "rule:single-agent",
            "A single agent has nothing to orchestrate; its steps run one after another, so "
            "agentlab reports the simplest pattern and the try-it scenario is a single agent. "
            "When one agent falls short, split it into a sequential pipeline first.",
            (alt("hierarchical", "pattern", "if you later split the work into sub-teams"),),
            Basis(
                ("agents",),
                "agentlab's rule: the pattern table has no single-agent entry. The article's "
                "common-mistakes list: multi-agent from day one → single agent + solid "
                "observability first.",
            ),
        )
    if p.agents == "learning":
        return Pick(
            "sequential",
            "summary:teaching",
            "Each hop is easy to follow: one agent's output is the next one's input.",
            (
                alt(
                    kb.try_it["handoff"],
                    "scenario",
                    "to see Swarm's other idea, handoffs: agents passing control to each other",
                ),
            ),
            Basis(("agents",), f"{summary_text(kb, 'teaching')}. {_fits(kb, 'sequential')}."),
        )
    if p.supervisor_of_supervisors:
        return Pick(
            "supervisor-of-supervisors",
            "summary:large-multi-department",
            f"{_sos_reason(p)} Each unit runs its own multi-agent supervisor and a higher-level "
            "orchestrator serves all users (Databricks' architecture).",
            (alt("hierarchical", "pattern", "while a single unit pilots on its own"),),
            Basis(sos_keys(p), f"{summary_text(kb, 'large-multi-department')}."),
        )
    pick = _workflow_pattern(p, kb)
    if p.departments < 2:
        return pick
    if p.org == "large-enterprise":
        extra = (
            f"{p.departments} business units are below agentlab's threshold of "
            f"{MANY_BUSINESS_UNITS} or more for a supervisor of supervisors: a top-level "
            "orchestrator over so few supervisors adds a layer for little routing, so the units "
            "can share this pattern or run it side by side."
        )
        later = f"once {MANY_BUSINESS_UNITS} or more business units run agents"
    else:
        extra = (
            f"You report {p.departments} business units; the article keeps the supervisor of "
            "supervisors for large-scale, multi-department organisations, so your workflow "
            "decides here and each unit can run this pattern side by side."
        )
        later = "later, if one agent platform comes to serve all the units (platform = true)"
    return Pick(
        pick.id,
        pick.rule,
        f"{pick.why} {extra}",
        (*pick.alternatives, alt("supervisor-of-supervisors", "pattern", later)),
        Basis((*pick.basis.answers, "org", "departments"), pick.basis.article),
    )


def _workflow_pattern(p: Profile, kb: Knowledge) -> Pick:
    """The pattern for a team of agents in one business unit, from its workflow."""
    alt = Alternative
    keys = ("agents", "workflow")
    if p.workflow == "complex-branching":
        return Pick(
            "hierarchical",
            "summary:complex-enterprise-workflow",
            "Managers split the work for sub-teams that decide locally, and the pattern scales "
            "by adding levels.",
            (alt("supervisor", "pattern", "when the work spans several domains that need checking"),),
            Basis(
                keys,
                f"{summary_text(kb, 'complex-enterprise-workflow')}. {_fits(kb, 'hierarchical')}.",
            ),
        )  # fmt: skip
    if p.workflow == "multi-role-prototype":
        return Pick(
            "sequential",
            "summary:quick-prototype",
            "Roles hand work down a line: the simplest multi-agent shape, cheap and predictable.",
            (alt("hierarchical", "pattern", "when roles need a manager making local decisions"),),
            Basis(keys, f"{summary_text(kb, 'quick-prototype')}. {_fits(kb, 'sequential')}."),
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
            f"Workers take different angles on the question at once.{led}",
            (alt("sequential", "pattern", "when each finding depends on the previous one"),),
            Basis(keys, f"{summary_text(kb, 'high-value-research')}. {_fits(kb, 'parallel')}."),
        )
    return Pick(
        "supervisor",
        "rule:conversational",
        "A supervisor decides who speaks next and checks the result, which bounds the "
        "conversation that AutoGen would otherwise leave open.",
        (alt("parallel", "pattern", "when several agents can answer the same question at once"),),
        Basis(
            keys,
            f"{_fits(kb, 'supervisor')}. agentlab's rule for conversation-driven flows (the "
            "one-table summary has no row for them).",
        ),
    )
