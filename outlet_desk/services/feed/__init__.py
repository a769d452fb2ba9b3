"""The card-status feed: what the systems that accept the card (medical settlement, pension, employment
services) must know at once, such as a card suspended at 23:00 by the hotline.

* :mod:`.outbox` writes every change of a card's status, in the transaction that makes it, as a
  ``feed_record`` (the outbox pattern: no change without its record, no record without its change);
* :mod:`.export` gives each city's records their sequence numbers in commit order when they are first
  exported, exports them from a sequence number on (JSON lines, schema in ``docs/feed.md``) and records
  a consumer's acknowledgement. Delivery is at least once; a record is the card's whole new status, so
  applying it twice changes nothing;
* every checkpoint an outlet's full verification records (the day close's) goes into the feed too, so a
  party outside the outlet holds a witness of each outlet's chain (``audit_seq``, ``fingerprint``).
"""
