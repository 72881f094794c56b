"""`python -m cnnlab`: the same as the `cnnlab` command (Gradescope's run_autograder calls it so)."""

import sys

from cnnlab import main

sys.exit(main())
