"""The stock count of each outlet of the database: cards announced by a manifest and not yet scanned in, cards
in stock, ready for collection, blank, spoiled, transferred (on their way to another outlet) and returned
(``domain.stock.StockFigure``). Read in one snapshot; the day close records its outlet's count in its audit
event."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlmodel import col

from outlet_desk.db.tables import Card, CardTransfer, Outlet, StockItem
from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.domain.stock import StockFigure, StockStatus
from outlet_desk.domain.transfers import TransferStatus
from outlet_desk.services.context import Desk
from outlet_desk.services.queries import not_on_its_way

_CARD_FIGURES = {CardStatus.IN_STOCK: StockFigure.IN_STOCK, CardStatus.READY: StockFigure.READY,
                 CardStatus.RETURNED: StockFigure.RETURNED}
_LINE_FIGURES = {StockStatus.ANNOUNCED: StockFigure.ANNOUNCED, StockStatus.BLANK: StockFigure.BLANK}


@dataclass(frozen=True)
class OutletStock:
    outlet_code: str
    outlet_name: str
    figures: Mapping[StockFigure, int]

    def as_dict(self) -> dict[str, int]:
        return {figure.value: self.figures.get(figure, 0) for figure in StockFigure}


def count_in(conn: Connection, outlet_code: str | None = None) -> list[OutletStock]:
    """The count of every outlet (or of ``outlet_code`` alone), on ``conn``. A card on its way to another outlet
    is counted as *transferred* by the outlet that sent it, not as ready there, until the other outlet scans it
    in."""
    figures: dict[str, dict[StockFigure, int]] = defaultdict(dict)
    only = [col(Card.outlet_code) == outlet_code] if outlet_code else []
    for outlet, status, n in conn.execute(
            select(col(Card.outlet_code), col(Card.status), func.count()).where(
                col(Card.status).in_(list(_CARD_FIGURES)), not_on_its_way(), *only)
            .group_by(col(Card.outlet_code), col(Card.status))):
        figures[outlet][_CARD_FIGURES[CardStatus(status)]] = int(n)
    only_sent = [col(CardTransfer.from_outlet) == outlet_code] if outlet_code else []
    for outlet, n in conn.execute(
            select(col(CardTransfer.from_outlet), func.count()).where(
                col(CardTransfer.status) == TransferStatus.SENT, *only_sent).group_by(col(CardTransfer.from_outlet))):
        figures[outlet][StockFigure.TRANSFERRED] = int(n)
    only_items = [col(StockItem.outlet_code) == outlet_code] if outlet_code else []
    for outlet, status, n in conn.execute(
            select(col(StockItem.outlet_code), col(StockItem.status), func.count()).where(
                col(StockItem.status).in_(list(_LINE_FIGURES)), *only_items)
            .group_by(col(StockItem.outlet_code), col(StockItem.status))):
        figures[outlet][_LINE_FIGURES[StockStatus(status)]] = int(n)
    for outlet, n in conn.execute(
            select(col(StockItem.outlet_code), func.count()).where(col(StockItem.spoiled_at).is_not(None),
                                                                   *only_items)
            .group_by(col(StockItem.outlet_code))):
        figures[outlet][StockFigure.SPOILED] = int(n)
    outlets = conn.execute(select(col(Outlet.code), col(Outlet.name)).order_by(col(Outlet.code))).all()
    return [OutletStock(code, name, {f: figures[code].get(f, 0) for f in StockFigure})
            for code, name in outlets if outlet_code is None or code == outlet_code]


def stock_count(desk: Desk, outlet_code: str | None = None) -> list[OutletStock]:
    """:func:`count_in` on a connection of its own."""
    with desk.engine.connect() as conn:
        return count_in(conn, outlet_code)
