"""Reusable widgets of the agentlab TUI (each with its own DEFAULT_CSS)."""
