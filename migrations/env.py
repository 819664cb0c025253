import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Interpret the config file for Python logging.
# This line sets up loggers basically.
fileConfig(config.config_file_name)
logger = logging.getLogger("alembic.env")


def get_engine():
    # Flask-SQLAlchemy 3: `engine` (the template's get_engine() is deprecated and warns).
    return current_app.extensions["migrate"].db.engine


def get_engine_url():
    try:
        return get_engine().url.render_as_string(hide_password=False).replace("%", "%%")
    except AttributeError:
        return str(get_engine().url).replace("%", "%%")


# add your model's MetaData object here
# for 'autogenerate' support
# from myapp import mymodel
# target_metadata = mymodel.Base.metadata
config.set_main_option("sqlalchemy.url", get_engine_url())
target_db = current_app.extensions["migrate"].db

# other values from the config, defined by the needs of env.py,
# can be acquired:
# my_important_option = config.get_main_option("my_important_option")
# ... etc.


def get_metadata():
    if hasattr(target_db, "metadatas"):
        return target_db.metadatas[None]
    return target_db.metadata


def _render_item(type_, obj, autogen_context):
    """Write our TypeDecorators as the plain SQLAlchemy types they store (migrations stay frozen)."""
    if type_ == "type" and hasattr(obj, "impl") and obj.__class__.__module__.startswith("gridapp"):
        return "sa." + repr(obj.impl)
    return False


def run_migrations_offline():
    """Run migrations in 'offline' mode.

    This configures the context with just a URL
    and not an Engine, though an Engine is acceptable
    here as well.  By skipping the Engine creation
    we don't even need a DBAPI to be available.

    Calls to context.execute() here emit the given string to the
    script output.

    """
    url = config.get_main_option("sqlalchemy.url")
    context.configure(url=url, target_metadata=get_metadata(), literal_binds=True)

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run migrations in 'online' mode.

    In this scenario we need to create an Engine
    and associate a connection with the context.

    """

    # this callback is used to prevent an auto-migration from being generated
    # when there are no changes to the schema
    # reference: http://alembic.zzzcomputing.com/en/latest/cookbook.html
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = current_app.extensions["migrate"].configure_args
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives

    connectable = get_engine()

    with connectable.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        raw = connection.connection.driver_connection
        if sqlite:
            # Python's sqlite3 opens a transaction only before DML, so a migration that fails
            # half-way would keep its DDL (a `_alembic_tmp_users` left behind, the next upgrade
            # stuck). The migrations run in one transaction that this file begins itself.
            raw.isolation_level = None
            # Batch mode rebuilds a table (copy, DROP, rename); with foreign keys enforced, the
            # DROP of a table that other rows reference fails. SQLite's documented procedure for
            # altering a table: keys off outside the transaction, checked again before commit.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        # Batch mode lets later migrations alter columns on SQLite; compare_type for alembic check.
        conf_args.setdefault("render_as_batch", sqlite)
        conf_args.setdefault("compare_type", True)
        conf_args.setdefault("render_item", _render_item)
        if sqlite:
            conf_args.setdefault("transactional_ddl", True)
        context.configure(connection=connection, target_metadata=get_metadata(), **conf_args)

        try:
            with context.begin_transaction():
                if sqlite:
                    connection.exec_driver_sql("BEGIN")
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"the migrations broke foreign keys: {broken[:10]}")
        finally:
            if sqlite:
                connection.rollback()  # nothing open after a commit; PRAGMA needs no transaction
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()
                raw.isolation_level = ""


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
