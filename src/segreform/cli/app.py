"""The root command group, shared by every job's CLI module."""

from __future__ import annotations

import click

from segreform import __version__


class InputError(click.ClickException):
    """Bad input from the user: one line on stderr, exit code 2."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="segreform")
def main() -> None:
    """segreform: measure segregation, select and fund municipalities, run networks, evaluate."""
    # Imported here, not at the top: it loads SQLAlchemy and the store, which `segreform --help` and
    # `--version` do not need. The one place (with web.app.create_app) that switches continuous evaluation on.
    from segreform.research import install  # on use, see above

    install()
