"""The identity documents a person may show at the counter, and which of them carry the citizen number."""

from __future__ import annotations

from outlet_desk.domain.worded import Worded
from outlet_desk.i18n import N_


class DocumentType(Worded):
    """outlet.toml's ``[identity] document_types`` says which the outlet accepts."""

    RESIDENT_ID_CARD = "resident_id_card", N_("resident identity card")
    TEMPORARY_RESIDENT_ID_CARD = "temporary_resident_id_card", N_("temporary resident identity card")
    HOUSEHOLD_REGISTER = "household_register", N_("household register")
    PASSPORT = "passport", N_("passport")
    HK_MACAO_PERMIT = "hk_macao_permit", N_("Mainland travel permit for Hong Kong and Macao residents")
    TAIWAN_PERMIT = "taiwan_permit", N_("Mainland travel permit for Taiwan residents")
    FOREIGN_PERMANENT_RESIDENT_CARD = "foreign_permanent_resident_card", N_("foreign permanent resident ID card")


#: Documents whose number is the citizen identity number (checked digit by digit).
CITIZEN_NUMBER_DOCUMENTS: frozenset[DocumentType] = frozenset(
    {DocumentType.RESIDENT_ID_CARD, DocumentType.TEMPORARY_RESIDENT_ID_CARD, DocumentType.HOUSEHOLD_REGISTER}
)
