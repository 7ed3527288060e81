"""The sessions browser: every recorded session, filtered, sorted, deleted (after asking),
exported, replayed, or two of them picked to compare."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from agentlab import services
from agentlab.errors import AgentlabError
from agentlab.tui.columns import cut, fit
from agentlab.tui.screens.confirm import ConfirmModal
from agentlab.tui.screens.home import SESSION_COLUMNS, session_cells
from agentlab.tui.typed import typed_app

#: Sort orders ``s`` cycles through: (name, key, newest/largest first).
SORTS: tuple[tuple[str, str, bool], ...] = (
    ("started", "started_at", True),
    ("cost", "cost_usd", True),
    ("tokens", "total_tokens", True),
    ("status", "status", False),
    ("scenario", "scenario", False),
)


def matches(row: dict[str, Any], query: str) -> bool:
    """Every word of the query is in the row; ``status:x`` / ``scenario:x`` / ``pattern:x``
    look in that field only (``model:x`` is not in the row: :func:`models_asked` reads it)."""
    for word in query.lower().split():
        field, _, value = word.partition(":")
        if value and field == "model":
            continue
        if value and field in ("status", "scenario", "pattern"):
            if value not in str(row.get(field) or "").lower():
                return False
            continue
        hay = " ".join(
            str(row.get(k) or "") for k in ("session_id", "scenario", "pattern", "status",
                                            "stop_reason")
        ).lower()  # fmt: skip
        if word not in hay:
            return False
    return True


def models_asked(query: str) -> list[str]:
    """The models of the query's ``model:x`` words (as typed: model ids are exact)."""
    return [w[6:] for w in query.split() if w.lower().startswith("model:") and len(w) > 6]


