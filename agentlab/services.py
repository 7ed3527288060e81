"""Services the CLI and the TUI share: the one door to the store, and running a scenario.

Everything the CLI and the TUI read from the database comes through here (nothing else above
``store/`` opens it): each call opens the database at ``db_path`` (default: the XDG location),
reads, and closes it. Nothing here renders; callers pass subscribers (a printer, a TUI bridge)
for the event stream of a run.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sqlite_utils import Database

from agentlab.core.events import (
    AnyEvent,
    EventBus,
    Notice,
    SessionStarted,
    Subscriber,
)
from agentlab.core.tally import Tally, tally_events
from agentlab.errors import RecordingFailed, SessionNotFound, UsageError
from agentlab.shipped import find_recording, recording_hint, shipped_scenarios
from agentlab.store import open_db
from agentlab.store.queries import (
    LIST_COLUMNS,
    AmbiguousSessionError,
    delete_sessions,
    get_events,
    get_session,
    get_spans,
    replayable,
    reruns_of,
)
from agentlab.store.queries import list_sessions as _list_sessions
from agentlab.store.txn import write_txn

# The runtime (scenario models, prices, the agent loop, the cassette, the recorder) loads when
# a run or a rerun starts: reading the store (the TUI's first paint) does not need it.
if TYPE_CHECKING:
    from agentlab.core.compare import Comparison
    from agentlab.core.context import ApproveFn, CompleteFn, RaiseCapFn, RunOptions
    from agentlab.core.session import SessionResult
    from agentlab.scenario import Scenario
if TYPE_CHECKING:
    from agentlab.core.inspect import SpanDetail

DbPath = Path | str | None
ExportFormat = Literal["otlp-json", "otlp-proto", "jsonl"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("otlp-json", "otlp-proto", "jsonl")


@contextmanager
def _opened(db_path: DbPath) -> Iterator[Database]:
    db = open_db(db_path)
    try:
        yield db
    finally:
        db.close()


def close_databases() -> None:
    """Close the databases runs recorded into, kept open for the next runs (``atexit`` does it
    too; call it before ``os._exit``)."""
    from agentlab.store.db import close_kept

    close_kept()


def check_db(db_path: DbPath) -> None:
    """Open the database once (creating and migrating it): a bad ``--db`` is a UsageError here,
    before a UI starts."""
    with _opened(db_path):
        pass


# --- running ---------------------------------------------------------------------------------


async def run_recorded(
    scenario: Scenario | Path | str,
    *,
    options: RunOptions | None = None,
    db_path: DbPath = None,
    subscribers: Iterable[Subscriber] = (),
    raise_cap: RaiseCapFn | None = None,
    approve: ApproveFn | None = None,
    complete: CompleteFn | None = None,
    bus: EventBus | None = None,
    record: bool = True,
    lock_wait_s: float | None = None,
    remembered_approvals: bool | None = None,
) -> SessionResult:
    """Run a scenario with the recorder attached: the session is in SQLite as it happens.

    ``remembered_approvals``: whether tools a person approved "always" for this scenario run
    without asking (default: only when someone can be asked; an explicit ``--approvals``
    policy and unattended runs such as evals decide by policy alone).

    The recorder is essential: if it cannot write (another program's lock held past
    ``lock_wait_s``, default ``AGENTLAB_LOCK_WAIT`` or 30 s; a full disk; a read-only database)
    the run stops with ``error:recording``. ``record=False`` runs with no recording at all.
    No ``raise_cap``: caps are never raised; no ``approve``: nobody to ask (the policy)."""
    from agentlab import approvalsfile
    from agentlab.core.context import RunOptions, never_raise, nobody_to_ask
    from agentlab.core.session import run_session
    from agentlab.modelsfile import prepare as prepare_models
    from agentlab.scenario import Scenario, load_scenario
    from agentlab.store.db import forget_recording_db, recording_db
    from agentlab.store.recorder import Recorder

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    scenario, options = prepare_models(scenario, options or RunOptions())
    # "Approve this tool always": remembered per scenario name in approvalsfile.py.
    if remembered_approvals is None:
        remembered_approvals = approve is not None and approve is not nobody_to_ask
    if remembered_approvals:
        always = options.approved_always | approvalsfile.approved_always(scenario.name)
        options = replace(options, approved_always=always)
    approve = approvalsfile.remembering(approve or nobody_to_ask, scenario.name)
    wait = lock_wait_from_env() if lock_wait_s is None else lock_wait_s
    # A kept connection (store.db.recording_db): no open and WAL checkpoint per run.
    with recording_db(db_path) if record else nullcontext() as db:
        bus = bus or EventBus()
        recorder = None if db is None else Recorder(db, lock_wait_s=wait)
        if recorder is not None:
            bus.subscribe(_storing(scenario, recorder), essential=True)
        for fn in subscribers:
            bus.subscribe(fn)
        try:
            return await run_session(
                scenario,
                bus=bus,
                options=options,
                raise_cap=raise_cap or never_raise,
                approve=approve,
                complete=complete,
            )
        finally:
            if recorder is not None:
                recorder.close()
                if recorder.failure is not None and db is not None:
                    forget_recording_db(db)  # in an unknown state: the next run opens afresh


def _storing(scenario: Scenario, recorder: Subscriber) -> Subscriber:
    """The recorder, behind a mask when the scenario stores masked (``mask_storage``)."""
    if scenario.guardrails is None or not scenario.guardrails.mask_storage:
        return recorder
    from agentlab.core.checks.storage import StorageMask

    return StorageMask(recorder)


LOCK_WAIT_ENV = "AGENTLAB_LOCK_WAIT"


def lock_wait_from_env() -> float | None:
    """``AGENTLAB_LOCK_WAIT`` (seconds a recording waits for another program's lock), or None
    for the default (30 s). A bad value is a UsageError naming the variable."""
    raw = os.environ.get(LOCK_WAIT_ENV, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise UsageError(f"{LOCK_WAIT_ENV}: expected a number of seconds (0 or more), got {raw!r}")
    return value


@dataclass
class RecordingBus:
    """A bus with the recorder on it, for events made outside a run (``agentlab collect``,
    ``import-otlp``). ``batch()`` writes everything emitted inside it in one transaction."""

    bus: EventBus
    db: Database

    def emit(self, event: Any) -> None:
        self.bus.emit(event)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Write what is emitted inside in one transaction; raises ``RecordingFailed`` when it
        could not be recorded (the recorder is essential: nothing is reported recorded that
        is not)."""
        from agentlab.store.recorder import recording_failure

        self.check()
        try:
            with write_txn(self.db):
                yield
        except sqlite3.Error as exc:
            raise RecordingFailed(recording_failure(exc, self.db)) from None
        self.check()

    def check(self) -> None:
        """Raise the recorder's failure, if it had one."""
        from agentlab.store.recorder import recording_failure

        failure = self.bus.failure
        if failure is None:
            return
        if isinstance(failure, RecordingFailed):
            raise failure
        raise RecordingFailed(recording_failure(failure, self.db))


@contextmanager
def recording_bus(
    db_path: DbPath = None, subscribers: Iterable[Subscriber] = ()
) -> Iterator[RecordingBus]:
    """Record whatever is emitted on the yielded bus, as native sessions are."""
    from agentlab.store.recorder import Recorder

    with _opened(db_path) as db:
        bus = EventBus()
        recorder = Recorder(db)
        bus.subscribe(recorder, essential=True)
        for fn in subscribers:
            bus.subscribe(fn)
        try:
            yield RecordingBus(bus, db)
        finally:
            recorder.close()


# --- reading recorded sessions ----------------------------------------------------------------


def session_row(row: dict[str, Any]) -> dict[str, Any]:
    """A session as lists show it (and ``sessions list --json`` prints it)."""
    started, ended = row.get("started_at"), row.get("ended_at")
    return {
        "session_id": row["id"],
        "scenario": row.get("scenario"),
        "pattern": row.get("pattern"),
        "status": row.get("status"),
        "stop_reason": row.get("stop_reason"),
        "started_at": started,
        "ended_at": ended,
        "duration_s": round(ended - started, 3) if started and ended else None,
        "input_tokens": row.get("input_tokens") or 0,
        "output_tokens": row.get("output_tokens") or 0,
        "total_tokens": row.get("total_tokens") or 0,
        "cost_usd": row.get("cost_usd")
        if row.get("cost_usd") is not None
        else row.get("priced_cost_usd"),
        "unpriced": bool(row.get("unpriced")),
        "steps": row.get("steps") or 0,
        "tool_calls": row.get("tool_calls") or 0,
        "source_session": row.get("source_session") or None,
        "fork_at": row.get("fork_at") or None,
    }


def list_sessions(
    db_path: DbPath = None,
    limit: int = 50,
    *,
    scenario: str | None = None,
    status: str | None = None,
    model: str | None = None,
    since: float | None = None,
) -> list[dict[str, Any]]:
    """The most recent sessions, newest first, as :func:`session_row` dicts; filters narrow
    the list (see :func:`agentlab.store.queries.list_sessions`)."""
    with _opened(db_path) as db:
        rows = _list_sessions(
            db,
            limit=limit,
            scenario=scenario,
            status=status,
            model=model,
            since=since,
            columns=LIST_COLUMNS,
        )
        return [session_row(r) for r in rows]


def _find(db: Database, session_id: str) -> dict[str, Any]:
    """A session's row by id or unique prefix, or a UsageError a person can act on."""
    try:
        session = get_session(db, session_id)
    except AmbiguousSessionError as exc:
        raise UsageError(str(exc)) from None
    if session is None:
        raise SessionNotFound(session_id)
    return session


@dataclass
class SessionReport:
    """What ``sessions show`` shows: the session, its per-agent numbers, its spans."""

    session: dict[str, Any]
    tally: Tally
    spans: list[dict[str, Any]] = field(default_factory=list)
    #: Sessions that replay this one (``agentlab rerun``, forks), oldest first.
    reruns: list[str] = field(default_factory=list)


def session_report(db_path: DbPath, session_id: str) -> SessionReport:
    with _opened(db_path) as db:
        session = _find(db, session_id)
        events = get_events(db, session["id"])
        return SessionReport(
            session,
            tally_events(events),
            get_spans(db, session["id"]),
            reruns_of(db, session["id"]),
        )


@dataclass
class Recording:
    """A session and its events, to replay through the same views a live run feeds."""

    session: dict[str, Any]
    events: list[AnyEvent]
    #: The JSONL file it was read from; empty when it came from the database.
    file: str = ""


def is_file_ref(ref: str) -> bool:
    """Whether a SESSION argument names a recording file rather than a session id."""
    return ref.endswith(".jsonl") or "/" in ref or Path(ref).is_file()


def load_recording(db_path: DbPath, arg: str, *, snapshots: bool = True) -> Recording:
    """What ``agentlab replay|rerun ARG`` and the TUI play back: a recording file (an existing
    path), a shipped recording by name (``x``, ``x.jsonl``, ``recordings/x.jsonl``), or a
    recorded session by id or unique prefix, in that order. The one loader of recorded events
    (full messages on every call, however the store keeps them); files are read by
    :func:`agentlab.store.transfer.read_file` (with or without the ``format_version`` header).
    ``snapshots=False`` leaves out the budget snapshots a view replays (a rerun needs only the
    calls)."""
    from agentlab.store.transfer import read_file, session_from_events

    path = find_recording(arg)
    if path is None and is_file_ref(arg):
        raise UsageError(f"{arg}: no such file{recording_hint(arg)}")
    if path is not None:
        f = read_file(path)
        return Recording(session_from_events(f.events), list(f.events), file=f.path)
    with _opened(db_path) as db:
        try:
            session = _find(db, arg)
        except SessionNotFound:
            hint = recording_hint(arg)
            if not hint:
                raise
            raise UsageError(
                f"no session or shipped recording matches {arg!r}{hint} "
                "(see `agentlab sessions list`)"
            ) from None
        events = get_events(db, session["id"])
        return Recording(session, replayable(events) if snapshots else events)


def session_costs(db_path: DbPath, session_id: str, models: list[str]) -> dict[str, Any]:
    """What the session's recorded tokens would have cost on each of ``models``
    (:func:`agentlab.core.prices.reprice`), tallied by the same code as a live run."""
    from agentlab.core.prices import reprice

    with _opened(db_path) as db:
        session = _find(db, session_id)
        tally = tally_events(get_events(db, session["id"]))
    report = reprice(tally.rows(), models)
    report["session_id"] = session["id"]
    return report


def export_session(
    db_path: DbPath, session_id: str, fmt: ExportFormat, *, mask: bool = True
) -> str:
    """The session as OTLP JSON (one document) or JSONL (a header line, then one event a
    line: lossless, see :mod:`agentlab.store.transfer`). A session whose scenario masks PII
    is exported masked unless ``mask`` is False (``--no-mask``: exact, e.g. to rerun it from
    the file elsewhere)."""
    from agentlab.core.checks import display
    from agentlab.store.export import export_otlp
    from agentlab.store.transfer import dump_lines

    if fmt == "otlp-proto":
        raise ValueError("otlp-proto is binary: use export_otlp_proto")
    if fmt == "jsonl":
        recording = load_recording(db_path, session_id)
        events = recording.events
        if mask and display.session_masks(recording.session):
            events = display.mask_events(list(events))
        return "".join(dump_lines(recording.session["id"], events))
    with _opened(db_path) as db:
        session = _find(db, session_id)
        doc = export_otlp(db, session["id"])
        if mask and display.session_masks(session):
            doc = display.mask_otlp(doc)
        return json.dumps(doc, indent=2) + "\n"


def _quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def dashboard(db_path: DbPath, now: float | None = None, days: int = 14) -> dict[str, Any]:
    """Home's numbers: sessions, tokens, cost, failure rate and p50/p95 run time for today and
    the last 7 days, and the spend per day for the last ``days`` days (oldest first)."""
    import time as _time

    now = _time.time() if now is None else now
    lt = _time.localtime(now)
    midnight = _time.mktime((lt.tm_year, lt.tm_mon, lt.tm_mday, 0, 0, 0, 0, 0, -1))
    rows = list_sessions(db_path, limit=100_000)

    def totals(since: float) -> dict[str, Any]:
        picked = [r for r in rows if (r["started_at"] or 0) >= since]
        done = [r for r in picked if r["status"] != "running"]
        failed = [r for r in done if r["status"] in ("error", "interrupted")]
        durations = [r["duration_s"] for r in picked if r["duration_s"] is not None]
        return {
            "sessions": len(picked),
            "tokens": sum(r["total_tokens"] for r in picked),
            "cost_usd": sum(r["cost_usd"] or 0 for r in picked),
            "failure_rate": len(failed) / len(done) if done else None,
            "p50_s": _quantile(durations, 0.5),
            "p95_s": _quantile(durations, 0.95),
        }

    spend = [0.0] * days
    first = midnight - (days - 1) * 86400
    for r in rows:
        start = r["started_at"] or 0
        if start >= first:
            spend[min(days - 1, int((start - first) // 86400))] += r["cost_usd"] or 0
    return {"today": totals(midnight), "week": totals(midnight - 6 * 86400), "spend": spend}


def export_otlp_proto(db_path: DbPath, session_id: str, *, mask: bool = True) -> bytes:
    """The session as an OTLP ``ExportTraceServiceRequest`` in protobuf (opentelemetry-proto);
    masked as :func:`export_session` says."""
    from agentlab.core.checks import display
    from agentlab.store.export import export_otlp
    from agentlab.store.otlp_proto import to_proto

    with _opened(db_path) as db:
        session = _find(db, session_id)
        doc = export_otlp(db, session["id"])
        if mask and display.session_masks(session):
            doc = display.mask_otlp(doc)
        return to_proto(doc)


def post_otlp(endpoint: str, body: bytes, fmt: ExportFormat) -> str:
    """POST an export to an OTLP/HTTP collector. ``endpoint`` is the traces URL, or a base URL
    (nothing after the host) to which ``/v1/traces`` is added. Returns the URL used; a failure
    is a UsageError naming ``--otlp-endpoint``."""
    import urllib.error
    import urllib.parse
    import urllib.request

    parts = urllib.parse.urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"--otlp-endpoint: expected an http(s) URL, got {endpoint!r}")
    url = endpoint if parts.path not in ("", "/") else endpoint.rstrip("/") + "/v1/traces"
    kind = "application/x-protobuf" if fmt == "otlp-proto" else "application/json"
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": kind})
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            resp.read()
    except urllib.error.HTTPError as exc:
        raise UsageError(
            f"--otlp-endpoint {url}: the collector said HTTP {exc.code} {exc.reason}"
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise UsageError(f"--otlp-endpoint {url}: cannot reach it ({reason})") from None
    return url


def import_session(db_path: DbPath, file: Path | str) -> str:
    """Store a JSONL recording (a file, or a shipped recording by name) in the database under
    its own session id. Returns the id."""
    from agentlab.store.transfer import import_events, read_file

    f = read_file(find_recording(str(file)) or file)
    with _opened(db_path) as db:
        return import_events(db, f.events)


def remove_sessions(db_path: DbPath, refs: list[str]) -> list[str]:
    """Delete sessions (ids or unique prefixes) with their spans and events. A session still
    running is refused. Returns the full ids removed."""
    with _opened(db_path) as db:
        rows = [_find(db, ref) for ref in refs]
        running = [r["id"] for r in rows if r.get("status") == "running"]
        if running:
            raise UsageError(f"session {running[0]} is still running; stop it first")
        ids = list(dict.fromkeys(r["id"] for r in rows))
        delete_sessions(db, ids)
        return ids


def find_sessions(db_path: DbPath, refs: list[str]) -> list[dict[str, Any]]:
    """Sessions by id or unique prefix, as :func:`session_row` dicts (to confirm a removal)."""
    with _opened(db_path) as db:
        return [session_row(_find(db, ref)) for ref in refs]


# --- rerun from a recording ------------------------------------------------------------------


@dataclass
class Rerun:
    """A rerun's outcome: the new session, and what the cassette did."""

    result: SessionResult
    source: str
    replayed: int
    live_calls: int
    #: The first divergence from the recording, as one line (None: it never diverged).
    diverged: str | None

    def summary(self) -> dict[str, Any]:
        data = self.result.summary()
        data["replay"] = {
            "source_session": self.source,
            "replayed_calls": self.replayed,
            "live_calls": self.live_calls,
            "diverged": self.diverged,
        }
        return data


def _rerun_scenario(
    recording: Recording,
    scenario: Scenario | Path | str | None,
    allow_paths: Sequence[Path] = (),
) -> Scenario:
    from agentlab.scenario import Scenario, load_scenario

    if isinstance(scenario, Scenario):
        return scenario
    if scenario is not None:
        return load_scenario(scenario, allow_paths)
    recorded = str(recording.session.get("scenario_path") or "")
    if not recorded:
        raise UsageError("SCENARIO: the recording names no scenario file; pass one")
    path = Path(recorded)
    candidates = [path]
    if not path.is_absolute() and recording.file:
        here = Path(recording.file).resolve().parent
        candidates += [here / path, here.parent / path]
    found = next((c for c in candidates if c.is_file()), None)
    if found is None and not path.is_absolute():
        # Installed (pipx, uv tool): the recorded `scenarios/x.toml` is the shipped scenario x.
        found = shipped_scenarios().get(path.stem) if path.parent == Path("scenarios") else None
    if found is None:
        raise UsageError(
            f"SCENARIO: the recorded scenario {recorded} is not there; pass the scenario file"
        )
    return load_scenario(found, allow_paths)


async def rerun_recorded(
    source: str,
    scenario: Scenario | Path | str | None = None,
    *,
    db_path: DbPath = None,
    then_model: str | None = None,
    fork_at: str | None = None,
    options: RunOptions | None = None,
    subscribers: Iterable[Subscriber] = (),
    raise_cap: RaiseCapFn | None = None,
    approve: ApproveFn | None = None,
    live: CompleteFn | None = None,
    record: bool = True,
    lock_wait_s: float | None = None,
    allow_paths: Sequence[Path] = (),
    remembered_approvals: bool | None = None,
) -> Rerun:
    """Run a scenario (by default the recorded one) answering every model call from the
    recording ``source`` (a session id or a JSONL file): see :mod:`agentlab.core.cassette`.
    Tools, checks, caps, approvals and the recorder run for real; the new session names its
    source. ``then_model`` goes on live on that model after a divergence (or the fork);
    ``fork_at`` (``N`` or ``AGENT:N``) goes live from that step on. ``options`` gives the run's
    other settings; its caps are added to the ones the recorded run was given on the command
    line."""
    from agentlab.core.cassette import Cassette, ForkAt, recorded_calls
    from agentlab.core.context import RunOptions
    from agentlab.core.llm import complete as llm_complete

    recording = load_recording(db_path, source, snapshots=False)
    spec = _rerun_scenario(recording, scenario, allow_paths)
    fork = ForkAt.parse(fork_at) if fork_at is not None else None
    config = recording.session.get("config") or {}
    options = options or RunOptions(stream=False)
    recorded_caps = {
        k: float(v) for k, v in (config.get("cli_caps") or {}).items() if isinstance(v, int | float)
    }
    options = replace(
        options,
        model=then_model or options.model or config.get("model_override"),
        caps={**recorded_caps, **options.caps},
        source_session=str(recording.session["id"]),
        fork_at=str(fork) if fork else "",
    )
    bus = EventBus()
    notices = _Notices(bus)
    bus.subscribe(notices)
    going_live = then_model is not None or fork is not None
    cassette = Cassette(
        recorded_calls(recording.events),
        live=(live or llm_complete) if going_live else None,
        fork=fork,
        notify=notices.notify,
        masked=bool(config.get("mask_storage")),  # stored masked: compare requests masked
    )
    result = await run_recorded(
        spec,
        options=options,
        db_path=db_path,
        subscribers=subscribers,
        raise_cap=raise_cap,
        approve=approve,
        complete=cassette,
        bus=bus,
        record=record,
        lock_wait_s=lock_wait_s,
        remembered_approvals=remembered_approvals,
    )
    return Rerun(
        result,
        str(recording.session["id"]),
        cassette.replayed,
        cassette.live_calls,
        cassette.diverged,
    )


class _Notices:
    """Says on the session's stream when a rerun goes live (the cassette has no bus)."""

    def __init__(self, bus: EventBus) -> None:
        self.bus = bus
        self.session_id = ""
        self.span_id = ""

    def __call__(self, event: AnyEvent) -> None:
        if isinstance(event, SessionStarted):
            self.session_id, self.span_id = event.session_id, event.span_id

    def notify(self, agent: str, message: str) -> None:
        self.bus.emit(
            Notice(
                session_id=self.session_id,
                span_id=self.span_id,
                level="warning",
                agent=agent,
                message=message,
            )
        )


# --- compare ---------------------------------------------------------------------------------


def diff_sessions(db_path: DbPath, a: str, b: str, *, mask: bool = True) -> Comparison:
    """Two recorded sessions (ids, JSONL files or shipped recordings) side by side
    (:mod:`agentlab.core.compare`). A session whose scenario masks PII (``mask_output``) is
    compared as people may see it, masked (task, events, final output), unless ``mask`` is
    False (``diff --no-mask``)."""
    from agentlab.core.compare import compare

    left, right = load_recording(db_path, a), load_recording(db_path, b)
    if mask:
        return compare(*_shown(left), *_shown(right))
    return compare(left.session, left.events, right.session, right.events)


def _shown(rec: Recording) -> tuple[dict[str, Any], list[AnyEvent]]:
    """A recording as people may see it: masked when its scenario masks PII (read from its
    ``SessionStarted``, so a recording file without a session row is masked too)."""
    from agentlab.core.checks.display import mask_events, mask_value, masks
    from agentlab.core.events import SessionStarted

    started = next((e for e in rec.events if isinstance(e, SessionStarted)), None)
    if started is None or not masks(started):
        return rec.session, list(rec.events)
    session = {k: mask_value(v) if k in ("final_output", "task") else v
               for k, v in rec.session.items()}  # fmt: skip
    return session, mask_events(list(rec.events))


# --- span inspector --------------------------------------------------------------------------


def span_detail(db_path: DbPath, session_id: str, span_id: str) -> SpanDetail | None:
    """One span of a recorded session in detail (what the TUI's inspector shows): a model
    call's whole request is rebuilt from the stored message deltas by ``get_events``."""
    from agentlab.core.inspect import inspect_span

    with _opened(db_path) as db:
        events = get_events(db, _find(db, session_id)["id"])
    return inspect_span(events, span_id)


# --- eval runs (``agentlab eval``; the runner is agentlab/eval/runner.py) ---------------------


def start_eval_run(
    db_path: DbPath, run_id: str, started_at: float, paths: list[str], options: dict[str, Any]
) -> None:
    from agentlab.store import evals

    with _opened(db_path) as db:
        evals.start_eval_run(db, run_id, started_at, paths, options)


def add_eval_result(db_path: DbPath, run_id: str, result: dict[str, Any]) -> None:
    """Link one case run (its session) to the eval run."""
    from agentlab.store import evals

    with _opened(db_path) as db:
        evals.add_eval_result(db, run_id, result)


def end_eval_run(
    db_path: DbPath, run_id: str, ended_at: float, ok: bool, overall: dict[str, Any]
) -> None:
    from agentlab.store import evals

    with _opened(db_path) as db:
        evals.end_eval_run(db, run_id, ended_at, ok, overall)


def list_eval_runs(db_path: DbPath = None, limit: int = 50) -> list[dict[str, Any]]:
    """Recent eval runs, newest first, each with its case runs (and their sessions)."""
    from agentlab.store import evals

    with _opened(db_path) as db:
        runs = evals.list_eval_runs(db, limit)
        for run in runs:
            run["results"] = evals.eval_results(db, run["id"])
        return runs


def latest_completed_session(db_path: DbPath, scenario: str, task: str) -> str | None:
    """The newest completed session of a scenario (by name) that ran ``task``."""
    from agentlab.store import evals

    with _opened(db_path) as db:
        return evals.latest_completed(db, scenario, task)


# --- remembered approvals ----------------------------------------------------------------------


def remembered_approvals() -> dict[str, Any]:
    """The tools people approved "always", by scenario, and the file they are kept in."""
    from agentlab import approvalsfile

    return {
        "file": str(approvalsfile.approvals_path()),
        "scenarios": approvalsfile.remembered(),
    }


def forget_approvals(scenario: str | None = None, tool: str | None = None) -> list[tuple[str, str]]:
    """Forget remembered approvals (all, a scenario's, or one tool of one scenario): the next
    run asks again. Returns what was forgotten; an unknown entry is a UsageError."""
    from agentlab import approvalsfile

    return approvalsfile.forget(scenario, tool)
