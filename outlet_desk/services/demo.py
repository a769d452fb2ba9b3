"""Training data for the training outlet: operators, about 200 persons, cards in every status.

Deterministic (a fixed random seed) and idempotent: a second run finds its own ``demo_seeded`` event and
does nothing. Seeding is one use case: one transaction, one audit event with the counts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col
from stdnum.cn import ric

from outlet_desk.config import Settings
from outlet_desk.db.tables import (
    AuditEvent,
    Card,
    Collection,
    IdentityCheck,
    LossReport,
    Operator,
    Person,
    ReissueRequest,
    StockBatch,
    StockItem,
)
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.domain.citizen_id import Gender, parse_citizen_id
from outlet_desk.domain.fees import ReissueReason
from outlet_desk.domain.identity_documents import DocumentType
from outlet_desk.domain.loss import LossChannel, LossKind
from outlet_desk.domain.request_stages import StageSource
from outlet_desk.domain.request_status import RequestStatus
from outlet_desk.domain.roles import Action, Role
from outlet_desk.domain.stock import BatchKind, BatchStatus, StockStatus
from outlet_desk.domain.visit import Presenter
from outlet_desk.i18n import _
from outlet_desk.services.context import Desk
from outlet_desk.services.errors import ServiceError
from outlet_desk.services.outlet_bindings import bind, outlets_of
from outlet_desk.services.passwords import hash_password
from outlet_desk.services.request_stages import enter_request, record_stage
from outlet_desk.services.uow import UnitOfWork

SEED = 20261125
REGIONS = ("110105", "310104", "440305", "510107", "330106", "420106", "320102", "610113")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国文辉玉兰志强海燕红梅晓东春雷"
STREETS = ("朝阳路", "人民路", "解放路", "中山路", "建设路", "和平街", "新华路", "长江路")

TRAINING_OPERATORS: tuple[tuple[str, str, Role], ...] = (
    ("admin", "系统管理员", Role.ADMIN),
    ("clerk1", "柜员 王芳", Role.CLERK),
    ("clerk2", "柜员 李强", Role.CLERK),
    ("super1", "主管 张敏", Role.SUPERVISOR),
    ("super2", "主管 赵磊", Role.SUPERVISOR),  # a second supervisor: every dual-control path can be practised
    ("hotline1", "热线 刘洋", Role.HOTLINE),
    ("audit1", "审计 陈静", Role.AUDITOR),
    ("city1", "市级主管 周强", Role.CITY_SUPERVISOR),  # the city report (F8) can be practised too
    ("cityaudit1", "市级审计 吴倩", Role.CITY_AUDITOR),
    ("province1", "省级主管 孙丽", Role.PROVINCE_SUPERVISOR),  # the province report (outlet-desk report province)
)


def training_password(username: str) -> str:
    """The training outlet's published passwords (shown on screen by ``outlet-desk demo``)."""
    return f"training-{username}"


@dataclass
class DemoSummary:
    seeded: bool
    operators: list[tuple[str, str, str]] = field(default_factory=list)  # username, role, password
    persons: int = 0
    cards_by_status: dict[str, int] = field(default_factory=dict)
    examples: dict[str, str] = field(default_factory=dict)  # what to try -> citizen number


class NotATrainingOutlet(ServiceError):
    code = "not_a_training_outlet"


def require_training_outlet(settings: Settings) -> None:
    """Training data (operators with published passwords, invented card holders) belongs on a training
    outlet only: refuse any other before anything is written."""
    if not settings.outlet.training:
        raise NotATrainingOutlet(_(
            "Outlet {code} is not a training outlet ({file} does not set [outlet] training = true): training "
            "data, with operators whose passwords are published, is only for a training outlet. Nothing was "
            "written."
        ).format(code=settings.outlet.code, file=settings.config_path))


def seed_training_outlet(desk: Desk) -> DemoSummary:
    """``outlet-desk demo`` and a training outlet's first start: the training data, on a training outlet only."""
    require_training_outlet(desk.settings)
    return seed_training(desk)


def already_seeded(desk: Desk) -> bool:
    with Session(desk.engine) as s:
        return (
            s.execute(
                select(col(AuditEvent.id)).where(
                    col(AuditEvent.action) == AuditAction.DEMO_SEEDED,
                    col(AuditEvent.outlet_code) == desk.outlet_code,
                )
            ).first()
            is not None
        )


