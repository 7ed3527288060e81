"""The article's tables and trees with Rich, readable at any width from 80 columns.

A table too wide for the terminal is split into several, each repeating the first column, so
cells wrap only at word boundaries and no value is ever cut. The two decision trees are drawn
as Rich trees; given a recommendation, the profile's path is highlighted.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from agentlab.advisor.knowledge import Knowledge, load_knowledge
from agentlab.advisor.picks import WORKFLOW_LEAF
from agentlab.advisor.recommendation import Recommendation
from agentlab.advisor.scenarios import runnable_path

YOU = "bold green"
MARK = " ◀ you"


def _kb(kb: Knowledge | None) -> Knowledge:
    return kb or load_knowledge()


def _min_width(cell: str) -> int:
    return max((len(w) for w in cell.split()), default=1)


def _max_width(cell: str) -> int:
    return max((len(line) for line in cell.splitlines()), default=1)


def _widths(cols: list[list[str]], width: int) -> list[int] | None:
    """Content widths that fit `width` without breaking a word (None: natural widths fit).

    Each column gets its longest word, then the room left is shared out in proportion to how
    much more each would like. Rich's own shrinking can cut a long word short; this never does.
    """
    avail = width - 3 * len(cols) - 1
    lo = [max(_min_width(c) for c in col) for col in cols]
    hi = [max(_max_width(c) for c in col) for col in cols]
    if sum(hi) <= avail:
        return None
    room = max(0, avail - sum(lo))
    want = [h - w for h, w in zip(hi, lo, strict=True)]
    total = sum(want) or 1
    return [w + (room * x) // total for w, x in zip(lo, want, strict=True)]


def fit_tables(
    title: str | None,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    width: int,
    *,
    styles: Sequence[str | None] = (),
    caption: str | None = None,
) -> list[RenderableType]:
    """`rows` as one table, or as several in reading order when one would not fit `width`
    without breaking a word; each repeats the first column. The caption follows, full width."""
    need = [
        max(_min_width(h), *(_min_width(r[i]) for r in rows)) + 3 for i, h in enumerate(headers)
    ]
    chunks: list[list[int]] = [[]]
    used = need[0] + 1
    for i in range(1, len(headers)):
        if chunks[-1] and used + need[i] > width:
            chunks.append([])
            used = need[0] + 1
        chunks[-1].append(i)
        used += need[i]
    tables: list[RenderableType] = []
    for n, cols in enumerate(chunks):
        t = Table(title=title if n == 0 else None, box=box.SIMPLE_HEAD, title_justify="left")
        index = [0, *cols]
        widths = _widths([[headers[i], *(r[i] for r in rows)] for i in index], width)
        for k, i in enumerate(index):
            t.add_column(
                headers[i],
                style="bold" if i == 0 else None,
                width=None if widths is None else widths[k],
            )
        for r, row in enumerate(rows):
            style = styles[r] if r < len(styles) else None
            t.add_row(*(row[i] for i in index), style=style)
        tables.append(t)
    if caption:
        tables.append(Text(caption, style="dim"))
    return tables


def framework_matrix(
    framework_ids: Sequence[str] | None = None,
    kb: Knowledge | None = None,
    title: str | None = "Framework comparison matrix",
    width: int = 80,
) -> list[RenderableType]:
    """The comparison matrix: one row per dimension, one column per framework."""
    kb = _kb(kb)
    all_ids = framework_ids or [f.id for f in kb.frameworks.values() if f.matrix]
    ids = [f for f in all_ids if f in kb.frameworks]
    headers = ["dimension", *(kb.frameworks[f].name for f in ids)]
    rows = [[label, *(kb.frameworks[f].cell(key) for f in ids)] for key, label in kb.dimensions]
    notes = []
    if any(kb.frameworks[f].reconstructed for f in ids):
        notes.append(kb.matrix_footnote)
    outside = [
        kb.name_of(f) for f in all_ids if f not in kb.frameworks or not kb.frameworks[f].matrix
    ]
    if outside:
        notes.append(f"— : {', '.join(outside)} is not in the article's matrix.")
    if kb.since is not None:
        stars = kb.since.note("star-counts").text
        notes.append(f"{stars} (agentlab's note, checked {kb.since.checked})")
    return fit_tables(title, headers, rows, width, caption="\n".join(notes) or None)


def monitoring_table(kb: Knowledge | None = None, width: int = 80) -> list[RenderableType]:
    kb = _kb(kb)
    headers = ["platform", "type", "core features", "overhead", "open source", "fits"]
    rows = [
        [t.name, t.type, ", ".join(t.features), t.overhead, t.open_source, t.fits]
        for t in kb.monitoring.values()
    ]
    caption = None
    if kb.since is not None:
        caption = (
            f"Arize Phoenix's licence, {kb.since.label}: {kb.since.note('phoenix-licence').text}"
        )
    return fit_tables("Monitoring tools", headers, rows, width, caption=caption)


def patterns_table(kb: Knowledge | None = None, width: int = 80) -> list[RenderableType]:
    kb = _kb(kb)
    headers = ["pattern", "fits", "frameworks", "try it"]
    rows = []
    for pat in kb.patterns.values():
        names = [kb.name_of(f) for f in pat.frameworks] + list(pat.others)
        scenario = kb.try_it.get(pat.id, "")
        rows.append(
            [pat.name, pat.fits, ", ".join(names), runnable_path(scenario) if scenario else ""]
        )
    return fit_tables("Orchestration patterns", headers, rows, width)


def summary_table(
    rec: Recommendation | None = None, kb: Knowledge | None = None, width: int = 80
) -> list[RenderableType]:
    """The one-table summary; the row the recommendation matches is highlighted."""
    kb = _kb(kb)
    headers = ["need", "framework", "monitoring", "pattern"]
    rows, styles = [], []
    for row in kb.summary:
        yours = rec is not None and rec.summary_row == row.id
        mon = kb.name_of(row.monitoring) if row.monitoring else "—"
        need = row.need + (MARK if yours else "")
        rows.append([need, row.framework_label, mon, kb.name_of(row.pattern).lower()])
        styles.append(YOU if yours else None)
    caption = None
    if rec is not None and rec.summary_row is None:
        caption = "Your picks match no single row: see why on the card."
    return fit_tables("One-table summary", headers, rows, width, styles=styles, caption=caption)


def _leaf_label(kb: Knowledge, picks: Sequence[str], why: str) -> str:
    return f"→ {' or '.join(kb.name_of(p) for p in picks)} ({why})"


def framework_leaf(rec: Recommendation) -> str:
    """The framework-tree leaf the profile's answers lead to (whatever finally decided)."""
    p = rec.profile
    if p.agents == "learning":
        return "learning"
    if p.agents == "single":
        return "single-agent"
    return WORKFLOW_LEAF[p.workflow or ""]


