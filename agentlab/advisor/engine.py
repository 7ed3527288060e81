"""The selection advisor's decision engine: a pure function from a `Profile` to a `Recommendation`.

No UI, no files, no network: the only input besides the profile is the packaged knowledge
(`knowledge.py`), which a caller may pass in. The rules follow the article's framework tree,
monitoring tree, pattern table and one-table summary; where the article is silent the rule is
marked "agentlab's rule" in the rationale, so a reader can tell the two apart.

Rule ids (in `Recommendation.decided_by`) name the branch that decided each pick; tests walk them.
"""

from __future__ import annotations

from agentlab.advisor import advice, notes
from agentlab.advisor.knowledge import Knowledge, load_knowledge
from agentlab.advisor.monitoring import pick_monitoring
from agentlab.advisor.picks import pick_framework, pick_pattern
from agentlab.advisor.profile import Profile, ProfileError
from agentlab.advisor.recommendation import (
    Alternative,
    Basis,
    Guardrails,
    Rationale,
    Recommendation,
    TryIt,
)

__all__ = [
    "Alternative",
    "Basis",
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
    mon = pick_monitoring(profile, fw.id, fw.basis.answers, kb)
    pat = pick_pattern(profile, kb)
    guard, guard_why, guard_basis = advice.guardrails(profile, kb)
    alternatives = notes.merge_alternatives(
        fw.alternatives,
        notes.extra_alternatives(profile, fw.id, mon.id, kb),
        mon.alternatives,
        pat.alternatives,
    )
    alternatives = tuple(
        a
        for a in alternatives
        if (a.id, a.kind) not in {(fw.id, "framework"), (mon.id, "monitoring")}
    )
    return Recommendation(
        profile=profile,
        framework=fw.id,
        monitoring=mon.id,
        pattern=pat.id,
        guardrails=guard,
        rationale=Rationale(fw.why, mon.why, pat.why, guard_why),
        alternatives=alternatives,
        cautions=tuple(advice.cautions(profile, fw.id, mon.id, kb)),
        next_steps=tuple(advice.next_steps(profile, mon.id, kb)),
        try_it=advice.try_it(profile, fw.id, pat.id, kb),
        decided_by={"framework": fw.rule, "monitoring": mon.rule, "pattern": pat.rule},
        summary_row=advice.summary_row(fw.id, mon.id, pat.id, kb),
        basis={
            "framework": fw.basis,
            "monitoring": mon.basis,
            "pattern": pat.basis,
            "guardrails": guard_basis,
        },
        reader_advice=notes.reader_advice(profile, kb),
        notes=tuple(notes.provider_notes(profile, fw.id, kb)),
        since=notes.since_items(fw.id, mon.id, alternatives, kb),
        since_label=kb.since.label if kb.since else "",
    )
