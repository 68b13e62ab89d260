"""Test-suite settings: property tests draw the same examples on every run (derandomized),
so a run is reproducible and CI cannot pass or fail by chance."""
from hypothesis import settings

settings.register_profile("survrepro", derandomize=True, database=None, print_blob=True)
settings.load_profile("survrepro")
