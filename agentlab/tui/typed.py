"""The one typed way a screen or widget reaches the app: ``typed_app(self).db_path``.

Screens read the app's settings through this and ask it to do things by posting messages
(``HomeScreen.RunScenario``...), never by calling its methods.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.dom import DOMNode

if TYPE_CHECKING:  # app.py imports the screens: importing it here at run time would be a cycle
    from agentlab.tui.app import AgentlabApp


def typed_app(node: DOMNode) -> AgentlabApp:
    """``node.app`` as the AgentlabApp it always is (Textual types it as a plain ``App``)."""
    return cast("AgentlabApp", node.app)
