"""`python -m ct_ticket`."""

import sys

from ct_ticket.app import main

sys.exit(main())
