"""The sections of ``outlet.toml``: one frozen pydantic model per ``[section]``, each field with its
default (the common case) and, as the docstring under it, its description (the reference for
``outlet.toml``); the validators say what is wrong in words a person can act on.

The whole file, :class:`~outlet_desk.config.settings.Settings`, is in :mod:`outlet_desk.config.settings`.
"""

from __future__ import annotations

import difflib
import fnmatch
import re
import shlex
from collections.abc import Hashable, Iterable, Mapping
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal, TypeVar
from zoneinfo import ZoneInfo, available_timezones

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, ValidationInfo, field_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from outlet_desk.config.rule_figure_names import figure_names
from outlet_desk.domain.approvals import DualControl
from outlet_desk.domain.divisions import PROVINCE_CODES
from outlet_desk.domain.fees import ELECTRONIC_METHODS, PaymentMethod, ReissueReason
from outlet_desk.domain.identity_documents import DocumentType
from outlet_desk.domain.loss import LapseOutcome
from outlet_desk.domain.roles import PROXY_TASKS, Action
from outlet_desk.domain.visit import VISIT_MINUTES
from outlet_desk.i18n import Language, _

ProductionMode = Literal["factory", "instant"]
ReaderMode = Literal["pcsc", "virtual"]

_CODE_RE = re.compile(r"[A-Z0-9_-]{1,16}")
_DIVISION_RE = re.compile(r"[0-9]{6}")
_DATABASE_DRIVERS = ("sqlite", "sqlite+pysqlite", "postgresql+psycopg")

_H = TypeVar("_H", bound=Hashable)


