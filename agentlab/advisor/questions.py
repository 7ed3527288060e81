"""The advisor's questionnaire as data, shared by the CLI (questionary) and the TUI screen.

Each question asks for one profile key (or, for the monitoring preference and the model, a key
that maps onto several profile keys) and has a `when(answers)` predicate, so only the questions
that matter on the current branch are asked. Predicates only read answers to earlier questions,
and each question lists the keys its predicate reads (`reads`): that is what lets `progress`
count the questions that can still come, a number that never grows as you answer.

Questions are grouped in steps (`STEPS`), named on screen so a person knows where they are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import product
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
    """One sentence: why the question matters (wrapped at word boundaries where shown)."""
    choices: tuple[Choice, ...]
    default: Any
    step: str
    when: Callable[[Answers], bool] = _always
    reads: tuple[str, ...] = ()
    """The answers `when` reads (all of them earlier questions)."""

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
"""Not a profile key: maps onto `stack`, `self_host`, `agent_specific` and `all_in_one`."""
MODEL_CHOICE = "model_choice"
"""Not a profile key: maps onto `model` (and through it the provider) or `provider`."""

STEPS: tuple[str, ...] = ("What you build", "You", "Risk", "Volume", "Monitoring")


def _multi(a: Answers) -> bool:
    return a.get("agents") == "multi"


def _not_learning(a: Answers) -> bool:
    return a.get("agents") != "learning"


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
        step="What you build",
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
        step="What you build",
        when=_multi,
        reads=("agents",),
    ),
    Question(
        key="language",
        prompt="Which language will the agents be written in?",
        help="TypeScript passes over the Python-only frameworks (CrewAI, AutoGen, Swarm) for "
        "the TypeScript one on the same branch.",
        choices=(
            Choice("python", "Python"),
            Choice("typescript", "TypeScript"),
            Choice(None, "Not decided yet (Python is assumed)"),
        ),
        default="python",
        step="What you build",
        # A single agent's picks (the OpenAI Agents SDK, LangGraph) both have TypeScript SDKs.
        when=lambda a: a.get("agents") != "single",
        reads=("agents",),
    ),
    Question(
        key="role",
        prompt="Which describes you best?",
        help="Picks the article's advice for your kind of reader; it never changes the picks.",
        choices=(
            Choice("engineer", "An engineer new to agents"),
            Choice("tech-lead", "A tech lead or architect"),
            Choice("decision-maker", "A decision maker"),
            Choice(None, "Rather not say: show the advice for every reader"),
        ),
        default=None,
        step="You",
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
        step="You",
        when=_not_learning,
        reads=("agents",),
    ),
    Question(
        key="departments",
        prompt="How many business units will run agents?",
        help="A large enterprise with three or more gets one supervisor per unit under one "
        "orchestrator; elsewhere your workflow decides.",
        choices=(
            Choice(1, "1: one business unit"),
            Choice(2, "2"),
            Choice(3, "3"),
            Choice(5, "5"),
            Choice(10, "10 or more"),
        ),
        default=1,
        step="You",
        when=_multi,
        reads=("agents",),
    ),
    Question(
        key="platform",
        prompt="Will one agent platform serve all these units?",
        help="Yes: each unit runs its own supervisor team and one orchestrator serves everyone.",
        choices=_YES_NO,
        default=False,
        step="You",
        when=lambda a: (
            _multi(a) and a.get("org") != "large-enterprise" and int(a.get("departments") or 1) >= 3
        ),
        reads=("agents", "org", "departments"),
    ),
    Question(
        key="compliance",
        prompt="Regulated data, or an audit trail required?",
        help="Yes calls for the Guardrail Sandwich and human approval gates.",
        choices=_YES_NO,
        default=False,
        step="Risk",
        when=_not_learning,
        reads=("agents",),
    ),
    Question(
        key="private_data",
        prompt="Can the agents reach private data?",
        help="Customer records, internal documents, credentials: the first leg of the lethal "
        "trifecta.",
        choices=_YES_NO,
        default=False,
        step="Risk",
        when=_not_learning,
        reads=("agents",),
    ),
    Question(
        key="untrusted_input",
        prompt="Do they read untrusted content?",
        help="Web pages, uploaded documents, email, other tools' output: indirect prompt "
        "injection comes in this way.",
        choices=_YES_NO,
        default=False,
        step="Risk",
        when=lambda a: _not_learning(a) and bool(a.get("private_data")),
        reads=("agents", "private_data"),
    ),
    Question(
        key="exfiltration",
        prompt="Can they send data out?",
        help="Email, HTTP requests, writing where others can read: with the other two, that "
        "is the lethal trifecta.",
        choices=_YES_NO,
        default=False,
        step="Risk",
        when=lambda a: (
            _not_learning(a) and bool(a.get("private_data")) and bool(a.get("untrusted_input"))
        ),
        reads=("agents", "private_data", "untrusted_input"),
    ),
    Question(
        key="budget",
        prompt="What is the budget for model tokens?",
        help="Multi-agent systems use about 15x the tokens of chat.",
        choices=(Choice("limited", "Limited"), Choice("ample", "Ample")),
        default="limited",
        step="Volume",
        when=_multi,
        reads=("agents",),
    ),
    Question(
        key=MODEL_CHOICE,
        prompt="Which model will you run it on?",
        help="Prices the cost at your volume; Claude points toward the orchestrator-worker "
        "pattern, OpenAI toward its Agents SDK.",
        choices=(
            Choice("undecided", "Not decided yet (priced as gpt-4o-mini)"),
            Choice("claude-sonnet-4-5", "Claude (Anthropic): claude-sonnet-4-5"),
            Choice("gpt-4o", "OpenAI: gpt-4o"),
            Choice("gpt-4o-mini", "OpenAI: gpt-4o-mini"),
            Choice("gemini-2.5-flash", "Google: gemini-2.5-flash"),
            Choice("other", "Another provider, or a local model"),
        ),
        default="undecided",
        step="Volume",
        when=_not_learning,
        reads=("agents",),
    ),
    Question(
        key="sessions_per_day",
        prompt="How many agent sessions a day in production?",
        help="The volume the monthly token and cost projection uses (30 days a month).",
        choices=(
            Choice(None, "Not sure yet: skip the projection"),
            Choice(10, "10"),
            Choice(100, "100"),
            Choice(1000, "1,000"),
            Choice(10000, "10,000"),
            Choice(100000, "100,000"),
        ),
        default=100,
        step="Volume",
        when=_not_learning,
        reads=("agents",),
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
            Choice("all-in-one", "One enterprise all-in-one suite"),
        ),
        default="none",
        step="Monitoring",
    ),
    Question(
        key="open_source",
        prompt="Must the monitoring stack be fully open source?",
        help="Fully open source points to Arize Phoenix; otherwise MIT-licensed Langfuse.",
        choices=_YES_NO,
        default=False,
        step="Monitoring",
        when=lambda a: a.get(MONITORING_PREFERENCE) == "self-host",
        reads=(MONITORING_PREFERENCE,),
    ),
    Question(
        key="tooling_budget",
        prompt="What is the budget for monitoring tooling?",
        help="Not the token budget: what you can spend on the monitoring tool itself.",
        choices=(
            Choice("limited", "Limited"),
            Choice("ample", "Ample"),
            Choice(None, "Not sure"),
        ),
        default="limited",
        step="Monitoring",
        when=lambda a: a.get(MONITORING_PREFERENCE) in ("self-host", "all-in-one"),
        reads=(MONITORING_PREFERENCE,),
    ),
)

BY_KEY: dict[str, Question] = {q.key: q for q in QUESTIONS}


def with_defaults(answers: Answers) -> dict[str, Any]:
    """Answers so far, with defaults for the rest (to count the questions still ahead)."""
    merged = {q.key: q.default for q in QUESTIONS}
    merged.update(answers)
    return merged


def active_questions(answers: Answers) -> list[Question]:
    """The questions on the branch the answers so far lead down (unanswered ones by default)."""
    merged = with_defaults(answers)
    return [q for q in QUESTIONS if q.when(merged)]


def _may_come(q: Question, known: Mapping[str, Any]) -> bool:
    """Can `q` still be asked, whatever the answers not yet given (those not in `known`)?"""
    open_keys = [k for k in q.reads if k not in known]
    options = [[c.value for c in BY_KEY[k].choices] for k in open_keys]
    for combo in product(*options):
        if q.when({**known, **dict(zip(open_keys, combo, strict=True))}):
            return True
    return False


@dataclass(frozen=True)
class Progress:
    number: int
    """This question's number (1-based) among those asked so far."""
    at_most: int
    """This question plus every later one that can still come: never grows as you answer."""
    step: str

    @property
    def label(self) -> str:
        if self.number == self.at_most:
            return f"Question {self.number}, the last · {self.step}"
        return f"Question {self.number} of at most {self.at_most} · {self.step}"


