"""Statements the engine runs, counted in this process by wrapping its entry points (benchmark only).

A statement reaches the database through the engine's `run_querystring` or `run_ddl` (Piccolo's queries) or
through `db.read_rows` (the hot plain reads), which inside a transaction hands over to `run_querystring`: a
statement is counted once, at the outermost of these.
"""

from __future__ import annotations

from core.platform import db


class StatementCount:
    def __init__(self) -> None:
        self.count = 0
        self._depth = 0
        self._restore: list[tuple[object, str, object]] = []

    def _counting(self, original):
        count = self

        async def counted(*args, **kwargs):
            if count._depth == 0:
                count.count += 1
            count._depth += 1
            try:
                return await original(*args, **kwargs)
            finally:
                count._depth -= 1

        return counted

    def __enter__(self) -> StatementCount:
        cls = type(db.engine())
        for name in ("run_querystring", "run_ddl"):
            self._restore.append((cls, name, vars(cls).get(name)))
            setattr(cls, name, self._counting(getattr(cls, name)))
        self._restore.append((db, "read_rows", db.read_rows))
        db.read_rows = self._counting(db.read_rows)
        return self

    def __exit__(self, *exc) -> None:
        for owner, name, original in reversed(self._restore):
            if original is None:
                delattr(owner, name)
            else:
                setattr(owner, name, original)
