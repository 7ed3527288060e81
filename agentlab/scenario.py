"""Scenario files: TOML in, a validated ``Scenario`` out, or one error line with file and line.

A scenario names the task, the agents (instructions, model, tools, script for the lab model), the
orchestration pattern and the limits. Errors read like a compiler's:
``scenarios/x.toml:12: agents[0].model: expected a string``.
"""

from __future__ import annotations

import re
import stat
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from agentlab.core import patterns as registry
from agentlab.core.spec import (
    AgentSpec,
    Approvals,
    LabSettings,
    Limits,
    LoopSettings,
    Price,
    Problem,
    RefError,
    Scenario,
    ScriptCall,
    ScriptTurn,
)
from agentlab.core.tools import BUILTIN_TOOLS
from agentlab.errors import ScenarioError
from agentlab.tomlpos import key_line, key_lines

__all__ = [
    "AgentSpec",
    "Approvals",
    "LabSettings",
    "Limits",
    "LoopSettings",
    "Price",
    "Problem",
    "Scenario",
    "ScriptCall",
    "ScriptTurn",
    "key_line",
    "key_lines",
    "list_scenarios",
    "load_scenario",
    "parse_scenario",
]


# --- patterns: where scenario validation meets the pattern registry --------------------------
# The only place this module knows about patterns: it asks the registry (``core.patterns``) for
# the names, each pattern's own rules and the tools a pattern gives an agent.


def pattern_names() -> tuple[str, ...]:
    """The names a scenario's ``pattern`` may take."""
    return tuple(registry.PATTERNS)


def pattern_problems(s: Scenario) -> list[Problem]:
    """The scenario's pattern's own rules: what it needs of the agents."""
    return registry.PATTERNS[s.pattern].validate(s)


def pattern_tools(s: Scenario, agent: AgentSpec) -> set[str]:
    """Tools the scenario's pattern gives an agent on top of its own (delegate, transfer_to_X)."""
    return set(registry.PATTERNS[s.pattern].tool_names(s, agent))


# --- loading ---------------------------------------------------------------------------------


#: A scenario file bigger than this is refused before it is read (scenarios are short files).
MAX_SCENARIO_BYTES = 1_000_000


