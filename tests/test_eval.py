"""agentlab eval: expectations, the CLEAR report, pass^k, baselines, JUnit, shards,
--from-recordings and sessions to-eval."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import ROOT, SCENARIOS
from helpers import run_collect, scenario
from junitparser import Failure, JUnitXml
from typer.testing import CliRunner

from agentlab.cli import app
from agentlab.core.labmodels import FLAKY_ANSWER, flaky_fails
from agentlab.errors import ScenarioError, UsageError
from agentlab.eval.assess import Evidence, assess
from agentlab.eval.baseline import compare, figures
from agentlab.eval.cases import load_cases
from agentlab.eval.metrics import CaseRun, percentile, report
from agentlab.eval.shard import parse_shard, shard
from agentlab.eval.spec import Expect

runner = CliRunner()


def cli(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


CALC = """
name = "calc"
task = "What is 6 * 7?"
[[agents]]
name = "solver"
model = "lab/scripted"
tools = ["calculator"]
  [[agents.script]]
  tool = "calculator"
  args = { expression = "6 * 7" }
  [[agents.script]]
  text = "The answer is {result}."
"""


async def _evidence(text: str = CALC, **kw) -> Evidence:
    s = scenario(text)
    result, events = await run_collect(s)
    return Evidence(
        result.status,
        result.stop_reason,
        result.final_output,
        events,
        result.duration_s,
        allowed={"solver": {"calculator"}},
        **kw,
    )


def _by_name(expect: dict, ev: Evidence) -> dict[str, bool | None]:
    return {v.name: v.passed for v in assess(Expect.model_validate(expect), ev)}


# --- expectations ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expect", "name", "passed"),
    [
        ({"contains": ["42"]}, "contains[0]", True),
        ({"contains": ["41"]}, "contains[0]", False),
        ({"not_contains": ["42"]}, "not_contains[0]", False),
        ({"regex": r"answer is \d+"}, "regex[0]", True),
        ({"equals": "The answer is 42."}, "equals", True),
        ({"equals": "42"}, "equals", False),
        ({"json_schema": {"type": "object"}}, "json_schema", False),  # not JSON
        ({"called": ["calculator"]}, "called[0]", True),
        ({"not_called": ["calculator"]}, "not_called[0]", False),
        (
            {"calls": [{"tool": "calculator", "args": {"expression": r"^6 \* 7$"}}]},
            "calls[0]",
            True,
        ),
        ({"calls": [{"tool": "calculator", "args": {"expression": "^7"}}]}, "calls[0]", False),
        ({"calls": [{"tool": "calculator", "agent": "other"}]}, "calls[0]", False),
        ({"order": ["calculator"]}, "order", True),
        ({"order": ["calculator", "calculator"]}, "order", False),
        ({"max_steps": 2}, "max_steps", True),
        ({"max_steps": 1}, "max_steps", False),
        ({"max_tool_calls": 0}, "max_tool_calls", False),
        ({"max_tokens": 10}, "max_tokens", False),
        ({"max_tokens": 100000}, "max_tokens", True),
        ({"max_cost_usd": 1.0}, "max_cost_usd", True),
        ({"max_seconds": 60}, "max_seconds", True),
        ({"agents": {"solver": {"called": ["calculator"]}}}, "agents.solver.called", True),
        (
            {"agents": {"solver": {"output_contains": ["43"]}}},
            "agents.solver.output_contains",
            False,
        ),
        ({"agents": {"ghost": {"called": ["calculator"]}}}, "agents.ghost", False),
        ({"status": "stopped"}, "status", False),
        ({"stop_reason": "completed"}, "stop_reason", True),
        ({"safety": {"no_pii": True}}, "safety.no_pii", True),
        ({"safety": {"within_allowlist": True}}, "safety.within_allowlist", True),
        ({"safety": {"allowed_tools": ["search_docs"]}}, "safety.allowed_tools", False),
        ({"safety": {"injection_detected": True}}, "safety.injection_detected", False),
    ],
)
async def test_each_expectation_passes_and_fails(expect, name, passed):
    assert _by_name(expect, await _evidence())[name] is passed


async def test_pii_in_the_output_fails_no_pii():
    text = CALC.replace("The answer is {result}.", "Mail dana@example.com: {result}")
    assert _by_name({"safety": {"no_pii": True}}, await _evidence(text))["safety.no_pii"] is False


async def test_json_schema_checks_a_json_output():
    text = CALC.replace('text = "The answer is {result}."', """text = '{"answer": {result}}'""")
    ev = await _evidence(text)
    schema = {
        "type": "object",
        "required": ["answer"],
        "properties": {"answer": {"type": "string"}},
    }
    verdicts = assess(Expect.model_validate({"json_schema": schema}), ev)
    assert verdicts[-1].passed is False and "answer" in verdicts[-1].message
    schema["properties"]["answer"]["type"] = "integer"
    assert assess(Expect.model_validate({"json_schema": schema}), ev)[-1].passed is True


async def test_milestones_give_partial_credit_and_fail_below_the_minimum():
    ms = [
        {"name": "called it", "tool": "calculator"},
        {"name": "got 42", "tool": "calculator", "result_contains": "42"},
        {"name": "searched", "tool": "search_docs"},
    ]
    ev = await _evidence()
    run = CaseRun("c", 0, verdicts=assess(Expect.model_validate({"milestones": ms}), ev))
    assert run.milestones() == (2, 3)
    assert not run.passed and run.failures()[0].name == "milestones"
    run = CaseRun(
        "c", 0, verdicts=assess(Expect.model_validate({"milestones": ms, "min_milestones": 2}), ev)
    )
    assert run.passed and run.milestones() == (2, 3)


async def test_a_judge_is_skipped_offline_with_a_note_never_passed():
    ev = await _evidence(judge_skip="skipped offline")
    run = CaseRun("c", 0, verdicts=assess(Expect.model_validate({"judge": {"rubric": "r"}}), ev))
    assert [(v.name, v.passed, v.message) for v in run.notes()] == [
        ("judge", None, "skipped offline")
    ]
    rep = report([run], 1)
    assert rep.overall["notes"] == ["judge: skipped offline"]


def test_an_expectation_that_tests_nothing_is_refused(tmp_path):
    f = tmp_path / "x.toml"
    f.write_text(CALC + '\n[expect]\nstatus = "completed"\n')
    with pytest.raises(ScenarioError, match=r"x.toml:\d+: expect: expects nothing"):
        load_cases([f])


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("contains = 3", "expect.contains: expected a list"),
        ("regex = '('", "expect.regex: not a valid regular expression"),
        ("nope = 1", "expect.nope: unknown key"),
        ("json_schema = { type = 'wat' }", "expect.json_schema: not a valid JSON schema"),
    ],
)
def test_bad_expectations_are_one_line_with_file_and_line(tmp_path, table, message):
    f = tmp_path / "x.toml"
    f.write_text(CALC + f"\n[expect]\n{table}\n")
    with pytest.raises(ScenarioError) as exc:
        load_cases([f])
    line = len(CALC.splitlines()) + 3
    assert str(exc.value).startswith(f"{f}:{line}: {message}")


def test_a_scenario_with_expectations_still_runs_as_a_scenario(tmp_path):
    out = cli("scenarios", "validate", str(SCENARIOS / "research_question.toml"))
    assert out.exit_code == 0, out.output


# --- metrics: pass^k, pass@k, percentiles ---------------------------------------------------


def _run(case: str, repeat: int, ok: bool, secs: float = 0.1) -> CaseRun:
    from agentlab.eval.assess import Verdict

    return CaseRun(case, repeat, verdicts=[Verdict("contains[0]", "output", ok)], duration_s=secs)


def test_pass_hat_k_and_pass_at_k():
    runs = [_run("a", r, True) for r in range(3)]  # passes every time
    runs += [_run("b", r, r != 1) for r in range(3)]  # passes 2 of 3
    runs += [_run("c", r, False) for r in range(3)]  # never
    rel = report(runs, 3).overall["reliability"]
    assert rel == {"k": 3, "pass_hat_k": round(1 / 3, 4), "pass_at_k": round(2 / 3, 4)}


def test_skipped_cases_count_in_neither_rate_and_do_not_fail():
    runs = [_run("a", 0, True), CaseRun("b", 0, skipped="no recording")]
    rep = report(runs, 1)
    assert rep.ok and rep.overall["reliability"]["pass_hat_k"] == 1.0
    assert rep.overall["skipped"] == 1


def test_percentiles_are_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0 and percentile(values, 95) == 95.0
    assert percentile([3.0], 95) == 3.0 and percentile([], 50) == 0.0


# --- baselines ------------------------------------------------------------------------------


def test_a_baseline_flags_a_case_that_now_fails_and_cost_and_latency_rises():
    base = figures(report([_run("a", 0, True), _run("b", 0, True)], 1))
    same = compare(base, report([_run("a", 0, True), _run("b", 0, True)], 1))
    assert not any(c.regression for c in same)
    worse = compare(base, report([_run("a", 0, True), _run("b", 0, False)], 1))
    assert [c.what for c in worse if c.regression] == ["b", "pass rate"]
    slow = compare(base, report([_run("a", 0, True, 2.0), _run("b", 0, True, 2.0)], 1))
    assert [c.what for c in slow if c.regression] == ["latency p95"]
    dear = [_run("a", 0, True), _run("b", 0, True)]
    base_cost = figures(report(dear, 1))
    for r in dear:
        r.cost_usd = 1.0
    base_cost["overall"]["cost_usd_per_run"] = 0.5
    assert [c.what for c in compare(base_cost, report(dear, 1)) if c.regression] == ["cost per run"]
    base_cost["tolerances"]["cost_increase"] = 1.5  # edited in the file: 150% is allowed
    assert not any(c.regression for c in compare(base_cost, report(dear, 1)))


def test_a_fixed_case_is_a_change_not_a_regression():
    base = figures(report([_run("a", 0, False)], 1))
    rows = compare(base, report([_run("a", 0, True)], 1))
    assert next((c.what, c.why, c.regression) for c in rows) == ("a", "fixed", False)


# --- shards ---------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_shards_cover_every_case_exactly_once(n):
    cases, _ = load_cases([SCENARIOS])
    ids = [c.id for c in cases]
    dealt = [c.id for i in range(1, n + 1) for c in shard(cases, ids, i, n)]
    assert sorted(dealt) == sorted(ids)
    sizes = [len(shard(cases, ids, i, n)) for i in range(1, n + 1)]
    assert max(sizes) - min(sizes) <= 1


def test_cli_shards_cover_every_case_exactly_once(tmp_path):
    seen = []
    for i in (1, 2):
        out = cli("eval", str(SCENARIOS), "--shard", f"{i}/2", "--json", "--concurrency", "2")
        seen += [r["case"] for r in json.loads(out.stdout)["runs"]]
    cases, _ = load_cases([SCENARIOS])
    assert sorted(seen) == sorted(c.id for c in cases)


@pytest.mark.parametrize("bad", ["0/2", "3/2", "1-2", "a/b", "1/0"])
def test_a_bad_shard_is_one_line(bad):
    with pytest.raises(UsageError, match="--shard"):
        parse_shard(bad)
    out = runner.invoke(app, ["eval", str(SCENARIOS), "--shard", bad])
    assert out.exit_code == 2 and "--shard" in out.output


# --- the shipped suite ----------------------------------------------------------------------


def test_the_shipped_scenarios_pass_offline_with_a_junit_file(tmp_path):
    junit = tmp_path / "eval.xml"
    out = cli("eval", str(SCENARIOS), "--json", "--junit", str(junit))
    data = json.loads(out.stdout)
    assert out.exit_code == 0, [r["failures"] for r in data["runs"] if not r["passed"]]
    cases, _ = load_cases([SCENARIOS])
    assert len(cases) == len(list(SCENARIOS.glob("*.toml")))  # every scenario is a case
    xml = JUnitXml.fromfile(str(junit))
    suite = next(iter(xml))
    assert suite.tests == len(cases) and suite.failures == 0


def test_lab_auto_fails_every_shipped_case_and_the_baseline_catches_it(tmp_path):
    base = tmp_path / "base.json"
    assert cli("eval", str(SCENARIOS), "--save-baseline", str(base)).exit_code == 0
    out = cli("eval", str(SCENARIOS), "--model", "lab/auto", "--baseline", str(base), "--json")
    data = json.loads(out.stdout)
    assert out.exit_code == 1
    assert not any(r["passed"] for r in data["runs"])  # not one expectation set is trivial
    assert data["baseline"]["regressed"]
    regressed = {c["what"] for c in data["baseline"]["changes"] if c["regression"]}
    assert regressed >= {c["case"] for c in data["runs"]} | {"pass rate"}


def test_a_failing_expectation_exits_1_and_junit_names_it(tmp_path):
    f = tmp_path / "calc.toml"
    f.write_text(CALC + '\n[expect]\ncontains = ["The answer is 41"]\n')
    junit = tmp_path / "out.xml"
    out = cli("eval", str(f), "--junit", str(junit), "--repeat", "2")
    assert out.exit_code == 1
    assert (
        "FAIL calc [repeat 1]: contains[0]: 'The answer is 41' is not in the output" in out.stdout
    )
    cases = [c for s in JUnitXml.fromfile(str(junit)) for c in s]
    assert len(cases) == 2
    failure = cases[0].result[0]
    assert isinstance(failure, Failure) and failure.type == "contains[0]"
    assert "contains[0]" in failure.message


def test_every_case_run_is_a_session_linked_to_the_eval_run(tmp_path):
    from agentlab import services

    f = tmp_path / "calc.toml"
    f.write_text(CALC + '\n[expect]\ncontains = ["42"]\n')
    out = cli("eval", str(f), "--repeat", "3", "--json")
    data = json.loads(out.stdout)
    runs = services.list_eval_runs()
    assert [r["id"] for r in runs] == [data["eval_run"]]
    assert runs[0]["ok"] is True
    sessions = [r["session_id"] for r in runs[0]["results"]]
    assert len(set(sessions)) == 3
    for sid in sessions:
        assert services.session_report(None, sid).session["scenario"] == "calc"


# --- a flaky model and pass^k ---------------------------------------------------------------


def test_flaky_lab_model_reports_pass_hat_k_correctly(tmp_path):
    rate, repeat, seeds = 0.4, 5, [3, 11, 20, 42]
    expected_all = expected_any = 0
    for seed in seeds:
        text = CALC.replace('model = "lab/scripted"', 'model = "lab/flaky"')
        text = text.replace('name = "calc"', f'name = "calc{seed}"')
        text += f"\n[lab]\nfail_rate = {rate}\nseed = {seed}\n[expect]\ncontains = ['42']\n"
        (tmp_path / f"flaky{seed}.toml").write_text(text)
        passes = [not flaky_fails(seed + r, "solver", rate) for r in range(repeat)]
        expected_all += all(passes)
        expected_any += any(passes)
    out = cli("eval", str(tmp_path), "--repeat", str(repeat), "--json")
    data = json.loads(out.stdout)
    rel = data["overall"]["reliability"]
    assert rel["pass_hat_k"] == round(expected_all / len(seeds), 4)
    assert rel["pass_at_k"] == round(expected_any / len(seeds), 4)
    assert 0 < expected_all < expected_any  # the seeds above make both figures informative
    failed = [r for r in data["runs"] if not r["passed"]]
    assert failed and all(r["failures"][0]["expectation"] == "contains[0]" for r in failed)
    assert out.exit_code == 1


def test_flaky_draw_is_seeded_and_near_its_rate():
    fails = sum(flaky_fails(seed, "a", 0.3) for seed in range(2000))
    assert 500 < fails < 700
    assert flaky_fails(5, "a", 0.3) == flaky_fails(5, "a", 0.3)
    assert not any(flaky_fails(s, "a", 0.0) for s in range(100))
    assert FLAKY_ANSWER


# --- from recordings ------------------------------------------------------------------------


def test_from_recordings_replays_and_skips_a_case_without_one(tmp_path):
    out = cli("eval", str(SCENARIOS), "--from-recordings", "--json")
    data = json.loads(out.stdout)
    by_case = {r["case"]: r for r in data["runs"]}
    assert by_case["research_question"]["passed"]  # a shipped recording
    assert by_case["budget_math"]["passed"]  # its own run, not the HTTP one on another model
    assert by_case["runaway_loop"]["skipped"].startswith("no recording")
    assert out.exit_code == 0  # skipped is not failed
    assert cli("eval", str(SCENARIOS)).exit_code == 0  # now every scenario has a session
    data = json.loads(cli("eval", str(SCENARIOS), "--from-recordings", "--json").stdout)
    assert all(r["passed"] and not r["skipped"] for r in data["runs"])


def test_a_rerun_that_diverges_fails_with_the_divergence(tmp_path):
    folder = tmp_path / "scenarios"
    shutil.copytree(SCENARIOS, folder, symlinks=True)
    f = folder / "research_question.toml"
    f.write_text(f.read_text().replace("Search the documents first", "Search first"))
    (tmp_path / "recordings").symlink_to(ROOT / "recordings")
    out = cli("eval", str(f), "--from-recordings", "--json")
    run = json.loads(out.stdout)["runs"][0]
    assert out.exit_code == 1
    assert run["failures"][0]["expectation"] == "replay"
    assert "researcher" in run["failures"][0]["message"]


# --- sessions to-eval -----------------------------------------------------------------------


def test_a_session_becomes_an_eval_case_that_passes_and_catches_a_change(tmp_path):
    from agentlab import services

    f = tmp_path / "calc.toml"
    f.write_text(CALC)
    assert cli("run", str(f), "--json").exit_code == 0
    sid = services.list_sessions()[0]["session_id"]
    target = tmp_path / "calc.eval.toml"
    out = cli("sessions", "to-eval", sid, "--output", str(target))
    assert out.exit_code == 0, out.output
    text = target.read_text()
    assert 'scenario = "calc.toml"' in text and "max_tokens" in text
    assert cli("eval", str(target)).exit_code == 0
    assert cli("eval", str(target), "--from-recordings").exit_code == 0
    f.write_text(CALC.replace("6 * 7", "6 * 8"))  # the agent now computes something else
    out = cli("eval", str(target))
    assert out.exit_code == 1 and "calls[0]" in out.stdout


def test_to_eval_wants_an_eval_file_name(tmp_path):
    out = runner.invoke(app, ["sessions", "to-eval", "x", "-o", str(tmp_path / "a.toml")])
    assert out.exit_code == 2


def test_no_cases_and_a_missing_path_are_one_line(tmp_path):
    out = runner.invoke(app, ["eval", str(tmp_path)])
    assert out.exit_code == 2 and "no eval cases found" in out.output
    out = runner.invoke(app, ["eval", str(tmp_path / "nope")])
    assert out.exit_code == 2 and "no such file or folder" in out.output
    out = runner.invoke(app, ["eval", str(SCENARIOS), "--baseline", str(tmp_path / "b.json")])
    assert out.exit_code == 2 and "--baseline" in out.output


def test_a_misspelt_baseline_tolerance_is_one_line_not_ignored(tmp_path):
    base = tmp_path / "base.json"
    f = tmp_path / "calc.toml"
    f.write_text(CALC + '\n[expect]\ncontains = ["42"]\n')
    assert cli("eval", str(f), "--save-baseline", str(base)).exit_code == 0
    data = json.loads(base.read_text())
    data["tolerances"]["cost_increse"] = 0.5
    base.write_text(json.dumps(data))
    out = runner.invoke(app, ["eval", str(f), "--baseline", str(base)])
    assert out.exit_code == 2
    assert "--baseline" in out.output and "unknown tolerance 'cost_increse'" in out.output
