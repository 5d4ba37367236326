"""The frozen app's entry point: exactly what the installed ``vfeedback`` script runs."""

import sys

from vfeedback.__main__ import main

sys.exit(main())
