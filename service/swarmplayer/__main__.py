"""`python -m swarmplayer`."""

import sys

from .cli import main

sys.exit(main())
