"""The text of a card holder's record: the identity lines (masked unless shown in full), a card's detail with
what its status allows, where the card is and its functions."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text

from outlet_desk.domain.card_lifecycle import CardEvent, event_label, status_label
from outlet_desk.domain.citizen_id import Gender, mask_citizen_id
from outlet_desk.domain.visit import Presenter
from outlet_desk.i18n import _, colon
from outlet_desk.services.identity import IdentityCheckResult
from outlet_desk.services.masking import mask_address, mask_phone
from outlet_desk.services.persons import CardLine, PersonDetail
from outlet_desk.services.reissue import InstantCardDue
from outlet_desk.widgets.tasks import CardTask, task_title


def presenter_words(check: IdentityCheckResult) -> str:
    """Who the identity check was of: the holder, or the proxy by name and relationship."""
    if check.presenter == Presenter.HOLDER:
        return _("the holder")
    return _("a proxy: {name} ({relation})").format(name=check.proxy_name, relation=check.proxy_relationship)


def card_detail(card: CardLine, offered: Iterable[CardTask], card_due: InstantCardDue | None = None) -> Text:
    """What the selected card allows, the keys of the tasks ``offered`` on it (this operator's, that apply), and
    what each of its functions is now."""
    text = Text()
    text.append(_("Card {number}: {status}").format(number=card.card_number, status=status_label(card.status)),
                style="bold")
    text.append("\n" + _("Allowed by its status") + colon())
    if card.actions:
        text.append("; ".join(event_label(CardEvent(a)) for a in card.actions))
    else:
        text.append(_("nothing: the card is out of use"))
    keys = [f"{t.key_label} {task_title(t)}" for t in offered]
    if keys:
        text.append("\n" + _("Keys") + colon() + "   ".join(keys), style="bold")
    if card_due is not None:
        text.append("\n" + _("Request {id} is paid for and its new card is not written yet: F8 writes it now on a "
                              "blank card.").format(id=card_due.request_id), style="bold yellow")
    text.append_text(place_text(card))
    text.append_text(functions_text(card))
    return text


def place_text(card: CardLine) -> Text:
    """Where a card waiting for collection is, when it is not here: on its way to an outlet, or held at another."""
    if card.on_its_way_to:
        return Text("\n" + _("On its way to outlet {to}: it is collected there once scanned in.").format(
            to=card.on_its_way_to), style="bold yellow")
    if card.held_elsewhere:
        return Text("\n" + _("Held at outlet {held}: it is collected there, or that outlet sends it here.").format(
            held=card.held_elsewhere), style="bold yellow")
    return Text()


def functions_text(card: CardLine) -> Text:
    """The card's seven functions: usable, suspended (and why), or not carried by a card of its generation."""
    text = Text()
    text.append("\n" + _("Functions of this generation-{n} card").format(n=card.generation) + colon().rstrip(),
                style="bold")
    usable = [use.function.label for use in card.functions if use.usable]
    suspended = [use for use in card.functions if use.carried and not use.usable]
    absent = [use.function.label for use in card.functions if not use.carried]
    if usable:
        text.append("\n  " + _("usable") + colon() + _(", ").join(usable), style="green")
    if suspended:
        text.append("\n  " + _("suspended ({why})").format(why=suspended[0].why) + colon()
                    + _(", ").join(use.function.label for use in suspended), style="red")
    if absent:
        text.append("\n  " + _("not on a card of this generation") + colon() + _(", ").join(absent), style="dim")
    return text


def identity_text(p: PersonDetail, *, full: bool) -> Text:
    """The record's identity lines: the citizen number and the phone masked unless ``full`` (shown with an
    audited reason, Ctrl+N), and no birth date, which with the region code of the masked number would give
    the number back; the address cut after its district unless ``full``. Each line fits 80 columns in both
    languages, the address excepted."""
    text = Text(no_wrap=False)
    text.append(p.name, style="bold")
    text.append(f"  {Gender.label_of(p.gender)}  {p.birth_place}\n")
    if full:
        text.append(_("Citizen number") + colon() + f"{p.citizen_number}\n")
        text.append(_("Phone") + colon() + f"{p.phone or '-'}\n")
    else:
        text.append(_("Citizen number") + colon() + f"{mask_citizen_id(p.citizen_number)} ")
        text.append(_("(Ctrl+N: in full, with a reason)") + "\n", style="dim")
        text.append(_("Phone") + colon() + f"{mask_phone(p.phone) or '-'}\n")
    text.append(_("Address") + colon() + f"{(p.address if full else mask_address(p.address)) or '-'}")
    return text