def progress(answers: Answers, question: Question) -> Progress:
    """Where `question` stands, given the answers to the questions before it."""
    index = QUESTIONS.index(question)
    earlier = [q for q in QUESTIONS[:index] if q.when(with_defaults(answers))]
    known = {q.key: with_defaults(answers)[q.key] for q in earlier}
    later = [q for q in QUESTIONS[index + 1 :] if _may_come(q, known)]
    number = len(earlier) + 1
    return Progress(number, number + len(later), question.step)


def to_profile(answers: Answers) -> Profile:
    """A `Profile` from the answers of the active questions; answers left over from a branch
    the person backed out of are ignored."""
    merged = with_defaults(answers)
    data: dict[str, Any] = {}
    for q in active_questions(answers):
        value = merged[q.key]
        if q.key == MONITORING_PREFERENCE:
            flag = {
                "self-host": "self_host",
                "agent-specific": "agent_specific",
                "all-in-one": "all_in_one",
            }.get(value)
            if value == "langchain":
                data["stack"] = "langchain"
            elif flag:
                data[flag] = True
        elif q.key == MODEL_CHOICE:
            if value == "other":
                data["provider"] = "other"
            elif value != "undecided":
                data["model"] = value
        else:
            data[q.key] = value
    return Profile.from_mapping(data)
