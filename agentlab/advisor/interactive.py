"""The questionnaire in a terminal, with questionary, over the shared question data.

`run_questionnaire` takes prompt_toolkit's `input`/`output`, so tests drive it with
`create_pipe_input()` + `DummyOutput()`; by default they are the real terminal. Every question
after the first offers "← Back", which re-asks the previous one with its answer preselected.
The help under each prompt is wrapped at word boundaries to the terminal's width.
"""

from __future__ import annotations

import shutil
import textwrap
from typing import Any

from agentlab.advisor.questions import QUESTIONS, Question, progress, with_defaults

BACK = -1
"""The value of the "← Back" choice (choices are passed to questionary by index, since
questionary replaces a None value with the title)."""


def _width(output: Any) -> int:
    try:
        return int(output.get_size().columns) if output is not None else 0
    except Exception:  # a DummyOutput or a closed terminal: fall back to the environment
        return 0


def wrapped_help(question: Question, width: int) -> str:
    width = max(40, width or shutil.get_terminal_size((80, 24)).columns)
    return textwrap.fill(
        question.help,
        width=width - 1,
        initial_indent="  ",
        subsequent_indent="  ",
        break_on_hyphens=False,
        break_long_words=False,
    )


def _ask(
    question: Question, answers: dict[str, Any], can_go_back: bool, io: dict
) -> tuple[bool, Any]:
    """(True, None) for "← Back", else (False, the chosen value)."""
    import questionary  # prompt_toolkit is slow-ish to import; keep it off `agentlab --help`

    current = answers.get(question.key, question.default)
    choices = [questionary.Choice(title=c.label, value=i) for i, c in enumerate(question.choices)]
    if can_go_back:
        choices.append(questionary.Choice(title="← Back", value=BACK))
    where = progress(answers, question)
    index = question.index_of(current)
    picked = questionary.select(
        question.prompt,
        choices=choices,
        default=choices[index],
        qmark=f"[{where.label}]\n?",
        instruction="\n" + wrapped_help(question, _width(io.get("output"))) + "\n",
        **io,
    ).unsafe_ask()
    return (True, None) if picked == BACK else (False, question.choices[picked].value)


def run_questionnaire(input: Any = None, output: Any = None) -> dict[str, Any]:
    """Ask the questions on the current branch, one select prompt each, and return the answers.

    Raises KeyboardInterrupt (Ctrl-C) or EOFError (input closed) when the person does not finish.
    """
    answers: dict[str, Any] = {}
    io = {k: v for k, v in (("input", input), ("output", output)) if v is not None}
    asked: list[int] = []  # indices into QUESTIONS, in the order they were answered
    start = 0
    while True:
        merged = with_defaults(answers)
        index = next((i for i in range(start, len(QUESTIONS)) if QUESTIONS[i].when(merged)), None)
        if index is None:
            return answers
        question = QUESTIONS[index]
        back, value = _ask(question, answers, bool(asked), io)
        if back:
            start = asked.pop()
            continue
        answers[question.key] = value
        asked.append(index)
        start = index + 1
