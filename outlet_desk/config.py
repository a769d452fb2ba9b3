"""``outlet.toml`` -> typed, frozen settings, with errors a person can act on.

Every regional figure (loss periods, fees, retention, PIN tries, who may act by proxy...) is a setting
here, with the common case as its default, so a file that holds only an ``[outlet]`` table works.
Each section is a pydantic model; the docstring under each field is its description (and the
reference for ``outlet.toml``).

Where the file lives matters: relative paths in it (the database, keys, receipts, reports) resolve
against the folder of the file. The loader binds the file's location to the settings it returns, as a
private attribute read through :attr:`Settings.config_path` and :attr:`Settings.base_dir`; a
:class:`Settings` built directly in code is unbound and resolves against the current working folder
until :meth:`Settings.bound_to` gives it a location. The path helpers (:meth:`Settings.database_url`,
:meth:`Settings.data_dir`, ...) only compute paths; they never create folders.

A bad file raises :class:`ConfigError` with exactly one message: the first problem, naming the file,
the ``[section] key`` and what is allowed. The messages go through ``_()`` when they are raised.
"""

from __future__ import annotations

import difflib
import fnmatch
import re
import shlex
import tomllib
import types
from collections.abc import Hashable, Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin
from zoneinfo import ZoneInfo, available_timezones

import annotated_types
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    Strict,
    ValidationError,
    field_validator,
)
from pydantic_core import ErrorDetails
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from outlet_desk.config_file import ENV_VAR, settings_file
from outlet_desk.config_file import ConfigError as ConfigError  # raised here, defined light for the launcher
from outlet_desk.i18n import Language, _

ReissueReason = Literal["lost", "damaged", "expired", "info_change"]
LossLapse = Literal["active", "escalate"]
PaymentMethod = Literal["cash", "wechat", "alipay", "bank_card"]
ProxyFlow = Literal["report_loss_counter", "withdraw_loss", "apply_reissue", "collect_card"]
ProductionMode = Literal["factory", "instant"]
ReaderMode = Literal["pcsc", "virtual"]
DocumentType = Literal[
    "resident_id_card",
    "temporary_resident_id_card",
    "household_register",
    "passport",
    "hk_macao_permit",
    "taiwan_permit",
    "foreign_permanent_resident_card",
]
DualControlAction = Literal["withdraw_loss", "waive_fee", "spoil_card", "close_day_with_blockers", "cash_difference"]

_CODE_RE = re.compile(r"[A-Z0-9_-]{1,16}")
_DIVISION_RE = re.compile(r"[0-9]{6}")
# First two digits of a GB/T 2260 administrative division code: the provinces, autonomous regions,
# municipalities, Taiwan, Hong Kong and Macao.
_PROVINCES = frozenset(
    [*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47), *range(50, 55), *range(61, 66), 71, 81, 82]
)
_DATABASE_DRIVERS = ("sqlite", "sqlite+pysqlite", "postgresql+psycopg")

_H = TypeVar("_H", bound=Hashable)


