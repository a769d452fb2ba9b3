"""Receipts: PDF parsed back with pdftotext (Chinese included), the code verified by the CLI."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from outlet_desk.cli import app
from outlet_desk.config import Settings
from outlet_desk.services import demo
from outlet_desk.services.bootstrap import open_desk
from outlet_desk.services.context import Desk
from outlet_desk.services.loss import report_loss_hotline
from outlet_desk.services.persons import find_persons
from outlet_desk.services.receipts import ReceiptData, render_pdf, render_text, save_receipt

IN_CI = bool(__import__("os").environ.get("CI"))


def pdftotext(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        if IN_CI:
            pytest.fail("pdftotext (poppler-utils) is missing; scripts/setup.sh installs it")
        pytest.skip("pdftotext (poppler-utils) is not installed here; CI installs it")
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def _receipt(desk: Desk) -> ReceiptData:
    from tests.services.builders import login, seed

    seed(desk)
    hotline = login(desk, "hotline1")
    from sqlmodel import Session, select

    from outlet_desk.db.tables import Card, Person

    with Session(desk.engine) as s:
        card = s.exec(select(Card).where(Card.status == "active")).first()
        assert card is not None
        person = s.get(Person, card.person_id)
        assert person is not None
    return report_loss_hotline(desk, hotline, person.citizen_number, person.name, person.phone).receipt


def test_receipt_pdf_reads_back_and_its_code_verifies(desk: Desk) -> None:
    receipt = _receipt(desk)
    saved = save_receipt(desk, receipt)
    assert saved.text_path.read_text().count(receipt.code) == 1
    text = pdftotext(saved.pdf_path)
    assert receipt.code in text
    assert receipt.masked_citizen_number in text and receipt.card_number in text
    assert find_persons(desk, receipt.card_number)[0].masked_number == receipt.masked_citizen_number
    runner = CliRunner()
    clerk = {"OUTLET_DESK_USER": "clerk1", "OUTLET_DESK_PASSWORD": demo.training_password("clerk1")}
    ok = runner.invoke(app, ["--config", str(desk.settings.config_path), "receipt", "verify", receipt.code], env=clerk)
    assert ok.exit_code == 0, ok.output
    assert "Temporary loss report (hotline)" in ok.output and receipt.card_number in ok.output
    unknown = runner.invoke(app, ["--config", str(desk.settings.config_path), "receipt", "verify", "AAAAA-BBBBB"],
                           env=clerk)
    assert unknown.exit_code == 1 and "unknown" in unknown.output


def test_receipt_pdf_carries_chinese_text(desk: Desk, tmp_path: Path) -> None:
    receipt = replace(_receipt(desk), outlet_name="社会保障卡服务网点（培训）", operator="柜员 王芳")
    pdf = tmp_path / "r.pdf"
    render_pdf(receipt, pdf)
    text = pdftotext(pdf)
    assert "社会保障卡服务网点" in text and "王芳" in text
    assert pdf.stat().st_size < 60_000  # the font is subset, not embedded whole (5 MB)


def test_print_command_receives_the_pdf(make_settings, clock) -> None:  # type: ignore[no-untyped-def]
    from outlet_desk.services.bootstrap import open_desk

    desk = open_desk(make_settings('\n[receipts]\nprint_command = "cp --target-directory=printed"\n'))
    desk.clock = clock
    (desk.settings.base_dir / "printed").mkdir()
    import os

    cwd = os.getcwd()
    os.chdir(desk.settings.base_dir)
    try:
        saved = save_receipt(desk, _receipt(desk))
    finally:
        os.chdir(cwd)
    assert saved.printed, saved.print_error
    assert (desk.settings.base_dir / "printed" / saved.pdf_path.name).exists()
    desk.engine.dispose()


def _reissue_receipt(desk: Desk, waived_by: str = "", **kw: object) -> ReceiptData:
    """A reissue application's receipt; ``waived_by``: the supervisor who signs a waiver at the counter."""
    from outlet_desk.domain.card_lifecycle import CardStatus
    from outlet_desk.domain.fees import ReissueReason
    from outlet_desk.services.reissue import apply_reissue
    from tests.services.builders import identity, login, person_with, seed

    seed(desk)
    clerk = login(desk, "clerk1")
    person, card = person_with(desk, CardStatus.LOST)
    if waived_by:
        kw.update(waiver_by=login(desk, waived_by), waiver_reason="low-income certificate")
    return apply_reissue(desk, clerk, card.id or 0, card.version, ReissueReason.LOST,
                         identity(desk, clerk, person, "apply_reissue"), **kw).receipt  # type: ignore[arg-type]


def test_a_waived_fee_names_the_supervisor_who_approved_it(desk: Desk, tmp_path: Path) -> None:
    from tests.services.builders import login

    receipt = _reissue_receipt(desk, "super1", payment_method=None)
    supervisor = login(desk, "super1").display_name
    text = render_text(receipt)
    assert f"Fee: waived, approved by {supervisor}" in text
    assert "0.00 yuan" not in text and "Paid by" not in text
    pdf = tmp_path / "waived.pdf"
    render_pdf(receipt, pdf)
    assert "waived, approved by" in pdftotext(pdf) and supervisor in pdftotext(pdf)


def test_the_reissue_receipt_says_how_the_fee_was_paid(desk: Desk, tmp_path: Path) -> None:
    receipt = _reissue_receipt(desk, payment_method="wechat", amount_paid_fen=2000,
                               payment_reference="4200001234202612040001")
    text = render_text(receipt)
    assert "Fee: 20.00 yuan" in text and "Paid by: WeChat Pay" in text
    assert "Payment reference: 4200001234202612040001" in text
    pdf = tmp_path / "paid.pdf"
    render_pdf(receipt, pdf)
    assert "Paid by: WeChat Pay" in pdftotext(pdf) and "4200001234202612040001" in pdftotext(pdf)


