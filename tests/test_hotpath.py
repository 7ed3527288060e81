"""The hot path's shortcuts (issue 9) give the same answers as doing the work in full: prompt
counts, the lab models' turns, span labels, the recorder's session counters, and the schema
without the unused index. Speed itself is measured by bench/bench_overhead.py, not here."""

from __future__ import annotations

import copy

import pytest
from helpers import scenario

from agentlab import services
from agentlab.core import labmodels, semconv, tokens
from agentlab.core.context import RunOptions
from agentlab.core.events import (
    AgentStarted,
    CheckStarted,
    LlmCallStarted,
    SessionStarted,
    ToolCallStarted,
)
from agentlab.core.models import Settings
from agentlab.store import open_db
from agentlab.store.queries import get_session

MODEL = "gpt-4o-mini"


def _conversation(n: int) -> list[dict]:
    msgs: list[dict] = [
        {"role": "system", "content": "You add."},
        {"role": "user", "content": "go"},
    ]
    for i in range(n):
        call = {"id": f"c{i}", "type": "function",
                "function": {"name": "calculator", "arguments": f'{{"expression": "{i}+1"}}'}}  # fmt: skip
        msgs.append({"role": "assistant", "content": None, "tool_calls": [call], "name": "a"})
        msgs.append({"role": "tool", "tool_call_id": f"c{i}", "content": str(i + 1)})
    return msgs


def test_the_conversation_counter_equals_a_full_count_whatever_changed() -> None:
    counter = tokens.ConversationCounter()
    msgs = _conversation(3)
    assert counter.count(msgs, MODEL, None) == tokens.count_messages(msgs, MODEL)
    msgs += _conversation(5)[8:]  # appended
    assert counter.count(msgs, MODEL, None) == tokens.count_messages(msgs, MODEL)
    copied = copy.deepcopy(msgs)  # equal, not identical: the counts still stand
    assert counter.count(copied, MODEL, None) == tokens.count_messages(copied, MODEL)
    edited = copy.deepcopy(msgs)
    edited[1] = {"role": "user", "content": "a much longer task than before, counted again"}
    assert counter.count(edited, MODEL, None) == tokens.count_messages(edited, MODEL)
    shorter = edited[:4]
    assert counter.count(shorter, MODEL, None) == tokens.count_messages(shorter, MODEL)
    assert counter.count(shorter, "gpt-3.5-turbo", None) == tokens.count_messages(
        shorter, "gpt-3.5-turbo"
    )


def test_the_lab_models_turn_follows_the_request_not_the_last_call() -> None:
    def full(msgs: list[dict], agent: str) -> int:
        return sum(
            1 for m in msgs if m.get("role") == "assistant" and m.get("name", agent) == agent
        )

    msgs = _conversation(4)
    assert labmodels._own_turns(msgs, "a") == full(msgs, "a") == 4
    msgs += _conversation(6)[10:]
    assert labmodels._own_turns(msgs, "a") == 6
    edited = copy.deepcopy(msgs)
    edited[2] = {"role": "assistant", "content": "x", "name": "someone else"}
    assert labmodels._own_turns(edited, "a") == full(edited, "a") == 5
    assert labmodels._own_turns(_conversation(1), "a") == 1  # a new, shorter conversation
    assert labmodels._own_turns(msgs, "b") == full(msgs, "b") == 0


def test_script_turns_with_repeats_are_found_without_unrolling() -> None:
    script = [{"text": "a"}, {"text": "b", "repeat": 3}, {"text": "c"}]
    unrolled = labmodels.expand_script(script)
    assert [labmodels._turn_at(script, n) for n in range(len(unrolled))] == unrolled
    assert labmodels._turn_at(script, len(unrolled)) is None
    script.append({"text": "d"})  # the same list, grown: worked out again
    assert labmodels._turn_at(script, 5) == {"text": "d"}