def _show(value: object) -> str:
    """A value as the person wrote it in TOML (strings quoted, booleans lower case), kept short."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:37] + "...")
    if isinstance(value, float):
        return repr(value)  # 7.0 stays 7.0: "must be a whole number, got 7" would puzzle the reader
    if isinstance(value, list | tuple):
        shown = "[" + ", ".join(_show(v) for v in value) + "]"
        return shown if len(shown) <= 60 else shown[:57] + "...]"
    if isinstance(value, Mapping):
        return _("a table")
    return str(value)


def _unique(values: tuple[_H, ...]) -> tuple[_H, ...]:
    seen: set[_H] = set()
    for value in values:
        if value in seen:
            raise ValueError(_("lists {value} twice").format(value=_show(value)))
        seen.add(value)
    return values


# Lists from TOML arrive as Python lists; settings keep them as tuples (the models are frozen), each
# item must be one of the allowed words, and no word may appear twice.
_Words = Annotated[tuple[_H, ...], Strict(False), AfterValidator(_unique)]
# Paths are written as TOML strings.
_PathSetting = Annotated[Path, Strict(False)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, use_attribute_docstrings=True)


class OutletSettings(_Section):
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
        if not _CODE_RE.fullmatch(value):
            raise ValueError(
                _("= {value} is not allowed: use 1 to 16 characters from A-Z, 0-9, '_' and '-'").format(
                    value=_show(value)
                )
            )
        return value

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError(_("must not be blank"))
        return value

    @field_validator("division_code")
    @classmethod
    def _check_division_code(cls, value: str) -> str:
        if not _DIVISION_RE.fullmatch(value):
            raise ValueError(
                _("= {value} is not allowed: it must be exactly 6 digits, e.g. '110105'").format(value=_show(value))
            )
        if int(value[:2]) not in _PROVINCES:
            raise ValueError(
                _(
                    "= {value} is not allowed: its first two digits must be a province code "
                    "(11-15, 21-23, 31-37, 41-46, 50-54, 61-65, 71, 81, 82)"
                ).format(value=_show(value))
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
                value=_show(value), example=_show(example)
            )
        )


class DatabaseSettings(_Section):
    """``[database]``: where the records are kept."""

    url: str | None = None
    """SQLAlchemy URL of the database. Unset: the SQLite file data/outlet.db beside this file. A
    relative SQLite path ("sqlite:///data/outlet.db") resolves against this file's folder. For one
    central database: "postgresql+psycopg://user:password@host/dbname"."""

    busy_timeout_ms: int = Field(5000, ge=100, le=600_000)
    """SQLite only: how long a writer waits for another counter's write to finish, in milliseconds."""

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
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
        return value


class ReaderSettings(_Section):
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


class LossSettings(_Section):
    """``[loss]``: loss reports."""

    temporary_days: int = Field(7, ge=1, le=30)
    """Days a temporary loss (reported by the hotline) lasts unless made formal at an outlet."""

    on_lapse: LossLapse = "active"
    """When a temporary loss runs out: "active" (the card works again) or "escalate" (a supervisor
    decides)."""

    withdraw_same_outlet_only: bool = False
    """Whether a loss report can be withdrawn only at the outlet that took it."""


class ReissueFees(_Section):
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
        return {
            "lost": self.lost,
            "damaged": self.damaged,
            "expired": self.expired,
            "info_change": self.info_change,
        }[reason]


class FeeSettings(_Section):
    """``[fees]``: what a replacement card costs and how it is paid."""

    reissue_fen: ReissueFees = Field(default_factory=ReissueFees)
    """Replacement fee per reason, in fen."""

    free_reasons: _Words[ReissueReason] = ("expired",)
    """Reasons for which a replacement is free whatever the table says."""

    payment_methods: _Words[PaymentMethod] = Field(("cash", "wechat", "alipay", "bank_card"), min_length=1)
    """Ways a citizen may pay at this counter, in the order the clerk is offered them."""


class CollectionSettings(_Section):
    """``[collection]``: proxies, uncollected cards and the PIN."""

    proxy_allowed: _Words[ProxyFlow] = ("apply_reissue", "collect_card")
    """Tasks a proxy (with both identity documents and the holder's signed authorisation) may do."""

    retention_days: int = Field(180, ge=30, le=730)
    """Days a ready card waits for collection before it is returned to the bank and destroyed."""

    pin_tries: int = Field(3, ge=3, le=6)
    """Wrong PIN entries after which the chip blocks the PIN."""


class ReissueSettings(_Section):
    """``[reissue]``: how new cards are produced."""

    production_mode: ProductionMode = "factory"
    """Default production: "factory" (batch, collected later) or "instant" (made at this outlet)."""

    due_days_factory: int = Field(20, ge=1, le=180)
    """Days promised to the citizen for a factory-made card."""

    due_days_instant: int = Field(0, ge=0, le=30)
    """Days promised for an instant card (0: the same day)."""

    expiry_exchange_days_before: int = Field(60, ge=0, le=365)
    """Days before expiry from which an expiring card can be exchanged."""


class IdentitySettings(_Section):
    """``[identity]``: documents accepted at the counter."""

    document_types: _Words[DocumentType] = Field(("resident_id_card",), min_length=1)
    """Identity documents the clerk may accept."""


class SecuritySettings(_Section):
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

    dual_control: _Words[DualControlAction] = ("waive_fee",)
    """Actions that need a second operator (the checker) to sign in and approve."""


