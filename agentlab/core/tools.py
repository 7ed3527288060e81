"""Tools an agent can call: the ``@tool`` decorator, JSON schemas, ``call_tool`` and the built-ins.

A tool is a plain Python function. ``@tool`` reads its type hints and docstring into the JSON
schema a model sees (OpenAI/litellm ``tools`` format). ``call_tool`` is the only way the runtime
runs one: it parses and validates the model's arguments, injects the ``ToolContext``, runs sync
functions in a worker thread, and turns *every* failure into an error ``ToolResult`` the model can
read and recover from -- a bad tool call never crashes a run.

A sync tool that may block (file I/O, anything touching the outside) runs in a daemon thread of
its own that the run can abandon: when the agent's or the session's time cap cancels the call,
the run ends at the cap even if the thread is stuck (reading a FIFO, a hung network mount), and
the process can exit. Pure CPU tools that cannot block (``blocking=False``, e.g. the calculator)
run inline on the event loop: a thread hop per call is measurable overhead on the hot path.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import hashlib
import inspect
import json
import re
import threading
import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, overload

from agentlab.core import docsearch, network, sandbox, secrets

MAX_RESULT_CHARS = 20_000
#: What a tool can need from the scenario (each a top-level scenario key of that name): a
#: folder, or (``hosts``) the hosts a network tool may reach.
Need = Literal["workspace", "docs", "hosts"]
#: What a tool gives an agent, for the lethal-trifecta audit (``checks/trifecta.py``): it reads
#: private data, it puts untrusted content in front of the model, it can send data out.
Capability = Literal["reads_private_data", "sees_untrusted_content", "can_exfiltrate"]
_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # what OpenAI-compatible APIs accept


@dataclass(frozen=True)
class ToolContext:
    """What a run lets its tools touch."""

    workspace: Path | None = None
    """Folder the file tools may read; ``None`` makes them return an error result."""
    docs: Path | None = None
    """Folder of .txt/.md files ``search_docs`` searches."""
    hosts: tuple[str, ...] = ()
    """Hosts ``http_get`` may reach; empty: no network."""


@dataclass(frozen=True)
class ToolResult:
    content: str
    is_error: bool = False


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    parameters: dict[str, Any]
    """JSON schema of the arguments, ``{"type": "object", "properties": ..., "required": ...}``."""
    fn: Callable[..., Any]
    """Sync or async; may declare a ``ctx: ToolContext`` parameter (not part of the schema)."""
    risky: bool = False
    """Risky tools need a person's approval before they run."""
    needs: tuple[Need, ...] = ()
    """Scenario folders the tool works in (scenario validation refuses a scenario that gives
    the tool to an agent without setting them)."""
    blocking: bool = True
    """A sync tool that may block runs in an abandonable thread; ``False`` (pure, bounded CPU
    work) runs it inline."""
    capabilities: frozenset[Capability] = frozenset()
    """What the tool gives an agent (``agentlab audit`` reads them)."""

    def schema(self) -> dict[str, Any]:
        """The tool in the OpenAI/litellm ``tools=[...]`` format."""
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": copy.deepcopy(self.parameters),
            },
        }


class UnknownToolError(KeyError):
    """A tool name that is neither built in nor supplied by the caller."""

    def __init__(self, name: str, known: list[str] | None = None) -> None:
        super().__init__(name)
        self.name = name
        self.known = sorted(known or [])

    def __str__(self) -> str:  # KeyError's default str() is the repr of the key
        return f"unknown tool {self.name!r}; known tools: {', '.join(self.known) or '(none)'}"


# --- schema derivation -----------------------------------------------------------------------

_SIMPLE_TYPES: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}


@functools.lru_cache(maxsize=1024)
def _call_shape(fn: Callable[..., Any]) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
    """What calling ``fn`` needs, worked out once (``inspect.signature`` costs ~20 us a call):
    its context parameters, its parameters without a default, whether it is a coroutine."""
    params = list(inspect.signature(fn).parameters.values())
    ctx = tuple(p.name for p in params if _is_ctx_param(p))
    bare = tuple(p.name for p in params if not _is_ctx_param(p) and p.default is p.empty)
    return ctx, bare, inspect.iscoroutinefunction(fn)


def _is_ctx_param(param: inspect.Parameter) -> bool:
    return param.name == "ctx" or param.annotation in (ToolContext, "ToolContext")


