"""Tests for the tool layer: schemas, call_tool's error handling, and the built-in tools."""

from __future__ import annotations

import ast
import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Literal

import pytest

from agentlab.core import docsearch, sandbox
from agentlab.core.tools import (
    BUILTIN_TOOLS,
    MAX_RESULT_CHARS,
    Tool,
    ToolContext,
    ToolResult,
    UnknownToolError,
    call_tool,
    resolve_tools,
    tool,
)

# --- schema derivation -----------------------------------------------------------------------


@tool
def book_flight(
    origin: str,
    passengers: int,
    budget: float,
    direct: bool,
    tags: list[str],
    seat: Literal["aisle", "window"],
    note: str | None,
    stops: list[int] | None = None,
    cabin: str = "economy",
) -> str:
    """Book a flight for the party.

    Only one-way trips are supported.

    Args:
        origin: IATA code of the departure airport.
        passengers (int): How many people travel,
            including infants.
        budget: Most the party will pay, in USD.
        direct: Only non-stop flights.
        tags: Labels for the booking.
        seat: Seat preference.
        note: Free text for the agent.
        stops: Airports allowed as stops.
        cabin: Cabin class.

    Returns:
        The booking reference.
    """
    return f"{origin}:{passengers}:{budget!r}:{direct}:{tags}:{seat}:{note}:{stops}:{cabin}"


def test_schema_types_and_required() -> None:
    params = book_flight.parameters
    props = params["properties"]
    assert params["type"] == "object"
    assert props["origin"]["type"] == "string"
    assert props["passengers"]["type"] == "integer"
    assert props["budget"]["type"] == "number"
    assert props["direct"]["type"] == "boolean"
    assert props["tags"] == {
        "type": "array",
        "items": {"type": "string"},
        "description": "Labels for the booking.",
    }
    assert props["seat"]["enum"] == ["aisle", "window"] and props["seat"]["type"] == "string"
    assert props["note"]["type"] == "string"  # `X | None` -> X, optional
    assert props["stops"]["items"] == {"type": "integer"}
    assert props["cabin"]["default"] == "economy"
    assert params["required"] == ["origin", "passengers", "budget", "direct", "tags", "seat"]


def test_schema_descriptions_from_docstring() -> None:
    assert book_flight.description == "Book a flight for the party."
    props = book_flight.parameters["properties"]
    assert props["origin"]["description"] == "IATA code of the departure airport."
    assert props["passengers"]["description"] == "How many people travel, including infants."
    assert props["cabin"]["description"] == "Cabin class."
    assert "Returns" not in json.dumps(book_flight.parameters)


def test_schema_openai_format_and_ctx_excluded() -> None:
    @tool(name="lookup", risky=True)
    def fn(key: str, ctx: ToolContext) -> str:
        """Look a key up."""
        return key

    assert fn.name == "lookup" and fn.risky
    assert fn.schema() == {
        "type": "function",
        "function": {
            "name": "lookup",
            "description": "Look a key up.",
            "parameters": {
                "type": "object",
                "properties": {"key": {"type": "string"}},
                "required": ["key"],
            },
        },
    }
    assert "ctx" not in BUILTIN_TOOLS["read_file"].parameters["properties"]


def test_schema_rejects_unsupported_types() -> None:
    with pytest.raises(TypeError, match="unsupported"):

        @tool
        def bad(x: str | int) -> str:
            return ""

    with pytest.raises(ValueError, match="invalid tool name"):
        tool(lambda: "x")


# --- call_tool -------------------------------------------------------------------------------

CTX = ToolContext()


async def test_call_with_dict_and_json_string() -> None:
    args = {
        "origin": "LIS",
        "passengers": 2,
        "budget": 300,  # int -> float coercion
        "direct": True,
        "tags": ["work"],
        "seat": "aisle",
    }
    expected = "LIS:2:300.0:True:['work']:aisle:None:None:economy"
    assert await call_tool(book_flight, args, CTX) == ToolResult(expected)
    assert await call_tool(book_flight, json.dumps(args), CTX) == ToolResult(expected)
    nulls = await call_tool(book_flight, {**args, "cabin": None, "stops": [1]}, CTX)
    assert nulls.content.endswith(":[1]:economy")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ('{"expression": "1+', "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ({}, "missing required argument(s): expression"),
        ({"expression": "1", "x": 2}, "unknown argument(s) x"),
        ({"expression": 5}, "must be of type string, got int"),
    ],
)
async def test_bad_arguments_become_error_results(arguments: object, message: str) -> None:
    result = await call_tool(BUILTIN_TOOLS["calculator"], arguments, CTX)  # type: ignore[arg-type]
    assert result.is_error
    assert result.content.startswith("error: invalid arguments for tool 'calculator'")
    assert message in result.content


