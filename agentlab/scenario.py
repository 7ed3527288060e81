"""Scenario files: TOML in, a validated ``Scenario`` out, or one error line with file and line.

A scenario names the task, the agents (instructions, model, tools, script for the lab model), the
orchestration pattern and the limits. Errors read like a compiler's:
``scenarios/x.toml:12: agents[0].model: expected a string``.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from agentlab.core.labmodels import LAB_MODELS
from agentlab.errors import ScenarioError
from agentlab.tomlpos import key_line, key_lines  # noqa: F401 - key_lines is part of this API

Pattern = Literal[
    "single",
    "orchestrator-worker",
    "sequential",
    "parallel",
    "hierarchical",
    "supervisor",
    "handoff",
]
PATTERNS: tuple[str, ...] = Pattern.__args__  # type: ignore[attr-defined]
LIMIT_KINDS = (
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "cost_usd",
    "steps",
    "tool_calls",
    "wall_time_s",
)
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


class ScriptCall(_Model):
    tool: str
    args: dict[str, Any] = Field(default_factory=dict)


class ScriptTurn(_Model):
    """One turn of a lab/scripted agent: text, one tool call, or several calls at once."""

    text: str = ""
    tool: str | None = None
    args: dict[str, Any] = Field(default_factory=dict)
    calls: list[ScriptCall] = Field(default_factory=list)
    #: Say this turn N times (to script an agent going round in circles).
    repeat: int = Field(default=1, ge=1, le=1000)

    @model_validator(mode="after")
    def _one_kind(self) -> ScriptTurn:
        if not self.text and self.tool is None and not self.calls:
            raise ValueError("a script turn needs `text`, `tool` or `calls`")
        return self


class Limits(_Model):
    """Hard caps. Session-wide at the top level, per agent under ``agents[i].limits``."""

    input_tokens: int | None = Field(default=None, ge=1)
    output_tokens: int | None = Field(default=None, ge=1)
    total_tokens: int | None = Field(default=None, ge=1)
    cost_usd: float | None = Field(default=None, gt=0)
    steps: int | None = Field(default=None, ge=1)
    tool_calls: int | None = Field(default=None, ge=0)
    wall_time_s: float | None = Field(default=None, gt=0)
    #: Warn when a cap is this fraction used.
    warn_at: float = Field(default=0.8, gt=0, le=1)
    #: What hitting a cap does: end the run, or ask a person whether to raise it and go on.
    on_exceed: Literal["stop", "pause"] = "stop"
    #: How a lead's budget is shared among its workers when they have no explicit slice:
    #: "equal" gives each worker 1/(n+1) of what is left (the lead keeps a share to answer);
    #: "on-demand" lets workers draw on the lead's budget until it runs out.
    split: Literal["equal", "on-demand"] = "on-demand"

    @field_validator("cost_usd", "wall_time_s", "warn_at", mode="before")
    @classmethod
    def _num(cls, v: Any) -> Any:
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v

    def caps(self) -> dict[str, float]:
        return {k: float(v) for k in LIMIT_KINDS if (v := getattr(self, k)) is not None}


class LoopSettings(_Model):
    """Loop ("recursive thought") detection."""

    enabled: bool = True
    #: Same tool + same arguments this many times in a row is a loop.
    repeat: int = Field(default=3, ge=2)
    #: Tools that are legitimately called again and again (polling).
    exempt: list[str] = Field(default_factory=list)
    #: Warn, then nudge the model, then stop.
    nudge_after: int = Field(default=1, ge=0)
    stop_after: int = Field(default=2, ge=1)


class Price(_Model):
    """USD per million tokens."""

    input: float = Field(ge=0)
    output: float = Field(ge=0)

    @field_validator("input", "output", mode="before")
    @classmethod
    def _num(cls, v: Any) -> Any:
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v


class Approvals(_Model):
    """Human approval gates for risky tool calls (payments, customer data changes, ...)."""

    #: Tools that need a person's OK, on top of every tool marked risky (e.g. issue_refund).
    tools: list[str] = Field(default_factory=list)
    #: What happens when there is no person to ask (CI, --json, no terminal).
    policy: Literal["deny", "allow"] = "deny"


class LabSettings(_Model):
    """Simulated latency for the offline lab models (zero in tests)."""

    ttft_ms: float = Field(default=0.0, ge=0)
    tokens_per_s: float = Field(default=0.0, ge=0)

    @field_validator("ttft_ms", "tokens_per_s", mode="before")
    @classmethod
    def _num(cls, v: Any) -> Any:
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v


class AgentSpec(_Model):
    name: str
    instructions: str = "You are a helpful assistant."
    model: str = "lab/auto"
    tools: list[str] = Field(default_factory=list)
    #: lead / worker / supervisor / aggregator ... (derived from the pattern when omitted)
    role: str = ""
    #: Agents this one may delegate to (orchestrator-worker, hierarchical, supervisor).
    workers: list[str] = Field(default_factory=list)
    #: Agents this one may hand the conversation to (handoff pattern).
    handoffs: list[str] = Field(default_factory=list)
    limits: Limits | None = None
    price_as: str | None = None
    max_tokens: int | None = Field(default=None, ge=1)
    script: list[ScriptTurn] = Field(default_factory=list)
    #: Lab models only: fail every call with this message (to exercise error handling).
    fail: str = ""

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not _NAME.match(v):
            raise ValueError("use letters, digits, '-' and '_' only (1-64 characters)")
        return v

    @field_validator("model")
    @classmethod
    def _model(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("expected a model name, e.g. lab/scripted or gpt-4o-mini")
        if v.startswith("lab/") and v not in LAB_MODELS:
            raise ValueError(
                f"unknown lab model {v!r} (lab models: {', '.join(sorted(LAB_MODELS))})"
            )
        return v


class Scenario(_Model):
    name: str
    description: str = ""
    task: str
    pattern: Pattern = "single"
    agents: list[AgentSpec] = Field(min_length=1)
    #: First agent to run (handoff) or the lead (orchestrator-worker, supervisors).
    entry: str | None = None
    workspace: str | None = None
    docs: str | None = None
    max_concurrency: int = Field(default=4, ge=1, le=64)
    price_as: str | None = None
    limits: Limits = Field(default_factory=Limits)
    loops: LoopSettings = Field(default_factory=LoopSettings)
    lab: LabSettings = Field(default_factory=LabSettings)
    approvals: Approvals = Field(default_factory=Approvals)
    prices: dict[str, Price] = Field(default_factory=dict)
    #: Where the file was read from (set by the loader, not the file).
    path: str = ""

    @model_validator(mode="after")
    def _refs(self) -> Scenario:
        names = [a.name for a in self.agents]
        for i, name in enumerate(names):
            if name in names[:i]:
                raise _RefError(
                    f"agents[{i}].name", f"agent names must be unique: {name!r} is used twice"
                )
        known = set(names)
        if self.entry is not None and self.entry not in known:
            raise _RefError("entry", f"no agent named {self.entry!r}")
        for i, a in enumerate(self.agents):
            for key in ("workers", "handoffs"):
                for ref in getattr(a, key):
                    if ref not in known:
                        raise _RefError(f"agents[{i}].{key}", f"no agent named {ref!r}")
                    if ref == a.name:
                        raise _RefError(f"agents[{i}].{key}", "an agent cannot name itself")
        return self

    def agent(self, name: str) -> AgentSpec:
        for a in self.agents:
            if a.name == name:
                return a
        raise KeyError(name)

    @property
    def entry_agent(self) -> AgentSpec:
        return self.agent(self.entry) if self.entry else self.agents[0]

    @property
    def base_dir(self) -> Path:
        return Path(self.path).parent if self.path else Path.cwd()

    def resolve(self, rel: str | None) -> Path | None:
        return None if rel is None else (self.base_dir / rel).resolve()


class _RefError(ValueError):
    def __init__(self, key: str, message: str) -> None:
        self.key = key
        super().__init__(message)


# --- loading ---------------------------------------------------------------------------------


def load_scenario(path: Path | str) -> Scenario:
    """Read and validate a scenario file. Raises ScenarioError with file, line and key."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(path, "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(path, f"cannot read: {exc}") from None
    return parse_scenario(text, path)


