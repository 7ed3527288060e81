"""Where agentlab keeps its data.

``$AGENTLAB_HOME`` wins (tests point it at a temp dir); otherwise the XDG data directory. Nothing
here creates directories: whoever writes a file creates its parent (see ``store.db.open_db``), so
``agentlab --help`` never touches the disk.
"""

from __future__ import annotations

import os
from pathlib import Path

from agentlab.shipped import scenarios_dir

DB_FILENAME = "agentlab.db"


def agentlab_home() -> Path:
    """``$AGENTLAB_HOME``, else ``$XDG_DATA_HOME/agentlab``, else ``~/.local/share/agentlab``."""
    if home := os.environ.get("AGENTLAB_HOME"):
        return Path(home).expanduser()
    if xdg := os.environ.get("XDG_DATA_HOME"):
        return Path(xdg).expanduser() / "agentlab"
    return Path.home() / ".local" / "share" / "agentlab"


def default_db_path() -> Path:
    """The SQLite file used when no ``--db PATH`` is given."""
    return agentlab_home() / DB_FILENAME


def models_file() -> Path:
    """Prices for models litellm does not price (e.g. local Ollama models), shared by all
    scenarios: ``[prices."ollama/llama3.2"] input = 0, output = 0`` (USD per 1M tokens)."""
    return agentlab_home() / "models.toml"


def default_scenarios_dir() -> Path:
    """``./scenarios`` when there is one (e.g. copies made by ``agentlab init``), else the
    scenarios shipped inside the package, so the TUI and ``scenarios list`` work anywhere."""
    here = Path("scenarios")
    return here if here.is_dir() else scenarios_dir()
