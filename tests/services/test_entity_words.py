"""What an audit event is about reads as words in the audit trail's detail ("event 11: signed in (operator 4)"
showed the code ``operator`` on a Chinese outlet)."""

from __future__ import annotations

import re
from pathlib import Path

from outlet_desk.i18n import set_language
from outlet_desk.services.audit.event_words import ENTITY_WORDS, entity_words

SERVICES = Path(__file__).resolve().parents[2] / "outlet_desk" / "services"
AUDITED = re.compile(r"\.audit\(\s*AuditAction\.\w+,\s*\"([a-z_]+)\"")


def written_entities() -> set[str]:
    return {m for path in SERVICES.rglob("*.py") for m in AUDITED.findall(path.read_text(encoding="utf-8"))}


def test_every_entity_the_services_audit_has_words_in_both_languages() -> None:
    written = written_entities()
    assert {"card", "person", "operator", "reissue_request"} <= written  # the pattern still finds them
    assert written - set(ENTITY_WORDS) == set()
    try:
        set_language("zh_CN")
        chinese = {entity: entity_words(entity) for entity in ENTITY_WORDS}
        assert all(not re.search(r"[a-z]", words) for words in chinese.values()), chinese
        assert entity_words("operator") == "经办人"
    finally:
        set_language("en")
    assert entity_words("reissue_request") == "reissue request"
