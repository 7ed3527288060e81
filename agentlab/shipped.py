"""The scenarios and recordings that ship with agentlab, and finding one by name.

Both are package data (``agentlab/scenarios``, ``agentlab/recordings``; in a checkout these are
links to the top-level folders, see pyproject.toml), read with ``importlib.resources``: an
installed wheel (``pipx``, ``uv tool``) has them wherever it runs from.

A scenario's name is its file name without ``.toml`` (what ``agentlab scenarios list`` shows);
a recording's is its file name without ``.jsonl``. An existing path always wins over a name.
"""

from __future__ import annotations

import difflib
import os
import shutil
from importlib import resources
from pathlib import Path

from agentlab.errors import UsageError

SCENARIO_SUFFIX = ".toml"
RECORDING_SUFFIX = ".jsonl"


def _package_dir(name: str) -> Path:
    # Resolved so that a checkout shows the documented top-level folder, not the link to it. A
    # package imported from a zip file has no folder to give: it then ships nothing (not a crash).
    return Path(str(resources.files("agentlab") / name)).resolve()


def scenarios_dir() -> Path:
    """The folder of the shipped scenarios (each ``*.toml`` next to its ``data/``)."""
    return _package_dir("scenarios")


def recordings_dir() -> Path:
    """The folder of the shipped recordings (``*.jsonl``); there may be none."""
    return _package_dir("recordings")


def _named(folder: Path | None, suffix: str) -> dict[str, Path]:
    if folder is None or not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.glob(f"*{suffix}")) if p.is_file()}


def shipped_scenarios() -> dict[str, Path]:
    """Name → file of every shipped scenario, sorted by name."""
    return _named(scenarios_dir(), SCENARIO_SUFFIX)


def shipped_recordings() -> dict[str, Path]:
    """Name → file of every shipped recording, sorted by name (empty when none ship)."""
    return _named(recordings_dir(), RECORDING_SUFFIX)


def _name_of(arg: str, suffix: str, folder_name: str) -> str | None:
    """The name ``arg`` stands for: ``x``, ``x.toml`` and ``scenarios/x.toml`` (the documented
    place, which the README and the advisor print) name ``x``; any other path names nothing."""
    head, sep, tail = arg.replace(os.sep, "/").partition("/")
    if sep and (head != folder_name or "/" in tail):
        return None
    return (tail if sep else head).removesuffix(suffix) or None


def _close(name: str, names: list[str]) -> str:
    matches = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    return f"; did you mean {' or '.join(matches)}?" if matches else ""


def find_scenario(arg: str | Path, folder: Path | None = None) -> Path:
    """The scenario file ``arg`` means: an existing path; else the scenario of that name in
    ``folder`` (the folder the CLI and the TUI list, e.g. ``./scenarios`` after ``agentlab
    init``); else the shipped one. Otherwise a UsageError naming the close matches."""
    text = str(arg)
    if not text.strip():
        raise UsageError(
            "SCENARIO: expected a scenario name or file (see `agentlab scenarios list`)"
        )
    if Path(text).is_dir():
        raise UsageError(f"{text} is a folder, not a scenario file (see `agentlab scenarios list`)")
    if Path(text).exists():
        return Path(text)
    known = {**shipped_scenarios(), **_named(folder, SCENARIO_SUFFIX)}
    name = _name_of(text, SCENARIO_SUFFIX, "scenarios")
    if name is not None and name in known:
        return known[name]
    if name is None or text.endswith(SCENARIO_SUFFIX):  # meant as a file
        close = difflib.get_close_matches(Path(text).stem, sorted(known), n=1, cutoff=0.6)
        hint = f"; did you mean `agentlab run {close[0]}`?" if close else ""
        raise UsageError(f"{text}: no such file{hint}")
    raise UsageError(
        f"no such scenario: {text!r} is neither a file nor a scenario name"
        f"{_close(name, sorted(known))} (see `agentlab scenarios list`)"
    )


def find_recording(arg: str) -> Path | None:
    """The recording file ``arg`` means: an existing path, else the shipped recording of that
    name (``x``, ``x.jsonl`` or ``recordings/x.jsonl``); None when it is neither."""
    if arg.strip() and Path(arg).exists():
        return Path(arg)
    name = _name_of(arg, RECORDING_SUFFIX, "recordings")
    return shipped_recordings().get(name) if name is not None else None


def recording_hint(arg: str) -> str:
    """``; did you mean x?`` for the shipped recordings close to ``arg`` ('' when none are)."""
    name = _name_of(arg, RECORDING_SUFFIX, "recordings")
    return _close(name, list(shipped_recordings())) if name else ""


def copy_scenarios(dest: Path, *, force: bool = False) -> list[Path]:
    """Copy every shipped scenario and its ``data/`` folder into ``dest`` for editing.

    Nothing is written when any file to be written already exists, unless ``force``; files of
    the person's own in ``dest`` are never touched. Returns the scenario files written."""
    src = scenarios_dir()
    files = [p for p in sorted(src.rglob("*")) if p.is_file() and _shipped_file(p, src)]
    if not files:
        raise UsageError("this agentlab ships no scenarios (a broken install?)")
    if dest.exists() and not dest.is_dir():
        raise UsageError(f"DIR: {dest} is not a folder")
    if dest.resolve() == src:
        raise UsageError(f"DIR: {dest} is where the shipped scenarios are; pick another folder")
    targets = [(p, dest / p.relative_to(src)) for p in files]
    if not force:
        clash = [t for _, t in targets if t.exists() or t.is_symlink()]
        if clash:
            more = f" (and {len(clash) - 1} more)" if len(clash) > 1 else ""
            raise UsageError(f"{clash[0]} already exists{more}: nothing copied; --force overwrites")
    try:
        for source, target in targets:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    except OSError as exc:
        raise UsageError(f"cannot write {exc.filename or dest}: {exc.strerror}") from None
    return [t for _, t in targets if t.parent == dest and t.suffix == SCENARIO_SUFFIX]


def _shipped_file(path: Path, src: Path) -> bool:
    """The files a shipped scenario needs: the scenario files and what is under ``data/``."""
    rel = path.relative_to(src)
    if "__pycache__" in rel.parts:
        return False
    return (len(rel.parts) == 1 and rel.suffix == SCENARIO_SUFFIX) or rel.parts[0] == "data"
