"""Every action asked for by request, in one place: a fee waiver, and the withdrawal of a loss report under
dual control. The clerk sends it to the supervisors (a pending ``approval`` bound to a card), a supervisor
decides it at their own desk (``decisions``), the clerk's screen watches it and may withdraw it while it
waits, and an approved one is used once, by the clerk who asked, on the day it was asked for.

``kinds`` holds what differs between the kinds (as data), ``requests`` the rules written once for all of
them, ``waiver`` and ``withdrawal`` the two kinds' small adapters, ``decisions`` the supervisor's side.
"""
