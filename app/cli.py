import click
from sqlalchemy import func, select

from . import backup as backups
from .extensions import db


def register_cli(app):
    @app.cli.command("seed-demo")
    @click.option("--size", type=click.Choice(["small", "province"]), default="small")
    @click.option("--seed", type=int, default=2021, help="Random seed: the same seed gives the same data.")
    @click.option("--if-empty", is_flag=True, help="Do nothing when units already exist.")
    def seed_demo_cmd(size, seed, if_empty):
        """Fill the database with a deterministic demo province."""
        from .seed import DEMO_PASSWORD, seed_demo
        from .units.models import Unit

        if db.session.scalar(select(func.count(Unit.id))):
            if if_empty:
                click.echo("Database already has data; demo not re-seeded.")
                _print_accounts()
                return
            raise click.ClickException("Database is not empty; seed-demo only fills an empty database.")
        accounts = seed_demo(size=size, seed=seed, echo=click.echo)
        click.echo(f"Seeded demo ({size}).")
        _print_accounts(accounts)
        click.echo(f"Password for every demo account: {DEMO_PASSWORD}")

    @app.cli.command("restructure-resume")
    @click.argument("op_id", type=int)
    def restructure_resume(op_id):
        """Run the steps an interrupted restructuring has not done yet (its page offers the same to its admins)."""
        from .restructure import services
        from .restructure.models import RestructureOp

        op = db.session.get(RestructureOp, op_id)
        if op is None or op.status not in ("running", "failed"):
            raise click.ClickException("No restructuring to resume with that number.")
        op = services.run(op.id)
        click.echo(f"Restructuring #{op.id}: {op.status}, {op.steps_done}/{op.steps_total} steps. {op.error or ''}")

    @app.cli.command("create-admin")
    @click.argument("username")
    @click.option("--full-name", required=True)
    @click.option("--province", "province_name", required=True, help="Name of the root unit, created if missing.")
    @click.option("--code", default="TINH")
    @click.password_option()
    def create_admin(username, full_name, province_name, code, password):
        """First account of a fresh installation: admin with every role on the province."""
        from .auth.models import User
        from .auth.passwords import password_problem
        from .auth.services import create_user, grant_role
        from .units.models import Unit
        from .units.services import create_unit

        problem = password_problem(password, username)
        if problem:
            raise click.ClickException(problem)
        root = db.session.scalar(select(Unit).where(Unit.parent_id.is_(None), Unit.name == province_name))
        if root is None:
            root = create_unit(parent=None, name=province_name, code=code, level="province", kind="province")
        if db.session.scalar(select(User).where(User.username == username)):
            raise click.ClickException("That username exists.")
        user = create_user(username=username, full_name=full_name, phone=None, password=password, created_by=None)
        for role in ("admin", "officer", "organizer", "inspector", "viewer"):
            grant_role(user=user, unit=root, role=role, granted_by=None)
        db.session.commit()
        click.echo(f"Created {username} on {root.name}.")

    _register_backup(app)


def _register_backup(app):
    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False))
    def backup_cmd(path):
        """Write ONE file (.tar.gz): the database dump, the inspection photos and a manifest."""
        try:
            manifest = backups.backup(path)
        except backups.BackupError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"Backup written to {path} ({manifest['dialect']}, migration {manifest['migration_head']}, "
                   f"{manifest['photos']} photos).")
        _print_counts(manifest["counts"])

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--yes", is_flag=True, help="Replace a database that already has data.")
    def restore_cmd(path, yes):
        """Replace the database and the inspection photos with a backup's (refuses a non-empty database without
        --yes, another dialect, or a backup from a newer migration than this code knows)."""
        try:
            manifest, counts = backups.restore(path, yes=yes)
        except backups.BackupError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"Restored {path} (made {manifest['created_at']}, migration {manifest['migration_head']}).")
        _print_counts(manifest["counts"], counts)
        if counts != manifest["counts"]:
            raise click.ClickException("The restored row counts differ from the backup's manifest.")
        head = manifest["migration_head"]
        if head and head != backups.code_head():
            click.echo(f"The backup is at migration {head}; run `flask db upgrade` to bring it to {backups.code_head()}.")


def _print_counts(expected, restored=None):
    for table, n in expected.items():
        tail = "" if restored is None else f"  restored {restored.get(table, 0):>9}"
        click.echo(f"  {table:<14} backup {n:>9}{tail}")


def _print_accounts(accounts=None):
    from .auth.models import User
    from .seed import DEMO_PASSWORD

    if accounts is None:
        users = db.session.scalars(select(User).where(User.username.like("%.%")).order_by(User.id)).all()
        accounts = [(u.username, "", "") for u in users]
    click.echo("Demo accounts (password: %s):" % DEMO_PASSWORD)
    for username, role, unit in accounts:
        click.echo(f"  {username:<16} {role:<10} {unit}")