async def test_type_and_enum_checks() -> None:
    base = {
        "origin": "A",
        "passengers": 1,
        "budget": 1.5,
        "direct": False,
        "tags": [],
        "seat": "aisle",
    }
    for bad in (
        {"passengers": "2"},
        {"passengers": True},
        {"direct": 1},
        {"tags": [1]},
        {"seat": "floor"},
    ):
        result = await call_tool(book_flight, {**base, **bad}, CTX)
        assert result.is_error, bad
    assert not (await call_tool(book_flight, {**base, "passengers": 2.0}, CTX)).is_error


async def test_exceptions_become_error_results() -> None:
    @tool
    def boom(x: int) -> str:
        """Always fails."""
        raise RuntimeError(f"bad {x}")

    @tool
    async def aboom() -> str:
        """Always fails, asynchronously."""
        raise KeyError("missing")

    assert await call_tool(boom, {"x": 1}, CTX) == ToolResult("error: RuntimeError: bad 1", True)
    assert await call_tool(aboom, "", CTX) == ToolResult("error: KeyError: 'missing'", True)


async def test_sync_tools_run_off_the_event_loop_and_results_are_text() -> None:
    loop_thread: list[bool] = []

    @tool
    def where(ctx: ToolContext) -> dict[str, object]:
        """Report where it ran."""
        try:
            asyncio.get_running_loop()
            loop_thread.append(True)
        except RuntimeError:
            loop_thread.append(False)
        return {"workspace": str(ctx.workspace)}

    result = await call_tool(where, {}, ToolContext(workspace=Path("/w")))
    assert loop_thread == [False]
    assert json.loads(result.content) == {"workspace": "/w"}


async def test_huge_results_are_truncated() -> None:
    @tool
    def big() -> str:
        """Too much."""
        return "x" * (MAX_RESULT_CHARS + 500)

    result = await call_tool(big, {}, CTX)
    assert len(result.content) < MAX_RESULT_CHARS + 100
    assert result.content.endswith("[truncated: 500 more characters]")


def test_resolve_tools() -> None:
    custom = Tool("calculator", "override", {"type": "object", "properties": {}}, lambda: "1")
    tools = resolve_tools(["read_file", "calculator", "read_file"], extra={"calculator": custom})
    assert [t.name for t in tools] == ["read_file", "calculator"]
    assert tools[1] is custom
    with pytest.raises(UnknownToolError) as info:
        resolve_tools(["calculator", "web_search"])
    assert isinstance(info.value, KeyError)
    assert "web_search" in str(info.value) and "search_docs" in str(info.value)


# --- calculator ------------------------------------------------------------------------------