@pytest.mark.parametrize(
    "event",
    [
        SessionStarted(scenario="s", pattern="single", task="t"),
        AgentStarted(agent="a", model="lab/auto"),
        LlmCallStarted(model="gpt-4o", agent="a"),
        ToolCallStarted(tool="calculator", call_id="c1", agent="a"),
        CheckStarted(check="loop", stage="reasoning", agent="a"),
    ],
)
def test_span_label_is_span_starts_name_and_agent(event) -> None:
    start = semconv.span_start(event)
    assert semconv.span_label(event) == (start.name, start.agent)


async def test_session_counters_written_once_per_commit_add_up(tmp_path) -> None:
    text = 'task = "add"\n[[agents]]\nname = "a"\nmodel = "lab/auto"\ntools = ["calculator"]\n'
    db_path = tmp_path / "s.db"
    result = await services.run_recorded(
        scenario(text), options=RunOptions(stream=False), db_path=db_path
    )
    db = open_db(db_path)
    row = get_session(db, result.session_id)
    db.close()
    assert row is not None
    summary = result.summary()
    usage = summary["usage"]
    assert (row["steps"], row["tool_calls"]) == (summary["steps"], summary["tool_calls"]) == (2, 1)
    assert (row["input_tokens"], row["output_tokens"]) == (
        usage["input_tokens"],
        usage["output_tokens"],
    )
    assert row["cost_usd"] == pytest.approx(usage["cost_usd"])


def test_the_unused_events_kind_index_is_gone_and_migrations_still_apply(tmp_path) -> None:
    db = open_db(tmp_path / "x.db")
    names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "idx_events_session_id_kind" not in names
    assert "idx_events_session_id_seq" in names  # what reading a session uses
    applied = {r[0] for r in db.execute("SELECT name FROM _migrations")}
    assert "m005_drop_events_kind_index" in applied
    db.close()


def test_the_models_file_takes_a_response_timeout() -> None:
    assert Settings(response_timeout_s=30).overrides() == {"response_timeout_s": 30.0}
    with pytest.raises(ValueError):
        Settings(response_timeout_s=0)


def test_the_tokenizer_cache_gives_the_same_tokens_and_survives_a_bad_file(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("AGENTLAB_CACHE_DIR", str(tmp_path))

    def load(name: str):  # past the in-process caches: the file is read every time
        tokens._cached_ranks.cache_clear()
        return tokens._encoder.__wrapped__(name)

    text = "Add 12 + 30, then <|endoftext|> call the calculator: héllo wörld"
    first = load("cl100k_base")  # tiktoken's own load; writes the cache
    (cached,) = (tmp_path / "tiktoken").glob("cl100k_base-*.marshal")
    second = load("cl100k_base")  # from the cache
    assert second.encode(text, disallowed_special=()) == first.encode(text, disallowed_special=())
    assert second.n_vocab == first.n_vocab
    cached.write_bytes(b"not marshal data")
    third = load("cl100k_base")  # a bad file: the plain load, and the cache is rewritten
    assert third.encode(text, disallowed_special=()) == first.encode(text, disallowed_special=())
    assert cached.stat().st_size > 1000
    monkeypatch.setenv("AGENTLAB_CACHE_DIR", "")
    assert tokens._ranks_cache("cl100k_base", "1") is None


def test_the_price_cache_gives_the_maps_prices_and_survives_a_bad_file(
    tmp_path, monkeypatch
) -> None:
    """Lab runs look prices up in a small cache of litellm's bundled map instead of parsing
    the 1 MB JSON every run; the prices must be the map's own, and a bad file is rebuilt."""
    from agentlab.core import llm

    monkeypatch.setenv("AGENTLAB_CACHE_DIR", str(tmp_path))
    load = llm._bundled_prices.__wrapped__  # past the in-process lru_cache
    want = {n: p for n, i in llm._bundled_cost_map().items() if (p := llm._priced(i))}
    assert len(want) > 100
    first = load()  # parses the map; writes the cache
    (cached,) = (tmp_path / "prices").glob("litellm-*.marshal")
    assert first == want
    assert load() == want  # from the cache
    cached.write_bytes(b"not marshal data")
    assert load() == want
    assert cached.stat().st_size > 1000  # rewritten
    inp, out = want["gpt-4o-mini"]
    assert inp > 0 and out > 0
