"""Tiny real-framework agents exporting OTLP to a receiver: one tool call, one final answer.

Clients: pydantic-ai (its own instrumentation), the OpenAI Agents SDK and LangGraph (both
through OpenInference). Used by tests/test_collect_clients.py (the packages are the ``collect-test`` extra) and to
re-capture the payload fixtures in tests/fixtures/otlp/ (``python tests/collect_clients.py``).
Each fake model reports fixed usage: 31 in / 7 out for the tool call, 45 in / 9 out for the
answer (the OpenAI-compatible fake server reports 31/7 on both calls).
"""

from __future__ import annotations

import asyncio
import gzip
import sys
import threading
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

FIXTURES = Path(__file__).parent / "fixtures" / "otlp"


class CapturingReceiver:
    """The real receiver on 127.0.0.1 in a thread, keeping every request body it accepted."""

    def __init__(self, accept: Any = None) -> None:
        from agentlab.collect.server import Receiver

        self.bodies: list[tuple[str, str, bytes]] = []
        self.spans: list[Any] = []
        outer = self

        class _R(Receiver):
            def handle(self, method, path, headers, body):  # type: ignore[no-untyped-def]
                status, ctype, payload = super().handle(method, path, headers, body)
                if status == 200 and method == "POST":
                    outer.bodies.append(
                        (headers.get("content-type", ""), headers.get("content-encoding", ""), body)
                    )
                return status, ctype, payload

        def keep(spans: list[Any]) -> None:
            self.spans += spans
            if accept is not None:
                accept(spans)

        self.receiver = _R(keep)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> CapturingReceiver:
        self.thread.start()
        fut = asyncio.run_coroutine_threadsafe(self.receiver.start("127.0.0.1", 0), self.loop)
        self.port = fut.result(10)
        return self

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1/traces"

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.receiver.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    def save(self, name: str) -> Path:
        """The accepted bodies as one fixture file: protobuf requests, each gunzipped, are
        concatenated only if there is one; otherwise saved as name-N.pb."""
        FIXTURES.mkdir(parents=True, exist_ok=True)
        for old in FIXTURES.glob(f"{name}*.pb"):
            old.unlink()
        paths = []
        for n, (_ctype, enc, body) in enumerate(self.bodies):
            data = gzip.decompress(body) if enc == "gzip" else body
            path = FIXTURES / (f"{name}.pb" if len(self.bodies) == 1 else f"{name}-{n}.pb")
            path.write_bytes(data)
            paths.append(path)
        return paths[0]


def tracer_provider(endpoint: str, service: str, gzip_: bool = False) -> Any:
    from opentelemetry.exporter.otlp.proto.http import Compression
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    exporter = OTLPSpanExporter(
        endpoint=endpoint, compression=Compression.Gzip if gzip_ else Compression.NoCompression
    )
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def run_pydantic_ai(endpoint: str, gzip_: bool = False) -> str:
    """A pydantic-ai agent with its built-in instrumentation and its FunctionModel."""
    from pydantic_ai import Agent
    from pydantic_ai.capabilities import Instrumentation
    from pydantic_ai.messages import ModelResponse, TextPart, ToolCallPart, ToolReturnPart
    from pydantic_ai.models.function import FunctionModel
    from pydantic_ai.models.instrumented import InstrumentationSettings
    from pydantic_ai.usage import RequestUsage

    def model(messages: list[Any], info: Any) -> ModelResponse:
        returned = any(
            isinstance(p, ToolReturnPart) for m in messages for p in getattr(m, "parts", [])
        )
        if not returned:
            return ModelResponse(
                parts=[ToolCallPart("calculator", {"expression": "6 * 7"}, tool_call_id="c1")],
                usage=RequestUsage(input_tokens=31, output_tokens=7),
                model_name="gpt-4o-mini",
            )
        return ModelResponse(
            parts=[TextPart("6 * 7 is 42.")],
            usage=RequestUsage(input_tokens=45, output_tokens=9),
            model_name="gpt-4o-mini",
        )

    provider = tracer_provider(endpoint, "pydantic-ai-demo", gzip_)
    agent = Agent(
        FunctionModel(model, model_name="gpt-4o-mini"),
        name="calc",
        capabilities=[Instrumentation(InstrumentationSettings(tracer_provider=provider))],
    )

    @agent.tool_plain
    def calculator(expression: str) -> str:
        """Evaluate an arithmetic expression."""
        return "42"

    result = agent.run_sync("What is 6 * 7?")
    provider.shutdown()  # flushes the batch: the exporter sends before this returns
    return str(result.output)


