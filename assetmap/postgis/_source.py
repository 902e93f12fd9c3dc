"""Where a database is: connection strings, tables and queries, always shown without the password.

Nothing here needs psycopg, so a config naming a database loads (and its mistakes are
reported) even where the ``postgis`` extra is not installed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

_URL = re.compile(r"^postgres(?:ql)?://", re.I)
_SERVICE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
_KEYWORD = re.compile(r"^\s*[a-z_]+\s*=", re.I)
_KV_SECRET = re.compile(r"(\b\w*password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.I)
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
#: Our own parameters in a database URL, taken out before the URL is given to libpq.
_OWN_PARAMS = ("table", "schema")
MASK = "***"


def is_database_url(text: object) -> bool:
    """Whether ``text`` is a ``postgresql://`` (or ``postgres://``) URL."""
    return isinstance(text, str) and bool(_URL.match(text.strip()))


def _mask_url(url: str) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, hosts = netloc.rsplit("@", 1)
        if ":" in userinfo:
            userinfo = userinfo.split(":", 1)[0] + ":" + MASK
        netloc = f"{userinfo}@{hosts}"
    query = [(k, MASK if "password" in k.lower() else v) for k, v in parse_qsl(parts.query, True)]
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query, safe="*/:,"), parts.fragment))


def mask_password(conninfo: str) -> str:
    """The connection string with any password replaced by ``***``.

    Parameters
    ----------
    conninfo : str
        A ``postgresql://`` URL or a libpq ``key=value`` string.

    Returns
    -------
    str
    """
    if is_database_url(conninfo):
        return _mask_url(conninfo.strip())
    return _KV_SECRET.sub(lambda m: m.group(1) + MASK, conninfo)


_URL_PASSWORD = re.compile(r"(postgres(?:ql)?://[^:/?#\s@'\"]*:)([^@\s'\"]*)(@)", re.I)
_TEXT_KV_SECRET = re.compile(r"(\b\w*password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s'\"]+)", re.I)
_URL_PARAM_PASSWORD = re.compile(r"([?&]\w*password=)([^&\s'\"]*)", re.I)


def mask_text(text: str) -> str:
    """Any text (a message, a repr) with the passwords of database addresses in it replaced by ``***``."""
    text = _URL_PASSWORD.sub(lambda m: m.group(1) + MASK + m.group(3), text)
    text = _URL_PARAM_PASSWORD.sub(lambda m: m.group(1) + MASK, text)
    return _TEXT_KV_SECRET.sub(lambda m: m.group(1) + MASK, text)


def secrets_in(conninfo: str) -> list[str]:
    """The passwords written in a connection string (as written and percent-decoded)."""
    found: list[str] = []
    if is_database_url(conninfo):
        parts = urlsplit(conninfo.strip())
        userinfo = parts.netloc.rsplit("@", 1)[0] if "@" in parts.netloc else ""
        if ":" in userinfo:
            found.append(userinfo.split(":", 1)[1])
        found += [v for k, v in parse_qsl(parts.query, True) if "password" in k.lower()]
    else:
        found += [m.group(2).strip("'") for m in _KV_SECRET.finditer(conninfo)]
    found += [unquote(s) for s in found]
    return sorted({s for s in found if s and s != MASK}, key=len, reverse=True)


def scrub(text: str, conninfo: str) -> str:
    """``text`` with every password of ``conninfo`` replaced by ``***`` (for error messages)."""
    for secret in secrets_in(conninfo):
        text = text.replace(secret, MASK)
    return text


def _split_own_params(url: str) -> tuple[str, dict[str, str]]:
    """Take ``table=`` and ``schema=`` out of a URL's query string (libpq would refuse them)."""
    parts = urlsplit(url.strip())
    own: dict[str, str] = {}
    rest = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key in _OWN_PARAMS:
            own[key] = value
        else:
            rest.append((key, value))
    query = urlencode(rest, quote_via=quote, safe="/:,")
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment)), own


def check_identifier(name: str, *, what: str) -> str:
    """A schema or table name assetmap creates: lower-case letters, digits and ``_``."""
    if not _IDENTIFIER.match(name):
        msg = f"{what} {name!r} must be lower-case letters, digits and _ (starting with a letter), up to 63"
        raise ValueError(msg)
    return name


