"""The card stock of an outlet: batches announced by a manifest, each line scanned in by its chip, blank cards
for instant issuance, spoiled cards. One status for each stock line, and the moves between them.

A manifest line is ``announced`` until its card is scanned in (``received``: the chip agrees with the line) or
its chip disagrees (``mismatched``); a card scanned that is on no line is ``extra``. A line never scanned is
*missing*. Missing, mismatched and extra lines are the batch's discrepancies; the supervisor resolves each
(a missing card is ``written_off``, a mismatched or extra card ``sent_back`` to the card centre). A batch is
closed once every line is accounted for. A blank card is ``blank`` until instant issuance writes it
(``consumed``) or it is ``spoiled`` (with a witness).
"""

from __future__ import annotations

from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.worded import Moves, Worded
from outlet_desk.i18n import N_, _


class BatchKind(Worded):
    MANIFEST = "manifest", N_("manifest from the card centre")
    BLANKS = "blanks", N_("blank cards")


class BatchStatus(Worded):
    ANNOUNCED = "announced", N_("announced")
    CLOSED = "closed", N_("closed")


class StockStatus(Worded):
    ANNOUNCED = "announced", N_("announced, not scanned in")
    RECEIVED = "received", N_("scanned in")
    MISMATCHED = "mismatched", N_("chip disagrees with the manifest")
    EXTRA = "extra", N_("not on the manifest")
    WRITTEN_OFF = "written_off", N_("missing, written off")
    SENT_BACK = "sent_back", N_("sent back to the card centre")
    BLANK = "blank", N_("blank card in stock")
    CONSUMED = "consumed", N_("blank card written (instant issue)")
    SPOILED = "spoiled", N_("spoiled")


class Discrepancy(Worded):
    """What the supervisor resolves before a batch closes."""

    MISSING = "missing", N_("on the manifest, never arrived")
    MISMATCHED = "mismatched", N_("chip disagrees with its line")
    EXTRA = "extra", N_("arrived, not on the manifest")


_S = StockStatus

#: A line's discrepancy while it is open (an announced line counts as missing once the scanning is over).
DISCREPANCY_OF: dict[StockStatus, Discrepancy] = {
    _S.ANNOUNCED: Discrepancy.MISSING, _S.MISMATCHED: Discrepancy.MISMATCHED, _S.EXTRA: Discrepancy.EXTRA,
}

#: How the supervisor resolves each open line.
RESOLUTION_OF: dict[StockStatus, StockStatus] = {
    _S.ANNOUNCED: _S.WRITTEN_OFF, _S.MISMATCHED: _S.SENT_BACK, _S.EXTRA: _S.SENT_BACK,
}

#: A manifest line in one of these is accounted for; a batch closes when all its lines are.
ACCOUNTED_FOR: frozenset[StockStatus] = frozenset({_S.RECEIVED, _S.WRITTEN_OFF, _S.SENT_BACK})


class StockMoveRefused(DomainError):
    code = "stock_move_refused"


STOCK_MOVES: Moves[StockStatus] = Moves(StockStatus, {
    _S.ANNOUNCED: {_S.RECEIVED, _S.MISMATCHED, _S.WRITTEN_OFF},
    _S.MISMATCHED: {_S.SENT_BACK},
    _S.EXTRA: {_S.SENT_BACK},
    _S.BLANK: {_S.CONSUMED, _S.SPOILED},
}, lambda status, to: StockMoveRefused(
    _("A stock card that is {status} cannot become {to}.").format(status=status, to=to)))
move_stock = STOCK_MOVES.move


class StockFigure(Worded):
    """The figures of a stock count, per outlet (``outlet-desk stock count``, the day close)."""

    ANNOUNCED = "announced", N_("announced")
    IN_STOCK = "in_stock", N_("in stock")
    READY = "ready", N_("ready for collection")
    BLANK = "blank", N_("blank")
    SPOILED = "spoiled", N_("spoiled")
    TRANSFERRED = "transferred", N_("transferred")
    RETURNED = "returned", N_("returned")


MAX_BLANKS_RECEIVED = 10_000
"""The most blank cards one delivery may bring (a typo of a few zeros is refused)."""
