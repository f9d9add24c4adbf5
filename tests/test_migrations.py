"""Alembic: `upgrade head` builds exactly the models' schema, and downgrades cleanly."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from hotline import migrations
from hotline.config import Config
from hotline.db import Base


# SQLite's reflection cannot read back the queue's "next deadline" index (an
# expression, 0009); PostgreSQL's can, and is compared.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
def test_upgrade_head_matches_the_models_and_downgrade_removes_everything(config: Config) -> None:
    migrations.upgrade(config.database_url)
    engine = create_engine(config.database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection)
            assert compare_metadata(context, Base.metadata) == []
        migrations.downgrade(config.database_url, "base")
        remaining = set(inspect(engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        migrations.upgrade(config.database_url)
        assert "disclosures" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
