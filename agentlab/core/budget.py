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

import math
import time
from dataclasses import dataclass, field

from agentlab.errors import LimitExceededError

TOKEN_KINDS = ("input_tokens", "output_tokens", "total_tokens")
KINDS = (*TOKEN_KINDS, "cost_usd", "steps", "tool_calls", "wall_time_s")

#: A call that could produce fewer output tokens than this is not worth making.
MIN_USEFUL_OUTPUT = 16
#: Output reserved per call when a cap needs a reservation and the agent sets no max_tokens.
DEFAULT_MAX_OUTPUT = 1024


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
    used: dict[str, float] = field(default_factory=lambda: dict.fromkeys(KINDS, 0.0))
    reserved: dict[str, float] = field(default_factory=lambda: dict.fromkeys(KINDS, 0.0))
    started: float = field(default_factory=time.monotonic)
    warned: set[str] = field(default_factory=set)

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

    def remaining(self, kind: str) -> float:
        """What is left of ``kind`` on the tightest node of the path (inf when uncapped)."""
        left = math.inf
        for node in self.chain():
            if kind in node.caps:
                left = min(left, node.caps[kind] - node.used[kind] - node.reserved[kind])
        return left

    def capped(self, kind: str) -> bool:
        return any(kind in node.caps for node in self.chain())

    def share(self, n: int) -> dict[str, float]:
        """An equal 1/n slice of what is left of every cap on the path (``split = "equal"``)."""
        out: dict[str, float] = {}
        for kind in KINDS:
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

    def _fail(self, kind: str, agent: str, requested: float) -> LimitExceededError:
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
            if kind in node.caps:
                n_left = node.caps[kind] - node.used[kind] - node.reserved[kind]
                if n_left < left:
                    best, left = node, n_left
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

    def time_left(self) -> float | None:
        lefts = [
            node.caps["wall_time_s"] - (time.monotonic() - node.started)
            for node in self.chain()
            if "wall_time_s" in node.caps
        ]
        return min(lefts) if lefts else None

    def reserve_call(
        self,
        agent: str,
        prompt_tokens: int,
        want_max_tokens: int | None,
        price: tuple[float, float] | None,
    ) -> Reservation:
        """Reserve one model call or raise LimitExceededError. The reservation's ``max_tokens``
        is what the call may produce (None: no output cap needed)."""
        self.check_time(agent)
        wanted = want_max_tokens or DEFAULT_MAX_OUTPUT
        minimum = min(wanted, MIN_USEFUL_OUTPUT)
        if self.remaining("steps") < 1:
            raise self._fail("steps", agent, 1)
        if self.remaining("input_tokens") < prompt_tokens:
            raise self._fail("input_tokens", agent, prompt_tokens)
        if self.remaining("total_tokens") < prompt_tokens + minimum:
            raise self._fail("total_tokens", agent, prompt_tokens + minimum)
        limits: dict[str, float] = {
            "output_tokens": self.remaining("output_tokens"),
            "total_tokens": self.remaining("total_tokens") - prompt_tokens,
        }
        if self.capped("cost_usd"):
            if price is None:  # refused up front by the runtime; this is the last line of defence
                raise self._fail("cost_usd", agent, math.inf)
            left = self.remaining("cost_usd") - prompt_tokens * price[0]
            if left < minimum * price[1]:
                raise self._fail("cost_usd", agent, prompt_tokens * price[0] + minimum * price[1])
            limits["cost_usd"] = left / price[1] if price[1] > 0 else math.inf
        binding = min(limits, key=lambda k: limits[k])
        room = limits[binding]
        max_tokens = want_max_tokens
        if room != math.inf:
            if room < minimum:
                need = {"output_tokens": minimum, "total_tokens": prompt_tokens + minimum}
                raise self._fail(binding, agent, need.get(binding, minimum))
            max_tokens = int(min(wanted, math.floor(room)))
        cost = 0.0
        if price is not None:
            cost = prompt_tokens * price[0] + (max_tokens or 0) * price[1]
        shrunk_by = binding if max_tokens is not None and max_tokens < wanted else None
        res = Reservation(self, agent, prompt_tokens, max_tokens, cost, True, shrunk_by, wanted)
        self._hold(res, +1)
        return res

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
        return self._fail(res.shrunk_by, res.agent, max(1, res.wanted - output_tokens))

    def release(self, res: Reservation) -> None:
        """Drop a reservation whose call failed before producing anything."""
        if res.open:
            self._hold(res, -1)
            res.open = False

    def reserve_tool(self, agent: str) -> None:
        self.check_time(agent)
        if self.remaining("tool_calls") < 1:
            raise self._fail("tool_calls", agent, 1)
        for node in self.chain():
            node.reserved["tool_calls"] += 1

    def commit_tool(self) -> list[Crossing]:
        for node in self.chain():
            node.reserved["tool_calls"] -= 1
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
