"""Fig 2B of EXTEND (breast basket): swimmer plot of time to progression or death by arm.

One bar per patient from randomization to progression, death or censoring (the PFS data
of Fig 2A), longest first within each arm; a filled diamond marks progression or death and
an open arrow a patient still progression-free at last follow-up.

    python analyses/extend_breast/fig2b_swimmer.py [--register TOML] [--out PNG]
"""
from _extend_breast import swimmer_main

from survrepro.report import exhibits

#: The figures this script draws and their captions in the report (the exhibit table).
CAPTIONS = {
    "fig2b_swimmer": "Fig 2B: swimmer plot of time to progression or death by arm",
}


def main(argv=None) -> int:
    return swimmer_main(__doc__, argv)


if __name__ == "__main__":
    raise SystemExit(exhibits.call(main))
