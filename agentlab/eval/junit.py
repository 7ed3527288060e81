"""JUnit XML for CI systems, written with junitparser: one ``<testcase>`` per case and repeat;
a failure names the expectations that failed (a judge's failure carries its reasoning), a
skipped case is ``<skipped>`` with its reason; the session id, an offline judge's note and a
judge's verdict, reasoning and spend are in ``<system-out>``."""

from __future__ import annotations

from pathlib import Path

from junitparser import Failure, JUnitXml, Skipped, TestCase, TestSuite

from agentlab.errors import UsageError
from agentlab.eval.metrics import Report


def to_junit(report: Report, name: str = "agentlab eval") -> JUnitXml:
    suite = TestSuite(name)
    for run in sorted(report.runs, key=lambda r: (r.case, r.repeat)):
        label = run.case if report.repeat == 1 else f"{run.case} [repeat {run.repeat + 1}]"
        case = TestCase(label, "agentlab.eval", round(run.duration_s, 4))
        if run.skipped:
            case.result = [Skipped(run.skipped)]
        elif run.failures():
            failed = run.failures()
            message = "; ".join(f"{v.name}: {v.message}" for v in failed)
            failure = Failure(message, failed[0].name)
            failure.text = "\n".join(f"{v.name} ({v.category}): {v.message}" for v in failed)
            case.result = [failure]
        notes = run.notes()
        out = [f"session {run.session_id}"] if run.session_id else []
        out += [f"skipped {v.name}: {v.message}" for v in notes]
        # The judge's verdict and reasoning, whether it passed or failed (a failure's message
        # has it too), with its spend (not the agent's).
        out += [f"judge: {v.message}" for v in run.verdicts if v.category == "judge" and v.passed]
        if run.judge is not None:
            j = run.judge
            cost = "unpriced" if j["cost_usd"] is None else f"${j['cost_usd']:.6f}"
            out.append(f"judge spend ({j['model']}): {j['tokens']} tokens, {cost}")
        if out:
            case.system_out = "\n".join(out)
        suite.add_testcase(case)
    suite.update_statistics()
    xml = JUnitXml()
    xml.add_testsuite(suite)
    return xml


def write_junit(path: Path, report: Report) -> None:
    try:
        to_junit(report).write(str(path), pretty=True)
    except OSError as exc:
        raise UsageError(f"--junit: cannot write {path}: {exc.strerror}") from None
