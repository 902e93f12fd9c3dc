"""Connecting to PostgreSQL with psycopg 3, and saying plainly why a connection failed.

Credentials come from wherever libpq finds them: the URL, ``PGPASSWORD``, ``~/.pgpass``
(or ``PGPASSFILE``), or a service file (``PGSERVICEFILE``). They are never printed: every
message shows the address with its password masked, and any password that a server or
libpq message might repeat is replaced by ``***``.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any

from .._errors import DatabaseError
from ._source import mask_password, scrub

if TYPE_CHECKING:
    import psycopg

#: Seconds to wait for a server that does not answer (unless the address says otherwise).
CONNECT_TIMEOUT = 10


def psycopg_module() -> ModuleType:
    """The psycopg package, or a clear error saying how to install it."""
    try:
        import psycopg
    except ImportError:
        msg = (
            "reading or writing a PostGIS database needs the psycopg package: "
            "pip install 'assetmap[postgis]' (or pip install 'psycopg[binary]>=3.1')"
        )
        raise DatabaseError(msg) from None
    return psycopg


def _reason(exc: BaseException, conninfo: str) -> str:
    """libpq's message on one line, passwords removed."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = " ".join(lines).removeprefix("connection failed: ")
    return scrub(text, conninfo)


def explain_connect_error(exc: BaseException, conninfo: str, params: dict[str, Any]) -> str:
    """A message for a failed connection that says what to fix, naming the masked address."""
    where = mask_password(conninfo)
    reason = _reason(exc, conninfo)
    low = reason.lower()
    user = params.get("user") or "(your login name)"
    if "password authentication failed" in low:
        return (
            f"cannot connect to {where}: the server refused the password for user {user!r}. "
            "Check the password in PGPASSWORD, ~/.pgpass, the service file (PGSERVICEFILE) or the URL"
        )
    if "no password supplied" in low:
        return (
            f"cannot connect to {where}: the server asks for a password and none was given. "
            "Set PGPASSWORD, add the database to ~/.pgpass or a service file, or put it in the URL"
        )
    if "database" in low and "does not exist" in low:
        return f"cannot connect to {where}: the server has no database {params.get('dbname')!r} ({reason})"
    if "role" in low and "does not exist" in low:
        return f"cannot connect to {where}: the server has no user {user!r} ({reason})"
    if "definition of service" in low or "service file" in low:
        return (
            f"cannot connect to {where}: {reason}. Define the service in ~/.pg_service.conf "
            "or the file PGSERVICEFILE names"
        )
    unreachable = ("connection refused", "timeout expired", "could not translate host", "no such file")
    if any(s in low for s in unreachable):
        return (
            f"cannot connect to {where}: the database server is not answering ({reason}). "
            "Is it running, and are the host and port right?"
        )
    return f"cannot connect to {where}: {reason}"


def connect(conninfo: str, *, read_only: bool = False) -> psycopg.Connection:
    """Open a connection (not autocommit: the caller's ``with`` block is one transaction).

    Parameters
    ----------
    conninfo : str
        A URL or libpq ``key=value`` string (assetmap's own ``table=``/``schema=`` removed).
    read_only : bool
        Make the connection's transactions read only (registers and comparisons only read).

    Raises
    ------
    DatabaseError
        If psycopg is missing, the address is malformed, or the server cannot be reached or
        refuses the credentials; the message never contains a password.
    """
    pg = psycopg_module()
    try:
        params = pg.conninfo.conninfo_to_dict(conninfo)
    except pg.Error as exc:
        msg = f"{mask_password(conninfo)} is not a valid database address: {_reason(exc, conninfo)}"
        raise DatabaseError(msg) from None
    params.setdefault("connect_timeout", CONNECT_TIMEOUT)
    params.setdefault("application_name", "assetmap")
    try:
        conn = pg.connect(**params)
    except pg.Error as exc:
        raise DatabaseError(explain_connect_error(exc, conninfo, params)) from None
    conn.read_only = read_only
    return conn


def database_failure(exc: BaseException, conninfo: str, *, doing: str) -> DatabaseError:
    """A :class:`DatabaseError` for a failed statement, with the server's words and no password."""
    where = mask_password(conninfo)
    reason = _reason(exc, conninfo)
    if getattr(exc, "sqlstate", None) == "42501":
        return DatabaseError(
            f"{doing} in {where}: permission denied ({reason}). Ask the database's administrator "
            "to grant your user the rights (see the README's PostGIS section)"
        )
    return DatabaseError(f"{doing} in {where} failed: {reason}")


__all__ = ["CONNECT_TIMEOUT", "connect", "database_failure", "explain_connect_error", "psycopg_module"]
