"""agentlab: a terminal-first local lab for AI agents."""

import os as _os

# litellm fetches its price map from the internet at import unless told not to; set this before
# anything can import it (see core/llm.py, the only module that does).
_os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

__version__ = "0.1.0"
