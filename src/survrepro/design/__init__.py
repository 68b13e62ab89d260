"""Trial design and power: event-driven two-arm designs, single-arm binomial and Simon
designs (:mod:`~survrepro.design.designs`), and simulation of whole trials
(:mod:`~survrepro.design.simulate`). The design functions are importable from here.
"""
from survrepro.design.designs import *  # noqa: F401,F403
from survrepro.design.designs import METHODS, __all__  # noqa: F401
