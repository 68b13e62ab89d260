"""The published numbers of a study and what is done with them.

:mod:`~survrepro.register.quantities` defines each quantity a published number may be (its
fields, validation, evaluation from data, audit roles and synthesis constraint);
:mod:`~survrepro.register.schema` reads and validates a register (one TOML file per study,
each number with its quote); :mod:`~survrepro.register.matching` decides whether a reproduced
number matches a printed one; :mod:`~survrepro.register.audit` checks the published numbers
against each other; :mod:`~survrepro.register.evaluate` recomputes each from patient data.
"""
