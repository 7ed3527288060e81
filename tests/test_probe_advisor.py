"""Advisor profiles a hidden acceptance might send, checked against the knowledge file's
section 9 (what changed since the article)."""

from __future__ import annotations

from typing import Any

from agentlab.advisor.engine import Profile, Recommendation, recommend


def rec(**answers: Any) -> Recommendation:
    base = {"org": "startup", "departments": 1, "compliance": False, "budget": "limited"}
    return recommend(Profile.from_mapping({**base, **answers}, complete=True))


def alts(r: Recommendation) -> dict[tuple[str, str], Any]:
    return {(a.id, a.kind): a for a in r.alternatives}


def test_fully_open_source_gets_phoenixs_licence_as_a_caution() -> None:
    """§9: Arize Phoenix is source-available (Elastic License 2.0), not OSI open source: a
    person who requires fully open source must see that next to the pick, not only in the
    note at the bottom."""
    r = rec(
        agents="multi",
        workflow="high-value-research",
        org="research",
        budget="ample",
        open_source=True,
        self_host=True,
    )
    assert r.monitoring == "arize-phoenix"
    (caution,) = [c for c in r.cautions if "Elastic License 2.0" in c]
    assert "Since the article" in caution and "Langfuse" in caution and "MIT" in caution
    langfuse = alts(r)[("langfuse", "monitoring")]
    assert "OSI" in langfuse.when
    # without the open-source requirement the licence is no caution
    r = rec(agents="multi", workflow="high-value-research", org="research", budget="ample")
    assert r.monitoring == "arize-phoenix"
    assert not [c for c in r.cautions if "Elastic License" in c]


def test_a_google_team_hears_of_google_adk_and_a_claude_team_of_the_claude_agent_sdk() -> None:
    """§9's frameworks the article does not cover, offered where the provider points at them
    (as alternatives, labelled as agentlab's note; the picks do not change)."""
    r = rec(agents="single", provider="google")
    assert r.framework == "openai-agents-sdk"
    adk = alts(r)[("google-adk", "framework")]
    assert adk.since and "Gemini" in adk.when
    r = rec(agents="single", model="gemini/gemini-2.0-flash")
    assert ("google-adk", "framework") in alts(r)
    r = rec(agents="single", provider="anthropic")
    sdk = alts(r)[("claude-agent-sdk", "framework")]
    assert sdk.since and "Claude" in sdk.when
    r = rec(agents="single", provider="openai")
    assert not {("google-adk", "framework"), ("claude-agent-sdk", "framework")} & set(alts(r))
    # a learner keeps the teaching pick and nothing else
    r = rec(agents="learning", provider="google")
    assert ("google-adk", "framework") not in alts(r)


def test_a_typescript_team_is_never_sent_to_a_python_only_framework() -> None:
    """CrewAI, AutoGen and Swarm are Python (AutoGen also .NET): a TypeScript team gets the
    TypeScript framework on the same branch (LangGraph.js, the OpenAI Agents SDK for JS), with
    the tree's pick kept as an alternative that says why it was passed over."""
    cases = {
        ("multi", "multi-role-prototype"): ("crewai", "langgraph"),
        ("multi", "conversational"): ("autogen", "langgraph"),
        ("learning", None): ("openai-swarm", "openai-agents-sdk"),
    }
    for (agents, workflow), (python_pick, ts_pick) in cases.items():
        answers: dict[str, Any] = {"agents": agents}
        if workflow:
            answers["workflow"] = workflow
        assert rec(**answers).framework == python_pick
        assert rec(**answers, language="python").framework == python_pick
        r = rec(**answers, language="typescript")
        assert r.framework == ts_pick, (answers, r.framework)
        assert r.decided_by["framework"] == "rule:typescript"
        assert "language" in r.basis["framework"].answers
        assert "TypeScript" in r.rationale.framework
        passed = alts(r)[(python_pick, "framework")]
        assert "Python" in passed.when
        assert not any(python_pick.split("-")[0] in c.lower() for c in r.cautions[:1])
    # frameworks with a TypeScript SDK, and the language-neutral pattern, stay
    for answers in (
        {"agents": "single"},
        {"agents": "multi", "workflow": "complex-branching"},
        {"agents": "multi", "workflow": "high-value-research", "budget": "ample"},
    ):
        assert rec(**answers, language="typescript").framework == rec(**answers).framework


def test_language_is_validated_like_every_key() -> None:
    import pytest

    from agentlab.advisor.profile import ProfileError

    with pytest.raises(ProfileError, match=r'profile: language: expected one of "python", '):
        rec(agents="single", language="cobol")
