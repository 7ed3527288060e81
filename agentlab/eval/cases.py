"""Eval cases from files: a scenario with an ``[expect]`` table is one case; an eval file
(``*.eval.toml``) names a scenario and holds any number of ``[[case]]`` tables. Mistakes are
one line with file and line, as scenario errors are (``x.toml:31: expect.regex: ...``)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from agentlab.errors import ScenarioError, UsageError
from agentlab.eval.spec import Expect
from agentlab.scenario import Scenario, _key, _message, load_scenario
from agentlab.tomlpos import key_line

EVAL_SUFFIX = ".eval.toml"


@dataclass(frozen=True)
class Case:
    """One eval case: a scenario to run and what the run should do."""

    #: Unique in a suite: the scenario's name, or ``<eval file>::<case>``.
    id: str
    scenario: Scenario
    expect: Expect
    #: What ``--from-recordings`` answers the model calls from: a JSONL file (resolved), a
    #: shipped recording's name or a session id; None: the scenario's latest completed session.
    recording: str | None
    file: str
    line: int | None = None


def _read(path: Path) -> tuple[str, dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(path, f"cannot read: {exc}") from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(path, f"invalid TOML: {exc}") from None


def _expect(path: Path, text: str, data: Any, prefix: str) -> Expect:
    if not isinstance(data, dict):
        raise ScenarioError(path, "expected a table", line=key_line(text, prefix), key=prefix)
    try:
        expect = Expect.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(p for p in (prefix, _key(tuple(err["loc"]))) if p)
        raise ScenarioError(path, _message(dict(err)), line=key_line(text, key), key=key) from None
    if expect.judge is not None and expect.judge.model is not None:
        _judge_model(path, text, expect.judge.model, f"{prefix}.judge.model")
    if not expect.specific():
        raise ScenarioError(
            path,
            "expects nothing beyond finishing; add what the output, the trajectory or the "
            "spend should be (an expectation any model passes tests nothing)",
            line=key_line(text, prefix),
            key=prefix,
        )
    return expect


def _judge_model(path: Path, text: str, name: str, key: str) -> None:
    """A rubric's own judge model (an alias of the models file, or a litellm model string) must
    be one litellm can route: else one line with the file and line, before anything runs."""
    from agentlab.core import llm
    from agentlab.modelsfile import load_models

    model = load_models().resolve(name)
    if llm.is_lab(model):
        raise ScenarioError(
            path,
            "a lab model cannot judge (it knows no answers): name a real model",
            line=key_line(text, key),
            key=key,
        )
    try:
        llm.check_model(model)
    except UsageError as exc:
        raise ScenarioError(path, str(exc), line=key_line(text, key), key=key) from None


def _recording(path: Path, value: Any, text: str, key: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ScenarioError(
            path, "expected a recording file or a session id", line=key_line(text, key), key=key
        )
    # A file is relative to the case's file, or to its folder's parent (the repository, where
    # `recordings/` sits beside `scenarios/`); anything else is a shipped name or a session id.
    for base in (path.parent, path.parent.parent, Path.cwd()):
        candidate = base / value
        if candidate.is_file():
            return str(candidate.resolve())
    return value


def _table(path: Path, text: str, data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key) or {}
    if not isinstance(value, dict):
        raise ScenarioError(path, "expected a table", line=key_line(text, key), key=key)
    return value


def from_scenario(path: Path, *, required: bool) -> Case | None:
    """The case a scenario file declares, or None when it has no ``[expect]`` (an error when
    ``required``: the file was named on its own)."""
    text, data = _read(path)
    scenario = load_scenario(path)
    if "expect" not in data:
        if required:
            raise ScenarioError(path, "no [expect] table: this scenario is not an eval case")
        return None
    expect = _expect(path, text, data["expect"], "expect")
    extra = _table(path, text, data, "eval")
    unknown = sorted(set(extra) - {"recording"})
    if unknown:
        key = f"eval.{unknown[0]}"
        raise ScenarioError(path, "unknown key", line=key_line(text, key), key=key)
    recording = _recording(path, extra.get("recording"), text, "eval.recording")
    return Case(scenario.name, scenario, expect, recording, str(path), key_line(text, "expect"))


def from_eval_file(path: Path) -> list[Case]:
    """The ``[[case]]`` tables of an eval file, each run on the file's ``scenario``."""
    text, data = _read(path)
    unknown = sorted(set(data) - {"scenario", "case"})
    if unknown:
        raise ScenarioError(path, "unknown key", line=key_line(text, unknown[0]), key=unknown[0])
    ref = data.get("scenario")
    ref_line = key_line(text, "scenario")
    if ref is None:
        raise ScenarioError(
            path, "required key is missing: the scenario file to run", key="scenario"
        )
    if not isinstance(ref, str) or not ref:
        got = "an empty string" if ref == "" else type(ref).__name__
        raise ScenarioError(
            path,
            f"expected a string (the scenario file to run), got {got}",
            line=ref_line,
            key="scenario",
        )
    scenario_path = path.parent / ref
    if scenario_path.is_dir():
        raise ScenarioError(
            path, f"{ref} is a folder, not a scenario file", line=ref_line, key="scenario"
        )
    if not scenario_path.is_file():
        raise ScenarioError(path, f"no such scenario file: {ref}", line=ref_line, key="scenario")
    base = load_scenario(scenario_path)
    cases = data.get("case")
    if cases is not None and not isinstance(cases, list):
        raise ScenarioError(
            path,
            f"expected [[case]] tables, got {type(cases).__name__}",
            line=key_line(text, "case"),
            key="case",
        )
    if not cases:
        raise ScenarioError(path, "no [[case]] tables", key="case")
    out: list[Case] = []
    names: dict[str, int | None] = {}
    for i, raw in enumerate(cases):
        key = f"case[{i}]"
        if not isinstance(raw, dict):
            raise ScenarioError(path, "expected a table", line=key_line(text, key), key=key)
        bad = sorted(set(raw) - {"name", "task", "recording", "expect"})
        if bad:
            k = f"{key}.{bad[0]}"
            raise ScenarioError(path, "unknown key", line=key_line(text, k), key=k)
        name = raw.get("name", f"case{i + 1}")
        if not isinstance(name, str) or not name:
            k = f"{key}.name"
            raise ScenarioError(path, "expected a string", line=key_line(text, k), key=k)
        stem = path.name.removesuffix(EVAL_SUFFIX).removesuffix(".toml")
        if name in names:
            k = f"{key}.name"
            first = names[name]
            raise ScenarioError(
                path,
                f"case '{stem}::{name}' is defined twice"
                + (f" (first at line {first})" if first else ""),
                line=key_line(text, k),
                key=k,
            )
        names[name] = key_line(text, f"{key}.name")
        scenario = base
        task = raw.get("task")
        if task is not None:
            if not isinstance(task, str) or not task.strip():
                k = f"{key}.task"
                raise ScenarioError(path, "expected a string", line=key_line(text, k), key=k)
            scenario = base.model_copy(update={"task": task})
        if "expect" not in raw:
            k = f"{key}.expect"
            raise ScenarioError(path, "required key is missing", line=key_line(text, key), key=k)
        expect = _expect(path, text, raw["expect"], f"{key}.expect")
        recording = _recording(path, raw.get("recording"), text, f"{key}.recording")
        out.append(
            Case(f"{stem}::{name}", scenario, expect, recording, str(path), key_line(text, key))
        )
    return out


