"""The sandboxes behind the built-in tools: safe arithmetic and workspace-confined file access.

Both take untrusted input straight from a model, so they fail closed: an expression may only use
numbers, a handful of operators and a short list of functions (no ``eval``), and a path must stay
inside the workspace folder after every symlink is resolved. Failures raise errors whose message
a model can read and act on; ``call_tool`` turns them into error results.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable
from pathlib import Path

# --- calculator ------------------------------------------------------------------------------

MAX_EXPRESSION_CHARS = 1_000
MAX_EXPONENT = 1_000
# Integers stay below ~1000 digits: big enough for any real arithmetic, small enough that no
# expression can burn CPU or memory building (or printing) a giant number.
MAX_INT_BITS = 3_400


class CalculatorError(ValueError):
    """An expression the calculator refuses or cannot evaluate."""


Number = int | float

_BINOPS: dict[type[ast.operator], Callable[[Number, Number], Number]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARYOPS: dict[type[ast.unaryop], Callable[[Number], Number]] = {
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
}
_CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}


def _round(x: Number, ndigits: Number | None = None) -> Number:
    if ndigits is None:
        return round(x)
    if not isinstance(ndigits, int):
        raise CalculatorError("round() needs a whole number of digits")
    return round(x, ndigits)


def _exp(x: Number) -> float:
    if x > 709:  # math.exp overflows a float just above this
        raise CalculatorError("result too large")
    return math.exp(x)


# name -> (function, min args, max args)
_FUNCTIONS: dict[str, tuple[Callable[..., Number], int, int]] = {
    "sqrt": (math.sqrt, 1, 1),
    "abs": (abs, 1, 1),
    "round": (_round, 1, 2),
    "min": (min, 2, 100),
    "max": (max, 2, 100),
    "log": (math.log, 1, 2),
    "exp": (_exp, 1, 1),
    "floor": (math.floor, 1, 1),
    "ceil": (math.ceil, 1, 1),
}


def _check_size(value: Number) -> Number:
    if isinstance(value, complex):
        raise CalculatorError("result is not a real number")
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise CalculatorError("result too large")
    if isinstance(value, float) and not math.isfinite(value):
        raise CalculatorError("result too large" if math.isinf(value) else "result is not a number")
    return value


def _power(base: Number, exponent: Number) -> Number:
    if abs(exponent) > MAX_EXPONENT:
        raise CalculatorError(f"exponent too large (limit {MAX_EXPONENT})")
    # Estimate the size before computing it: 999999 ** 999 is a small expression but a huge int.
    if exponent > 0 and abs(base) > 1 and exponent * math.log2(abs(base)) > MAX_INT_BITS:
        raise CalculatorError("result too large")
    return base**exponent


def _eval(node: ast.AST) -> Number:
    if isinstance(node, ast.Expression):
        return _eval(node.body)
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise CalculatorError(f"unsupported value: {node.value!r}")
        return node.value
    if isinstance(node, ast.Name):
        if node.id in _CONSTANTS:
            return _CONSTANTS[node.id]
        raise CalculatorError(f"unknown name {node.id!r} (constants: pi, e)")
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARYOPS:
        return _UNARYOPS[type(node.op)](_eval(node.operand))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        left, right = _eval(node.left), _eval(node.right)
        if isinstance(node.op, ast.Pow):
            return _check_size(_power(left, right))
        if isinstance(node.op, ast.Div | ast.FloorDiv | ast.Mod) and right == 0:
            raise CalculatorError("division by zero")
        return _check_size(_BINOPS[type(node.op)](left, right))
    if isinstance(node, ast.Call):
        return _call(node)
    raise CalculatorError(f"unsupported syntax: {type(node).__name__}")


def _call(node: ast.Call) -> Number:
    name = node.func.id if isinstance(node.func, ast.Name) else None
    if name not in _FUNCTIONS:
        shown = name or ast.unparse(node.func)
        raise CalculatorError(f"unknown function {shown!r} (allowed: {', '.join(_FUNCTIONS)})")
    if node.keywords:
        raise CalculatorError(f"{name}() takes no keyword arguments")
    fn, least, most = _FUNCTIONS[name]
    if not least <= len(node.args) <= most:
        wanted = str(least) if least == most else f"{least} to {most}"
        raise CalculatorError(f"{name}() takes {wanted} argument(s), got {len(node.args)}")
    args = [_eval(arg) for arg in node.args]
    try:
        return _check_size(fn(*args))
    except (ValueError, ArithmeticError, TypeError) as exc:
        if isinstance(exc, CalculatorError):
            raise
        raise CalculatorError(f"{name}(): {exc}") from None


def format_number(value: Number) -> str:
    """Integers without ``.0``; other floats to 12 significant digits."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    if isinstance(value, float):
        # 12 significant digits hide binary noise (129.60000000000002 -> 129.6).
        return format(value, ".12g")
    return str(value)