async def calc(expression: str) -> ToolResult:
    return await call_tool(BUILTIN_TOOLS["calculator"], {"expression": expression}, CTX)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("1 + 2 * 3", "7"),
        ("(1 + 2) * 3", "9"),
        ("7 / 2", "3.5"),
        ("8 / 2", "4"),
        ("7 // 2", "3"),
        ("-7 % 3", "2"),
        ("2 ** 10", "1024"),
        ("2 ^ 3", "8"),
        ("-(3 - 5)", "2"),
        ("0.1 + 0.2", "0.3"),
        ("(19.44 + 15.12) * 15 / 4", "129.6"),
        ("sqrt(16)", "4"),
        ("abs(-2.5)", "2.5"),
        ("round(2.675, 2)", "2.67"),
        ("round(3.7)", "4"),
        ("min(3, 1, 2) + max(4, 5)", "6"),
        ("log(e)", "1"),
        ("log(100, 10)", "2"),
        ("exp(0)", "1"),
        ("round(pi, 4)", "3.1416"),
        ("2 ** -1", "0.5"),
        ("10 ** 20", "100000000000000000000"),
        ("1e20 * 10", "1e+21"),
    ],
)
async def test_calculator_table(expression: str, expected: str) -> None:
    assert await calc(expression) == ToolResult(expected)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("__import__('os')", "unknown function '__import__'"),
        ("__import__('os').system('echo hi')", "unknown function"),
        ("os", "unknown name 'os'"),
        ("x + 1", "unknown name 'x'"),
        ("(1).__class__", "unsupported syntax: Attribute"),
        ("'a' * 3", "unsupported value"),
        ("[1, 2]", "unsupported syntax: List"),
        ("lambda: 1", "unsupported syntax: Lambda"),
        ("True + 1", "unsupported value"),
        ("1 << 3", "unsupported syntax: BinOp"),
        ("2 ** 10000", "exponent too large"),
        ("2 ** 1000 ** 2", "exponent too large"),
        ("999999 ** 999", "result too large"),
        ("(10 ** 900) * (10 ** 900)", "result too large"),
        ("10.0 ** 400", "result too large"),
        ("exp(1000)", "result too large"),
        ("1 / 0", "division by zero"),
        ("1 // 0.0", "division by zero"),
        ("5 % 0", "division by zero"),
        ("0 ** -1", "division by zero"),
        ("sqrt(-1)", "sqrt(): math domain error"),
        ("(-8) ** (1/3)", "not a real number"),
        ("min(1)", "min() takes 2 to 100 argument(s), got 1"),
        ("abs()", "abs() takes 1 argument(s), got 0"),
        ("sqrt(x=4)", "takes no keyword arguments"),
        ("1 +", "invalid expression"),
        ("", "empty expression"),
        ("1" * 2000, "expression too long"),
    ],
)
async def test_calculator_refuses(expression: str, message: str) -> None:
    result = await calc(expression)
    assert result.is_error
    assert result.content.startswith("error: CalculatorError: ")
    assert message in result.content


def test_calculator_does_not_use_eval() -> None:
    source = Path(__file__).parents[1] / "agentlab" / "core" / "sandbox.py"
    calls = {
        node.func.id
        for node in ast.walk(ast.parse(source.read_text()))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert not calls & {"eval", "exec", "compile"}


# --- workspace file tools --------------------------------------------------------------------


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    (root / "notes").mkdir(parents=True)
    (root / "notes" / "plan.md").write_text("# Plan\n\nShip it.\n")
    (root / "readme.txt").write_text("hello workspace\n")
    (root / "blob.bin").write_bytes(b"\x89PNG\x00\x00\x01binary")
    (tmp_path / "secret.txt").write_text("top secret\n")
    return root


async def run_file_tool(name: str, workspace: Path | None, **args: object) -> ToolResult:
    return await call_tool(BUILTIN_TOOLS[name], args, ToolContext(workspace=workspace))


async def test_read_and_list_inside_workspace(workspace: Path) -> None:
    assert await run_file_tool("read_file", workspace, path="readme.txt") == ToolResult(
        "hello workspace\n"
    )
    assert (await run_file_tool("read_file", workspace, path="notes/plan.md")).content.startswith(
        "# Plan"
    )
    assert (await run_file_tool("read_file", workspace, path="./notes/../readme.txt")).is_error
    listing = await run_file_tool("list_files", workspace)
    assert listing.content.splitlines() == [
        "notes/",
        "blob.bin (13 bytes)",
        "readme.txt (16 bytes)",
    ]
    sub = await run_file_tool("list_files", workspace, path="notes")
    assert sub.content == "plan.md (17 bytes)"


@pytest.mark.parametrize("tool_name", ["read_file", "list_files"])
@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("../secret.txt", "'..' is not allowed"),
        ("notes/../../secret.txt", "'..' is not allowed"),
        ("..", "'..' is not allowed"),
        ("/etc/passwd", "absolute paths are not allowed"),
        ("/etc", "absolute paths are not allowed"),
    ],
)
async def test_sandbox_rejects_escapes(
    workspace: Path, tool_name: str, path: str, message: str
) -> None:
    result = await run_file_tool(tool_name, workspace, path=path)
    assert result.is_error
    assert result.content.startswith("error: SandboxError: ")
    assert message in result.content
    assert "top secret" not in result.content


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges on Windows")
async def test_sandbox_rejects_symlink_outside(workspace: Path, tmp_path: Path) -> None:
    os.symlink(tmp_path / "secret.txt", workspace / "link.txt")
    os.symlink(tmp_path, workspace / "outside")
    os.symlink(workspace / "readme.txt", workspace / "inside.txt")
    for tool_name, path in [
        ("read_file", "link.txt"),
        ("list_files", "outside"),
        ("read_file", "outside/secret.txt"),
    ]:
        result = await run_file_tool(tool_name, workspace, path=path)
        assert result.is_error and "resolves outside the workspace" in result.content, path
        assert "top secret" not in result.content
    inside = await run_file_tool("read_file", workspace, path="inside.txt")
    assert inside == ToolResult("hello workspace\n")