def show_value(value: object) -> str:
    """A value as the person wrote it in TOML (strings quoted, booleans lower case), kept short."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:37] + "...")
    if isinstance(value, float):
        return repr(value)  # 7.0 stays 7.0: "must be a whole number, got 7" would puzzle the reader
    if isinstance(value, list | tuple):
        shown = "[" + ", ".join(show_value(v) for v in value) + "]"
        return shown if len(shown) <= 60 else shown[:57] + "...]"
    if isinstance(value, Mapping):
        return _("a table")
    return str(value)


def _matching(pattern: re.Pattern[str], value: str, problem: str) -> str:
    """``value`` when ``pattern`` matches all of it; else a ValueError with the ``problem`` (translated; ``{value}``
    stands for the value as written)."""
    if not pattern.fullmatch(value):
        raise ValueError(problem.format(value=show_value(value)))
    return value


def _unique(values: tuple[_H, ...]) -> tuple[_H, ...]:
    seen: set[_H] = set()
    for value in values:
        if value in seen:
            raise ValueError(_("lists {value} twice").format(value=show_value(value)))
        seen.add(value)
    return values


# Lists from TOML arrive as Python lists; settings keep them as tuples (the models are frozen), each
# item must be one of the allowed words, and no word may appear twice.
_Words = Annotated[tuple[_H, ...], Strict(False), AfterValidator(_unique)]
_E = TypeVar("_E", bound=StrEnum)
# A code word of the vocabulary (outlet_desk.domain), written in TOML as its text.
_Code = Annotated[_E, Strict(False)]


class Only:
    """Only these words of an enum are allowed in a list (the error message lists them, not the whole enum)."""

    def __init__(self, words: Iterable[StrEnum]) -> None:
        self.words = tuple(word.value for word in words)

    def __call__(self, values: tuple[_E, ...]) -> tuple[_E, ...]:
        for value in values:
            if value not in self.words:
                raise ValueError(_("contains {value}, which is not allowed; allowed: {allowed}").format(
                    value=show_value(str(value)), allowed=", ".join(show_value(w) for w in self.words)))
        return values


_COUNTER_TASKS_ONLY = Only(PROXY_TASKS)
# Paths are written as TOML strings.
_PathSetting = Annotated[Path, Strict(False)]



class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, use_attribute_docstrings=True)


class OutletSettings(Section):
    """``[outlet]``: who this desk is."""

    code: str
    """The outlet's code: 1 to 16 characters from A-Z, 0-9, '_' and '-' (e.g. "TRN001"); every row the
    outlet writes to a shared database carries it."""

    name: str = Field(min_length=1, max_length=64)
    """The outlet's name as printed on receipts and reports."""

    division_code: str
    """The administrative division code (GB/T 2260) of the outlet's district: exactly 6 digits."""

    timezone: str = "Asia/Shanghai"
    """IANA time zone in which times are shown and days are closed."""

    language: Language = "zh_CN"
    """Language of the screens, receipts and messages: "zh_CN" or "en"."""

    training: bool = False
    """A training outlet: test cards, the virtual reader and the issuer's test key; never real citizens."""

    @field_validator("code")
    @classmethod
    def _check_code(cls, value: str) -> str:
        return _matching(_CODE_RE, value,
                         _("= {value} is not allowed: use 1 to 16 characters from A-Z, 0-9, '_' and '-'"))

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError(_("must not be blank"))
        return value

    @field_validator("division_code")
    @classmethod
    def _check_division_code(cls, value: str) -> str:
        _matching(_DIVISION_RE, value, _("= {value} is not allowed: it must be exactly 6 digits, e.g. '110105'"))
        if int(value[:2]) not in PROVINCE_CODES:
            raise ValueError(
                _(
                    "= {value} is not allowed: its first two digits must be a province code "
                    "(11-15, 21-23, 31-37, 41-46, 50-54, 61-65, 71, 81, 82)"
                ).format(value=show_value(value))
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
            pass
        else:
            return value
        close = difflib.get_close_matches(value, sorted(available_timezones()), n=1)
        example = close[0] if close else "Asia/Shanghai"
        raise ValueError(
            _("= {value} is not a known IANA time zone; allowed: a name such as {example}").format(
                value=show_value(value), example=show_value(example)
            )
        )


class DatabaseSettings(Section):
    """``[database]``: where the records are kept."""

    url: str | None = None
    """SQLAlchemy URL of the database. Unset: the SQLite file data/outlet.db beside this file. A
    relative SQLite path ("sqlite:///data/outlet.db") resolves against this file's folder. For one
    central database: "postgresql+psycopg://user:password@host/dbname"."""

    busy_timeout_ms: int = Field(5000, ge=100, le=600_000)
    """SQLite only: how long a writer waits for another counter's write to finish, in milliseconds."""

    data_key_file: _PathSetting = Path("data/data.key")
    """The key that seals personal data at rest (citizen and document numbers, phones, addresses),
    relative to this file's folder; created on first run (mode 0600). Every desk of a database needs the
    same file; rotation: docs/data-key.md."""

    password_file: _PathSetting | None = None
    """A file holding the database server's password (one line, mode 0600), relative to this file's
    folder; ``$OUTLET_DESK_DATABASE_PASSWORD`` takes precedence. Keeps the password out of this file,
    which every local user may read."""

    report_url: str | None = None
    """A PostgreSQL hot standby of this database (its URL, the password as for ``url``) that the city and
    province reports read, each saying how far behind it was. Unset: they read the database itself."""

    @field_validator("url", "report_url")
    @classmethod
    def _check_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError(
                _(
                    "is not a database URL; allowed: 'sqlite:///path/to/file.db' or "
                    "'postgresql+psycopg://user:password@host/dbname'"
                )
            ) from None
        if url.drivername not in _DATABASE_DRIVERS:
            raise ValueError(
                _("uses {driver}://, which is not supported; allowed: {allowed}").format(
                    driver=url.drivername,
                    allowed=", ".join(f"{d}://" for d in _DATABASE_DRIVERS),
                )
            )
        if info.field_name == "report_url" and url.get_backend_name() != "postgresql":
            raise ValueError(_("must be a PostgreSQL hot standby ('postgresql+psycopg://...'), not {driver}://").format(
                driver=url.drivername))
        return value


class ReaderSettings(Section):
    """``[reader]``: the card reader at this counter."""

    mode: ReaderMode = "pcsc"
    """"pcsc": a reader through the PC/SC daemon; "virtual": the built-in virtual card (training, tests)."""

    reader_name: str = Field("*", min_length=1)
    """Which PC/SC reader to use: a glob ("*ACS*") or, without * ? [, a piece of its name; case is
    ignored. "*" takes the first reader found."""

    issuer_key_file: _PathSetting | None = None
    """The issuer's key for PIN unblock and card writing, relative to this file's folder. Unset:
    data/issuer-test.key on a training outlet, data/issuer.key otherwise."""

    read_timeout_seconds: float = Field(3.0, ge=0.5, le=30)
    """How long to wait for the card to answer before telling the clerk, in seconds."""

    def matches(self, name: str) -> bool:
        """Whether the PC/SC reader called ``name`` is the one this counter uses."""
        pattern = self.reader_name.casefold()
        if any(c in pattern for c in "*?["):
            return fnmatch.fnmatchcase(name.casefold(), pattern)
        return pattern in name.casefold()


class LossSettings(Section):
    """``[loss]``: loss reports."""

    temporary_days: int = Field(7, ge=1, le=30)
    """Days a temporary loss (reported by the hotline) lasts unless made formal at an outlet."""

    on_lapse: _Code[LapseOutcome] = LapseOutcome.ACTIVE
    """When a temporary loss runs out: "active" (the card works again) or "escalate" (a supervisor
    decides)."""

    withdraw_same_outlet_only: bool = False
    """Whether a loss report can be withdrawn only at the outlet that took it."""


class ReissueFees(Section):
    """``[fees.reissue_fen]``: the replacement fee per reason, in fen (2000 = 20 yuan)."""

    lost: int = Field(2000, ge=0, le=100_000)
    """Fee when the old card was lost."""

    damaged: int = Field(2000, ge=0, le=100_000)
    """Fee when the old card was damaged by the holder."""

    expired: int = Field(2000, ge=0, le=100_000)
    """Fee when the old card expired (usually listed in free_reasons as well)."""

    info_change: int = Field(2000, ge=0, le=100_000)
    """Fee when the holder's details changed (name, ID number)."""

    def amount(self, reason: ReissueReason) -> int:
        """The table's figure for ``reason``, in fen (before free_reasons and waivers)."""
        amount: int = getattr(self, ReissueReason(reason).value)  # one field per reason, named by its code
        return amount


class FeeSettings(Section):
    """``[fees]``: what a replacement card costs and how it is paid."""

    reissue_fen: ReissueFees = Field(default_factory=ReissueFees)
    """Replacement fee per reason, in fen."""

    free_reasons: _Words[_Code[ReissueReason]] = (ReissueReason.EXPIRED,)
    """Reasons for which a replacement is free whatever the table says."""

    payment_methods: _Words[_Code[PaymentMethod]] = Field(tuple(PaymentMethod), min_length=1)
    """Ways a citizen may pay at this counter, in the order the clerk is offered them."""

    reference_required: _Words[_Code[PaymentMethod]] = ELECTRONIC_METHODS
    """Electronic methods whose transaction reference the clerk must enter at payment (the cash-up lists
    electronic payments by it); cash never has one. Default: every electronic method."""

    def needs_reference(self, method: PaymentMethod) -> bool:
        return method.electronic and method in self.reference_required


class CollectionSettings(Section):
    """``[collection]``: proxies, uncollected cards and the PIN."""

    proxy_allowed: Annotated[_Words[_Code[Action]], AfterValidator(_COUNTER_TASKS_ONLY), _COUNTER_TASKS_ONLY] = (
        Action.APPLY_REISSUE, Action.COLLECT_CARD)
    """Tasks a proxy (with both identity documents and the holder's signed authorisation) may do."""

    retention_days: int = Field(180, ge=30, le=730)
    """Days a ready card waits for collection before it is returned to the bank and destroyed."""

    pin_tries: int = Field(3, ge=3, le=6)
    """Wrong PIN entries after which the chip blocks the PIN."""

    proxy_keeps_initial_pin: bool = False
    """A proxy who collects may hand over the card with its initial PIN (the holder changes it later at any
    terminal); false: the proxy sets the holder's new PIN at the counter, as the holder would."""


class ReissueSettings(Section):
    """``[reissue]``: how new cards are produced."""

    production_mode: ProductionMode = "factory"
    """Default production: "factory" (batch, collected later) or "instant" (made at this outlet)."""

    due_days_factory: int = Field(20, ge=1, le=180)
    """Days promised to the citizen for a factory-made card."""

    due_days_instant: int = Field(0, ge=0, le=30)
    """Days promised for an instant card (0: the same day)."""

    expiry_exchange_days_before: int = Field(60, ge=0, le=365)
    """Days before expiry from which an expiring card can be exchanged."""


class IdentitySettings(Section):
    """``[identity]``: documents accepted at the counter, and how long a visit's identity check lasts."""

    document_types: _Words[_Code[DocumentType]] = Field((DocumentType.RESIDENT_ID_CARD,), min_length=1)
    """Identity documents the clerk may accept."""

    visit_minutes: int = Field(VISIT_MINUTES, ge=5, le=240)
    """Minutes a visit's identity check lasts: every task of the visit stands on it until then."""


class SecuritySettings(Section):
    """``[security]``: sign-in, locking and the four-eyes rule."""

    lockout_attempts: int = Field(5, ge=1, le=20)
    """Wrong passwords in a row after which an operator is locked out."""

    lockout_minutes: int = Field(15, ge=1, le=1440)
    """Minutes an operator stays locked out."""

    idle_lock_seconds: int = Field(300, ge=30, le=3600)
    """Seconds without a key press after which the screen locks."""

    locked_logout_minutes: int = Field(15, ge=1, le=1440)
    """Minutes a locked screen waits before signing the operator out."""

    max_session_hours: int = Field(12, ge=1, le=24)
    """Hours after which an operator must sign in again."""

    dual_control: _Words[_Code[DualControl]] = (DualControl.WAIVE_FEE,)
    """Actions that need a second operator (the checker) to sign in and approve."""


class AuditSettings(Section):
    """``[audit]``: the tamper-evident audit trail."""

    key_file: _PathSetting = Path("data/audit.key")
    """The outlet's audit HMAC key, relative to this file's folder."""

    witness_file: _PathSetting | None = None
    """The witness: an append-only file outside the database where every recorded checkpoint is also
    written, one sealed line each (default: ``audit.witness`` beside the key file)."""


class ReceiptSettings(Section):
    """``[receipts]``: receipts handed to citizens."""

    folder: _PathSetting = Path("data/receipts")
    """Where receipt PDFs are written, relative to this file's folder."""

    print_command: str | None = Field(None, min_length=1)
    """Command that prints a receipt; the PDF's path is added as its last argument (e.g.
    "lp -d counter1"). Unset: receipts are only saved."""

    @field_validator("print_command")
    @classmethod
    def _check_print_command(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            words = shlex.split(value)
        except ValueError:
            raise ValueError(_("has an unclosed quote")) from None
        if not words:
            raise ValueError(_("must not be blank"))
        return value

    def print_argv(self, pdf: Path) -> list[str] | None:
        """The command line that prints ``pdf``, or ``None`` when no print command is set."""
        if self.print_command is None:
            return None
        return [*shlex.split(self.print_command), str(pdf)]


class ReportSettings(Section):
    """``[reports]``: daily and audit reports."""

    folder: _PathSetting = Path("data/reports")
    """Where report PDFs are written, relative to this file's folder."""


class RulesSettings(Section):
    """``[rules]``: the issuing department's published rules, shown to citizens as written.

    Empty text means the outlet has not entered that rule; the screen says so."""

    card_functions: str = ""
    """What the card is for."""

    application_conditions: str = ""
    """Who may apply and with which documents."""

    term_of_use: str = ""
    """How long a card is valid and when it is exchanged."""

    loss_and_reissue: str = ""
    """How to report a loss, withdraw it, and apply for a new card; fees."""

    rights_and_obligations: str = ""
    """The holder's rights and duties (PIN, safe keeping, lending)."""

    retained_card: str = ""
    """What the clerk does with a blocked (reported lost) card presented at the counter."""

    @field_validator("*")
    @classmethod
    def _trim(cls, value: str) -> str:
        figure_names(value)  # only figures the desk fills in (config/rule_figure_names.py)
        return value.strip()

