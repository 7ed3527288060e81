"""The questionnaire in a terminal, with questionary, over the shared question data.

`run_questionnaire` takes prompt_toolkit's `input`/`output`, so tests drive it with
`create_pipe_input()` + `DummyOutput()`; by default they are the real terminal.
"""

from __future__ import annotations

from typing import Any

from agentlab.advisor.questions import QUESTIONS, active_questions, with_defaults


def run_questionnaire(input: Any = None, output: Any = None) -> dict[str, Any]:
    """Ask the questions on the current branch, one select prompt each, and return the answers.

    Raises KeyboardInterrupt (Ctrl-C) or EOFError (input closed) when the person does not finish.
    """
    import questionary  # prompt_toolkit is slow-ish to import; keep it off `agentlab --help`

    answers: dict[str, Any] = {}
    io = {k: v for k, v in (("input", input), ("output", output)) if v is not None}
    for question in QUESTIONS:
        if not question.when(with_defaults(answers)):
            continue
        active = active_questions(answers)
        number = active.index(question) + 1
        choices = [questionary.Choice(title=c.label, value=c.value) for c in question.choices]
        value = questionary.select(
            question.prompt,
            choices=choices,
            default=next(c for c in choices if c.value == question.default),
            qmark=f"[{number}/{len(active)}]",
            instruction=f"({question.help})",
            **io,
        ).unsafe_ask()
        answers[question.key] = value
    return answers