async def test_file_tool_errors_are_readable(workspace: Path) -> None:
    cases = [
        ("read_file", {"path": "blob.bin"}, "looks like a binary file"),
        ("read_file", {"path": "nope.txt"}, "no such file in the workspace: 'nope.txt'"),
        ("read_file", {"path": "notes"}, "is a folder"),
        ("list_files", {"path": "readme.txt"}, "not a folder"),
    ]
    for name, args, message in cases:
        result = await run_file_tool(name, workspace, **args)
        assert result.is_error and message in result.content, result
        assert str(workspace) not in result.content  # no host paths leak to the model
    no_ws = await run_file_tool("read_file", None, path="readme.txt")
    assert no_ws.is_error and "no workspace folder is configured" in no_ws.content


async def test_read_file_caps_size(workspace: Path) -> None:
    (workspace / "big.txt").write_text("a" * (sandbox.MAX_READ_BYTES + 10))
    text = sandbox.read_text(workspace, "big.txt")
    assert text.startswith("a" * sandbox.MAX_READ_BYTES + "\n... [file truncated")
    result = await run_file_tool("read_file", workspace, path="big.txt")
    assert not result.is_error and result.content.endswith("more characters]")


# --- search_docs -----------------------------------------------------------------------------


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    docsearch.clear_cache()
    root = tmp_path / "docs"
    root.mkdir()
    (root / "pricing.md").write_text(
        "# Pricing\n\nThe cost of the Pro plan is 20 USD per month. Annual plans cost less.\n\n"
        "Refunds are possible within 14 days.\n"
    )
    (root / "setup.txt").write_text(
        "Install the tool with pip.\n\nRun the setup wizard to configure the database.\n"
    )
    (root / "team.md").write_text("The team meets on Mondays to plan the week.\n")
    (root / "ignored.json").write_text('{"cost": "cost cost cost"}')
    return root


async def search(docs: Path | None, query: str, limit: int = 3) -> ToolResult:
    args = {"query": query, "limit": limit}
    return await call_tool(BUILTIN_TOOLS["search_docs"], args, ToolContext(docs=docs))


async def test_search_ranks_relevant_file_first(docs: Path) -> None:
    result = await search(docs, "how much does the plan cost?")
    assert not result.is_error
    assert result.content.startswith("[1] pricing.md\n# Pricing\nThe cost of the Pro plan")
    assert "ignored.json" not in result.content
    setup = await search(docs, "configure database", limit=1)
    assert setup.content.startswith("[1] setup.txt") and "[2]" not in setup.content


@pytest.mark.parametrize(
    "query",
    ['what\'s "cost"?', "cost AND (", "NEAR(cost", "cost*", "pricing: -cost", "^cost", '""'],
)
async def test_search_survives_punctuation(docs: Path, query: str) -> None:
    result = await search(docs, query)
    assert not result.is_error, result.content


async def test_search_no_results_is_not_an_error(docs: Path) -> None:
    for query in ["quantum chromodynamics", "?!", ""]:
        result = await search(docs, query)
        assert not result.is_error
        assert result.content.startswith("no results for")


async def test_search_index_refreshes_when_files_change(docs: Path) -> None:
    assert (await search(docs, "kangaroo")).content.startswith("no results")
    (docs / "zoo.md").write_text("A kangaroo lives here.\n")
    assert (await search(docs, "kangaroo")).content.startswith("[1] zoo.md")
    (docs / "zoo.md").write_text("Only a wombat now, no marsupial of the hopping kind.\n")
    assert (await search(docs, "kangaroo")).content.startswith("no results")


async def test_search_without_docs_folder(tmp_path: Path) -> None:
    assert (await search(None, "cost")).is_error
    assert (await search(tmp_path / "missing", "cost")).is_error
    empty = tmp_path / "empty"
    empty.mkdir()
    result = await search(empty, "cost")
    assert not result.is_error and "no .txt or .md files" in result.content


def test_core_tools_import_no_ui_or_storage() -> None:
    code = (
        "import sys, agentlab.core.tools; "
        "bad = [m for m in ('textual', 'sqlite_utils', 'litellm') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
