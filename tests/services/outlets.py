"""More outlets on the database of the test's desk: a desk of each, with the same clock (issue 17's work
across outlets). The desk's own outlet is TST001 (Beijing, Chaoyang: 110105)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from outlet_desk.config import parse_settings
from outlet_desk.db.tables import ReissueRequest
from outlet_desk.domain.request_status import RequestStatus
from outlet_desk.services import demo
from outlet_desk.services.bootstrap import open_desk
from outlet_desk.services.context import Desk


def desk_at(desk: Desk, code: str, name: str, division: str, extra: str = "") -> Desk:
    """A desk of outlet ``code`` (``division``: its division code) on ``desk``'s database, with ``extra``
    settings; the caller disposes of its engine."""
    path = desk.settings.config_path
    text = (path.read_text().replace('"TST001"', f'"{code}"').replace('"Test outlet"', f'"{name}"')
            .replace('"110105"', f'"{division}"')) + extra
    other = open_desk(parse_settings(text, path.with_name(f"{code}.toml")))
    other.clock = desk.clock
    return other


def training_desk_at(desk: Desk, code: str, name: str, division: str, extra: str = "") -> Desk:
    """:func:`desk_at` with the training operators (clerk1, super1, ...) bound to it too: a few holders of its
    own are seeded there, which binds them."""
    other = desk_at(desk, code, name, division, extra)
    demo.seed_training(other, persons=2)
    return other


def ready_request(desk: Desk, card_id: int) -> ReissueRequest:
    """The reissue request whose new card ``card_id`` waits for collection."""
    with Session(desk.engine) as s:
        request = s.exec(select(ReissueRequest).where(col(ReissueRequest.new_card_id) == card_id,
                                                      col(ReissueRequest.status) == RequestStatus.READY)).one()
        return request
