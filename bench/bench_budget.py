"""What budget checking and token counting cost per model call, next to the step itself.

Run: python bench/bench_budget.py

Prints, per call: tiktoken prompt counting for growing conversations (warm: earlier messages'
counts remembered, as in a real run where only the newest message is new; cold: nothing
remembered), a reservation + commit
on a 3-deep budget tree, and one whole lab-model step through litellm (non-streamed and
streamed) for scale. Ratios are measured in one run on this machine.
"""

from __future__ import annotations

import asyncio
import statistics
import time

from agentlab.core import llm, tokens
from agentlab.core.budget import Budget


def per_call(fn, n: int) -> float:
    fn()  # warm up
    runs = []
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(n):
            fn()
        runs.append((time.perf_counter() - t) / n)
    return statistics.median(runs)


def conversation(turns: int) -> list[dict]:
    msgs = [{"role": "system", "content": "You are a careful research assistant. " * 5}]
    for i in range(turns):
        msgs.append(
            {"role": "user", "content": f"Question {i}: what do the documents say about cost? " * 3}
        )
        msgs.append(
            {
                "role": "assistant",
                "content": "They say agents use about 4x the tokens of chat. " * 4,
            }
        )
    return msgs


async def step_time(stream: bool, n: int = 30) -> float:
    req = llm.LlmRequest(
        model="lab/scripted",
        messages=conversation(4),
        lab={
            "agent": "a",
            "script": [{"text": "A short answer of a dozen words or so, for scale."}],
        },
    )
    await llm.complete(req)  # import + warm up
    on_delta = (lambda _t: None) if stream else None
    t = time.perf_counter()
    for _ in range(n):
        await llm.complete(req, on_delta)
    return (time.perf_counter() - t) / n


def main() -> None:
    print(f"{'what':<44}{'per call':>12}")
    for turns in (2, 10, 40):
        msgs = conversation(turns)
        n_tok = tokens.count_messages(msgs)
        t = per_call(lambda m=msgs: tokens.count_messages(m), 200)
        print(f"{'count prompt, warm (' + str(n_tok) + ' tokens)':<44}{t * 1e6:>10.1f}us")

        def cold(m=msgs) -> None:
            tokens._count.cache_clear()
            tokens.count_messages(m)

        t = per_call(cold, 50)
        print(f"{'count prompt, cold (' + str(n_tok) + ' tokens)':<44}{t * 1e6:>10.1f}us")
    root = Budget(caps={"total_tokens": 1e12, "cost_usd": 1e9, "steps": 1e12, "tool_calls": 1e12})
    worker = root.child("lead").child("worker", {"total_tokens": 1e11})

    def reserve_commit() -> None:
        res = worker.reserve_call("worker", 800, 512, (1.5e-7, 6e-7))
        worker.commit_call(res, 800, 100, 0.0002)

    budget_t = per_call(reserve_commit, 5000)
    print(f"{'reserve + commit (3-deep tree, 4 caps)':<44}{budget_t * 1e6:>10.1f}us")
    plain = asyncio.run(step_time(False))
    streamed = asyncio.run(step_time(True))
    print(f"{'lab-model step, non-streamed':<44}{plain * 1e3:>10.2f}ms")
    print(f"{'lab-model step, streamed':<44}{streamed * 1e3:>10.2f}ms")
    count_t = per_call(lambda: tokens.count_messages(conversation(10)), 200)
    overhead = (count_t + budget_t) / plain
    print(f"budget + counting overhead vs a non-streamed step: {overhead:.1%}")


if __name__ == "__main__":
    main()
