"""Offline evaluation: scenarios with expectations become a regression suite.

- ``spec.py``: the expectation format (``[expect]`` in a scenario, or ``*.eval.toml`` files), as
  validated values; ``cases.py`` reads cases from files with ``file:line`` errors.
- ``assess.py``: a case's expectations checked against one run's events (pure).
- ``metrics.py``: the CLEAR report (Cost, Latency, Efficacy, Assurance, Reliability) and
  pass^k / pass@k over repeats (pure); ``baseline.py`` saves and compares figures (pure but for
  reading and writing its JSON file); ``shard.py`` picks a stable slice of the cases.
- ``junit.py`` writes JUnit XML with junitparser; ``toeval.py`` turns a recorded session into
  an eval case.
- ``runner.py`` runs the cases (through ``services``: every case run is a recorded session
  linked to the eval run) and is the only module here that does I/O beyond files.
"""
