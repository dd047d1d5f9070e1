"""``python -m publisher`` runs the lodpub command."""

from publisher.cli import main

main()