def _is_eval_file(path: Path) -> bool:
    return path.name.endswith(EVAL_SUFFIX)


def load_cases(paths: list[Path]) -> tuple[list[Case], list[str]]:
    """The cases under ``paths`` (files, or folders whose ``*.toml`` files are read), in a
    stable order, and notes on what was passed over (scenarios without ``[expect]``)."""
    cases: list[Case] = []
    notes: list[str] = []
    for p in paths:
        if p.is_dir():
            for f in sorted(p.glob("*.toml")):
                if _is_eval_file(f):
                    cases += from_eval_file(f)
                else:
                    case = from_scenario(f, required=False)
                    if case is None:
                        notes.append(f"{f}: no [expect] table, not an eval case")
                    else:
                        cases.append(case)
        elif p.is_file():
            if _is_eval_file(p):
                cases += from_eval_file(p)
            else:
                case = from_scenario(p, required=True)
                assert case is not None  # required: a file without [expect] raised
                cases.append(case)
        else:
            raise UsageError(f"PATH: no such file or folder: {p}")
    seen: dict[str, str] = {}
    for c in cases:
        if c.id in seen:
            where = f"{c.file}:{c.line}" if c.line else c.file
            raise UsageError(f"{where}: case {c.id!r} is also defined in {seen[c.id]}")
        seen[c.id] = c.file
    if not cases:
        where = ", ".join(str(p) for p in paths) or "PATH"
        raise UsageError(
            f"{where}: no eval cases found (a case is a scenario with an [expect] table)"
        )
    return cases, notes
