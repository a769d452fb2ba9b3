"""``python -m outlet_desk`` = ``outlet-desk``."""

from outlet_desk.launch import main

main()
