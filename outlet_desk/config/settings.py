"""The whole of ``outlet.toml`` (:class:`Settings`): its sections, where the file is, and the paths it
resolves.

Relative paths in the file (the database, keys, receipts, reports) resolve against the folder of the
file. The loader binds the file's location to the settings it returns, as a private attribute read
through :attr:`Settings.config_path` and :attr:`Settings.base_dir`; a :class:`Settings` built directly
in code is unbound and resolves against the current working folder until :meth:`Settings.bound_to`
gives it a location. The path helpers (:meth:`Settings.database_url`, :meth:`Settings.data_dir`, ...)
only compute paths; they never create folders.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, PrivateAttr
from sqlalchemy.engine import URL, make_url

from outlet_desk.config.card_settings import FunctionSettings, PinResetSettings
from outlet_desk.config.schema import (
    AuditSettings,
    CollectionSettings,
    DatabaseSettings,
    FeeSettings,
    IdentitySettings,
    LossSettings,
    OutletSettings,
    ReaderSettings,
    ReceiptSettings,
    ReissueSettings,
    ReportSettings,
    RulesSettings,
    Section,
    SecuritySettings,
)
from outlet_desk.config.secrets import database_password
from outlet_desk.config_file import data_folder_of


class Settings(Section):
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

    pin_reset: PinResetSettings = Field(default_factory=PinResetSettings)
    """How often a card's PIN may be reset at the counter."""

    functions: FunctionSettings = Field(default_factory=FunctionSettings)
    """Which functions each card generation carries in this region."""

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
        """The data folder (the log; the default home of the database, keys, PDFs): ``data/`` beside the
        settings file, or the platform's data folder for an installed desk's own file."""
        return data_folder_of(self.config_path)

    def report_database_url(self) -> str | None:
        """The hot standby the reports read from (``[database] report_url``), with the database's password when
        the URL names none; None: the reports read the database itself."""
        if self.database.report_url is None:
            return None
        url = make_url(self.database.report_url)
        file = self.database.password_file
        password = database_password(None if file is None else self.resolve(file))
        if password is None or url.password is not None:
            return self.database.report_url
        return url.set(password=password).render_as_string(hide_password=False)

    def database_url(self) -> str:
        """The database URL to connect to; a SQLite path is made absolute against ``base_dir``."""
        if self.database.url is None:
            return URL.create("sqlite", database=str(self.data_dir() / "outlet.db")).render_as_string()
        url = make_url(self.database.url)
        if url.get_backend_name() != "sqlite":
            file = self.database.password_file
            password = database_password(None if file is None else self.resolve(file))
            if password is None:
                return self.database.url
            return url.set(password=password).render_as_string(hide_password=False)
        database = url.database
        if not database or database == ":memory:" or database.startswith("file:"):
            return self.database.url
        return url.set(database=str(self.resolve(Path(database)))).render_as_string(hide_password=False)

    def audit_key_path(self) -> Path:
        """The audit HMAC key file."""
        return self.resolve(self.audit.key_file)

    def audit_witness_path(self) -> Path:
        """The audit witness file: ``[audit] witness_file``, else ``audit.witness`` beside the key file."""
        if self.audit.witness_file is not None:
            return self.resolve(self.audit.witness_file)
        return self.audit_key_path().parent / "audit.witness"

    def data_key_path(self) -> Path:
        """The data key file that seals personal data at rest."""
        return self.resolve(self.database.data_key_file)

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

