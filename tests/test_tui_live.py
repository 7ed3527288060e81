# ruff: noqa: F811  (the fixtures imported from test_tui are used as parameters)
"""Issue 12, finishing: the span inspector follows a live run and a replay's position, the
replay timeline seeks on a click and shows the time, every view agrees with a fresh build at the
position, and the approval modal masks PII like the other views."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console
from test_tui import db_path, recorded, scenarios, wait_for  # noqa: F401

from agentlab.core.context import ApprovalRequest, RunOptions
from agentlab.core.events import LlmCallEnded, LlmCallStarted
from agentlab.tui.app import make_app
from agentlab.tui.screens.approval import ApprovalModal
from agentlab.tui.screens.inspector import InspectorScreen
from agentlab.tui.screens.replay import ReplayScreen, Timeline
from agentlab.tui.screens.run import RunScreen
from agentlab.tui.widgets.event_view import EventView
from agentlab.tui.widgets.span_tree import SpanTree

SLOW = """
name = "slow-writer"
task = "Write a few sentences."

[lab]
ttft_ms = 0
tokens_per_s = 25

[[agents]]
name = "writer"
model = "lab/scripted"
price_as = "gpt-4o-mini"

  [[agents.script]]
  text = "Alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu."
"""


def body_text(screen: InspectorScreen) -> str:
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(screen.body)
    return console.export_text()


async def _select(pilot, tree: SpanTree, span_id: str) -> None:
    tree.focus()
    tree.move_cursor(tree.nodes_by_span[span_id])
    await pilot.pause()
    await pilot.press("enter")


# --- 1. the inspector follows what happens -----------------------------------------------------


async def test_the_inspector_of_a_streaming_model_call_updates_live(db_path, tmp_path) -> None:
    scenario = tmp_path / "slow.toml"
    scenario.write_text(SLOW)
    app = make_app(db_path=db_path, scenarios_dir=tmp_path, run_options=RunOptions(stream=True))
    async with app.run_test(size=(120, 40)) as pilot:
        app.run_scenario(scenario)
        await wait_for(pilot, lambda: isinstance(app.screen, RunScreen))
        run = app.screen
        await wait_for(pilot, lambda: bool(run.query(EventView)))
        view = run.query_one(EventView)
        await wait_for(
            pilot,
            lambda: (
                any(isinstance(e, LlmCallStarted) for e in view.events)
                and any(e.kind == "llm_delta" for e in view.events)
            ),
        )
        call = next(e for e in view.events if isinstance(e, LlmCallStarted))
        await _select(pilot, view.span_tree, call.span_id)
        await wait_for(pilot, lambda: isinstance(app.screen, InspectorScreen))
        inspector = app.screen
        first = body_text(inspector)
        assert "running (at this point)" in first
        assert "streaming" in first  # the reply so far, not "(not answered at this point)"
        # As tokens arrive the same open screen shows more of the reply, then the answer.
        await wait_for(pilot, lambda: "zulu." in body_text(inspector), timeout=30)
        await wait_for(pilot, lambda: run.summary is not None, timeout=30)
        await wait_for(pilot, lambda: "finish" in body_text(inspector))
        done = body_text(inspector)
        assert "running (at this point)" not in done and "tokens" in done
        assert app.screen is inspector  # it updated in place


async def test_the_inspector_over_a_replay_steps_with_it(db_path, scenarios, recorded) -> None:
    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=(120, 40)) as pilot:
        app.replay_session(recorded)
        await wait_for(pilot, lambda: isinstance(app.screen, ReplayScreen))
        replay = app.screen
        await wait_for(pilot, lambda: bool(replay.query(EventView)))
        await pilot.pause()
        view = replay.query_one(EventView)
        await pilot.press("b", "space", "space", "space")  # the first model call has opened
        call = next(e for e in view.events if isinstance(e, LlmCallStarted))
        await _select(pilot, view.span_tree, call.span_id)
        await wait_for(pilot, lambda: isinstance(app.screen, InspectorScreen))
        inspector = app.screen
        assert "(not answered at this point)" in body_text(inspector)
        at = replay.position
        # space steps the replay underneath; the inspector shows the state at the new position
        while not any(
            isinstance(e, LlmCallEnded) and e.span_id == call.span_id for e in view.events
        ):
            await pilot.press("space")
            assert replay.position > at
        await wait_for(pilot, lambda: "finish" in body_text(inspector))
        assert f"event {replay.position} of" in inspector.sub_title
        await pilot.press("left")  # and back: not answered again
        await wait_for(pilot, lambda: "(not answered at this point)" in body_text(inspector))
        await pilot.press("b")  # before the span opened: said so, not a stale detail
        await wait_for(pilot, lambda: "not opened at this point" in body_text(inspector))
        await pilot.press("e")
        await wait_for(pilot, lambda: "finish" in body_text(inspector))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is replay)
        assert replay.position == len(replay.events)


# --- 2. the timeline: click to seek, timestamps, every view at the position ---------------------


def _state(view: EventView) -> dict:
    """Everything the replay's views show, as comparable values."""
    tree = view.span_tree

    def labels(node) -> list:
        return [(str(n.label), labels(n)) for n in node.children]

    table = view.agents_table
    return {
        "gauges": (dict(view.gauges.used), dict(view.gauges.caps), view.gauges.unpriced_calls),
        "agents": [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)],
        "tree": labels(tree.root),
        "log": [line.text for line in view.transcript.log_widget.lines],
        "summary": str(view.query_one("#summary").content),
    }


