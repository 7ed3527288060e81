"""The question asked when a cap is hit and the scenario says ``on_exceed = "pause"``."""

from __future__ import annotations

from agentlab.tui.screens.confirm import ConfirmModal


class RaiseCapModal(ConfirmModal):
    """Dismisses with True (raise the cap and go on) or False (stop the run)."""

    YES = "Yes, raise it (y)"
    NO = "No, stop (n)"