class AuditSettings(_Section):
    """``[audit]``: the tamper-evident audit trail."""

    key_file: _PathSetting = Path("data/audit.key")
    """The outlet's audit HMAC key, relative to this file's folder."""


class ReceiptSettings(_Section):
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


class ReportSettings(_Section):
    """``[reports]``: daily and audit reports."""

    folder: _PathSetting = Path("data/reports")
    """Where report PDFs are written, relative to this file's folder."""


class RulesSettings(_Section):
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
        return value.strip()


class Settings(_Section):
    """The whole of ``outlet.toml``.

    ``config_path`` and ``base_dir`` are not in the file: the loader binds them (a private attribute),
    and relative paths resolve against ``base_dir``.
    """

    outlet: OutletSettings
    """Who this desk is (required: code, name, division_code)."""

    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    """Where the records are kept."""

    reader: ReaderSettings = Field(default_factory=ReaderSettings)
    """The card reader."""

    loss: LossSettings = Field(default_factory=LossSettings)
    """Loss reports."""

    fees: FeeSettings = Field(default_factory=FeeSettings)
    """Replacement fees and payment."""

    collection: CollectionSettings = Field(default_factory=CollectionSettings)
    """Proxies, uncollected cards and the PIN."""

    reissue: ReissueSettings = Field(default_factory=ReissueSettings)
    """Production of new cards."""

    identity: IdentitySettings = Field(default_factory=IdentitySettings)
    """Accepted identity documents."""

    security: SecuritySettings = Field(default_factory=SecuritySettings)
    """Sign-in, locking and dual control."""

    audit: AuditSettings = Field(default_factory=AuditSettings)
    """The audit trail."""

    receipts: ReceiptSettings = Field(default_factory=ReceiptSettings)
    """Receipts."""

    reports: ReportSettings = Field(default_factory=ReportSettings)
    """Reports."""

    rules: RulesSettings = Field(default_factory=RulesSettings)
    """Published rules shown to citizens."""

    _config_path: Path | None = PrivateAttr(default=None)

    @property
    def config_path(self) -> Path:
        """The absolute path of the file these settings came from (unbound: ./outlet.toml)."""
        return self._config_path if self._config_path is not None else Path.cwd() / "outlet.toml"

    @property
    def base_dir(self) -> Path:
        """The folder of the settings file; relative paths in it resolve against this folder."""
        return self.config_path.parent

    def bound_to(self, config_path: Path) -> Settings:
        """A copy of these settings that came from ``config_path`` (made absolute)."""
        bound = self.model_copy()
        bound._config_path = config_path.expanduser().absolute()
        return bound

    def resolve(self, path: Path) -> Path:
        """``path`` made absolute against the settings file's folder (``~`` expanded)."""
        path = path.expanduser()
        return path if path.is_absolute() else self.base_dir / path

    def data_dir(self) -> Path:
        """The data folder beside the settings file (default home of the database, keys, PDFs)."""
        return self.base_dir / "data"

    def database_url(self) -> str:
        """The database URL to connect to; a SQLite path is made absolute against ``base_dir``."""
        if self.database.url is None:
            return URL.create("sqlite", database=str(self.data_dir() / "outlet.db")).render_as_string()
        url = make_url(self.database.url)
        if url.get_backend_name() != "sqlite":
            return self.database.url
        database = url.database
        if not database or database == ":memory:" or database.startswith("file:"):
            return self.database.url
        return url.set(database=str(self.resolve(Path(database)))).render_as_string(hide_password=False)

    def audit_key_path(self) -> Path:
        """The audit HMAC key file."""
        return self.resolve(self.audit.key_file)

    def issuer_key_path(self) -> Path:
        """The issuer's key file (the test key on a training outlet unless one is set)."""
        if self.reader.issuer_key_file is not None:
            return self.resolve(self.reader.issuer_key_file)
        return self.data_dir() / ("issuer-test.key" if self.outlet.training else "issuer.key")

    def receipts_dir(self) -> Path:
        """Where receipt PDFs go."""
        return self.resolve(self.receipts.folder)

    def reports_dir(self) -> Path:
        """Where report PDFs go."""
        return self.resolve(self.reports.folder)


