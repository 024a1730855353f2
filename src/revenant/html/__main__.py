"""`python -m revenant.html`: one parsing worker (worker.py), as pool.py starts it."""

from revenant.html.worker import main

raise SystemExit(main())
