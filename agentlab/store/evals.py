"""Eval runs in the store: an ``eval_runs`` row per ``agentlab eval`` and an ``eval_results``
row per case run, naming the session it ran as (sessions themselves are ordinary sessions)."""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from agentlab.store.txn import write_txn


def start_eval_run(
    db: Database, run_id: str, started_at: float, paths: list[str], options: dict[str, Any]
) -> None:
    with write_txn(db):
        db.table("eval_runs").insert(
            {
                "id": run_id,
                "started_at": started_at,
                "paths": json.dumps(paths),
                "options": json.dumps(options),
            }
        )


def add_eval_result(db: Database, run_id: str, result: dict[str, Any]) -> None:
    with write_txn(db):
        db.table("eval_results").upsert(
            {
                "eval_run": run_id,
                "case_id": result["case"],
                "repeat": result["repeat"],
                "session_id": result.get("session_id") or None,
                "passed": int(bool(result["passed"])),
                "skipped": result.get("skipped") or None,
                "failures": json.dumps(result.get("failures") or []),
                "judge": json.dumps(result["judge"]) if result.get("judge") else None,
            },
            pk=("eval_run", "case_id", "repeat"),
        )


def end_eval_run(
    db: Database, run_id: str, ended_at: float, ok: bool, overall: dict[str, Any]
) -> None:
    with write_txn(db):
        db.table("eval_runs").update(
            run_id, {"ended_at": ended_at, "ok": int(ok), "overall": json.dumps(overall)}
        )


def _run_row(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for key in ("paths", "options", "overall"):
        out[key] = json.loads(out[key]) if out.get(key) else None
    out["ok"] = None if out.get("ok") is None else bool(out["ok"])
    return out


def list_eval_runs(db: Database, limit: int = 50) -> list[dict[str, Any]]:
    """The most recent eval runs, newest first."""
    rows = db.query("SELECT * FROM eval_runs ORDER BY started_at DESC LIMIT ?", [limit])
    return [_run_row(r) for r in rows]


def eval_results(db: Database, run_id: str) -> list[dict[str, Any]]:
    """An eval run's case runs, by case and repeat."""
    rows = db.query(
        "SELECT * FROM eval_results WHERE eval_run = ? ORDER BY case_id, repeat", [run_id]
    )
    out = []
    for r in rows:
        r = dict(r)
        r["passed"] = bool(r["passed"])
        r["failures"] = json.loads(r["failures"]) if r.get("failures") else []
        r["judge"] = json.loads(r["judge"]) if r.get("judge") else None
        out.append(r)
    return out


def latest_completed(db: Database, scenario: str, task: str) -> str | None:
    """The newest session of ``scenario`` (by name) that ran ``task`` to its end: completed, or
    stopped by a cap or a check (not one that failed, was interrupted or is still running)."""
    row = db.execute(
        "SELECT id FROM sessions WHERE scenario = ? AND task = ? "
        "AND status IN ('completed', 'stopped') "
        "ORDER BY started_at DESC, id DESC LIMIT 1",
        [scenario, task],
    ).fetchone()
    return str(row[0]) if row else None
