"""A consumer that forgets an event kind fails the type check.

Every consumer is a ``match`` over ``AnyEvent`` ending in ``assert_never``; mypy (in CI) then
reports a kind with no case. This runs mypy on a small consumer written that way, once complete
and once with a kind left out, so the guarantee itself is tested, not only assumed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT

from agentlab.core.events import AnyEvent

pytest.importorskip("mypy")

KINDS = [cls.__name__ for cls in AnyEvent.__args__]  # type: ignore[attr-defined]
LEFT_OUT = "CheckEnded"


def consumer(kinds: list[str]) -> str:
    cases = "\n            | ".join(f"{k}()" for k in kinds)
    return textwrap.dedent(
        f"""\
        from typing import assert_never

        from agentlab.core.events import *  # noqa: F403


        def describe(e: AnyEvent) -> str:
            match e:
                case (
                    {cases}
                ):
                    return e.kind
                case _:
                    assert_never(e)
        """
    )


def test_a_kind_missing_from_a_match_is_a_type_error(tmp_path: Path) -> None:
    (tmp_path / "complete.py").write_text(consumer(KINDS))
    (tmp_path / "forgetful.py").write_text(consumer([k for k in KINDS if k != LEFT_OUT]))
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--no-incremental",
            "--follow-imports=silent",
            "--config-file=",
            "--cache-dir",
            str(tmp_path / "cache"),
            "complete.py",
            "forgetful.py",
        ],
        cwd=tmp_path,
        # this checkout's agentlab, not whichever one is installed
        env={**os.environ, "MYPYPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    errors = [ln for ln in out.stdout.splitlines() if ": error:" in ln]
    assert out.returncode == 1, out.stdout + out.stderr
    assert len(errors) == 1, out.stdout
    assert errors[0].startswith("forgetful.py:")
    assert f'"assert_never" has incompatible type "{LEFT_OUT}"' in errors[0]
