"""Masked storage (issue 13): with ``mask_storage = true`` nothing of a session's PII reaches the
store (requests, replies, tool arguments and results, outputs), while the run itself sees the
exact values; storage stays linear; a rerun compares masked requests, and parts from the
recording when a tool depended on a masked value (what masked storage gives up)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agentlab import services
from agentlab.cli import app
from agentlab.core.checks.storage import StorageMask
from agentlab.core.events import (
    CheckEnded,
    LlmCallEnded,
    LlmCallStarted,
    SessionEnded,
    SessionStarted,
    ToolCallEnded,
    ToolCallStarted,
)

EMAIL = "dana.whitfield@example.com"
PHONE = "+1 415 555 0100"

SCENARIO = """
name = "stored_masked"
task = "Look up Dana ({email}) in the contacts and say how to reach her."
workspace = "ws"
[guardrails]
mask_storage = {mask}
[[agents]]
name = "a"
model = "lab/scripted"
tools = ["read_file"]
  [[agents.script]]
  tool = "read_file"
  args = {{ path = "{email}.txt" }}
  [[agents.script]]
  text = "Reach Dana at {email} or {phone}."
"""


def _scenario(tmp_path: Path, mask: bool) -> Path:
    (tmp_path / "ws").mkdir(exist_ok=True)
    (tmp_path / "ws" / f"{EMAIL}.txt").write_text(f"Dana Whitfield, {EMAIL}, phone {PHONE}\n")
    f = tmp_path / "s.toml"
    f.write_text(SCENARIO.format(email=EMAIL, phone=PHONE, mask=str(mask).lower()))
    return f


def _db_bytes(db: Path) -> bytes:
    return b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))


async def test_nothing_of_the_pii_reaches_the_store(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    result = await services.run_recorded(_scenario(tmp_path, True), db_path=db)
    # The run itself saw the exact values: the tool found the file by its exact name.
    assert result.status == "completed" and EMAIL in result.final_output
    stored = services.load_recording(db, result.session_id).events
    (started,) = [e for e in stored if isinstance(e, ToolCallStarted)]
    assert started.arguments == {"path": "[EMAIL]"}
    (ended,) = [e for e in stored if isinstance(e, ToolCallEnded)]
    assert not ended.is_error and ended.result == "Dana Whitfield, [EMAIL], phone [PHONE]\n"
    calls = [e for e in stored if isinstance(e, LlmCallEnded)]
    assert calls[0].tool_calls[0]["function"]["arguments"] == '{"path": "[EMAIL]"}'
    assert calls[1].content == "Reach Dana at [EMAIL] or [PHONE]."
    second = [e for e in stored if isinstance(e, LlmCallStarted)][1]
    assert second.messages[1]["content"].endswith(
        "([EMAIL]) in the contacts and say how to reach her."
    )
    assert second.messages[-1]["content"] == ended.result
    final = next(e for e in stored if isinstance(e, SessionEnded)).final_output
    assert final == "Reach Dana at [EMAIL] or [PHONE]."
    assert next(e for e in stored if isinstance(e, SessionStarted)).config["mask_storage"] is True
    (check,) = [e for e in stored if isinstance(e, CheckEnded)]
    assert (check.check, check.verdict) == ("output_guard", "flag")
    assert "where it is stored" in check.reason
    raw = _db_bytes(db)  # the database file and its WAL: not a trace anywhere
    assert EMAIL.encode() not in raw and b"415 555" not in raw
    exact = CliRunner().invoke(app, ["export", result.session_id, "--db", str(db), "--no-mask"])
    assert exact.exit_code == 0 and EMAIL not in exact.stdout


async def test_without_mask_storage_the_store_stays_exact(tmp_path: Path) -> None:
    db = tmp_path / "e.db"
    result = await services.run_recorded(_scenario(tmp_path, False), db_path=db)
    stored = services.load_recording(db, result.session_id).events
    (started,) = [e for e in stored if isinstance(e, ToolCallStarted)]
    assert started.arguments == {"path": f"{EMAIL}.txt"}
    assert EMAIL.encode() in _db_bytes(db)


async def test_masked_storage_still_stores_only_what_each_call_adds(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    result = await services.run_recorded(_scenario(tmp_path, True), db_path=db)
    rows = sqlite3.connect(db).execute(
        "SELECT data FROM events WHERE session_id = ? AND kind = 'llm_call_started' ORDER BY seq",
        (result.session_id,),
    )
    second = json.loads(list(rows)[1][0])
    assert second["prefix_len"] == 2 and len(second["messages"]) == 2  # the reply and the result


def test_a_request_masks_only_what_it_adds() -> None:
    got = []
    mask = StorageMask(got.append)
    first = [{"role": "system", "content": "s"}, {"role": "user", "content": EMAIL}]
    mask(LlmCallStarted(session_id="s", span_id="c1", parent_id="A", model="m", messages=first))
    grown = [*first, {"role": "assistant", "content": f"mail {EMAIL}"}]
    mask(LlmCallStarted(session_id="s", span_id="c2", parent_id="A", model="m", messages=grown))
    a, b = got[0].messages, got[1].messages
    assert [m["content"] for m in b] == ["s", "[EMAIL]", "mail [EMAIL]"]
    assert all(x is y for x, y in zip(a, b[:2], strict=True))  # reused, not masked again
    assert first[1]["content"] == EMAIL  # the run's own messages are untouched


@pytest.mark.parametrize("then_model", [None, "lab/scripted"])
def test_a_rerun_compares_masked_but_a_tool_given_a_masked_value_parts(
    tmp_path: Path, then_model: str | None
) -> None:
    db = str(tmp_path / "r.db")
    f = str(_scenario(tmp_path, True))
    out = CliRunner().invoke(app, ["run", f, "--db", db, "--json"])
    sid = json.loads(out.stdout)["session_id"]
    args = ["rerun", sid, "--db", db, "--json"]
    if then_model:
        args += ["--then-model", then_model]
    rerun = CliRunner().invoke(app, args)
    got = json.loads(rerun.stdout)
    # The first request matched (compared masked), so the recorded reply was played back: its
    # tool call names the file "[EMAIL]" (the name was masked whole), which the tool does not find. From there the run
    # is not the recorded one.
    assert got["replay"]["replayed_calls"] == 1
    assert "agent a, step 2" in got["replay"]["diverged"]
    if then_model:
        assert got["status"] == "completed" and got["replay"]["live_calls"] == 1
    else:
        assert got["status"] == "error" and rerun.exit_code != 0