def _type_schema(hint: Any, where: str) -> dict[str, Any]:
    if hint is Any or hint is inspect.Parameter.empty:
        return {}
    if hint in _SIMPLE_TYPES:
        return {"type": _SIMPLE_TYPES[hint]}
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Literal:
        kinds = {_SIMPLE_TYPES.get(type(a)) for a in args}
        schema: dict[str, Any] = {"enum": list(args)}
        if len(kinds) == 1 and None not in kinds:
            schema["type"] = kinds.pop()
        return schema
    if hint is list or origin is list:
        schema = {"type": "array"}
        if args:
            schema["items"] = _type_schema(args[0], where)
        return schema
    if hint is dict or origin is dict:
        return {"type": "object"}
    raise TypeError(f"{where}: unsupported type {hint!r} for a tool parameter")


def _unwrap_optional(hint: Any) -> tuple[Any, bool]:
    """``X | None`` -> ``(X, True)``; anything else -> ``(hint, False)``."""
    if typing.get_origin(hint) not in (typing.Union, types.UnionType):
        return hint, False
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if len(args) != 1 or len(typing.get_args(hint)) != 2:
        raise TypeError(f"unsupported union {hint!r}: use a single type or X | None")
    return args[0], True


_SECTION_RE = re.compile(
    r"^(Args|Arguments|Parameters|Returns?|Raises|Yields?|Examples?|Notes?):\s*$"
)
_ARG_RE = re.compile(r"^\s*\*{0,2}(\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")


def parse_docstring(doc: str | None) -> tuple[str, dict[str, str]]:
    """The first paragraph (as one line) and the Google-style ``Args:`` descriptions."""
    lines = inspect.cleandoc(doc or "").splitlines()
    summary: list[str] = []
    for line in lines:
        if not line.strip() or _SECTION_RE.match(line.strip()):
            break
        summary.append(line.strip())
    params: dict[str, str] = {}
    in_args, base_indent, current = False, 0, None
    for line in lines:
        stripped = line.strip()
        header = _SECTION_RE.match(stripped)
        if header and len(line) - len(line.lstrip()) == 0:
            in_args, current = header.group(1) in ("Args", "Arguments", "Parameters"), None
            base_indent = -1
            continue
        if not in_args or not stripped:
            continue
        indent = len(line) - len(line.lstrip())
        if base_indent < 0:
            base_indent = indent
        match = _ARG_RE.match(line)
        if indent == base_indent and match:
            current = match.group(1)
            params[current] = match.group(2).strip()
        elif current and indent > base_indent:
            params[current] = f"{params[current]} {stripped}".strip()
    return " ".join(summary), params


def _build_schema(fn: Callable[..., Any], name: str) -> tuple[str, dict[str, Any]]:
    try:
        hints = typing.get_type_hints(fn)
    except Exception as exc:
        raise TypeError(f"tool {name!r}: cannot read its type hints: {exc}") from exc
    description, arg_docs = parse_docstring(inspect.getdoc(fn))
    properties: dict[str, Any] = {}
    required: list[str] = []
    for param in inspect.signature(fn).parameters.values():
        if _is_ctx_param(param) or hints.get(param.name) is ToolContext:
            continue
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD, param.POSITIONAL_ONLY):
            raise TypeError(f"tool {name!r}: parameter {param.name!r} must be a named parameter")
        hint, optional = _unwrap_optional(hints.get(param.name, inspect.Parameter.empty))
        prop = _type_schema(hint, f"tool {name!r}, parameter {param.name!r}")
        if param.name in arg_docs:
            prop["description"] = arg_docs[param.name]
        if param.default is not param.empty:
            if param.default is not None:
                prop["default"] = param.default
        elif not optional:
            required.append(param.name)
        properties[param.name] = prop
    parameters: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        parameters["required"] = required
    return description or name.replace("_", " "), parameters


@overload
def tool(
    fn: Callable[..., Any],
    *,
    name: str | None = None,
    risky: bool = False,
    needs: tuple[Need, ...] = (),
    blocking: bool = True,
    capabilities: Sequence[Capability] = (),
) -> Tool: ...
@overload
def tool(
    fn: None = None,
    *,
    name: str | None = None,
    risky: bool = False,
    needs: tuple[Need, ...] = (),
    blocking: bool = True,
    capabilities: Sequence[Capability] = (),
) -> Callable[[Callable[..., Any]], Tool]: ...
def tool(
    fn: Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    risky: bool = False,
    needs: tuple[Need, ...] = (),
    blocking: bool = True,
    capabilities: Sequence[Capability] = (),
) -> Tool | Callable[[Callable[..., Any]], Tool]:
    """Make a ``Tool`` from a function: ``@tool``, ``@tool(risky=True)``,
    ``@tool(needs=("workspace",))``, ``@tool(capabilities=["can_exfiltrate"])`` or
    ``tool(fn, name=...)``.

    The schema comes from the type hints (str, int, float, bool, list[...], dict, Literal[...],
    ``X | None``), parameters with defaults are optional, and the docstring's first paragraph and
    ``Args:`` section give the descriptions. Unsupported hints raise ``TypeError`` right here,
    not when a model first calls the tool.
    """

    def wrap(f: Callable[..., Any]) -> Tool:
        tool_name = name or str(getattr(f, "__name__", ""))
        if not _NAME_RE.match(tool_name):
            raise ValueError(f"invalid tool name {tool_name!r}: use letters, digits, _ or -")
        description, parameters = _build_schema(f, tool_name)
        caps = frozenset(capabilities)
        return Tool(tool_name, description, parameters, f, risky, needs, blocking, caps)

    return wrap(fn) if fn is not None else wrap


