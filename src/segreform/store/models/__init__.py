"""All tables. Importing this module registers every model on ``Base.metadata``."""

from segreform.store.models import data, evaluation, programme, programme_definition, programme_people, security  # noqa: F401
