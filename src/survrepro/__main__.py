import sys

from survrepro.cli import main

sys.exit(main())
