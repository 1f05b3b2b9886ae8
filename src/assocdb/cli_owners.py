"""``assocdb owner create``: owners are people, not created through HubSpot's API.

Prints only the new owner's id (scripts capture it: ``OWNER=$(assocdb owner create ...)``).
"""

from __future__ import annotations

import click

from assocdb.config import DEFAULT_DB
from assocdb.domain.owners import NewOwner, Owner, OwnerService, owner_store
from assocdb.domain.store import Store
from assocdb.storage import run_with_store

__all__ = ["owner"]


@click.group()
def owner() -> None:
    """Manage CRM owners (the users records are assigned to)."""


@owner.command("create")
@click.option(
    "--db",
    envvar="ASSOCDB_DB",
    default=DEFAULT_DB,
    show_default=True,
    help="SQLite file path (or sqlite:///path) or postgresql:// URL. Env: ASSOCDB_DB.",
)
@click.option(
    "--portal",
    "portal_id",
    required=True,
    type=click.IntRange(1, 2**63 - 1),
    help="The portal the owner belongs to.",
)
@click.option("--email", required=True, help="The owner's email (unique among active owners).")
@click.option("--first-name", default=None, help="First name.")
@click.option("--last-name", default=None, help="Last name.")
@click.option(
    "--team",
    "teams",
    multiple=True,
    help="A team the owner is in (repeatable; the first is the primary team). A name new to"
    " the portal creates the team.",
)
def owner_create(
    db: str,
    portal_id: int,
    email: str,
    first_name: str | None,
    last_name: str | None,
    teams: tuple[str, ...],
) -> None:
    """Create an owner and print only its id."""

    async def create(store: Store) -> Owner:
        service = OwnerService(owner_store(store))
        return await service.create(portal_id, NewOwner(email, first_name, last_name, teams))

    click.echo(run_with_store(db, create).owner_id)
