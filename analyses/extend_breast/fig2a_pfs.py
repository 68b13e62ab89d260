"""Fig 2A of EXTEND (breast basket): progression-free survival by arm.

Kaplan–Meier curves of MDT + SOC and SOC alone with censor marks, numbers at risk every
6 months, median lines, and the Cox HR (95% CI) and P computed from the data.

    python analyses/extend_breast/fig2a_pfs.py [--register TOML] [--out PNG]
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _extend_breast import km_main, run  # noqa: E402


def main(argv=None) -> int:
    return km_main("fig2a_pfs", __doc__, argv)


if __name__ == "__main__":
    run(main)
