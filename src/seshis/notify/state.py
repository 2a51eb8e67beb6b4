"""What each --notify target was told, kept in the on-disk store (the live APIs' store, or for
files and the demo the same file, created when --notify is used): one row per target and open
problem. A target is its URL's fingerprint: the URL, which carries tokens, is never stored."""

from __future__ import annotations

from datetime import datetime

from ..store import Store
from .changes import Changes, Key, Told

TABLE = "notified"


class Delivered:
    """The `notified` table of a store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        store.run(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (target VARCHAR NOT NULL, kind VARCHAR NOT NULL, "
            "site VARCHAR NOT NULL, subject VARCHAR NOT NULL, text VARCHAR, "
            "first_sent TIMESTAMPTZ, last_sent TIMESTAMPTZ, "
            "PRIMARY KEY (target, kind, site, subject))"
        )

    def told(self, target: str) -> dict[Key, Told]:
        """The open problems a target was told of, by key."""
        rows = self.store.rows(
            f"SELECT kind, site, subject, text, first_sent, last_sent FROM {TABLE} "
            "WHERE target = ? ORDER BY first_sent, kind, site, subject",
            [target],
        )
        return {
            (kind, site, subject): Told((kind, site, subject), text, first, last)
            for kind, site, subject, text, first, last in rows
        }

    def record(self, target: str, sent: Changes, now: datetime) -> None:
        """After a message reached `target`: its new problems are open from now, its reminders
        were told now, and its recovered ones (and those gone quietly) are closed."""
        self.store.run("BEGIN TRANSACTION")
        try:
            for item in sent.new:
                self.store.run(
                    f"INSERT OR REPLACE INTO {TABLE} VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [target, *item.key, item.text, now, now],
                )
            for item in sent.reminded:
                self.store.run(
                    f"UPDATE {TABLE} SET last_sent = ?, text = ? WHERE target = ? AND kind = ? "
                    "AND site = ? AND subject = ?",
                    [now, item.text, target, *item.key],
                )
            closed = [r.told.key for r in sent.recovered] + list(sent.gone)
            for key in closed:
                self.store.run(
                    f"DELETE FROM {TABLE} WHERE target = ? AND kind = ? AND site = ? "
                    "AND subject = ?",
                    [target, *key],
                )
            self.store.run("COMMIT")
        except BaseException:
            self.store.run("ROLLBACK")
            raise
