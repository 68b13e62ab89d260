"""Trial design and power.

* :mod:`~survrepro.design.events`: event-driven two-arm designs (Schoenfeld, Freedman),
  power for a number of events, patients for a number of events;
* :mod:`~survrepro.design.binomial`: single-arm exact binomial designs and Simon's
  two-stage designs;
* :mod:`~survrepro.design.simulate`: simulation of whole trials;
* :mod:`~survrepro.design.files`: design files whose assumptions cite the registers;
* :mod:`~survrepro.design.plots`: the design figures (each takes ``ax``).

The functions of events, binomial, files and plots are importable from here.
"""
from survrepro.design import binomial, events, files, plots
from survrepro.design._common import METHODS
from survrepro.design.binomial import *  # noqa: F401,F403
from survrepro.design.events import *  # noqa: F401,F403
from survrepro.design.files import *  # noqa: F401,F403
from survrepro.design.plots import *  # noqa: F401,F403

__all__ = ["METHODS", *events.__all__, *binomial.__all__, *files.__all__, *plots.__all__]
