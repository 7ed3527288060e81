"""The selection advisor's decision engine: a pure function from a `Profile` to a `Recommendation`.

No UI, no files, no network: the only input besides the profile is the packaged knowledge
(`knowledge.py`), which a caller may pass in. The rules follow the article's framework tree,
monitoring tree, pattern table and one-table summary; where the article is silent the rule is
marked "agentlab's rule" in the rationale, so a reader can tell the two apart.

Rule ids (in `Recommendation.decided_by`) name the branch that decided each pick; tests walk them.
"""

from __future__ import annotations

from agentlab.advisor import advice
from agentlab.advisor.knowledge import Knowledge, load_knowledge
from agentlab.advisor.picks import pick_framework, pick_monitoring, pick_pattern
from agentlab.advisor.profile import Profile, ProfileError
from agentlab.advisor.recommendation import (
    Alternative,
    Guardrails,
    Rationale,
    Recommendation,
    TryIt,
)

__all__ = [
    "Alternative",
    "Guardrails",
    "Profile",
    "ProfileError",
    "Rationale",
    "Recommendation",
    "TryIt",
    "recommend",
]


def recommend(profile: Profile, knowledge: Knowledge | None = None) -> Recommendation:
    """Recommend a framework, a monitoring tool and a pattern for `profile`, with the reasons."""
    kb = knowledge or load_knowledge()
    fw = pick_framework(profile, kb)
    mon = pick_monitoring(profile, fw.id, kb)
    pat = pick_pattern(profile, kb)
    guard, guard_why = advice.guardrails(profile, kb)
    return Recommendation(
        profile=profile,
        framework=fw.id,
        monitoring=mon.id,
        pattern=pat.id,
        guardrails=guard,
        rationale=Rationale(fw.why, mon.why, pat.why, guard_why),
        alternatives=fw.alternatives + mon.alternatives + pat.alternatives,
        cautions=tuple(advice.cautions(profile, fw.id, mon.id, kb)),
        next_steps=tuple(advice.next_steps(profile, mon.id, kb)),
        try_it=advice.try_it(profile, fw.id, pat.id, kb),
        decided_by={"framework": fw.rule, "monitoring": mon.rule, "pattern": pat.rule},
        summary_row=advice.summary_row(fw.id, mon.id, pat.id, kb),
    )
