"""``outlet-desk card emulate``'s engine: :func:`run_emulator` puts a :class:`VirtualCard` into a vpcd slot until
stopped, once pcscd has taken it in (else :class:`~outlet_desk.reader.errors.EmulatorNotInserted`, naming why).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from outlet_desk.i18n import _
from outlet_desk.reader.errors import EmulatorNotInserted
from outlet_desk.reader.virtual_card import VirtualCard
from outlet_desk.reader.vpcd_link import NotAccepted, VpcdLink

ACCEPT_TIMEOUT_S = 3.0
"""How long ``card emulate`` waits for pcscd to take the card in (it polls the slot every ~0.4 s)."""


def _not_inserted(problem: NotAccepted, link: VpcdLink, timeout: float) -> EmulatorNotInserted:
    slot, (host, port) = link.slot, link.address
    if problem is NotAccepted.NOTHING_LISTENS:
        message = _(
            "The virtual card was not inserted: nothing takes cards on virtual reader slot {slot} "
            "({host}:{port} refuses the connection), so the PC/SC service (pcscd) with the vpcd virtual "
            "reader is not running. Start pcscd and try again."
        ).format(slot=slot, host=host, port=port)
    else:
        message = _(
            "The virtual card was not inserted: virtual reader slot {slot} is already used by another "
            "card emulator (pcscd did not ask this card for its ATR within {seconds} s). Stop the other "
            "emulator, or use the other slot (--slot {other})."
        ).format(slot=slot, seconds=f"{timeout:g}", other=1 - slot if slot in (0, 1) else 0)
    return EmulatorNotInserted(message, problem.value)


def run_emulator(
    card: VirtualCard,
    slot: int,
    stop: threading.Event | None = None,
    *,
    on_inserted: Callable[[], None] | None = None,
    accept_timeout: float = ACCEPT_TIMEOUT_S,
) -> None:
    """Put ``card`` into vpcd slot ``slot`` (port 35963 + slot) and keep it there until ``stop`` is set
    or Ctrl-C. The card stays "inserted" across pcscd restarts; it is removed when this returns.

    ``on_inserted`` is called once pcscd has taken the card in (vpcd asked for its ATR). If that does not
    happen within ``accept_timeout`` seconds the card is removed again and :class:`EmulatorNotInserted`
    says why (no pcscd, or the slot is held by another emulator)."""
    stop = stop or threading.Event()
    link = VpcdLink(card, slot, reconnect=True)
    link.insert()
    try:
        problem = link.wait_accepted(accept_timeout)
        if problem is not None:
            raise _not_inserted(problem, link, accept_timeout)
        if on_inserted is not None:
            on_inserted()
        while not stop.wait(0.2):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        link.remove()
