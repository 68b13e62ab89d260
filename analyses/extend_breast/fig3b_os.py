"""Fig 3B of EXTEND (breast basket): overall survival by arm.

Kaplan–Meier curves of overall survival in the style of Fig 2A: censor marks, numbers
at risk every 6 months, median lines, and the Cox HR (95% CI) and log-rank P computed
from the data. The paper states only "all P > .05" for this endpoint; the footnote says so.

    python analyses/extend_breast/fig3b_os.py [--register TOML] [--out PNG]
"""
from _extend_breast import km_main

from survrepro.report import exhibits

#: The figures this script draws and their captions in the report (the exhibit table).
CAPTIONS = {
    "fig3b_os": "Fig 3B: overall survival by arm",
}


def main(argv=None) -> int:
    return km_main("fig3b_os", __doc__, argv)


if __name__ == "__main__":
    raise SystemExit(exhibits.call(main))