# --- calling ---------------------------------------------------------------------------------


class _ArgumentError(ValueError):
    pass


_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


def _check(value: Any, schema: dict[str, Any], where: str) -> Any:
    """``value`` checked against a (small subset of) JSON schema; ints coerce to floats."""
    kind = schema.get("type")
    if kind in _JSON_TYPES:
        ok = isinstance(value, _JSON_TYPES[kind]) and not (
            isinstance(value, bool) and kind != "boolean"
        )
        if kind == "integer" and isinstance(value, float) and value.is_integer():
            value, ok = int(value), True  # models sometimes send 3.0 for 3
        if not ok:
            got = "null" if value is None else type(value).__name__
            raise _ArgumentError(f"{where} must be of type {kind}, got {got}")
        if kind == "number":
            value = float(value)
        if kind == "array" and "items" in schema:
            value = [_check(v, schema["items"], f"{where}[{i}]") for i, v in enumerate(value)]
    if "enum" in schema and value not in schema["enum"]:
        raise _ArgumentError(f"{where} must be one of {schema['enum']!r}, got {value!r}")
    return value


def _parse_arguments(t: Tool, arguments: dict[str, Any] | str | None) -> dict[str, Any]:
    if arguments is None or (isinstance(arguments, str) and not arguments.strip()):
        arguments = {}
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except json.JSONDecodeError as exc:
            raise _ArgumentError(f"arguments are not valid JSON: {exc}") from None
    if not isinstance(arguments, dict):
        raise _ArgumentError("arguments must be a JSON object")
    properties: dict[str, Any] = t.parameters.get("properties", {})
    required = set(t.parameters.get("required", []))
    unknown = sorted(set(arguments) - set(properties))
    if unknown:
        allowed = ", ".join(properties) or "none"
        raise _ArgumentError(f"unknown argument(s) {', '.join(unknown)} (allowed: {allowed})")
    missing = [p for p in properties if p in required and p not in arguments]
    if missing:
        raise _ArgumentError(f"missing required argument(s): {', '.join(missing)}")
    checked: dict[str, Any] = {}
    for key, value in arguments.items():
        if value is None and key not in required:
            continue  # null for an optional argument means "use the default"
        checked[key] = _check(value, properties[key], f"argument {key!r}")
    return checked


def _to_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, dict | list | tuple | bool):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _truncate(text: str) -> str:
    if len(text) <= MAX_RESULT_CHARS:
        return text
    cut = len(text) - MAX_RESULT_CHARS
    return f"{text[:MAX_RESULT_CHARS]}\n... [truncated: {cut} more characters]"


async def call_tool(t: Tool, arguments: dict[str, Any] | str, ctx: ToolContext) -> ToolResult:
    """Run ``t`` with a model's ``arguments`` (dict or JSON text). Never raises for tool errors."""
    try:
        kwargs = _parse_arguments(t, arguments)
    except _ArgumentError as exc:
        return ToolResult(f"error: invalid arguments for tool {t.name!r}: {exc}", is_error=True)
    try:
        properties = t.parameters.get("properties", {})
        ctx_params, no_default, is_async = _call_shape(t.fn)
        for name in ctx_params:
            kwargs[name] = ctx
        for name in no_default:
            if name in properties and name not in kwargs:
                kwargs[name] = None  # an `X | None` parameter the model left out
        if is_async:
            value = await t.fn(**kwargs)
        elif t.blocking:
            value = await in_daemon_thread(t.fn, kwargs, t.name)
        else:
            value = t.fn(**kwargs)
        if inspect.isawaitable(value):
            value = await value
    except Exception as exc:
        return ToolResult(secrets.mask(f"error: {type(exc).__name__}: {exc}"), is_error=True)
    # What a tool read from the outside (a workspace .env, a web page) may hold a key: masked by
    # value before the model, the recording or the console sees it. Pure tools are skipped.
    clean = secrets.mask if t.blocking else _same
    if isinstance(value, ToolResult):
        return ToolResult(_truncate(clean(value.content)), value.is_error)
    return ToolResult(_truncate(clean(_to_text(value))))


