"""``python -m agentlab``: the same as the ``agentlab`` command."""

from agentlab.cli import main

if __name__ == "__main__":
    main()
