"""Hard caps that are never overshot.

Budgets form a tree: the session at the root, each agent below it, a lead's workers below the
lead. Spending is charged to a node and all its ancestors; a check passes only if it fits every
node on the path, so a worker can never spend past its own slice, its lead's, or the session's.

Before a model call the gateway *reserves* the prompt tokens (counted) plus the output the call
may produce (``max_tokens``, shrunk to what is left while that still leaves a useful minimum) and
the worst-case cost at the model's price. Reservations are held until the call ends, so workers
running concurrently cannot jointly overshoot. After the call the reservation is replaced by the
real usage, which can only be smaller.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass, field
from typing import Literal, get_args

from agentlab.errors import LimitExceededError

#: The kinds of cap: the one list. Scenario ``[limits]`` fields, CLI ``--max-*`` options, the
#: budget's counters and the gauges all name these.
LimitKind = Literal[
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "cost_usd",
    "steps",
    "tool_calls",
    "wall_time_s",
]
LIMIT_KINDS: tuple[LimitKind, ...] = get_args(LimitKind)
TOKEN_KINDS: tuple[LimitKind, ...] = ("input_tokens", "output_tokens", "total_tokens")

#: A call that could produce fewer output tokens than this is not worth making.
MIN_USEFUL_OUTPUT = 16
#: Output reserved per call when a cap needs a reservation and the agent sets no max_tokens.
DEFAULT_MAX_OUTPUT = 1024


class ReservationPending(Exception):
    """The call fits once the calls in flight settle, not now: wait for ``Budget.settled``."""


@dataclass
class Reservation:
    node: Budget
    agent: str
    input_tokens: int
    max_tokens: int | None
    cost: float
    open: bool = True
    #: The cap that shrank ``max_tokens`` below what the agent wanted (None: not shrunk).
    shrunk_by: str | None = None
    wanted: int = 0


@dataclass
class Crossing:
    """A soft threshold crossed: ``value`` of ``cap`` for ``kind`` on budget ``node``."""

    node: str
    kind: str
    value: float
    cap: float


@dataclass
class Budget:
    name: str = "session"
    caps: dict[str, float] = field(default_factory=dict)
    parent: Budget | None = None
    warn_at: float = 0.8
    used: dict[str, float] = field(default_factory=lambda: dict.fromkeys(LIMIT_KINDS, 0.0))
    reserved: dict[str, float] = field(default_factory=lambda: dict.fromkeys(LIMIT_KINDS, 0.0))
    started: float = field(default_factory=time.monotonic)
    warned: set[str] = field(default_factory=set)
    _settled: asyncio.Event | None = None

    # --- tree -----------------------------------------------------------------------------

    def child(self, name: str, caps: dict[str, float] | None = None) -> Budget:
        """A budget below this one (an agent, a worker). Its caps come on top of the parent's."""
        return Budget(name=name, caps=dict(caps or {}), parent=self, warn_at=self.warn_at)

    def chain(self) -> list[Budget]:
        node: Budget | None = self
        out = []
        while node is not None:
            out.append(node)
            node = node.parent
        return out

    def remaining(self, kind: str, *, reserved: bool = True) -> float:
        """What is left of ``kind`` on the tightest node of the path (inf when uncapped); with
        ``reserved=False`` as if the calls in flight had settled at nothing."""
        left = math.inf
        for node in self.chain():
            if kind in node.caps:
                held = node.reserved[kind] if reserved else 0.0
                left = min(left, node.caps[kind] - node.used[kind] - held)
        return left

    def capped(self, kind: str) -> bool:
        return any(kind in node.caps for node in self.chain())

    def share(self, n: int) -> dict[str, float]:
        """An equal 1/n slice of what is left of every cap on the path (``split = "equal"``)."""
        out: dict[str, float] = {}
        for kind in LIMIT_KINDS:
            if kind == "wall_time_s":
                continue
            left = self.remaining(kind)
            if left != math.inf:
                out[kind] = left / max(1, n)
        for kind in ("steps", "tool_calls", *TOKEN_KINDS):
            if kind in out:
                out[kind] = math.floor(out[kind])
        return out

    # --- checks ---------------------------------------------------------------------------

    def fail(self, kind: str, agent: str, requested: float) -> LimitExceededError:
        """The limit error for ``kind``: the node whose cap binds, what it has spent, and what
        the refused call needed on top."""
        node = self._binding_node(kind)
        return LimitExceededError(
            kind,
            node.used[kind],
            node.caps[kind],
            agent=agent,
            scope="session" if node.parent is None else f"agent:{node.name}",
            requested=requested,
        )

    def _binding_node(self, kind: str) -> Budget:
        best, left = self, math.inf
        for node in self.chain():
            if kind in node.caps and node.caps[kind] - node.used[kind] < left:
                best, left = node, node.caps[kind] - node.used[kind]
        return best

    def check_time(self, agent: str) -> None:
        for node in self.chain():
            cap = node.caps.get("wall_time_s")
            if cap is not None:
                elapsed = time.monotonic() - node.started
                node.used["wall_time_s"] = elapsed
                if elapsed >= cap:
                    raise LimitExceededError(
                        "wall_time_s",
                        round(elapsed, 3),
                        cap,
                        agent=agent,
                        scope="session" if node.parent is None else f"agent:{node.name}",
                    )

    def _time_nodes(self) -> list[tuple[float, Budget]]:
        """(seconds left, node) for agent-level wall-time caps on the path (the session's own
        cap is the session's deadline)."""
        now = time.monotonic()
        return [
            (n.caps["wall_time_s"] - (now - n.started), n)
            for n in self.chain()
            if n.parent is not None and "wall_time_s" in n.caps
        ]

    def agent_time_left(self) -> float | None:
        """Seconds until the tightest agent wall-time cap on the path; None when uncapped."""
        nodes = self._time_nodes()
        return max(0.0, min(left for left, _ in nodes)) if nodes else None

    def time_error(self, agent: str) -> LimitExceededError:
        """The limit error for an agent's wall-time cap that ran out mid-call."""
        _, node = min(self._time_nodes(), key=lambda pair: pair[0])
        elapsed = round(time.monotonic() - node.started, 3)
        return LimitExceededError(
            "wall_time_s", elapsed, node.caps["wall_time_s"], agent, f"agent:{node.name}"
        )

    def reserve_call(
        self,
        agent: str,
        prompt_tokens: int,
        want_max_tokens: int | None,
        price: tuple[float, float] | None,
    ) -> Reservation:
        """Reserve one model call. The reservation's ``max_tokens`` is what the call may produce
        (None: no output cap needed).

        Raises LimitExceededError when the call cannot fit in what is left even once the calls
        in flight settle, and ReservationPending when it would fit then but not now (the caller
        waits for :meth:`settled` and tries again). So concurrent workers never overshoot, and
        a run is never stopped by what other calls merely reserved."""
        self.check_time(agent)
        wanted = want_max_tokens or DEFAULT_MAX_OUTPUT
        settled = self._plan(agent, prompt_tokens, wanted, want_max_tokens, price, reserved=False)
        if isinstance(settled, LimitExceededError):
            raise settled
        now = self._plan(agent, prompt_tokens, wanted, want_max_tokens, price, reserved=True)
        if isinstance(now, LimitExceededError) or now[0] != settled[0]:
            raise ReservationPending()
        max_tokens, shrunk_by = now
        cost = 0.0
        if price is not None:
            cost = prompt_tokens * price[0] + (max_tokens or 0) * price[1]
        res = Reservation(self, agent, prompt_tokens, max_tokens, cost, True, shrunk_by, wanted)
        self._hold(res, +1)
        return res

    def _plan(
        self,
        agent: str,
        prompt_tokens: int,
        wanted: int,
        want_max_tokens: int | None,
        price: tuple[float, float] | None,
        *,
        reserved: bool,
    ) -> tuple[int | None, str | None] | LimitExceededError:
        """(max_tokens, the cap that shrank it) for a call, or the limit it cannot fit."""
        minimum = min(wanted, MIN_USEFUL_OUTPUT)

        def left(kind: str) -> float:
            return self.remaining(kind, reserved=reserved)

        def fail(kind: str, requested: float) -> LimitExceededError:
            return self.fail(kind, agent, requested)

        if left("steps") < 1:
            return fail("steps", 1)
        if left("input_tokens") < prompt_tokens:
            return fail("input_tokens", prompt_tokens)
        if left("total_tokens") < prompt_tokens + minimum:
            return fail("total_tokens", prompt_tokens + minimum)
        rooms: dict[str, float] = {
            "output_tokens": left("output_tokens"),
            "total_tokens": left("total_tokens") - prompt_tokens,
        }
        if self.capped("cost_usd"):
            if price is None:  # refused up front by the runtime; this is the last line of defence
                return fail("cost_usd", math.inf)
            room = left("cost_usd") - prompt_tokens * price[0]
            if room < minimum * price[1]:
                return fail("cost_usd", prompt_tokens * price[0] + minimum * price[1])
            rooms["cost_usd"] = room / price[1] if price[1] > 0 else math.inf
        binding = min(rooms, key=lambda k: rooms[k])
        room = rooms[binding]
        if room == math.inf:
            return want_max_tokens, None
        if room < minimum:
            need = {"output_tokens": minimum, "total_tokens": prompt_tokens + minimum}
            return fail(binding, need.get(binding, minimum))
        max_tokens = int(min(wanted, math.floor(room)))
        return max_tokens, (binding if max_tokens < wanted else None)

    async def settled(self) -> None:
        """Wait until some call in flight on this budget tree settles (commit or release)."""
        root = self.chain()[-1]
        if root._settled is None:
            root._settled = asyncio.Event()
        root._settled.clear()
        await root._settled.wait()

    def _notify(self) -> None:
        root = self.chain()[-1]
        if root._settled is not None:
            root._settled.set()

    def _hold(self, res: Reservation, sign: int) -> None:
        out = res.max_tokens or 0
        for node in self.chain():
            node.reserved["steps"] += sign
            node.reserved["input_tokens"] += sign * res.input_tokens
            node.reserved["output_tokens"] += sign * out
            node.reserved["total_tokens"] += sign * (res.input_tokens + out)
            node.reserved["cost_usd"] += sign * res.cost

    def commit_call(
        self, res: Reservation, input_tokens: int, output_tokens: int, cost: float | None
    ) -> list[Crossing]:
        """Replace a reservation by the call's real usage. Returns soft thresholds crossed."""
        if res.open:
            self._hold(res, -1)
            res.open = False
            self._notify()
        for node in self.chain():
            node.used["steps"] += 1
            node.used["input_tokens"] += input_tokens
            node.used["output_tokens"] += output_tokens
            node.used["total_tokens"] += input_tokens + output_tokens
            node.used["cost_usd"] += cost or 0.0
        return self._crossings()

    def cut_short(self, res: Reservation, output_tokens: int) -> LimitExceededError | None:
        """A reply cut at a reservation that a cap had shrunk: the cap is what ended it."""
        if res.shrunk_by is None:
            return None
        return self.fail(res.shrunk_by, res.agent, max(1, res.wanted - output_tokens))

    def release(self, res: Reservation) -> None:
        """Drop a reservation whose call failed before producing anything."""
        if res.open:
            self._hold(res, -1)
            res.open = False
            self._notify()

    def charge_tool(self, agent: str) -> list[Crossing]:
        """Count a tool call as it starts (a delegate call lasts as long as its worker, so
        holding it as a reservation would starve the worker). Raises when none is left."""
        self.check_time(agent)
        if self.remaining("tool_calls") < 1:
            raise self.fail("tool_calls", agent, 1)
        for node in self.chain():
            node.used["tool_calls"] += 1
        return self._crossings()

    def raise_cap(self, kind: str, new_cap: float) -> None:
        """A person chose to go on: lift ``kind`` on the binding node to ``new_cap``."""
        node = self._binding_node(kind)
        node.caps[kind] = new_cap
        node.warned.discard(kind)

    def _crossings(self) -> list[Crossing]:
        out = []
        for node in self.chain():
            for kind, cap in node.caps.items():
                if kind in node.warned or cap <= 0 or kind == "wall_time_s":
                    continue
                if node.used[kind] >= node.warn_at * cap:
                    node.warned.add(kind)
                    out.append(Crossing(node.name, kind, node.used[kind], cap))
        return out

    def snapshot(self) -> dict[str, dict[str, float]]:
        """Used and caps of the root (session) budget, for live gauges."""
        root = self.chain()[-1]
        used = {k: round(v, 8) for k, v in root.used.items()}
        used["wall_time_s"] = round(time.monotonic() - root.started, 3)
        return {"used": used, "caps": dict(root.caps)}
