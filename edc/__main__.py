"""`python -m edc` runs the command line."""

from edc.cli import main

main()
