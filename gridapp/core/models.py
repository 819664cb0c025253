"""Shared model machinery: declarative base, constraint naming, UTC timestamps, labelled enums."""

import enum
from datetime import UTC, datetime

from sqlalchemy import DateTime, Enum, MetaData, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from gridapp.core.i18n import SOURCE, current_lang, gettext
from gridapp.core.time import now

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Column default for instants: the app's one clock, core.time.now()."""
    return now()


class UTCDateTime(TypeDecorator):
    """Instants stored in UTC; always handed back timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an instant is expected")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class LabelledEnum(enum.StrEnum):
    """A StrEnum whose members carry a Chinese label: `Member = ("value", "标签")`."""

    def __new__(cls, value: str, label: str = ""):
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj._label = label or value
        return obj

    @property
    def label(self) -> str:
        return self._label if current_lang() == SOURCE else gettext(self._label)

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]


def enum_column(enum_cls, **kw):
    """Enum stored as its string value (VARCHAR + CHECK), the same on SQLite and PostgreSQL."""
    name = kw.pop("name", enum_cls.__name__.lower())
    return mapped_column(
        Enum(
            enum_cls,
            values_callable=lambda e: [m.value for m in e],
            native_enum=False,
            create_constraint=True,
            length=32,
            name=name,
            validate_strings=True,
        ),
        **kw,
    )


def name_key_column():
    """The `name_key` column beside a person's `name`: core.text.name_sort_key of the name,
    kept by `keep_normal_form`, so lists order names in pinyin on every database
    (ORDER BY name_key, id)."""
    from sqlalchemy import String, text

    from gridapp.core.text import NAME_KEY_LENGTH

    return mapped_column(String(NAME_KEY_LENGTH), default="", server_default=text("''"))


def keep_normal_form(attribute, normalise, key: str | None = None, key_of=None) -> None:
    """Every value written to the mapped `attribute` (a model's name or phone) is stored as
    `normalise(value)` (core.text), whoever writes it: a form, a service, the demo, the roster
    import. With `key`, the attribute `key` of the same row is set to `key_of(value)` at the same
    moment (a name's pinyin sort key). Values read from the database are left as they are."""
    from sqlalchemy import event

    @event.listens_for(attribute, "set", retval=True)
    def _normalised(target, value, _oldvalue, _initiator):
        if isinstance(value, str):
            value = normalise(value)
            if key is not None:
                setattr(target, key, key_of(value))
        return value