class SessionsScreen(Screen[None]):
    @dataclass
    class ReplaySession(Message):
        session_id: str

    @dataclass
    class CompareSessions(Message):
        a: str
        b: str

    BINDINGS = [
        Binding("escape", "back", "Back"),
        # Not priority: the table's enter (RowSelected) acts on the row the cursor ends on.
        Binding("enter", "replay", "Replay"),
        Binding("slash", "filter", "Filter"),
        Binding("s", "sort", "Sort"),
        Binding("m", "mark", "Mark to compare"),
        Binding("c", "compare", "Compare marked"),
        Binding("d", "delete", "Delete"),
        Binding("x", "export", "Export"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._ready = False  # a resize can arrive before on_mount
        self.rows: list[dict[str, Any]] = []
        self.sort = 0
        #: Session ids picked with ``m`` (at most two; the oldest pick goes first).
        self.marked: list[str] = []
        #: model -> the ids of the sessions with an agent on it (read when first asked for).
        self._by_model: dict[str, set[str]] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(
            placeholder="filter: words, or status:error scenario:research model:lab/auto",
            id="filter",
        )
        yield DataTable(id="all", cursor_type="row", zebra_stripes=True)
        yield Static(id="marks")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Sessions"
        self.load()
        self.query_one("#all", DataTable).focus()
        self._ready = True

    def on_resize(self) -> None:
        if self._ready:  # a resize can arrive before the first layout
            self.show()

    def load(self) -> None:
        self.rows = services.list_sessions(typed_app(self).db_path, limit=10_000)
        self._by_model = {}
        self.show()

    def filtered_rows(self) -> list[dict[str, Any]]:
        query = self.query_one("#filter", Input).value
        rows = [r for r in self.rows if matches(r, query)]
        for model in models_asked(query):
            if model not in self._by_model:
                found = services.list_sessions(typed_app(self).db_path, 10_000, model=model)
                self._by_model[model] = {r["session_id"] for r in found}
            rows = [r for r in rows if r["session_id"] in self._by_model[model]]
        _, key, desc = SORTS[self.sort]
        rows.sort(key=lambda r: (r.get(key) is None, r.get(key) or 0), reverse=desc)
        if desc:  # keep "no value" last either way
            rows.sort(key=lambda r: r.get(key) is None)
        return rows

    def show(self) -> None:
        fmt = typed_app(self).formats
        table = self.query_one("#all", DataTable)
        rows = self.filtered_rows()
        cells = []
        for r in rows:
            row = list(session_cells(r, fmt))
            if r["session_id"] in self.marked:
                row[0] = Text(f"{'AB'[self.marked.index(r['session_id'])]} {row[0]}", "bold")
            cells.append(row)
        shown, caps = fit(SESSION_COLUMNS, cells, max(20, self.size.width - 2))
        cursor = table.cursor_row
        table.clear(columns=True)
        for i in shown:
            c = SESSION_COLUMNS[i]
            table.add_column(c.label, key=c.key, width=caps[i])
        for r, row in zip(rows, cells, strict=True):
            table.add_row(*(cut(row[i], caps.get(i)) for i in shown), key=r["session_id"])
        if rows:
            table.move_cursor(row=min(cursor, len(rows) - 1))
        name = SORTS[self.sort][0]
        self.sub_title = f"{len(rows)} of {len(self.rows)} · sorted by {name}"
        marks = " vs ".join(fmt.session_id(m) for m in self.marked)
        self.query_one("#marks", Static).update(
            f"compare: {marks}" + (" (c to compare)" if len(self.marked) == 2 else "")
            if marks
            else "m marks a session to compare (two, then c)"
        )

    def current(self) -> str | None:
        table = self.query_one("#all", DataTable)
        if table.row_count == 0:
            return None
        value = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return value or None

    @on(Input.Changed, "#filter")
    def _filtered(self) -> None:
        self.show()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.query_one("#all", DataTable).focus()

    def action_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_sort(self) -> None:
        self.sort = (self.sort + 1) % len(SORTS)
        self.show()

    def action_mark(self) -> None:
        sid = self.current()
        if sid is None:
            return
        if sid in self.marked:
            self.marked.remove(sid)
        else:
            self.marked = [*self.marked, sid][-2:]
        self.show()

    def action_compare(self) -> None:
        if len(self.marked) != 2:
            self.notify("Mark two sessions with m first.", severity="warning")
            return
        self.post_message(self.CompareSessions(*self.marked))

    def action_replay(self) -> None:
        if self.focused is self.query_one("#filter", Input):
            self.query_one("#all", DataTable).focus()
            return
        sid = self.current()
        if sid:
            self.post_message(self.ReplaySession(sid))

    async def action_delete(self) -> None:
        sid = self.current()
        if sid is None:
            return
        shown = typed_app(self).formats.session_id(sid)
        row = next((r for r in self.rows if r["session_id"] == sid), {})
        what = ", ".join(str(row[k]) for k in ("scenario", "status") if row.get(k))
        self.app.push_screen(
            ConfirmModal(
                f"Delete session {shown}{f' ({what})' if what else ''}?",
                "Its events and spans go too.",
            ),
            lambda yes: self._delete(sid) if yes else None,
        )

    def _delete(self, sid: str) -> None:
        try:
            services.remove_sessions(typed_app(self).db_path, [sid])
        except AgentlabError as exc:
            self.notify(str(exc), severity="error")
            return
        self.marked = [m for m in self.marked if m != sid]
        self.notify(f"Deleted {typed_app(self).formats.session_id(sid)}.")
        self.load()

    def action_export(self) -> None:
        sid = self.current()
        if sid is None:
            return
        folder = typed_app(self).db_path.parent / "exports"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{sid}.jsonl"
            path.write_text(services.export_session(typed_app(self).db_path, sid, "jsonl"))
        except (AgentlabError, OSError) as exc:
            self.notify(str(exc), title="Export failed", severity="error")
            return
        self.notify(f"Exported to {path}", title="Export")

    def action_back(self) -> None:
        self.dismiss(None)

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value:
            self.post_message(self.ReplaySession(event.row_key.value))
