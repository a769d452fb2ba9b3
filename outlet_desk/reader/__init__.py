"""The card reader side: PC/SC supervisor, the social security card profile, the virtual card.

Public API (import from the modules; this package imports nothing, so importing it never loads pyscard):

* :mod:`.card_data` - ``CardData`` (frozen), ``Gender``
* :mod:`.errors` - ``ReaderError`` (``.message`` for the clerk) and its subclasses
* :mod:`.card_reader` - the ``CardReader`` protocol, ``ReaderSnapshot``, ``DEFAULT_TIMEOUT_S``
* :mod:`.pcsc_reader` - ``PcscCardReader`` (pcscd); :mod:`.training_reader` - ``TrainingReader``
* :mod:`.supervisor` - ``ReaderSupervisor``; :mod:`.events` - the events, ``ReaderState``, ``ReaderStatus``
* :mod:`.virtual_card` - ``VirtualCard``, ``Fault``, ``sample_card_data``; :mod:`.vpcd_link` - ``VpcdLink``
* :mod:`.issuer_auth` - the issuer key file and authentication scheme
* :mod:`.watch_loop` - the readers now and their events, for ``reader list/watch`` (``outlet_desk.reader_cli``)
* :mod:`.emulator_run` - ``run_emulator`` (``card emulate``)
* :mod:`.apdu`, :mod:`.codec`, :mod:`.profile`, :mod:`.card_session` - the profile as pure functions
"""
