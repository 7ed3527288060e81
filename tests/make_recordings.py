"""Regenerate the shipped recordings in ``recordings/`` (run from the repository root):

    python tests/make_recordings.py [FILE.jsonl ...]    # all, or only these

One recorded session per orchestration pattern (offline lab models), plus one recorded through
litellm over HTTP against the tests' local OpenAI-compatible server (``tests/fake_openai.py``).
Run it again after changing a shipped scenario those recordings come from:
``tests/test_recordings.py`` reruns every recording and fails when the scenario no longer
matches it.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

#: (file name, scenario, pattern it shows)
LAB = [
    ("single-research_question.jsonl", "scenarios/research_question.toml"),
    ("orchestrator_worker-research_team.jsonl", "scenarios/research_team.toml"),
    ("sequential-data_pipeline.jsonl", "scenarios/data_pipeline.toml"),
    ("parallel-multi_angle_review.jsonl", "scenarios/multi_angle_review.toml"),
    ("hierarchical-project_hierarchy.jsonl", "scenarios/project_hierarchy.toml"),
    ("supervisor-qa_supervisor.jsonl", "scenarios/qa_supervisor.toml"),
    ("handoff-support_desk.jsonl", "scenarios/support_desk.toml"),
    # budget_math's own run (the HTTP one below answers from a model that knows no budget
    # math, so it cannot be the scenario's eval recording)
    ("single-budget_math.jsonl", "scenarios/budget_math.toml"),
]
HTTP = ("litellm_http-budget_math.jsonl", "scenarios/budget_math.toml")


def main(only: list[str] | None = None) -> None:
    """Regenerate every recording, or only the files named in ``only``."""
    os.chdir(ROOT)  # recordings name their scenario by a path relative to the repository
    os.environ["AGENTLAB_HOME"] = tempfile.mkdtemp()
    from fake_openai import FakeOpenAI

    from agentlab import services
    from agentlab.core.context import RunOptions

    db = Path(os.environ["AGENTLAB_HOME"]) / "recordings.db"
    out = ROOT / "recordings"
    out.mkdir(exist_ok=True)

    def save(name: str, session_id: str) -> None:
        text = services.export_session(db, session_id, "jsonl")
        (out / name).write_text(text, encoding="utf-8")
        print(f"recordings/{name}: {len(text.splitlines()) - 1} events")

    for name, scenario in LAB:
        if only and name not in only:
            continue
        result = asyncio.run(
            services.run_recorded(scenario, options=RunOptions(stream=False), db_path=db)
        )
        save(name, result.session_id)
    name, scenario = HTTP
    if only and name not in only:
        return
    with FakeOpenAI() as server:
        options = RunOptions(model="openai/gpt-4o-mini", api_base=server.base_url, stream=False)
        result = asyncio.run(services.run_recorded(scenario, options=options, db_path=db))
    save(name, result.session_id)


if __name__ == "__main__":
    main(sys.argv[1:] or None)