def test_the_reissue_receipt_names_the_holder_masked_the_request_the_reason_and_the_due_date(
        desk: Desk, tmp_path: Path) -> None:
    from sqlmodel import Session

    from outlet_desk.db.tables import Person, ReissueRequest
    from outlet_desk.services.masking import mask_name

    receipt = _reissue_receipt(desk, payment_method="cash", amount_paid_fen=2000)
    with Session(desk.engine) as s:
        request = s.get(ReissueRequest, receipt.request_id)
        assert request is not None and request.due_date is not None
        person = s.get(Person, request.person_id)
        assert person is not None
    holder = mask_name(person.name)
    assert holder != person.name and holder.endswith("*")
    text = render_text(receipt)
    for line in (f"Holder: {holder}", f"Request number: {request.id}", "Reason: card lost",
                 f"Collect from: {request.due_date.isoformat()}"):
        assert line in text
    assert person.name not in text and "Payment reference" not in text  # cash has none
    pdf = tmp_path / "reissue.pdf"
    render_pdf(receipt, pdf)
    read = pdftotext(pdf)
    assert holder in read and str(request.id) in read and request.due_date.isoformat() in read


def test_an_electronic_payment_without_its_reference_is_refused_unless_the_outlet_allows_it(
        desk: Desk, make_settings: Callable[..., Settings]) -> None:
    from outlet_desk.domain.fees import ReferenceMissing

    with pytest.raises(ReferenceMissing, match="Alipay transaction reference"):
        _reissue_receipt(desk, payment_method="alipay", amount_paid_fen=2000)
    relaxed = open_desk(make_settings('\n[fees]\nreference_required = ["wechat"]\n'))
    try:
        receipt = _reissue_receipt(relaxed, payment_method="alipay", amount_paid_fen=2000)
        assert "Paid by: Alipay" in render_text(receipt) and "Payment reference" not in render_text(receipt)
    finally:
        relaxed.engine.dispose()


def decode_qr(image: Path) -> list[str]:
    """What zbarimg (Debian's zbar-tools) reads in ``image``: one line per symbol, with its type."""
    if shutil.which("zbarimg") is None:
        if IN_CI:
            pytest.fail("zbarimg (zbar-tools) is missing; scripts/setup.sh installs it")
        pytest.skip("zbarimg (zbar-tools) is not installed here; CI installs it")
    done = subprocess.run(["zbarimg", "--quiet", str(image)], capture_output=True, text=True)
    return done.stdout.splitlines()


def test_the_printed_qr_code_is_a_standard_qr_that_zbar_reads_back_to_the_verification_code(
        desk: Desk, tmp_path: Path) -> None:
    receipt = _receipt(desk)
    pdf = tmp_path / "receipt.pdf"
    render_pdf(receipt, pdf)
    if shutil.which("pdftoppm") is None:
        if IN_CI:
            pytest.fail("pdftoppm (poppler-utils) is missing; scripts/setup.sh installs it")
        pytest.skip("pdftoppm (poppler-utils) is not installed here; CI installs it")
    subprocess.run(["pdftoppm", "-r", "200", "-png", "-singlefile", str(pdf), str(tmp_path / "page")], check=True)
    assert decode_qr(tmp_path / "page.png") == [f"QR-Code:{receipt.code}"]  # not a Micro QR: zbar reads it


def test_the_pdf_names_the_outlet_by_its_code_too(desk: Desk, tmp_path: Path) -> None:
    receipt = _receipt(desk)
    assert f"Outlet: {desk.outlet_code}" in render_text(receipt)
    pdf = tmp_path / "r.pdf"
    render_pdf(receipt, pdf)
    text = pdftotext(pdf)
    assert f"Outlet: {desk.outlet_code}" in text and receipt.outlet_name in text


def test_control_characters_in_names_never_reach_a_receipt_raw(desk: Desk, tmp_path: Path) -> None:
    """A name stored before the input rule (or read from a chip) prints its control characters as escapes."""
    receipt = replace(_receipt(desk), operator="Ann\x1b[2J\x07", collected_by_proxy="Bob\u202eevil, son")
    text = render_text(receipt)
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "Operator: Ann\\x1b[2J\\x07" in text and "Collected by proxy: Bob\\u202eevil, son" in text
    pdf = tmp_path / "escaped.pdf"
    render_pdf(receipt, pdf)
    assert "Ann\\x1b[2J" in pdftotext(pdf)
    desk.engine.dispose()


def test_the_loss_receipts_name_the_holder_masked(seeded: Desk) -> None:
    """Issue 14, defect 6: no receipt named the holder. The hotline's and the counter's loss receipts do, masked
    as everywhere (the reissue's: the test above)."""
    from outlet_desk.domain.card_lifecycle import CardStatus
    from outlet_desk.services.loss import report_loss_counter
    from outlet_desk.services.masking import mask_name
    from tests.services.builders import identity, login, person_with, reload

    desk = seeded
    called, _card = person_with(desk, CardStatus.ACTIVE)
    hotline = report_loss_hotline(desk, login(desk, "hotline1"), called.citizen_number, called.name, called.phone)
    clerk = login(desk, "clerk1")
    person, card = person_with(desk, CardStatus.ACTIVE)
    card = reload(desk, card.id or 0)
    counter = report_loss_counter(desk, clerk, card.id or 0, card.version,
                                  identity(desk, clerk, person, "report_loss_counter"))
    for receipt, holder in ((hotline.receipt, called), (counter.receipt, person)):
        text = render_text(receipt)
        assert f"Holder: {mask_name(holder.name)}" in text and holder.name not in text, text