def evaluate(expression: str) -> str:
    """Evaluate an arithmetic expression safely and return the number as text."""
    if len(expression) > MAX_EXPRESSION_CHARS:
        raise CalculatorError(f"expression too long (limit {MAX_EXPRESSION_CHARS} characters)")
    # Models write "^" for power and "×" for multiply often enough to be worth accepting.
    text = expression.strip().replace("^", "**").replace("×", "*")
    if not text:
        raise CalculatorError("empty expression")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise CalculatorError(f"invalid expression: {exc.msg}") from None
    try:
        return format_number(_eval(tree))
    except ZeroDivisionError:
        raise CalculatorError("division by zero") from None
    except OverflowError:
        raise CalculatorError("result too large") from None
    except RecursionError:
        raise CalculatorError("expression too deeply nested") from None


# --- workspace files -------------------------------------------------------------------------

MAX_READ_BYTES = 100_000
MAX_LIST_ENTRIES = 500
_BINARY_SNIFF_BYTES = 8_192


class SandboxError(PermissionError):
    """A path the file tools refuse: outside the workspace, or no workspace configured."""


def resolve_in_workspace(workspace: Path | None, path: str) -> Path:
    """The real path of ``path`` inside ``workspace``, or a ``SandboxError``.

    Absolute paths and ``..`` components are refused outright (clearer for a model than a silent
    rewrite); what is left is resolved, following symlinks, and must still be inside the workspace.
    """
    if workspace is None:
        raise SandboxError("no workspace folder is configured for this run")
    if "\x00" in path:
        raise SandboxError("path contains a NUL character")
    candidate = Path(path or ".")
    if candidate.is_absolute() or path.startswith(("/", "\\")):
        raise SandboxError(
            f"absolute paths are not allowed: {path!r} (use a path relative to the workspace)"
        )
    if ".." in candidate.parts or ".." in path.replace("\\", "/").split("/"):
        raise SandboxError(f"'..' is not allowed in paths: {path!r}")
    root = workspace.resolve()
    target = (root / candidate).resolve()
    if not target.is_relative_to(root):
        raise SandboxError(f"path resolves outside the workspace: {path!r}")
    return target


def list_dir(workspace: Path | None, path: str = ".") -> str:
    """One entry a line, folders first (with a trailing ``/``), files with their size."""
    target = resolve_in_workspace(workspace, path)
    if not target.exists():
        raise FileNotFoundError(f"no such folder in the workspace: {path!r}")
    if not target.is_dir():
        raise NotADirectoryError(f"not a folder: {path!r} (use read_file for files)")
    entries = sorted(target.iterdir(), key=lambda p: (not p.is_dir(), p.name.lower()))
    if not entries:
        return f"{path}: (empty folder)"
    lines = []
    root = workspace.resolve() if workspace is not None else target
    for entry in entries[:MAX_LIST_ENTRIES]:
        if entry.is_symlink() and not entry.resolve().is_relative_to(root):
            lines.append(f"{entry.name} (a link out of the workspace)")  # nothing about it
        elif entry.is_dir():
            lines.append(f"{entry.name}/")
        else:
            try:
                st = entry.stat()
                if st.st_nlink > 1:  # maybe a file outside: nothing about it (not its size)
                    lines.append(f"{entry.name} (a hard link; not read)")
                    continue
                lines.append(f"{entry.name} ({st.st_size} bytes)")
            except OSError:  # e.g. a dangling symlink
                lines.append(entry.name)
    if len(entries) > MAX_LIST_ENTRIES:
        lines.append(f"... and {len(entries) - MAX_LIST_ENTRIES} more entries")
    return "\n".join(lines)


def read_text(workspace: Path | None, path: str) -> str:
    """The text of a workspace file, at most ``MAX_READ_BYTES`` of it; binary files are refused."""
    target = resolve_in_workspace(workspace, path)
    if not target.exists():
        raise FileNotFoundError(f"no such file in the workspace: {path!r}")
    if target.is_dir():
        raise IsADirectoryError(f"{path!r} is a folder (use list_files to see what is in it)")
    if not target.is_file():  # a FIFO or a device: opening it could block for ever
        raise ValueError(f"{path!r} is not a regular file; read_file only reads files")
    st = target.stat()
    if st.st_nlink > 1:
        # A hard link is the same file as one elsewhere, maybe outside the workspace: refused
        # like a symlink out of it (least privilege).
        raise SandboxError(f"{path!r} is a hard link; hard-linked files are not read")
    size = st.st_size
    with target.open("rb") as fh:
        data = fh.read(MAX_READ_BYTES)
    if b"\x00" in data[:_BINARY_SNIFF_BYTES]:
        raise ValueError(
            f"{path!r} looks like a binary file ({size} bytes); read_file only reads text files"
        )
    text = data.decode("utf-8", errors="replace")
    if size > MAX_READ_BYTES:
        text += f"\n... [file truncated: showing the first {MAX_READ_BYTES} of {size} bytes]"
    return text
