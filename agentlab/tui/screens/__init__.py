"""Screens of the agentlab TUI."""
