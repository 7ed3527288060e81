# ruff: noqa: F811  (the fixtures imported from test_tui are used as parameters)
"""Defect 10: span-tree labels fit their pane (cut with an ellipsis, never silently), keep the
step's cost at 80 columns, and say how long each span took."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.text import Text
from test_tui import db_path, recorded, wait_for  # noqa: F401  (fixtures)

from agentlab.tui.app import make_app
from agentlab.tui.render import fit_label
from agentlab.tui.screens.replay import ReplayScreen
from agentlab.tui.widgets.span_tree import SpanTree


@pytest.mark.parametrize(
    ("width", "shown"),
    [
        (61, "⚙ calculator(expression=2 + 2) · 0.3s · 1,234 tok · $0.000037"),
        (60, "⚙ calculator(expression=2 + … · 0.3s · 1,234 tok · $0.000037"),
        (45, "⚙ calculator(expression=2… · 0.3s · $0.000037"),
        (31, "⚙ calculator(expre… · $0.000037"),
        (12, "⚙ calculato…"),
    ],
)
def test_fit_label_cuts_the_head_with_an_ellipsis_and_keeps_the_cost(width, shown) -> None:
    head = Text("⚙ calculator(expression=2 + 2)")
    facts = [(1, Text("0.3s")), (2, Text("1,234 tok")), (0, Text("$0.000037"))]
    label = fit_label(head, facts, width)
    assert label.plain == shown
    assert label.cell_len <= width


def _tree_lines(app) -> list[str]:
    tree = app.screen.query_one(SpanTree)
    return [
        "".join(seg.text for seg in tree.render_line(y)).rstrip()
        for y in range(len(tree._tree_lines))
    ]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_tree_labels_at_80_and_120_columns_keep_cost_and_duration(
    tmp_path: Path,
    db_path,
    recorded,
    size,
) -> None:
    app = make_app(db_path=db_path, scenarios_dir=tmp_path)
    async with app.run_test(size=size) as pilot:
        app.replay_session(recorded)
        await wait_for(pilot, lambda: isinstance(app.screen, ReplayScreen))
        await pilot.pause()
        lines = _tree_lines(app)
        steps = [line for line in lines if "◇ step" in line]
        assert len(steps) == 4
        for line in steps:
            assert "$0.000" in line, line  # the step's cost survives the narrow pane
            assert "s ·" in line or "ms ·" in line, line  # and its duration
        tools = [line for line in lines if "⚙ " in line]
        assert tools and all(line.endswith("s") for line in tools), tools  # tool duration
        tree = app.screen.query_one(SpanTree)
        width = tree.scrollable_content_region.width
        for line in lines:
            assert Text(line).cell_len <= width
        # Whatever was cut says so
        full = [str(node.label) for node in tree.nodes_by_span.values()]
        if any(len(f) > width - 12 for f in full):
            assert any("…" in line for line in lines)
