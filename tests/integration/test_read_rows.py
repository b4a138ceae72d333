"""`db.read_rows`, the path of the hot plain reads, reads what Piccolo's `Table.raw` reads, and inside a
transaction runs on the transaction's connection (it sees the transaction's own writes), on both engines."""

from __future__ import annotations

import pytest

from core.people import accounts
from core.platform import db
from core.platform.tables import Account
from tests.conftest import run

READ = ("SELECT id, email, locale, is_admin, auth_epoch, email_verified_at FROM account"
        " WHERE email = {} OR email = {} ORDER BY id")


class Undone(Exception):
    pass


def test_read_rows_reads_as_table_raw_and_inside_a_transaction_through_it(settings):
    async def scenario() -> None:
        for email in ("ada@example.org", "bob@example.org"):
            await accounts.create_account(email=email, password="correct-horse-battery", display_name="A",
                                          verified=True, locale="en")
        rows = await db.read_rows(READ, "ada@example.org", "bob@example.org")
        assert rows == await Account.raw(READ, "ada@example.org", "bob@example.org")
        assert [row["email"] for row in rows] == ["ada@example.org", "bob@example.org"]
        assert rows[0]["email_verified_at"] is not None and rows[0]["auth_epoch"] == 0
        assert await db.read_rows(READ, "nobody@example.org", "") == []

        with pytest.raises(Undone):
            async with db.write_transaction():
                await Account.update({Account.locale: "it"}).where(Account.email == "ada@example.org")
                seen = await db.read_rows(READ, "ada@example.org", "")
                assert [row["locale"] for row in seen] == ["it"]  # the transaction's own, uncommitted write
                raise Undone
        assert [row["locale"] for row in await db.read_rows(READ, "ada@example.org", "")] == ["en"]

    run(scenario())
