"""`segreform user ...`: accounts from the command line — the first admin of a new deployment, and the admin's
tasks (list, create, change, deactivate, reactivate, reset) for scripts and for when the web is down.

Passwords are asked for twice and never echoed; they are stored only as argon2id hashes.
"""

from __future__ import annotations

import click
from rich.console import Console

from segreform.cli.app import InputError, main
from segreform.programme.errors import ProgrammeError
from segreform.programme.field_errors import FieldErrors
from segreform.store import open_store, transaction
from segreform.store.models.programme import Organisation

console = Console()
ACTOR = "cli"


def _engine():
    return open_store()


def _refused(exc: ProgrammeError) -> InputError:
    errors = exc.errors if isinstance(exc, FieldErrors) else [exc]
    return InputError("; ".join(str(e) for e in errors))


def _run(work):
    try:
        with transaction(_engine()) as db:
            return work(db)
    except ProgrammeError as exc:
        raise _refused(exc) from None


@main.group()
def user() -> None:
    """Accounts: create the first admin (`user create --admin EMAIL`), list, change, deactivate, reset."""


@user.command("create")
@click.argument("email")
@click.option("--admin", "make_admin", is_flag=True, help="Make a delegation administrator (the first admin).")
@click.option("--role", type=click.Choice(["admin", "officer", "reviewer", "applicant", "agency", "researcher",
                                           "public"]), help="The role (default with --admin: admin).")
@click.option("--name", help="The person's name (default: the e-mail address).")
@click.option("--organisation", help="Organisation code (kommun-<kommunkod>, an agency code such as boverket, ...).")
@click.option("--one-time", is_flag=True, help="Issue a one-time password (printed once) instead of asking for one; "
                                               "the user must change it at the first sign-in.")
def create(email, make_admin, role, name, organisation, one_time) -> None:
    """Create an account for EMAIL. The password is asked for twice and never echoed."""
    from segreform.programme import users  # on use (CLI start-up)

    if make_admin and role not in (None, "admin"):
        raise InputError("--admin and --role disagree; use one of them")
    role = "admin" if make_admin else role
    if role is None:
        raise InputError("say which role: --admin or --role ROLE")
    password = None
    if not one_time:
        password = click.prompt("Password", hide_input=True, confirmation_prompt="Repeat the password")
    issued = _run(lambda db: _created(users.create(db, email=email, name=name or email, role=role, actor=ACTOR,
                                                   organisation_code=organisation, password=password)))
    console.print(f"created user {issued['id']} {issued['email']} ({issued['role']})")
    if issued["one_time_password"]:
        click.echo(f"one-time password (shown once; must be changed at the first sign-in): "
                   f"{issued['one_time_password']}")


def _created(issued) -> dict:
    return {"id": issued.user.id, "email": issued.user.email, "role": issued.user.role,
            "one_time_password": issued.one_time_password}


@user.command("list")
@click.option("--active-only", is_flag=True)
def list_users(active_only) -> None:
    """Every account with its role, organisation and state."""
    from segreform.programme import users  # on use (CLI start-up)

    def work(db):
        rows = []
        for u in users.list_users(db, include_inactive=not active_only):
            organisation = db.get(Organisation, u.organisation_id) if u.organisation_id else None
            rows.append((str(u.id), u.email, u.name, u.role, organisation.code if organisation else "",
                         "active" if u.active else "deactivated",
                         "must change password" if u.must_change_password else ""))
        return rows

    # Tab-separated, one user a line: readable, and easy for scripts (never wrapped).
    click.echo("\t".join(("id", "e-mail", "name", "role", "organisation", "state", "note")))
    for row in _run(work):
        click.echo("\t".join(row))


@user.command("update")
@click.argument("email")
@click.option("--name")
@click.option("--role", type=click.Choice(["admin", "officer", "reviewer", "applicant", "agency", "researcher",
                                           "public"]))
@click.option("--organisation", help="Organisation code; '' removes the organisation.")
def update(email, name, role, organisation) -> None:
    """Change a user's name, role or organisation (what is not given stays)."""
    from segreform.programme import users  # on use (CLI start-up)

    def work(db):
        found = users.find_by_email(db, email)
        current = db.get(Organisation, found.organisation_id).code if found.organisation_id else None
        changed = users.update(db, found.id, name=name if name is not None else found.name,
                               role=role or found.role, actor=ACTOR,
                               organisation_code=current if organisation is None else (organisation or None))
        return f"{changed.email}: {changed.role}"

    console.print(f"updated {_run(work)}")


@user.command("deactivate")
@click.argument("email")
def deactivate(email) -> None:
    """Stop EMAIL from signing in; every session ends at once."""
    from segreform.programme import users  # on use (CLI start-up)

    _run(lambda db: users.set_active(db, users.find_by_email(db, email).id, False, ACTOR).id)
    console.print(f"deactivated {email.strip().lower()}")


@user.command("activate")
@click.argument("email")
def activate(email) -> None:
    """Let a deactivated EMAIL sign in again."""
    from segreform.programme import users  # on use (CLI start-up)

    _run(lambda db: users.set_active(db, users.find_by_email(db, email).id, True, ACTOR).id)
    console.print(f"reactivated {email.strip().lower()}")


@user.command("reset")
@click.argument("email")
def reset(email) -> None:
    """Give EMAIL a one-time password (printed once) and end its sessions."""
    from segreform.programme import users  # on use (CLI start-up)

    password = _run(lambda db: users.reset(db, users.find_by_email(db, email).id, ACTOR).one_time_password)
    click.echo(f"one-time password for {email.strip().lower()} (shown once; must be changed at the next "
               f"sign-in): {password}")


@user.command("attach")
@click.argument("email")
@click.option("--area", "areas", multiple=True, required=True, help="A development area code (repeat for more).")
def attach(email, areas) -> None:
    """Attach the researcher EMAIL to development areas (they see those areas' evaluation plans and data)."""
    from segreform.programme import users  # on use (CLI start-up)

    def work(db):
        found = users.find_by_email(db, email)
        for area in areas:
            users.attach_area(db, found.id, area, ACTOR)
        return found.email

    console.print(f"attached {_run(work)} to {', '.join(areas)}")