def _tree(kb: Knowledge, which: str, you: str | None, note: str | None) -> Tree:
    t = kb.framework_tree if which == "framework" else kb.monitoring_tree
    root = Tree(Text(t.question, style="bold"), guide_style="dim")
    groups: dict[str, Tree] = {}
    anchor = root
    for leaf in t.leaves:
        mine = leaf.id == you
        style = YOU if mine else ""
        if len(leaf.path) == 1:
            text = Text(f"{leaf.path[0]} {_leaf_label(kb, leaf.picks, leaf.why)}", style=style)
            if mine:
                text.append(MARK)
            node = root.add(text)
            anchor = node if mine else anchor
            continue
        head = leaf.path[0]
        if head not in groups:
            groups[head] = root.add(Text(head))
        if mine:
            groups[head].label = Text(head, style=YOU)
        text = Text(f"{leaf.path[1]} {_leaf_label(kb, leaf.picks, leaf.why)}", style=style)
        if mine:
            text.append(MARK)
        node = groups[head].add(text)
        anchor = node if mine else anchor
    if note:
        anchor.add(Text(note, style=YOU))
    return root


def framework_tree(rec: Recommendation | None = None, kb: Knowledge | None = None) -> Tree:
    kb = _kb(kb)
    you = framework_leaf(rec) if rec else None
    note = None
    if rec is not None and rec.decided_by["framework"] != f"tree:{you}":
        note = (
            f"◀ your pick: {kb.name_of(rec.framework)} ({_rule_words(rec.decided_by['framework'])})"
        )
    return _tree(kb, "framework", you, note)


def monitoring_tree(rec: Recommendation | None = None, kb: Knowledge | None = None) -> Tree:
    kb = _kb(kb)
    rule = rec.decided_by["monitoring"] if rec else ""
    you = rule.removeprefix("tree:") if rule.startswith("tree:") else None
    note = None
    if rec is not None and you is None:
        note = (
            f"(no preference stated) → inferred: {kb.name_of(rec.monitoring)} "
            f"({_rule_words(rule)}){MARK}"
        )
    return _tree(kb, "monitoring", you, note)


def _rule_words(rule: str) -> str:
    kind, _, name = rule.partition(":")
    words = name.replace("-", " ")
    return {
        "tree": f"tree: {words}",
        "summary": f"one-table summary: {words}",
        "infer": f"inferred from your answers: {words}",
        "rule": f"agentlab's rule: {words}",
    }.get(kind, rule)


def trees(rec: Recommendation | None = None, kb: Knowledge | None = None) -> RenderableType:
    kb = _kb(kb)
    parts: list[RenderableType] = [
        Text("Framework decision tree", style="bold italic"),
        framework_tree(rec, kb),
    ]
    parts += [Text(f"Note: {n}", style="dim") for n in kb.framework_tree.notes]
    parts += [
        Text(""),
        Text("Monitoring decision tree", style="bold italic"),
        monitoring_tree(rec, kb),
    ]
    return Group(*parts)


def reference(
    rec: Recommendation | None = None, kb: Knowledge | None = None, width: int = 80
) -> list[RenderableType]:
    """`agentlab advise --matrix`: every table and both trees (with `rec`: your path marked)."""
    kb = _kb(kb)
    ids = rec.frameworks_in_play if rec else None
    out: list[RenderableType] = []
    out += framework_matrix(None, kb, width=width)
    if ids:
        out.append(Text(f"Yours: {', '.join(kb.name_of(i) for i in ids)}", style=YOU))
    out += monitoring_table(kb, width)
    out += patterns_table(kb, width)
    out += summary_table(rec, kb, width)
    out.append(trees(rec, kb))
    out.append(Text(""))
    out.append(Text(kb.attribution, style="dim italic"))
    return out
