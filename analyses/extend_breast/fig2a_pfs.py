"""Fig 2A of EXTEND (breast basket): progression-free survival by arm.

Kaplan–Meier curves of MDT + SOC and SOC alone with censor marks, numbers at risk every
6 months, median lines, and the Cox HR (95% CI) and P computed from the data.

    python analyses/extend_breast/fig2a_pfs.py [--register TOML] [--out PNG]
"""
from _extend_breast import km_main

from survrepro.report import exhibits

#: The figures this script draws and their captions in the report (the exhibit table).
CAPTIONS = {
    "fig2a_pfs": "Fig 2A: progression-free survival by arm",
}


def main(argv=None) -> int:
    return km_main("fig2a_pfs", __doc__, argv)


if __name__ == "__main__":
    raise SystemExit(exhibits.call(main))