def load_settings(path: Path | None = None) -> Settings:
    """Load and check the settings file ``path``; without one, ``$OUTLET_DESK_CONFIG`` if set, else
    the embedded default. Raises :class:`ConfigError` with one message for the first problem."""
    path, from_env = settings_file(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if from_env:
            raise ConfigError(
                _("{file} not found (named by {var}); set {var} to an existing outlet.toml").format(
                    file=path, var=ENV_VAR
                )
            ) from None
        raise ConfigError(_("{file} not found").format(file=path)) from None
    except IsADirectoryError:
        raise ConfigError(_("{file} is a folder; allowed: the path of an outlet.toml file").format(file=path)) from None
    except OSError as exc:
        raise ConfigError(_("{file} cannot be read: {reason}").format(file=path, reason=exc.strerror or exc)) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            _("{file}, line {line}: this is not UTF-8 text; save the file as UTF-8").format(file=path, line=line)
        ) from None
    return parse_settings(text, path)


def parse_settings(text: str, path: Path) -> Settings:
    """Check the TOML ``text`` of the settings file ``path`` (named in messages; its folder is
    ``base_dir``). Of several problems, an unknown key is reported first (a misspelt key also makes
    the real one look missing), then the first in the order of the sections and keys."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_toml_message(exc, text, path)) from None
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        raise ConfigError(_error_message(errors[0], path)) from None
    return settings.bound_to(path)


_TOML_WHERE = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_TOML_END = re.compile(r"\s*\(at end of document\)$")


def _toml_message(exc: tomllib.TOMLDecodeError, text: str, path: Path) -> str:
    problem = str(exc)
    if found := _TOML_WHERE.search(problem):
        line, column = int(found[1]), int(found[2])
        problem = problem[: found.start()]
    else:
        lines = text.split("\n")
        line, column = len(lines), len(lines[-1]) + 1
        problem = _TOML_END.sub("", problem)
    return _("{file}, line {line}, column {column}: {problem}").format(
        file=path, line=line, column=column, problem=problem
    )


class _Where:
    """Where a validation error points: the section path, the key in it, and the model holding it."""

    def __init__(self, loc: tuple[int | str, ...]) -> None:
        model: type[BaseModel] = Settings
        self.section: tuple[str, ...] = ()
        self.key: str | None = None
        self.in_list = False
        for part in loc:
            if isinstance(part, int):
                self.in_list = True
            elif self.key is None and (sub := _submodel(model, part)) is not None:
                self.section, model = (*self.section, part), sub
            elif self.key is None:
                self.key = part
        self.model = model

    @property
    def name(self) -> str:
        """``[section] key``; a section itself is ``[section]`` (a sub-table ``[section] table``)."""
        if self.key is not None:
            return f"[{'.'.join(self.section)}] {self.key}" if self.section else self.key
        if len(self.section) > 1:
            return f"[{'.'.join(self.section[:-1])}] {self.section[-1]}"
        return f"[{self.section[0]}]" if self.section else _("the file")

    def field_annotation(self) -> Any:
        field = self.model.model_fields.get(self.key or "")
        return field.annotation if field is not None else None

    def field_metadata(self) -> list[Any]:
        field = self.model.model_fields.get(self.key or "")
        return list(field.metadata) if field is not None else []


def _submodel(model: type[BaseModel], name: str) -> type[BaseModel] | None:
    field = model.model_fields.get(name)
    annotation = field.annotation if field is not None else None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _literal_values(annotation: Any) -> tuple[Any, ...]:
    """The allowed words of a Literal, also inside tuple[...], Optional[...] or Annotated[...]."""
    if get_origin(annotation) is Literal:
        return get_args(annotation)
    if get_origin(annotation) in (tuple, Union, types.UnionType, Annotated):
        for arg in get_args(annotation):
            if values := _literal_values(arg):
                return values
    return ()


def _bounds(where: _Where, error: ErrorDetails) -> tuple[Any, Any]:
    low: Any = None
    high: Any = None
    for item in where.field_metadata():
        if isinstance(item, annotated_types.Ge):
            low = item.ge
        elif isinstance(item, annotated_types.Gt):
            low = item.gt
        elif isinstance(item, annotated_types.Le):
            high = item.le
        elif isinstance(item, annotated_types.Lt):
            high = item.lt
    ctx = error.get("ctx", {})
    low = low if low is not None else ctx.get("ge", ctx.get("gt"))
    high = high if high is not None else ctx.get("le", ctx.get("lt"))
    return low, high


def _listing(values: Iterable[Any]) -> str:
    return ", ".join(_show(v) for v in values)


def _error_message(error: ErrorDetails, path: Path) -> str:
    where = _Where(error["loc"])
    kind = error["type"]
    value = error["input"]
    name = where.name
    shown = _show(value)
    if kind == "extra_forbidden":
        if not where.section:
            known = ", ".join(f"[{k}]" for k in Settings.model_fields)
            if not isinstance(value, Mapping):
                return _(
                    "{file}: {key} is outside any section; settings go under a section header, known: {known}"
                ).format(file=path, key=where.key, known=known)
            return _("{file}: [{key}] is not a known section; known: {known}").format(
                file=path, key=where.key, known=known
            )
        return _("{file}: {name} is not a known setting; known: {known}").format(
            file=path, name=name, known=", ".join(where.model.model_fields)
        )
    if kind == "missing":
        if where.key is None:
            required = [k for k, f in where.model.model_fields.items() if f.is_required()]
            return _("{file}: the {name} section is missing; it needs {keys}").format(
                file=path, name=name, keys=", ".join(required)
            )
        return _("{file}: {name} is missing; it is required").format(file=path, name=name)
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return _("{file}: {name} must be a table of settings, got {value}").format(file=path, name=name, value=shown)
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return _("{file}: {name} must be a whole number, got {value}").format(file=path, name=name, value=shown)
    if kind in ("float_type", "float_parsing", "finite_number"):
        return _("{file}: {name} must be a number, got {value}").format(file=path, name=name, value=shown)
    if kind in ("bool_type", "bool_parsing"):
        return _("{file}: {name} must be true or false, got {value}").format(file=path, name=name, value=shown)
    if kind in ("string_type", "path_type"):
        return _("{file}: {name} must be text in quotes, got {value}").format(file=path, name=name, value=shown)
    if kind in ("tuple_type", "list_type"):
        allowed = _literal_values(where.field_annotation())
        if allowed:
            return _("{file}: {name} must be a list in square brackets, got {value}; allowed items: {allowed}").format(
                file=path, name=name, value=shown, allowed=_listing(allowed)
            )
        return _("{file}: {name} must be a list in square brackets, got {value}").format(
            file=path, name=name, value=shown
        )
    if kind == "literal_error":
        words = _listing(_literal_values(where.field_annotation()))
        if where.in_list:
            return _("{file}: {name} contains {value}, which is not allowed; allowed: {allowed}").format(
                file=path, name=name, value=shown, allowed=words
            )
        return _("{file}: {name} = {value} is not allowed; allowed: {allowed}").format(
            file=path, name=name, value=shown, allowed=words
        )
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        low, high = _bounds(where, error)
        if low is not None and high is not None:
            return _("{file}: {name} = {value} is out of range: allowed {low} to {high}").format(
                file=path, name=name, value=shown, low=_show(low), high=_show(high)
            )
        if low is not None:
            return _("{file}: {name} = {value} is out of range: allowed {low} or more").format(
                file=path, name=name, value=shown, low=_show(low)
            )
        return _("{file}: {name} = {value} is out of range: allowed at most {high}").format(
            file=path, name=name, value=shown, high=_show(high)
        )
    if kind == "too_short" and isinstance(value, list | tuple):
        return _("{file}: {name} must not be empty; allowed items: {allowed}").format(
            file=path, name=name, allowed=_listing(_literal_values(where.field_annotation()))
        )
    if kind == "string_too_short":
        return _("{file}: {name} must not be empty").format(file=path, name=name)
    if kind == "string_too_long":
        return _("{file}: {name} is too long: allowed at most {max} characters").format(
            file=path, name=name, max=error.get("ctx", {}).get("max_length")
        )
    if kind == "value_error":
        cause = error.get("ctx", {}).get("error")
        return _("{file}: {name} {problem}").format(file=path, name=name, problem=cause)
    return _("{file}: {name}: {problem}").format(file=path, name=name, problem=error["msg"])