def parse_scenario(text: str, path: Path | str = "<scenario>") -> Scenario:
    from agentlab.core.tools import BUILTIN_TOOLS

    path = Path(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column \d+\)", msg)
        line = int(m.group(1)) if m else None
        raise ScenarioError(
            path, "invalid TOML: " + re.sub(r"\s*\(at line.*\)", "", msg), line=line
        ) from None
    data.setdefault("name", path.stem)
    data["path"] = str(path)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        ctx_err = (err.get("ctx") or {}).get("error")
        if isinstance(ctx_err, _RefError):
            key = ctx_err.key
            raise ScenarioError(path, str(ctx_err), line=key_line(text, key), key=key) from None
        key = _key(loc)
        raise ScenarioError(
            path, _message(err), line=key_line(text, key), key=key or "scenario"
        ) from None
    _check_script_tools(scenario, text, path)
    _check_shape(scenario, text, path)
    for j, name in enumerate(scenario.approvals.tools):
        if name not in BUILTIN_TOOLS:
            raise ScenarioError(
                path,
                f"unknown tool {name!r}: this approval gate would never apply",
                line=key_line(text, "approvals.tools"),
                key=f"approvals.tools[{j}]",
            )
    for key in ("docs", "workspace"):
        rel = getattr(scenario, key)
        if rel is not None and not (path.parent / rel).is_dir():
            raise ScenarioError(path, f"no such folder: {rel}", line=key_line(text, key), key=key)
    return scenario


