"""C2SP tlog-checkpoint text, signed and opened."""

from __future__ import annotations

import base64

import pytest

from errorledger.tlog.signing import Signer, sign_checkpoint, sign_note
from errorledger_client.log.checkpoint import Checkpoint, open_checkpoint, parse_checkpoint
from errorledger_client.log.hashing import EMPTY_ROOT
from errorledger_client.log.verify import VerificationError

ROOT = bytes(range(32))
ROOT_B64 = base64.b64encode(ROOT).decode()


def test_text_is_origin_size_root() -> None:
    checkpoint = Checkpoint("example.com/log", 20852163, ROOT)
    assert checkpoint.text() == f"example.com/log\n20852163\n{ROOT_B64}\n"
    assert parse_checkpoint(checkpoint.text()) == checkpoint


def test_extension_lines_round_trip() -> None:
    checkpoint = Checkpoint("o", 0, EMPTY_ROOT, ("ext one", "ext two"))
    assert checkpoint.text().endswith("\next one\next two\n")
    assert parse_checkpoint(checkpoint.text()) == checkpoint


@pytest.mark.parametrize(
    "text",
    [
        f"o\n1\n{ROOT_B64}",  # no final newline
        "o\n1\n",  # no root
        f"o\n01\n{ROOT_B64}\n",  # leading zero
        f"o\n+1\n{ROOT_B64}\n",
        f"o\n1_0\n{ROOT_B64}\n",
        f"o\n\u0661\n{ROOT_B64}\n",  # an Arabic-Indic digit, which int() would take
        f"o\n-1\n{ROOT_B64}\n",
        f"\n1\n{ROOT_B64}\n",  # empty origin
        "o\n1\nAAAA\n",  # root of 3 bytes
        "o\n1\n!!!\n",
        f"o\n1\n{ROOT_B64}\n\n",  # empty extension line
    ],
)
def test_malformed_text_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="checkpoint"):
        parse_checkpoint(text)


def test_sign_and_open() -> None:
    signer = Signer("example.com/log", bytes(32))
    checkpoint = Checkpoint("example.com/log", 5, ROOT)
    message = sign_checkpoint(checkpoint, signer)
    assert open_checkpoint(message, [signer.verifier]) == checkpoint
    assert open_checkpoint(message, [signer.verifier], origin="example.com/log") == checkpoint
    with pytest.raises(VerificationError, match="origin"):
        open_checkpoint(message, [signer.verifier], origin="example.com/other")
    with pytest.raises(VerificationError):
        open_checkpoint(message.replace("\n5\n", "\n6\n"), [signer.verifier])


def test_a_signed_note_that_is_no_checkpoint_is_refused() -> None:
    signer = Signer("example.com/log", bytes(32))
    with pytest.raises(VerificationError, match="malformed checkpoint"):
        open_checkpoint(sign_note("just text\n", signer), [signer.verifier])
