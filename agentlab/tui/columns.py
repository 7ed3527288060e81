"""Fitting a table's columns to the width there is: drop the least important columns first,
then cut the one column that may shrink, with an ellipsis. Pure, so tests can table it.

A DataTable never scrolls sideways on agentlab's screens: at 80 columns the numbers a person
looks for (status, cost, tokens) stay, and timestamps go before them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text

#: A DataTable draws one cell of padding each side of every column.
PAD = 2


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    #: Lower is more important: kept longest as the width shrinks.
    priority: int
    #: The column that gives up width (with an ellipsis) once no more columns can go.
    shrinks: bool = False
    #: Narrowest it may become when it shrinks.
    min_width: int = 8
    right: bool = False


def cell_width(cell: str | Text) -> int:
    return cell.cell_len if isinstance(cell, Text) else len(cell)


def fit(
    columns: Sequence[Column], rows: Sequence[Sequence[str | Text]], width: int
) -> tuple[list[int], dict[int, int]]:
    """The indexes of the columns to show (in their order) and each one's width (a shrunk
    column's is less than its widest cell: :func:`cut` ends those cells in an ellipsis)."""
    natural = [
        max([len(c.label), *(cell_width(r[i]) for r in rows)]) for i, c in enumerate(columns)
    ]
    shown = list(range(len(columns)))

    def need() -> int:
        return sum(natural[i] + PAD for i in shown)

    caps: dict[int, int] = {}
    for i in sorted(shown, key=lambda i: -columns[i].priority):
        if need() <= width:
            break
        shrink = [j for j in shown if columns[j].shrinks]
        if shrink:  # first try cutting the shrinkable column before dropping anything
            j = shrink[0]
            over = need() - width
            room = max(columns[j].min_width, natural[j] - over)
            if natural[j] - room >= over:
                caps[j] = room
                natural[j] = room
                break
        if len(shown) > 1:
            shown.remove(i)
            caps.pop(i, None)
    if need() > width:  # what is left is cut anyway; never wider than the table
        for j in shown:
            if columns[j].shrinks:
                caps[j] = natural[j] = max(columns[j].min_width, natural[j] - (need() - width))
    return shown, {i: natural[i] for i in shown}


def cut(cell: str | Text, cap: int | None) -> str | Text:
    """The cell, ending in an ellipsis if it is wider than ``cap``."""
    if cap is None or cell_width(cell) <= cap:
        return cell
    if isinstance(cell, Text):
        out = cell.copy()
        out.truncate(cap, overflow="ellipsis")
        return out
    return cell[: cap - 1] + "…"