class _Scenario(StrEnum):
    """What a training person's cards went through (named for the status it leaves the old card in, or
    ``expired``: an active card past its expiry)."""

    ACTIVE = "active"
    EXPIRED = "expired"
    DAMAGED = "damaged"
    SUSPENDED = "suspended"
    LOST = "lost"
    READY = "ready"
    REPLACED = "replaced"


def _citizen_number(rng: random.Random, used: set[str]) -> str:
    while True:
        region = rng.choice(REGIONS)
        born = date(1940, 1, 1) + timedelta(days=rng.randrange(0, 365 * 65))
        body = f"{region}{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
        number = body + ric.calc_check_digit(body + "0")
        if number not in used:
            used.add(number)
            return number


def _identification_code(rng: random.Random, region: str) -> str:
    return f"{region}D156000005{rng.getrandbits(64):016X}"


def seed_training(desk: Desk, persons: int = 200) -> DemoSummary:
    """Seed the outlet once; later calls return ``seeded=False`` and change nothing. The data itself, on
    any store (the service tests and benchmarks use it); the commands go through
    :func:`seed_training_outlet`, which refuses an outlet that is not a training outlet.

    Several training outlets may share one database: a citizen number, card number or identification code
    that another outlet's training data already holds is skipped (the draws are the same for every outlet,
    so the second outlet's numbers are the next free ones)."""
    if already_seeded(desk):
        return DemoSummary(seeded=False, operators=training_accounts())
    rng = random.Random(SEED)
    now = desk.now()
    today = desk.local_now().date()
    summary = DemoSummary(seeded=True, operators=training_accounts())
    with UnitOfWork(desk, None) as uow:
        s = uow.session
        ops: dict[str, Operator] = {}
        for username, display, role in TRAINING_OPERATORS:
            existing = s.execute(select(Operator).where(col(Operator.username) == username)).scalar_one_or_none()
            if existing is None:
                existing = Operator(
                    outlet_code=desk.outlet_code, username=username, display_name=display, role=role.value,
                    password_hash=hash_password(training_password(username)), created_at=now,
                )
                s.add(existing)
        s.flush()
        for op in s.execute(select(Operator)).scalars():
            ops[op.username] = op
        # The training accounts (their passwords are published) let people in at every training outlet
        # seeded on this database: the one exception to "a clerk belongs to one outlet", for training only.
        for username, _display, _role in TRAINING_OPERATORS:
            op_id = ops[username].id
            assert op_id is not None
            if desk.outlet_code not in outlets_of(s, op_id):
                bind(s, op_id, [desk.outlet_code])
        clerk = ops["clerk1"]
        hotline = ops["hotline1"]
        assert clerk.id is not None and hotline.id is not None

        used: set[str] = set(s.execute(select(col(Person.citizen_number))).scalars())
        card_seq = 10_000_000 + rng.randrange(0, 1_000_000)
        counts: dict[str, int] = {}
        arrived: list[tuple[int, int, str, str]] = []
        lost: list[tuple[int, int, int]] = []  # person, lost card, identity check of the formal report

        def taken(column: Any, value: str) -> bool:
            return s.execute(select(col(Card.id)).where(column == value)).first() is not None

        def new_card(person: Person, status: CardStatus, issued: date, expiry: date | None = None) -> Card:
            nonlocal card_seq
            assert person.id is not None
            region = person.citizen_number[:6]
            card_seq += 1
            while taken(col(Card.card_number), f"A{card_seq:08d}"):  # another training outlet's card
                card_seq += 1
            code = _identification_code(rng, desk.settings.outlet.division_code or region)
            while taken(col(Card.identification_code), code):
                code = _identification_code(rng, desk.settings.outlet.division_code or region)
            card = Card(
                card_number=f"A{card_seq:08d}",
                identification_code=code,
                person_id=person.id, outlet_code=desk.outlet_code,
                issue_date=issued, expiry_date=expiry or issued + timedelta(days=3652),
                status=status.value, status_changed_at=now,
            )
            s.add(card)
            s.flush()
            counts[status.value] = counts.get(status.value, 0) + 1
            return card

        # Which scenario each person gets: most simply hold an active card.
        plan = ([_Scenario.SUSPENDED] * 12 + [_Scenario.LOST] * 10 + [_Scenario.READY] * 10
                + [_Scenario.REPLACED] * 10 + [_Scenario.EXPIRED] * 6 + [_Scenario.DAMAGED] * 4)
        plan += [_Scenario.ACTIVE] * max(0, persons - len(plan))
        rng.shuffle(plan)
        for i, scenario in enumerate(plan[:persons]):
            number = _citizen_number(rng, used)
            cid = parse_citizen_id(number)
            surname = rng.choice(SURNAMES)
            name = surname + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
            person = Person(
                citizen_number=number, name=name,
                gender=cid.gender.value if isinstance(cid.gender, Gender) else str(cid.gender),
                birth_date=cid.birth_date, ethnicity="01",
                phone=f"13{rng.randrange(0, 10**9):09d}",
                address=f"{cid.birth_place()}{rng.choice(STREETS)}{rng.randrange(1, 300)}号",
                created_at=now,
            )
            s.add(person)
            s.flush()
            issued = today - timedelta(days=rng.randrange(200, 3000))
            if scenario is _Scenario.ACTIVE:
                new_card(person, CardStatus.ACTIVE, issued)
            elif scenario is _Scenario.EXPIRED:
                new_card(person, CardStatus.ACTIVE, today - timedelta(days=3700),
                         expiry=today - timedelta(days=rng.randrange(5, 90)))
            elif scenario is _Scenario.DAMAGED:
                new_card(person, CardStatus.DAMAGED, issued)
            elif scenario is _Scenario.SUSPENDED:
                card = new_card(person, CardStatus.SUSPENDED, issued)
                # Spread the lapse dates so some lapse within 48 hours (the clerk's home shows them).
                # Reported yesterday or before: today's report shows only what the desk itself did today.
                reported = now - timedelta(days=max(1, rng.randrange(0, desk.settings.loss.temporary_days)))
                lapses = reported + timedelta(days=desk.settings.loss.temporary_days)
                if lapses <= now:
                    lapses = now + timedelta(hours=rng.randrange(6, 40))
                assert card.id is not None
                s.add(LossReport(outlet_code=desk.outlet_code, card_id=card.id, channel=LossChannel.HOTLINE,
                                 kind=LossKind.TEMPORARY, reporter=Presenter.HOLDER, operator_id=hotline.id,
                                 reported_at=reported, lapses_at=lapses))
                summary.examples.setdefault("suspended_by_hotline", number)
            else:  # lost, ready, replaced: the old card was lost and formally reported
                old = new_card(person, CardStatus.LOST, issued)
                assert old.id is not None and person.id is not None
                check = IdentityCheck(
                    outlet_code=desk.outlet_code, person_id=person.id, flow=Action.REPORT_LOSS_COUNTER.value,
                    presenter=Presenter.HOLDER, document_type=DocumentType.RESIDENT_ID_CARD.value,
                    document_number=number,
                    document_name=name, document_expiry=today + timedelta(days=2000), check_digit_ok=True,
                    name_match_ok=True, document_valid_ok=True, face_confirmed=True, passed=True,
                    operator_id=clerk.id, checked_at=now - timedelta(days=20),
                )
                s.add(check)
                s.flush()
                s.add(LossReport(outlet_code=desk.outlet_code, card_id=old.id, channel=LossChannel.COUNTER,
                                 kind=LossKind.FORMAL, reporter=Presenter.HOLDER, identity_check_id=check.id,
                                 operator_id=clerk.id,
                                 reported_at=now - timedelta(days=20), formal_at=now - timedelta(days=20)))
                if scenario is _Scenario.LOST:
                    summary.examples.setdefault("lost_formally", number)
                    lost.append((person.id, old.id, check.id or 0))
                    continue
                new_status = CardStatus.READY if scenario is _Scenario.READY else CardStatus.ACTIVE
                new = new_card(person, new_status, today - timedelta(days=5))
                assert new.id is not None
                req = ReissueRequest(
                    outlet_code=desk.outlet_code, person_id=person.id, old_card_id=old.id, new_card_id=new.id,
                    reason=ReissueReason.LOST.value, fee_fen=desk.settings.fees.reissue_fen.lost,
                    production_mode="factory",
                    status=RequestStatus.READY if scenario is _Scenario.READY else RequestStatus.COLLECTED,
                    due_date=today - timedelta(days=1), identity_check_id=check.id, operator_id=clerk.id,
                    created_at=now - timedelta(days=20),
                )
                enter_request(s, req, req.created_at, clerk.id or 0)
                record_stage(s, req, RequestStatus.READY, now - timedelta(days=5), ops["super1"].id,
                             StageSource.SUPERVISOR, note=new.card_number)
                if scenario is not _Scenario.READY:
                    record_stage(s, req, RequestStatus.COLLECTED, now - timedelta(days=3), clerk.id,
                                 StageSource.COUNTER)
                if scenario is _Scenario.READY:
                    summary.examples.setdefault("ready_for_collection", number)
                    assert req.id is not None
                    arrived.append((req.id, person.id, new.card_number, new.identification_code or ""))
                else:
                    old.status = CardStatus.REPLACED.value
                    counts[CardStatus.LOST.value] -= 1
                    counts[CardStatus.REPLACED.value] = counts.get(CardStatus.REPLACED.value, 0) + 1
                    assert new.id is not None and new.identification_code is not None
                    s.add(Collection(
                        outlet_code=desk.outlet_code, card_id=new.id, request_id=req.id,
                        identity_check_id=check.id or 0, chip_card_number=new.card_number,
                        chip_identification_code=new.identification_code, chip_citizen_number=number,
                        chip_name=name, chip_check_passed=True, pin_changed=True,
                        receipt_number=f"DEMO{i:05d}", operator_id=clerk.id,
                        collected_at=now - timedelta(days=3),
                    ))
            if i == 0:
                summary.examples.setdefault("first_person", number)
        # The last four formally lost cards have their new card on order: two past the date the holder was
        # promised (the clerk's "past due date" list), two due in a few days (`stock receive` books them in).
        for k, (person_id, old_id, check_id) in enumerate(lost[-4:]):
            ordered = now - timedelta(days=20 if k < 2 else 3)
            enter_request(s, ReissueRequest(
                outlet_code=desk.outlet_code, person_id=person_id, old_card_id=old_id, reason=ReissueReason.LOST.value,
                fee_fen=desk.settings.fees.reissue_fen.lost, production_mode="factory",
                status=RequestStatus.ENTERED,
                due_date=today + timedelta(days=-2 if k < 2 else 5), identity_check_id=check_id,
                operator_id=clerk.id, created_at=ordered,
            ), ordered, clerk.id or 0)
        summary.persons = min(persons, len(plan))
        summary.cards_by_status = dict(sorted(counts.items()))
        _seed_blanks(s, desk, ops["super1"].id or 0, now)
        uow.audit(AuditAction.DEMO_SEEDED, "outlet", desk.outlet_code,
                  after={"persons": summary.persons, "cards": summary.cards_by_status, "blank_cards": TRAINING_BLANKS})
        uow.commit()
    # Each card waiting for collection arrived by its own (audited) receipt, as `stock receive` does, so
    # the daily report's reconciliation finds an arrival event behind every card in the ready queue.
    for request_id, person_id, card_number, code in arrived:
        with UnitOfWork(desk, None) as uow:
            uow.audit(AuditAction.CARD_RECEIVED, "reissue_request", request_id, person_id=person_id,
                      after={"card_number": card_number, "identification_code": code, "status": CardStatus.READY.value})
            uow.commit()
    return summary


