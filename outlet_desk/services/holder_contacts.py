"""The contact log of a card ready for collection: each time the outlet tried to tell its holder (by text
message, phone or letter), with what came of it and a note. One entry, one audit event."""

from __future__ import annotations

from datetime import date

from outlet_desk.db.contact_tables import CardContact
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.domain.holder_contact import ContactMethod, ContactOutcome, ContactRefused, check_coming_on
from outlet_desk.domain.retention import return_from
from outlet_desk.domain.roles import Action
from outlet_desk.domain.text import REASON_MAX, clean_text
from outlet_desk.i18n import _
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.records import load_card
from outlet_desk.services.uncollected import Contact, contact_view
from outlet_desk.services.uow import UnitOfWork


def log_contact(desk: Desk, actor: Actor, card_id: int, method: ContactMethod, outcome: ContactOutcome,
                coming_on: date | None = None, note: str = "") -> Contact:
    """Record that the holder of ``card_id`` (ready for collection at this outlet) was told, or could not be
    reached, or said when they will come (``coming_on``: today or later, while the card is still kept)."""
    note = clean_text(note, _("The note"), REASON_MAX, multi_line=True)
    with UnitOfWork(desk, actor, Action.RECEIVE_STOCK) as uow:
        s = uow.session
        card = load_card(s, card_id, None)
        if card.outlet_code != desk.outlet_code or card.status != CardStatus.READY:
            raise ContactRefused(_("Card {card} is not waiting for collection at this outlet: it is {status}.")
                                 .format(card=card.card_number, status=CardStatus.label_of(card.status)))
        today = desk.local_now().date()
        ready_on = card.status_changed_at.astimezone(desk.tz).date()
        day = check_coming_on(ContactOutcome(outcome), coming_on, today,
                              return_from(ready_on, desk.settings.collection.retention_days))
        entry = CardContact(card_id=card_id, outlet_code=desk.outlet_code, operator_id=actor.operator_id,
                            at=desk.now(), method=ContactMethod(method), outcome=ContactOutcome(outcome),
                            coming_on=day, note=note)
        s.add(entry)
        s.flush()
        uow.audit(AuditAction.HOLDER_CONTACTED, "card", card_id, person_id=card.person_id,
                  after={"contact": entry.id, "method": entry.method, "outcome": entry.outcome,
                         "coming_on": day.isoformat() if day else None})
        uow.commit()
        return contact_view(desk, entry, actor.display_name)