@dataclass(frozen=True)
class DatabaseTarget:
    """A database assetmap writes its tables into (``output.postgis``) or reads periods from.

    Attributes
    ----------
    conninfo : str
        What libpq is given: a URL (our own parameters removed) or ``key=value`` pairs.
    schema : str
        The schema holding assetmap's tables.
    """

    conninfo: str
    schema: str = "assetmap"

    @property
    def display(self) -> str:
        """The database as shown to people: password masked."""
        return mask_password(self.conninfo)

    def __str__(self) -> str:
        return self.display


def parse_target(text: str, *, schema: str | None = None) -> DatabaseTarget:
    """Read ``output.postgis`` (or ``compare --database``): a URL, a libpq service name or ``key=value``.

    Parameters
    ----------
    text : str
        ``postgresql://user@host:port/db`` (``?schema=name`` allowed), ``service=name``, any libpq
        ``key=value`` string, or a bare service name from ``pg_service.conf``.
    schema : str, optional
        The schema; else the URL's ``schema=``, else ``assetmap``.

    Raises
    ------
    ValueError
        If the text is none of those, names a table, or the schema is not a plain name.
    """
    text = text.strip()
    own: dict[str, str] = {}
    if is_database_url(text):
        conninfo, own = _split_own_params(text)
        if "table" in own:
            raise ValueError("the output database URL must not name a table (?table=): tables are assetmap's")
    elif _KEYWORD.match(text):
        conninfo = text
    elif _SERVICE.match(text):
        conninfo = f"service={text}"
    else:
        msg = (
            f"{mask_password(text)!r} is not a database: give postgresql://user@host:port/dbname, "
            "a service name from pg_service.conf, or libpq key=value pairs"
        )
        raise ValueError(msg)
    name = check_identifier(schema or own.get("schema") or "assetmap", what="schema")
    return DatabaseTarget(conninfo=conninfo, schema=name)


@dataclass(frozen=True)
class DatabaseSource:
    """A partner's register held in a database: a table or view, or the rows of a query.

    Attributes
    ----------
    conninfo : str
        The URL given to libpq (without ``table=``).
    table : str or None
        ``schema.name`` or ``name`` of a table or view.
    query : str or None
        A ``SELECT`` whose rows are the register (``query:`` in the config).
    """

    conninfo: str
    table: str | None = None
    query: str | None = None

    @property
    def name(self) -> str:
        """Short name for messages: the table, or ``query``."""
        return self.table or "query"

    @property
    def label(self) -> str:
        """The register as shown in outputs (``source_file``): URL with password masked, and table."""
        where = mask_password(self.conninfo)
        if self.table:
            return f"{where}{'&' if '?' in where else '?'}table={self.table}"
        return f"{where} (query)"

    def with_query(self, query: str | None) -> DatabaseSource:
        """This source with the config's ``query:``; exactly one of table and query must be given."""
        query = query.strip().rstrip(";").strip() if query else None
        if self.table and query:
            raise ValueError("give either ?table= in the register URL or query:, not both")
        if not self.table and not query:
            msg = (
                "a register in a database needs the table: add ?table=schema.name to the URL "
                "(or give query: SELECT ...)"
            )
            raise ValueError(msg)
        return replace(self, query=query)

    def __str__(self) -> str:
        return self.label


def parse_source(text: str) -> DatabaseSource:
    """Read a register URL ``postgresql://user@host:port/db?table=schema.name``.

    Raises
    ------
    ValueError
        If the table name is malformed.
    """
    conninfo, own = _split_own_params(text)
    if "schema" in own:
        raise ValueError("a register URL names its table as ?table=schema.name (there is no ?schema=)")
    table = own.get("table")
    if table is not None:
        parts = table.split(".")
        if len(parts) > 2 or not all(p.strip() for p in parts):
            raise ValueError(f"table {table!r} is not like schema.name or name")
    return DatabaseSource(conninfo=conninfo, table=table or None)


def register_source(value: Any) -> Path | DatabaseSource:
    """Validate a partner's ``register:``: a database URL becomes a :class:`DatabaseSource`, else a path."""
    if isinstance(value, Path | DatabaseSource):
        return value
    if not isinstance(value, str) or not value.strip():
        raise ValueError("register must be a file path or a postgresql:// URL")
    if is_database_url(value):
        return parse_source(value)
    return Path(value)


__all__ = [
    "DatabaseSource", "DatabaseTarget", "check_identifier", "is_database_url", "mask_password", "mask_text",
    "parse_source", "parse_target", "register_source", "scrub", "secrets_in",
]  # fmt: skip
