"""agentlab: a terminal-first local lab for AI agents."""

import os as _os

# litellm fetches its price map from the internet at import unless told not to; set this before
# anything can import it (see core/llm.py, the only module that does).
_os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


def __getattr__(name: str) -> str:
    """``agentlab.__version__``, read from the installed package's metadata when first asked for
    (pyproject.toml is the one place it is written; reading it costs ~30 ms, so not at import)."""
    if name != "__version__":
        raise AttributeError(f"module 'agentlab' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("agentlab")
    except PackageNotFoundError:  # a checkout on PYTHONPATH that was never installed
        return "0+unknown"
