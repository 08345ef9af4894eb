"""Everything one server process holds: engines, the writer and the core services."""

from __future__ import annotations

import logging

from sqlalchemy import Engine

from errorledger.core.authn import Authenticator
from errorledger.core.capsules import Capsules
from errorledger.core.import_logs import ImportLogs
from errorledger.core.ingest import Ingestor
from errorledger.core.issues import Issues
from errorledger.core.policies import ProjectPolicies
from errorledger.core.query import EntryQuery
from errorledger.core.ratelimit import RateLimiter
from errorledger.core.timestamping import Timestamping
from errorledger.core.transparency import Transparency
from errorledger.files import make_private_directory
from errorledger.keyring import load_keyring
from errorledger.settings import Settings
from errorledger.storage import migrate
from errorledger.storage.database import create_database_engine, create_sqlite_file, sqlite_file
from errorledger.storage.writer import create_writer

log = logging.getLogger(__name__)


def prepare_files(settings: Settings) -> None:
    """The data directory and the SQLite database file (when SQLite is used), made private
    to the user that runs the service: 0700 and 0600, tightened if they were not."""
    database = sqlite_file(settings.database_url)
    in_data_dir = [settings.keys_path, *([database] if database else [])]
    if any(path.absolute().is_relative_to(settings.data_dir.absolute()) for path in in_data_dir):
        make_private_directory(settings.data_dir)
    create_sqlite_file(settings.database_url)


class Runtime:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        prepare_files(settings)
        self.read_engine: Engine = create_database_engine(settings.database_url)
        self.write_engine: Engine = create_database_engine(settings.database_url, writer=True)
        self.writer = create_writer(
            self.write_engine,
            max_batch=settings.write_batch_max,
            max_queue=settings.write_queue_max,
        )
        self.limiter = RateLimiter(
            write=settings.write_rate_limit,
            read=settings.read_rate_limit,
            token=settings.token_rate_limit,
            storage_uri=settings.rate_limit_storage,
        )
        self.authenticator = Authenticator(
            self.read_engine,
            self.writer,
            self.limiter,
            token_ttl_seconds=settings.oauth_token_ttl_seconds,
        )
        self.policies = ProjectPolicies(
            self.read_engine,
            self.writer,
            redact=settings.redact,
            emails=settings.redact_emails,
        )
        self.ingestor = Ingestor(self.writer, self.limiter, self.policies)
        self.entries = EntryQuery(self.read_engine, self.limiter)
        self.issues = Issues(self.entries, self.writer, self.policies)
        self.import_logs = ImportLogs(self.ingestor, self.entries)
        self.keys = load_keyring(settings.keys_path, log_name=settings.log_origin)
        self.transparency = Transparency(
            self.entries, self.writer, self.keys, origin=settings.log_origin
        )
        self.capsules = Capsules(self.ingestor, self.keys.tsa)
        self.timestamping = Timestamping(self.authenticator, self.limiter, self.keys.tsa)

    def start(self) -> None:
        revision = migrate.upgrade(self.write_engine)
        log.info("database at revision %s", revision)
        self.policies.prepare()
        self.writer.start()

    def close(self) -> None:
        self.writer.close()
        self.read_engine.dispose()
        self.write_engine.dispose()
