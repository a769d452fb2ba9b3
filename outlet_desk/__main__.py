"""``python -m outlet_desk`` = ``outlet-desk``."""

from outlet_desk.cli import main

main()
