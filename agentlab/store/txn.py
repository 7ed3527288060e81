"""One helper for short write transactions, shared by migrations, the recorder and db upkeep."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlite_utils import Database


@contextmanager
def write_txn(db: Database) -> Iterator[Database]:
    """A write transaction that takes the write lock up front (``BEGIN IMMEDIATE``).

    A deferred ``BEGIN`` that reads and then writes can fail at once with SQLITE_BUSY when another
    process committed in between (WAL snapshot conflict); ``IMMEDIATE`` waits on the busy timeout
    instead. Inside an open transaction this nests as a savepoint.
    """
    conn = db.conn
    if conn.in_transaction:
        with db.atomic():
            yield db
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
