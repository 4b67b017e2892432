import sys

from certsite.cli import main

sys.exit(main())
