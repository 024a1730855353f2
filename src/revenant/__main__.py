"""`python -m revenant` is the `revenant` command."""

from revenant.cli import main

main()
