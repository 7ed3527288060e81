"""The advisor's questionnaire as data, shared by the CLI (questionary) and the TUI screen.

Each question asks for one profile key (or, for the monitoring preference, a key that maps onto
the profile's optional booleans) and has a `when(answers)` predicate, so only the questions that
matter on the current branch are asked. Predicates only read answers to earlier questions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from agentlab.advisor.profile import Profile

Answers = Mapping[str, Any]


@dataclass(frozen=True)
class Choice:
    value: Any
    label: str


def _always(_: Answers) -> bool:
    return True


@dataclass(frozen=True)
class Question:
    key: str
    prompt: str
    help: str
    """One line: why the question matters."""
    choices: tuple[Choice, ...]
    default: Any
    when: Callable[[Answers], bool] = _always

    def label_of(self, value: Any) -> str:
        for choice in self.choices:
            if choice.value == value and type(choice.value) is type(value):
                return choice.label
        return str(value)

    def index_of(self, value: Any) -> int:
        for i, choice in enumerate(self.choices):
            if choice.value == value and type(choice.value) is type(value):
                return i
        return 0


_YES_NO = (Choice(False, "No"), Choice(True, "Yes"))

MONITORING_PREFERENCE = "monitoring_preference"
"""Not a profile key: maps onto `stack`, `self_host` and `agent_specific` (see `to_profile`)."""

QUESTIONS: tuple[Question, ...] = (
    Question(
        key="agents",
        prompt="What do you want to build?",
        help="One agent calling tools, a team of agents, or a way to learn the concepts.",
        choices=(
            Choice("single", "A single agent with tool calls"),
            Choice("multi", "Several collaborating agents"),
            Choice("learning", "Something to learn and teach with"),
        ),
        default="single",
    ),
    Question(
        key="workflow",
        prompt="How will the agents work together?",
        help="This decides the framework: how work is routed between the agents.",
        choices=(
            Choice("complex-branching", "Complex branching business logic"),
            Choice("multi-role-prototype", "Several roles, and a fast prototype"),
            Choice("conversational", "A conversation-driven, dynamic flow"),
            Choice("high-value-research", "High-value research"),
        ),
        default="multi-role-prototype",
        when=lambda a: a.get("agents") == "multi",
    ),
    Question(
        key="org",
        prompt="What kind of organisation is this for?",
        help="Size and kind shape the monitoring suite, the governance and the cautions.",
        choices=(
            Choice("startup", "A startup or small team"),
            Choice("mid-size", "A mid-size company"),
            Choice("large-enterprise", "A large enterprise"),
            Choice("research", "A research group"),
            Choice("education", "Education"),
        ),
        default="startup",
        when=lambda a: a.get("agents") != "learning",
    ),
    Question(
        key="departments",
        prompt="How many business units will run agents?",
        help="Three or more: each unit runs its own supervisor team under one orchestrator.",
        choices=(
            Choice(1, "1: one business unit"),
            Choice(2, "2"),
            Choice(3, "3"),
            Choice(5, "5"),
            Choice(10, "10 or more"),
        ),
        default=1,
        when=lambda a: a.get("agents") == "multi",  # any organisation: see MANY_BUSINESS_UNITS
    ),
    Question(
        key="compliance",
        prompt="Regulated data, or an audit trail required?",
        help="Yes calls for the Guardrail Sandwich and human approval gates.",
        choices=_YES_NO,
        default=False,
        when=lambda a: a.get("agents") != "learning",
    ),
    Question(
        key="budget",
        prompt="What is the budget for model tokens?",
        help="Multi-agent systems use about 15x the tokens of chat.",
        choices=(Choice("limited", "Limited"), Choice("ample", "Ample")),
        default="limited",
        when=lambda a: a.get("agents") == "multi",
    ),
    Question(
        key=MONITORING_PREFERENCE,
        prompt="Any infrastructure preference for monitoring?",
        help="Decides the monitoring tool; with none, it is inferred from your other answers.",
        choices=(
            Choice("none", "No preference"),
            Choice("langchain", "We already use LangChain"),
            Choice("self-host", "We need to self-host it"),
            Choice("agent-specific", "Agent-specific: session replay, loop detection"),
        ),
        default="none",
    ),
    Question(
        key="open_source",
        prompt="Must the monitoring stack be fully open source?",
        help="Fully open source points to Arize Phoenix; otherwise MIT-licensed Langfuse.",
        choices=_YES_NO,
        default=False,
        when=lambda a: a.get(MONITORING_PREFERENCE) == "self-host",
    ),
)


def with_defaults(answers: Answers) -> dict[str, Any]:
    """Answers so far, with defaults for the rest (to count the questions still ahead)."""
    merged = {q.key: q.default for q in QUESTIONS}
    merged.update(answers)
    return merged


def active_questions(answers: Answers) -> list[Question]:
    """The questions on the branch the answers so far lead down (unanswered ones by default)."""
    merged = with_defaults(answers)
    return [q for q in QUESTIONS if q.when(merged)]


def to_profile(answers: Answers) -> Profile:
    """A `Profile` from the answers of the active questions; answers left over from a branch
    the person backed out of are ignored."""
    merged = with_defaults(answers)
    data: dict[str, Any] = {}
    for q in active_questions(answers):
        value = merged[q.key]
        if q.key == MONITORING_PREFERENCE:
            if value == "langchain":
                data["stack"] = "langchain"
            elif value == "self-host":
                data["self_host"] = True
            elif value == "agent-specific":
                data["agent_specific"] = True
        else:
            data[q.key] = value
    return Profile.from_mapping(data)
