"""The service's signing keys: the Ed25519 key that signs checkpoints and the TSA's P-256
key and certificate. They live in ``ERRORLEDGER_KEYS_DIR`` (default ``<data dir>/keys``),
made there on first start with mode 0600. Several processes serving one PostgreSQL must
sign as one log and one TSA: point them all at the same keys directory (or copies of it).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from errorledger.errors import ConfigurationError
from errorledger.files import locked, write_private_file
from errorledger.tlog.signing import Signer
from errorledger.tsa.authority import TimeStampAuthority
from errorledger.tsa.identity import load_or_create_identity
from errorledger_client.log.note import Verifier

LOG_KEY_FILE = "log-ed25519.key"
_LOCK_FILE = ".log-key.lock"


@dataclasses.dataclass(frozen=True, slots=True)
class Keyring:
    log_signer: Signer
    tsa: TimeStampAuthority

    @property
    def log_verifier(self) -> Verifier:
        return self.log_signer.verifier


def load_keyring(keys_dir: Path, *, log_name: str) -> Keyring:
    keys_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    return Keyring(
        log_signer=load_or_create_log_signer(keys_dir / LOG_KEY_FILE, name=log_name),
        tsa=TimeStampAuthority(load_or_create_identity(keys_dir)),
    )


def load_or_create_log_signer(path: Path, *, name: str) -> Signer:
    """The signer in ``path`` (a ``PRIVATE+KEY+…`` line, as Go's sumdb/note writes them),
    made with ``name`` if there is none. A key made under another name is refused: its
    checkpoints would not verify under the name the log now announces."""
    with locked(path.parent / _LOCK_FILE):
        if not path.exists():
            write_private_file(path, (Signer.generate(name).key + "\n").encode())
        try:
            signer = Signer.from_key(path.read_text("ascii").strip())
        except (OSError, ValueError) as exc:
            raise ConfigurationError(f"{path}: not a usable log signing key: {exc}") from exc
    if signer.name != name:
        raise ConfigurationError(
            f"{path} signs as {signer.name!r} but ERRORLEDGER_LOG_ORIGIN is {name!r}"
        )
    return signer