def _check_shape(s: Scenario, text: str, path: Path) -> None:
    """Mistakes that parse but cannot mean what the author meant."""

    def error(key: str, message: str) -> ScenarioError:
        return ScenarioError(path, message, line=key_line(text, key), key=key)

    if s.pattern == "single" and len(s.agents) > 1:
        raise error(
            "pattern", f"a single-agent scenario runs one agent, but {len(s.agents)} are given"
        )
    lead = s.agents.index(s.entry_agent)
    if (
        s.pattern in ("orchestrator-worker", "hierarchical", "supervisor")
        and not s.entry_agent.workers
    ):
        raise error(f"agents[{lead}].workers", f"the {s.pattern} lead needs workers to delegate to")
    by_name = {a.name: a for a in s.agents}
    for i, agent in enumerate(s.agents):  # a delegation cycle would never end
        seen, todo = set(), list(agent.workers)
        while todo:
            name = todo.pop()
            if name == agent.name:
                raise error(f"agents[{i}].workers", f"delegation cycle back to {agent.name!r}")
            if name not in seen:
                seen.add(name)
                todo.extend(by_name[name].workers)
        for tool in agent.tools:
            needs = {"search_docs": "docs", "read_file": "workspace", "list_files": "workspace"}
            folder = needs.get(tool)
            if folder and getattr(s, folder) is None:
                raise error(
                    f"agents[{i}].tools", f'{tool} needs `{folder} = "<folder>"` at the top'
                )
    for tool in s.loops.exempt:
        if tool not in {t for a in s.agents for t in a.tools} | {"delegate"}:
            raise error("loops.exempt", f"no agent has a tool named {tool!r}")
    if s.loops.stop_after < s.loops.nudge_after:
        raise error(
            "loops.stop_after", "must be at least nudge_after (warn, then nudge, then stop)"
        )


def _check_script_tools(s: Scenario, text: str, path: Path) -> None:
    """Agents name tools that exist; a script only calls tools its agent has (or the pattern
    gives it: delegate, transfer_to_<agent>)."""
    from agentlab.core.tools import BUILTIN_TOOLS

    for i, agent in enumerate(s.agents):
        for j, name in enumerate(agent.tools):
            if name not in BUILTIN_TOOLS:
                key = f"agents[{i}].tools"
                known = ", ".join(sorted(BUILTIN_TOOLS))
                raise ScenarioError(
                    path,
                    f"unknown tool {name!r} (built-in tools: {known})",
                    line=key_line(text, key),
                    key=f"{key}[{j}]",
                )
        allowed = set(agent.tools)
        if agent.workers:
            allowed.add("delegate")
        allowed |= {f"transfer_to_{h}" for h in agent.handoffs}
        for j, turn in enumerate(agent.script):
            for name in ([turn.tool] if turn.tool else []) + [c.tool for c in turn.calls]:
                if name not in allowed:
                    key = f"agents[{i}].script[{j}]"
                    have = ", ".join(sorted(allowed)) or "none"
                    raise ScenarioError(
                        path,
                        f"calls tool {name!r}, which agent {agent.name!r} does not have (has: {have})",
                        line=key_line(text, key + (".tool" if turn.tool else ".calls")),
                        key=key,
                    )


def _key(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("function-after", "function-before") or str(part).startswith("function-"):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out


_TYPE_WORDS = {
    "string_type": "expected a string",
    "int_type": "expected an integer",
    "float_type": "expected a number",
    "bool_type": "expected true or false",
    "list_type": "expected a list",
    "dict_type": "expected a table",
    "model_type": "expected a table",
    "missing": "required key is missing",
    "extra_forbidden": "unknown key",
}


def _message(err: dict[str, Any]) -> str:
    kind = err["type"]
    if kind in _TYPE_WORDS:
        word = _TYPE_WORDS[kind]
        if kind not in ("missing", "extra_forbidden"):
            word += f", got {type(err.get('input')).__name__}"
        return word
    if kind == "literal_error":
        expected = (err.get("ctx") or {}).get("expected", "")
        return f"expected one of {expected}, got {err.get('input')!r}"
    msg = err["msg"]
    return msg.removeprefix("Value error, ")


def list_scenarios(folder: Path) -> list[tuple[Path, Scenario | ScenarioError]]:
    out: list[tuple[Path, Scenario | ScenarioError]] = []
    for p in sorted(folder.glob("*.toml")):
        try:
            out.append((p, load_scenario(p)))
        except ScenarioError as exc:
            out.append((p, exc))
    return out