TRAINING_BLANKS = 20
"""Blank cards the training outlet has in stock for instant issuance."""


def _seed_blanks(s: Session, desk: Desk, supervisor_id: int, now: datetime) -> None:
    """One delivery of blank cards, in stock (as ``outlet-desk stock blanks`` receives them)."""
    batch = StockBatch(outlet_code=desk.outlet_code, manifest_ref="BLANKS-TRAINING", kind=BatchKind.BLANKS,
                       status=BatchStatus.CLOSED, lines=TRAINING_BLANKS, operator_id=supervisor_id, received_at=now,
                       closed_at=now, closed_by=supervisor_id)
    s.add(batch)
    s.flush()
    s.add_all(StockItem(batch_id=batch.id or 0, outlet_code=desk.outlet_code, blank=True, status=StockStatus.BLANK,
                        scanned_at=now) for _ in range(TRAINING_BLANKS))


def sign_in_hint() -> str:
    """The training outlet's sign-in screen names its operators and their (published) passwords."""
    users = [username for username, _display, _role in TRAINING_OPERATORS]
    return _("Training outlet: sign in as {users}; the password is {example} for {user}, and so on.").format(
        users=", ".join(users), example=training_password(users[1]), user=users[1])


def training_accounts() -> list[tuple[str, str, str]]:
    """User name, role and password of each training operator (published: a training outlet only)."""
    return [(u, r.value, training_password(u)) for u, _d, r in TRAINING_OPERATORS]


def seeded_at(desk: Desk) -> datetime | None:
    with Session(desk.engine) as s:
        event = s.execute(
            select(AuditEvent).where(col(AuditEvent.action) == AuditAction.DEMO_SEEDED,
                                     col(AuditEvent.outlet_code) == desk.outlet_code)
        ).scalar_one_or_none()
        return event.at if event else None