async def test_a_click_on_the_timeline_seeks_and_it_shows_the_time(
    db_path, scenarios, recorded
) -> None:
    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=(120, 40)) as pilot:
        app.replay_session(recorded)
        await wait_for(pilot, lambda: isinstance(app.screen, ReplayScreen))
        replay = app.screen
        await wait_for(pilot, lambda: bool(replay.query(EventView)))
        await pilot.pause()
        timeline = replay.query_one(Timeline)
        total = len(replay.events)
        await pilot.pause()
        start, width = timeline.bar
        assert width > 20
        await pilot.click(Timeline, offset=(1 + start + width // 4, 0))  # padding 1
        await pilot.pause()
        assert 0 < replay.position < total / 2
        quarter = replay.position
        await pilot.click(Timeline, offset=(1 + start + width * 3 // 4, 0))
        await pilot.pause()
        assert total / 2 < replay.position < total
        # Back again by a click: the views are rebuilt, exactly as a fresh seek shows them.
        await pilot.click(Timeline, offset=(1 + start + width // 4, 0))
        await pilot.pause()
        assert replay.position == quarter
        clicked = _state(replay.view)
        text = str(timeline.content)
        at = replay.events[replay.position - 1]
        assert text.endswith(app.formats.clock(at.ts))  # the wall-clock time of the position
        replay.seek(0)
        replay.seek(quarter)
        await pilot.pause()
        assert _state(replay.view) == clicked


async def test_every_view_matches_a_fresh_build_at_each_position(
    db_path, scenarios, recorded
) -> None:
    """Forward, back and forward again by steps and seeks: gauges, agents, tree, transcript and
    summary always equal what feeding the first N events into a new view shows."""
    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=(120, 40)) as pilot:
        app.replay_session(recorded)
        await wait_for(pilot, lambda: isinstance(app.screen, ReplayScreen))
        replay = app.screen
        await wait_for(pilot, lambda: bool(replay.query(EventView)))
        await pilot.pause()
        seen: dict[int, dict] = {}
        for keys in (("b",), ("space",) * 3, ("7",), ("left",) * 2, ("3",), ("e",), ("left",)):
            await pilot.press(*keys)
            await pilot.pause()
            seen[replay.position] = _state(replay.view)
        for position, state in seen.items():
            app.replay_session(recorded)
            await wait_for(pilot, lambda r=replay: isinstance(app.screen, ReplayScreen)
                           and app.screen is not r)  # fmt: skip
            fresh = app.screen
            await wait_for(pilot, lambda f=fresh: bool(f.query(EventView)))
            await pilot.pause()
            fresh.view.clear_view()
            fresh.position = 0
            fresh.seek(position)
            await pilot.pause()
            assert _state(fresh.view) == state, position
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is replay)


# --- 3. the approval modal masks PII like every other view ------------------------------------

MASKED_REFUND = """
name = "masked-refund"
task = "Refund the customer."

[guardrails]
mask_output = true

[approvals]
tools = ["issue_refund"]
policy = "deny"

[[agents]]
name = "support"
model = "lab/scripted"
price_as = "gpt-4o-mini"
tools = ["issue_refund"]

  [[agents.script]]
  tool = "issue_refund"
  args = { customer_id = "C-1042", amount_usd = 12.5, reason = "write to dana.whitfield@example.com" }

  [[agents.script]]
  text = "Done: {tool:issue_refund}"
"""
EMAIL = "dana.whitfield@example.com"


def _modal_text(modal: ApprovalModal) -> str:
    console = Console(width=200, record=True, file=io.StringIO())
    for static in modal.query("Static, Label"):
        console.print(static.content)
    return console.export_text()


async def test_the_approval_modal_masks_arguments_when_the_scenario_masks(
    db_path, tmp_path: Path
) -> None:
    scenario = tmp_path / "masked_refund.toml"
    scenario.write_text(MASKED_REFUND)
    app = make_app(db_path=db_path, scenarios_dir=tmp_path, run_options=RunOptions(stream=False))
    async with app.run_test(size=(120, 40)) as pilot:
        app.run_scenario(scenario)
        await wait_for(pilot, lambda: isinstance(app.screen, ApprovalModal))
        modal = app.screen
        await wait_for(pilot, lambda: bool(modal.query("#no")))
        await pilot.pause()
        shown = _modal_text(modal)
        assert "[EMAIL]" in shown and EMAIL not in shown
        await pilot.press("e")  # the edit box starts masked too
        box = modal.query_one("#edit")
        assert EMAIL not in box.text and "[EMAIL]" in box.text
        # An edit that leaves the masked value alone sends the agent's exact value.
        box.text = box.text.replace("12.5", "10.0")
        await pilot.press("ctrl+s")
        run = app.screen
        await wait_for(pilot, lambda: isinstance(run, RunScreen) and run.summary is not None)
    from agentlab.services import list_sessions, load_recording

    events = load_recording(db_path, list_sessions(db_path)[0]["session_id"]).events
    decided = next(e for e in events if e.kind == "approval_decided")
    assert decided.approved and decided.edited == {
        "customer_id": "C-1042",
        "amount_usd": 10.0,
        "reason": f"write to {EMAIL}",
    }


def test_the_modal_unmasked_keeps_the_arguments_as_they_are() -> None:
    request = ApprovalRequest("a", "issue_refund", {"reason": f"to {EMAIL}"}, schema={})
    assert EMAIL in ApprovalModal(request).question
    assert EMAIL not in ApprovalModal(request, masked=True).question


def test_diff_masks_outputs_unless_no_mask(tmp_path: Path) -> None:
    """`agentlab diff` shows a masking session's outputs masked, like `replay` and `export`;
    `--no-mask` shows them exactly."""
    import json

    from conftest import SCENARIOS
    from test_cli import cli

    db = str(tmp_path / "lab.db")
    poisoned = str(SCENARIOS / "poisoned_document.toml")  # mask_output; quotes an email
    sids = [
        json.loads(cli("run", poisoned, "--json", "--db", db).stdout)["session_id"]
        for _ in range(2)
    ]
    budget = cli("run", str(SCENARIOS / "budget_math.toml"), "--json", "--db", db)
    other = json.loads(budget.stdout)["session_id"]
    for args in ([sids[0], other], [other, sids[1]]):
        text = cli("diff", *args, "--db", db).stdout
        assert "[EMAIL]" in text and EMAIL not in text, args
        shown = cli("diff", *args, "--db", db, "--json").stdout
        assert "[EMAIL]" in shown and EMAIL not in shown
    exact = cli("diff", sids[0], other, "--db", db, "--json", "--no-mask").stdout
    assert EMAIL in exact


async def test_the_run_footer_says_esc_stops_only_while_the_run_goes(db_path, tmp_path) -> None:
    scenario = tmp_path / "slow.toml"
    scenario.write_text(SLOW)
    app = make_app(db_path=db_path, scenarios_dir=tmp_path, run_options=RunOptions(stream=True))

    def esc(screen) -> str:
        return next(
            b.binding.description for k, b in screen.active_bindings.items() if k == "escape"
        )

    async with app.run_test(size=(120, 40)) as pilot:
        app.run_scenario(scenario)
        await wait_for(pilot, lambda: isinstance(app.screen, RunScreen))
        run = app.screen
        await wait_for(pilot, lambda: run.is_live())
        assert "stops" in esc(run)
        await wait_for(pilot, lambda: run.summary is not None, timeout=30)
        await pilot.pause()
        assert esc(run) == "Back"
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is not run)
