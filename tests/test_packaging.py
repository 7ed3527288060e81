"""The wheel as a person installs it (pipx, uv tool): built from this checkout, installed into a
fresh venv outside the repository without the network, and run from an unrelated folder.

Marked ``slow`` (about 25 s: a build and a few cold starts of the CLI); ``.ci/run`` runs it,
``pytest -m "not slow"`` leaves it out.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from conftest import ROOT
from test_store_streams import single_agent_stream

pytestmark = pytest.mark.slow

VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
SCENARIO_NAMES = sorted(p.stem for p in (ROOT / "scenarios").glob("*.toml"))

# Runs every argument as `agentlab run ARG --json` in one process (one cold start instead of one
# per scenario) and prints {arg: {"code": exit code, "stdout": ...}}.
RUN_ALL = """
import contextlib, io, json, sys
from agentlab.cli import main
out = {}
for arg in sys.argv[1:]:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        try:
            main(["run", arg, "--json"])
            code = 0
        except SystemExit as exc:
            code = exc.code
    out[arg] = {"code": code, "stdout": buf.getvalue()}
print(json.dumps(out))
"""


@dataclass
class Installed:
    src: Path  # the copy of the checkout the wheel was built from
    wheel: Path
    venv: Path
    elsewhere: Path  # an unrelated working folder
    env: dict[str, str]
    #: `agentlab run research_question --json`, started early: it overlaps the other cold starts.
    research: subprocess.Popen[str] | None = None

    def start(self, *args: str) -> subprocess.Popen[str]:
        """A command from the venv's bin/ (``agentlab``, ``python``), run from ``elsewhere``."""
        exe = str(self.venv / "bin" / args[0])
        return subprocess.Popen(
            [exe, *args[1:]],
            cwd=self.elsewhere,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return finish(self.start(*args), timeout)


def finish(proc: subprocess.Popen[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    out, err = proc.communicate(timeout=timeout)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _backend_installed() -> bool:
    """The build backend is here (the test extra), so the build needs no package index."""
    try:
        return int(version("setuptools").split(".")[0]) >= 77
    except PackageNotFoundError:
        return False


def _copy_checkout(dest: Path) -> Path:
    """What the build reads, copied so the build leaves nothing in the checkout; the package's
    links to scenarios/ and recordings/ are kept as links, as in the repository."""
    skip = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for name in ("agentlab", "scenarios"):
        shutil.copytree(ROOT / name, dest / name, symlinks=True, ignore=skip)
    if (ROOT / "recordings").is_dir():
        shutil.copytree(ROOT / "recordings", dest / "recordings", ignore=skip)
    else:
        (dest / "recordings").mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, dest / name)
    if not any((dest / "recordings").glob("*.jsonl")):
        # Until recordings ship, ship one here so replay by name is tested through the wheel.
        lines = [json.dumps(e.to_dict()) + "\n" for e in single_agent_stream()]
        (dest / "recordings" / "calc_demo.jsonl").write_text("".join(lines), encoding="utf-8")
    return dest


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    base = tmp_path_factory.mktemp("wheel")
    src = _copy_checkout(base / "src")
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(base / "dist")]
    if _backend_installed():
        build += ["--no-build-isolation", "--no-index"]
    # Otherwise pip fetches setuptools from its configured index, as `pip install -e .` did.
    done = subprocess.run([*build, str(src)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    (wheel,) = (base / "dist").glob("agentlab-*.whl")

    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # The dependencies (and pip) come from this test environment, after the venv's own
    # site-packages; .pth files in there are not run, so an editable agentlab stays out of it.
    here = [p for p in sys.path if p.endswith(("site-packages", "dist-packages"))]
    (Path(site) / "_test_env.pth").write_text("\n".join(here) + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env |= {"AGENTLAB_HOME": str(base / "home"), "CI": "true", "COLUMNS": "200"}
    pip = [str(python), "-m", "pip", "install", "--no-deps", "--no-index", "--ignore-installed"]
    done = subprocess.run([*pip, "-q", str(wheel)], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr

    elsewhere = base / "elsewhere"
    elsewhere.mkdir()
    it = Installed(src=src, wheel=wheel, venv=venv, elsewhere=elsewhere, env=env)
    it.research = it.start("agentlab", "run", "research_question", "--json")
    yield it
    if it.research.poll() is None:
        it.research.kill()
        it.research.communicate()


def test_the_wheel_carries_every_scenario_data_and_recording_file(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    src = installed.src
    shipped = [
        *src.glob("scenarios/*.toml"),
        *(p for p in src.glob("scenarios/data/**/*") if p.is_file()),
        *src.glob("recordings/*.jsonl"),
    ]
    assert len(shipped) > len(SCENARIO_NAMES)
    missing = [
        str(p.relative_to(src)) for p in shipped if f"agentlab/{p.relative_to(src)}" not in names
    ]
    assert not missing
    # One copy: nothing outside the package.
    assert all(n.startswith(("agentlab/", "agentlab-")) for n in names)


def test_the_sdist_carries_them_once(tmp_path: Path) -> None:
    if not _backend_installed():
        pytest.skip("needs the build backend of the test extra: pip install -e '.[test]'")
    src = _copy_checkout(tmp_path / "src")
    code = "import sys; from setuptools import build_meta as b; print(b.build_sdist(sys.argv[1]))"
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "dist")],
        cwd=src,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    with tarfile.open(tmp_path / "dist" / done.stdout.strip().splitlines()[-1]) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    wanted = [
        *src.glob("scenarios/*.toml"),
        *(p for p in src.glob("scenarios/data/**/*") if p.is_file()),
        *src.glob("recordings/*.jsonl"),
    ]
    assert [p for p in wanted if f"agentlab/{p.relative_to(src)}" not in names] == []
    assert not [n for n in names if n.startswith(("scenarios/", "recordings/"))]


def test_the_installed_wheel_is_what_runs(installed: Installed) -> None:
    where = installed.run("python", "-c", "import agentlab; print(agentlab.__file__)")
    assert Path(where.stdout.strip()).is_relative_to(installed.venv), where.stderr
    for args in (("agentlab", "--version"), ("python", "-m", "agentlab", "--version")):
        res = installed.run(*args)
        assert (res.returncode, res.stdout) == (0, f"agentlab {VERSION}\n"), res.stderr


def test_scenarios_list_from_an_unrelated_folder(installed: Installed) -> None:
    res = installed.run("agentlab", "scenarios", "list", "--json")
    assert res.returncode == 0, res.stderr
    rows = json.loads(res.stdout)
    assert sorted(r["name"] for r in rows) == SCENARIO_NAMES
    assert not [r for r in rows if "error" in r]
    table = installed.run("agentlab", "scenarios", "list")
    assert "Scenarios shipped with agentlab" in table.stdout and "budget_math" in table.stdout


def test_every_shipped_scenario_and_an_init_copy_run(installed: Installed) -> None:
    res = installed.run("agentlab", "init", "mine")
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith(f"copied {len(SCENARIO_NAMES)} scenarios and their data into mine")
    again = installed.run("agentlab", "init", "mine")
    assert again.returncode == 2 and len(again.stderr.splitlines()) == 1, again.stderr
    copy = installed.elsewhere / "mine" / "research_question.toml"
    copy.write_text(copy.read_text().replace('name = "research_question"', 'name = "my_copy"'))

    # research_question itself runs by name in the test above.
    names = [n for n in SCENARIO_NAMES if n != "research_question"]
    res = installed.run("python", "-c", RUN_ALL, *names, "mine/research_question.toml")
    assert res.returncode == 0, res.stderr
    results = json.loads(res.stdout)
    for arg, r in results.items():
        assert r["code"] in (0, 3), f"{arg}: exit {r['code']}: {res.stderr}"
        summary = json.loads(r["stdout"])
        assert summary["status"] in ("completed", "stopped"), (arg, summary["stop_reason"])
        assert summary["usage"]["total_tokens"] > 0, arg
    copied = json.loads(results["mine/research_question.toml"]["stdout"])
    assert (copied["scenario"], copied["status"]) == ("my_copy", "completed")


def test_replay_shipped_recordings_by_name(installed: Installed) -> None:
    recordings = sorted(installed.src.glob("recordings/*.jsonl"))
    assert recordings
    for path in recordings:
        # The first line is the header (`format_version`), which names the session.
        first = json.loads(path.read_text().splitlines()[0])
        res = installed.run("agentlab", "replay", path.stem)
        assert res.returncode == 0, res.stderr
        assert f"session {first['session_id']}" in res.stdout
    # A rerun by name finds the recorded scenario where it is installed; no model is called.
    res = installed.run("agentlab", "rerun", "single-research_question", "--json")
    assert res.returncode == 0, res.stderr
    replay = json.loads(res.stdout)["replay"]
    assert replay["replayed_calls"] > 0 and replay["live_calls"] == 0
    assert replay["diverged"] is None


def test_the_advisors_try_it_names_a_scenario_that_runs_from_anywhere(installed: Installed) -> None:
    from test_advisor_cli import REST  # a complete profile, kept valid by the advisor's own tests

    profile = installed.elsewhere / "profile.json"
    profile.write_text(json.dumps({"agents": "single", **REST}))
    res = installed.run("agentlab", "advise", "--profile", str(profile), "--json")
    assert res.returncode == 0, res.stderr
    scenario = Path(json.loads(res.stdout)["try_it"]["scenario"])
    assert scenario.is_file() and scenario.is_relative_to(installed.venv)


# Last, so that the cold starts above overlap this run, started when the wheel was installed.
def test_run_research_question_by_name_offline(installed: Installed) -> None:
    assert installed.research is not None
    res = finish(installed.research)
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert (data["scenario"], data["status"]) == ("research_question", "completed")
    assert data["usage"]["total_tokens"] > 0
