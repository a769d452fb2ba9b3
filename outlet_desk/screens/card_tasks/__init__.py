"""The counter tasks on one card of a person, each after its identity check, one module each: the formal loss
report (``report_lost``), the withdrawal of a loss report when the card is found (``withdraw_loss``), the
reissue application (``reissue``), the new card written at the counter (``write_card``), and the collection
of a new card (``collect``).

Each screen shows who and which card it acts on, runs its service in a worker (``base``), and ends with the
receipt; then the person's record is shown again, reloaded. Screens that need the card in the reader set
``takes_cards``: the app hands them each card read (``ChipRead``) instead of opening its holder. A task that
may be sent to the supervisors' desks watches for their decision (``request_watch``).
"""
