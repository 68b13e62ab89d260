"""The published numbers of a study and what is done with them.

:mod:`~survrepro.register.schema` reads and validates a register (one TOML file per study,
each number with its quote); :mod:`~survrepro.register.audit` checks the published numbers
against each other; :mod:`~survrepro.register.evaluate` recomputes each from patient data.
"""
