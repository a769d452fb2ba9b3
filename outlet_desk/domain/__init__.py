"""Pure rules of the outlet: ID numbers, card life cycle, fees, loss reports, roles.

Nothing here does I/O or imports Textual, SQLModel, SQLAlchemy or pyscard; services call these
functions and turn a :class:`~outlet_desk.domain.errors.DomainError` into a message on screen.
"""