def load_scenario(path: Path | str, allow_paths: Sequence[Path] = ()) -> Scenario:
    """Read and validate a scenario file. Raises ScenarioError with file, line and key.

    ``allow_paths``: folders outside the scenario's own folder its ``workspace`` and ``docs``
    may be in (``agentlab run --allow-path``); by default they must be inside it.

    Only a regular file is opened: a FIFO or a device given as the scenario would block the
    read (or never end)."""
    path = Path(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise ScenarioError(path, "no such file") from None
    except OSError as exc:
        raise ScenarioError(path, f"cannot read: {exc.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        what = "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file"
        raise ScenarioError(path, f"cannot read: {what}")
    if st.st_size > MAX_SCENARIO_BYTES:
        raise ScenarioError(
            path, f"too large ({st.st_size:,} bytes; a scenario is at most {MAX_SCENARIO_BYTES:,})"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(path, "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(path, f"cannot read: {exc}") from None
    return parse_scenario(text, path, allow_paths)


def parse_scenario(
    text: str, path: Path | str = "<scenario>", allow_paths: Sequence[Path] = ()
) -> Scenario:
    """Validate a scenario's TOML text (``path`` names it in errors). Raises ScenarioError."""
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
    except RecursionError:
        raise ScenarioError(path, "invalid TOML: nested too deeply") from None
    data.setdefault("name", path.stem)
    data["path"] = str(path)
    # An eval case's tables (``agentlab eval``, agentlab/eval/cases.py reads and checks them):
    # they say what a run should do, not how to run it.
    data.pop("expect", None)
    data.pop("eval", None)

    def error(key: str, message: str, at: str = "") -> ScenarioError:
        return ScenarioError(path, message, line=key_line(text, at or key), key=key)

    pattern = data.get("pattern")
    if isinstance(pattern, str) and pattern not in pattern_names():
        names = [repr(n) for n in pattern_names()]
        expected = ", ".join(names[:-1]) + " or " + names[-1]
        raise error("pattern", f"expected one of {expected}, got {pattern!r}")
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        ctx_err = (err.get("ctx") or {}).get("error")
        if isinstance(ctx_err, RefError):
            raise error(ctx_err.key, str(ctx_err)) from None
        key = _key(tuple(err["loc"]))
        raise ScenarioError(
            path, _message(dict(err)), line=key_line(text, key), key=key or "scenario"
        ) from None
    # In this order, each check may assume the ones before it passed (tools exist, ...).
    for check in (_tool_problems, pattern_problems, _shape_problems, _approval_problems):
        problems = check(scenario)
        if problems:
            raise error(*problems[0])
    for key in ("docs", "workspace"):
        rel = getattr(scenario, key)
        if rel is not None and not (path.parent / rel).is_dir():
            raise error(key, f"no such folder: {rel}")
        if rel is not None and (problem := _confined(path.parent, rel, allow_paths)):
            raise error(key, problem)
    return scenario


def _confined(base: Path, rel: str, allow_paths: Sequence[Path]) -> str:
    """Why folder ``rel`` (of a scenario in ``base``) may not be used, or "" (least privilege:
    the file tools read anything under it, so it stays in the scenario's own folder unless the
    person running it allows another path)."""
    real = (base / rel).resolve()
    roots = [base.resolve(), *(Path(p).expanduser().resolve() for p in allow_paths)]
    if any(real.is_relative_to(r) for r in roots):
        return ""
    return (
        f"{rel} ({real}) is outside the scenario's folder; allow it with "
        f"`agentlab run --allow-path {real}`"
    )


def _tool_problems(s: Scenario) -> list[Problem]:
    """Agents name tools that exist; a script only calls tools its agent has (or its pattern
    gives it); a tool that works in a folder has that folder set."""
    out: list[Problem] = []
    for i, agent in enumerate(s.agents):
        for j, name in enumerate(agent.tools):
            if name not in BUILTIN_TOOLS:
                known = ", ".join(sorted(BUILTIN_TOOLS))
                out.append(
                    Problem(
                        f"agents[{i}].tools[{j}]",
                        f"unknown tool {name!r} (built-in tools: {known})",
                    )
                )
        allowed = set(agent.tools) | pattern_tools(s, agent)
        for j, turn in enumerate(agent.script):
            for name in ([turn.tool] if turn.tool else []) + [c.tool for c in turn.calls]:
                # With the allowlist guardrail on, a script may try a tool its agent lacks: a
                # teaching scenario shows the refusal (the model was talked into it).
                if name not in allowed and not (s.guardrails and s.guardrails.allowlist):
                    have = ", ".join(sorted(allowed)) or "none"
                    key = f"agents[{i}].script[{j}]"
                    out.append(
                        Problem(
                            key,
                            f"calls tool {name!r}, which agent {agent.name!r} does not have"
                            f" (has: {have})",
                            key + (".tool" if turn.tool else ".calls"),
                        )
                    )
    return out


def _shape_problems(s: Scenario) -> list[Problem]:
    """Mistakes that parse but cannot mean what the author meant, whatever the pattern."""
    out: list[Problem] = []
    by_name = {a.name: a for a in s.agents}
    for i, agent in enumerate(s.agents):  # a delegation cycle would never end
        seen, todo = set(), list(agent.workers)
        while todo:
            name = todo.pop()
            if name == agent.name:
                out.append(
                    Problem(f"agents[{i}].workers", f"delegation cycle back to {agent.name!r}")
                )
                break
            if name not in seen:
                seen.add(name)
                todo.extend(by_name[name].workers)
        for tool in agent.tools:
            for folder in BUILTIN_TOOLS[tool].needs:
                if folder == "hosts" and not s.hosts:
                    why = f'{tool} reaches the network: allow hosts with `hosts = ["<host>"]`'
                    out.append(Problem(f"agents[{i}].tools", why + " at the top"))
                elif folder != "hosts" and getattr(s, folder) is None:
                    out.append(
                        Problem(
                            f"agents[{i}].tools", f'{tool} needs `{folder} = "<folder>"` at the top'
                        )
                    )
    given = {t for a in s.agents for t in (*a.tools, *pattern_tools(s, a))}
    for tool in s.loops.exempt:
        if tool not in given | {"delegate"}:
            out.append(Problem("loops.exempt", f"no agent has a tool named {tool!r}"))
    if s.loops.stop_after < s.loops.nudge_after:
        out.append(
            Problem(
                "loops.stop_after", "must be at least nudge_after (warn, then nudge, then stop)"
            )
        )
    return out


def _approval_problems(s: Scenario) -> list[Problem]:
    out = []
    if s.guardrails is not None:
        for key in ("trusted_tools", "retrieval_tools"):
            out += [
                Problem(f"guardrails.{key}[{j}]", f"unknown tool {name!r}")
                for j, name in enumerate(getattr(s.guardrails, key))
                if name not in BUILTIN_TOOLS and key == "trusted_tools"
            ]
    return out + [
        Problem(
            f"approvals.tools[{j}]", f"unknown tool {name!r}: this approval gate would never apply"
        )
        for j, name in enumerate(s.approvals.tools)
        if name not in BUILTIN_TOOLS
    ]


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