def run_openai_agents(endpoint: str, base_url: str) -> str:
    """An OpenAI Agents SDK agent, instrumented by OpenInference, against the local fake
    OpenAI-compatible server."""
    from agents import (
        Agent,
        OpenAIChatCompletionsModel,
        Runner,
        function_tool,
        set_tracing_disabled,
    )
    from openai import AsyncOpenAI
    from openinference.instrumentation.openai_agents import OpenAIAgentsInstrumentor

    provider = tracer_provider(endpoint, "openai-agents-demo")
    instrumentor = OpenAIAgentsInstrumentor()
    instrumentor.instrument(tracer_provider=provider)
    set_tracing_disabled(False)
    try:

        @function_tool
        def calculator(expression: str) -> str:
            """Evaluate an arithmetic expression."""
            return "42"

        client = AsyncOpenAI(base_url=base_url, api_key="test-key")
        agent = Agent(
            name="calc",
            instructions="Use the calculator.",
            tools=[calculator],
            model=OpenAIChatCompletionsModel(model="gpt-4o-mini", openai_client=client),
        )
        result = Runner.run_sync(agent, "What is 6 * 7?")
    finally:
        instrumentor.uninstrument()
        provider.shutdown()
    return str(result.final_output)


def run_langgraph(endpoint: str) -> str:
    """A LangGraph ReAct agent, instrumented by OpenInference's LangChain instrumentor, with
    langchain-core's fake chat model."""
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage
    from langchain_core.tools import tool
    from langgraph.prebuilt import create_react_agent
    from openinference.instrumentation.langchain import LangChainInstrumentor

    class FakeToolModel(GenericFakeChatModel):
        def bind_tools(self, tools: Any, **kwargs: Any) -> Any:
            return self

    @tool
    def calculator(expression: str) -> str:
        """Evaluate an arithmetic expression."""
        return "42"

    model = FakeToolModel(
        messages=iter(
            [
                AIMessage(
                    content="",
                    tool_calls=[
                        {"name": "calculator", "args": {"expression": "6 * 7"}, "id": "c1"}
                    ],
                    usage_metadata={"input_tokens": 31, "output_tokens": 7, "total_tokens": 38},
                ),
                AIMessage(
                    content="6 * 7 is 42.",
                    usage_metadata={"input_tokens": 45, "output_tokens": 9, "total_tokens": 54},
                ),
            ]
        )
    )
    provider = tracer_provider(endpoint, "langgraph-demo")
    instrumentor = LangChainInstrumentor()
    instrumentor.instrument(tracer_provider=provider)
    try:
        with warnings.catch_warnings():  # moved to langchain.agents; still the LangGraph way
            warnings.simplefilter("ignore")
            graph = create_react_agent(model, [calculator], name="calc")
        result = graph.invoke({"messages": [("user", "What is 6 * 7?")]})
    finally:
        instrumentor.uninstrument()
        provider.shutdown()
    return str(result["messages"][-1].content)


if __name__ == "__main__":  # re-capture the fixtures
    from fake_openai import FakeOpenAI

    with CapturingReceiver() as r:
        print(run_pydantic_ai(r.endpoint))
    print(r.save("pydantic_ai"))
    with CapturingReceiver() as r, FakeOpenAI() as fake:
        print(run_openai_agents(r.endpoint, fake.base_url))
    print(r.save("openai_agents_openinference"))
    with CapturingReceiver() as r:
        print(run_langgraph(r.endpoint))
    print(r.save("langgraph_openinference"))
