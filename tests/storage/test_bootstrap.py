"""The first start on an empty database, from several processes at once."""

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine, func, select

from errorledger.core.accounts import Accounts, Bootstrap
from errorledger.settings import Settings
from errorledger.storage.database import create_database_engine
from errorledger.storage.tables import api_keys, integrations, projects

STARTS = 4


def test_first_starts_at_once_make_one_default_project(settings: Settings, engine: Engine) -> None:
    # an engine each, as separate server processes have; `engine` has migrated the database
    engines = [create_database_engine(settings.database_url, writer=True) for _ in range(STARTS)]
    ready = threading.Barrier(STARTS)

    def first_start(own: Engine) -> Bootstrap | None:
        ready.wait()
        return Accounts(own).bootstrap()

    try:
        with ThreadPoolExecutor(STARTS) as pool:
            results = list(pool.map(first_start, engines))
    finally:
        for own in engines:
            own.dispose()

    made = [result for result in results if result is not None]
    assert len(made) == 1
    with engine.connect() as conn:
        for table in (projects, integrations, api_keys):
            assert conn.execute(select(func.count()).select_from(table)).scalar() == 1
        assert conn.execute(select(projects.c.id)).scalar() == made[0].project.id


def test_a_later_start_creates_nothing(engine: Engine) -> None:
    assert Accounts(engine).bootstrap() is not None
    assert Accounts(engine).bootstrap() is None
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(projects)).scalar() == 1