def _same(text: str) -> str:
    return text


async def in_daemon_thread(fn: Callable[..., Any], kwargs: dict[str, Any], name: str) -> Any:
    """``fn(**kwargs)`` in a daemon thread of its own. Cancelling the await abandons the thread
    (Python cannot stop it, but it holds no lock of ours and, being a daemon, never keeps the
    process alive); ``asyncio.to_thread`` would: its pool's threads are joined at exit."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Any] = loop.create_future()

    def settle(ok: bool, value: Any) -> None:
        if not future.done():
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

    def work() -> None:
        try:
            ok, value = True, fn(**kwargs)
        except BaseException as exc:
            ok, value = False, exc
        try:
            loop.call_soon_threadsafe(settle, ok, value)
        except RuntimeError:
            pass  # the run ended (its loop is closed) while this tool was still busy

    threading.Thread(target=work, name=f"tool-{name}", daemon=True).start()
    return await future


# --- built-in tools --------------------------------------------------------------------------


@tool(blocking=False)  # pure, bounded CPU work (see sandbox.evaluate): inline
def calculator(expression: str) -> str:
    """Evaluate an arithmetic expression exactly and return the number.

    Args:
        expression: Numbers with + - * / // % ** and parentheses; functions sqrt, abs, round,
            min, max, log, exp, floor, ceil; constants pi and e. Example: "sqrt(2) * (3 + 4)".
    """
    return sandbox.evaluate(expression)


@tool(needs=("workspace",), capabilities=["reads_private_data"])
def list_files(path: str = ".", *, ctx: ToolContext) -> str:
    """List the files and folders in a workspace folder (folders end with "/").

    Args:
        path: Folder relative to the workspace root; "." is the root.
    """
    return sandbox.list_dir(ctx.workspace, path)


@tool(needs=("workspace",), capabilities=["reads_private_data", "sees_untrusted_content"])
def read_file(path: str, *, ctx: ToolContext) -> str:
    """Read a text file from the workspace.

    Args:
        path: File path relative to the workspace root, e.g. "notes/plan.md".
    """
    return sandbox.read_text(ctx.workspace, path)


@tool(needs=("docs",), capabilities=["reads_private_data", "sees_untrusted_content"])
def search_docs(query: str, limit: int = 3, *, ctx: ToolContext) -> str:
    """Search the reference documents and return the best-matching passages with their file names.

    Args:
        query: What to look for, in plain words, e.g. "refund policy for annual plans".
        limit: How many passages to return (1-20).
    """
    return docsearch.search(ctx.docs, query, limit)


@tool(risky=True, blocking=False)  # simulated: pure
def issue_refund(customer_id: str, amount_usd: float, reason: str) -> str:
    """Refund a customer (simulated: nothing leaves the machine). A risky action: it waits for a
    person's approval, or the scenario's approval policy when no one can be asked.

    Args:
        customer_id: The customer's id, e.g. "C-1042".
        amount_usd: Amount to refund in US dollars.
        reason: Why, in a few words (kept in the audit trail).
    """
    if amount_usd <= 0:
        raise ValueError("amount_usd must be positive")
    ref = hashlib.sha1(f"{customer_id}:{amount_usd:.2f}:{reason}".encode()).hexdigest()[:8]
    return f"refund of ${amount_usd:.2f} issued to {customer_id} (simulated), reference R-{ref}"


@tool(needs=("hosts",), capabilities=["sees_untrusted_content", "can_exfiltrate"])
def http_get(url: str, *, ctx: ToolContext) -> str:
    """Fetch a web page with HTTP GET and return its text. Only the hosts the scenario allows
    can be reached; anything else is refused before a connection is made.

    Args:
        url: The full http:// or https:// URL, e.g. "https://docs.example.com/pricing".
    """
    return network.fetch(ctx.hosts, url)


BUILTIN_TOOLS: dict[str, Tool] = {
    t.name: t for t in (calculator, list_files, read_file, search_docs, issue_refund, http_get)
}


def resolve_tools(names: list[str], extra: dict[str, Tool] | None = None) -> list[Tool]:
    """The tools for ``names``, in order (duplicates dropped); ``extra`` wins over built-ins."""
    available = {**BUILTIN_TOOLS, **(extra or {})}
    resolved: dict[str, Tool] = {}
    for name in names:
        if name not in available:
            raise UnknownToolError(name, list(available))
        resolved.setdefault(name, available[name])
    return list(resolved.values())
