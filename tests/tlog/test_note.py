"""C2SP signed notes: keys in Go's formats, signing, opening, and tampering."""

from __future__ import annotations

import base64
import sys

import pytest

from errorledger.tlog.signing import Signer, sign_note, signature_line
from errorledger_client.log.note import (
    MissingExtraError,
    Signature,
    Verifier,
    key_id,
    open_note,
)
from errorledger_client.log.verify import VerificationError

SEED = bytes(range(32))
TEXT = "example.com/log\n7\nsome text\n"


@pytest.fixture
def signer() -> Signer:
    return Signer("example.com/log", SEED)


def test_key_strings_round_trip(signer: Signer) -> None:
    verifier = Verifier.from_key(signer.verifier.key)
    assert verifier == signer.verifier
    assert Signer.from_key(signer.key) == signer
    name, hex_id, encoded = verifier.key.split("+", 2)
    assert (name, hex_id) == ("example.com/log", key_id(name, verifier.public_key).hex())
    assert base64.b64decode(encoded) == b"\x01" + verifier.public_key
    assert signer.key.startswith(f"PRIVATE+KEY+example.com/log+{hex_id}+")
    assert SEED.hex() not in repr(signer)


def test_generated_keys_differ() -> None:
    assert Signer.generate("a").seed != Signer.generate("a").seed


@pytest.mark.parametrize(
    "vkey",
    [
        "example.com/log+00000000+AQ==",
        "example.com/log+zzzzzzzz+" + base64.b64encode(b"\x01" + b"\x00" * 32).decode(),
        "example.com/log+1234567+" + base64.b64encode(b"\x01" + b"\x00" * 32).decode(),
        "bad name+12345678+" + base64.b64encode(b"\x01" + b"\x00" * 32).decode(),
        "a+b+12345678+" + base64.b64encode(b"\x01" + b"\x00" * 32).decode(),
        "example.com/log+12345678+!!!",
        "example.com/log+12345678+" + base64.b64encode(b"\x02" + b"\x00" * 32).decode(),
        "",
    ],
)
def test_malformed_verifier_keys_are_refused(vkey: str) -> None:
    with pytest.raises(ValueError, match=r"verifier key|key name"):
        Verifier.from_key(vkey)


def test_a_key_id_that_does_not_match_is_refused(signer: Signer) -> None:
    name, hex_id, encoded = signer.verifier.key.split("+", 2)
    wrong = f"{int(hex_id, 16) ^ 1:08x}"
    with pytest.raises(ValueError, match="does not match"):
        Verifier.from_key(f"{name}+{wrong}+{encoded}")
    with pytest.raises(ValueError, match="does not match"):
        Signer.from_key(signer.key.replace(hex_id, wrong))
    with pytest.raises(ValueError, match="PRIVATE"):
        Signer.from_key(signer.verifier.key)


def test_sign_and_open(signer: Signer) -> None:
    message = sign_note(TEXT, signer)
    assert message.startswith(TEXT + "\n\u2014 example.com/log ")
    assert message.endswith("\n")
    note = open_note(message, [signer.verifier])
    assert note.text == TEXT
    assert [s.name for s in note.verified] == ["example.com/log"]
    assert open_note(message.encode(), [signer.verifier]) == note


def test_unknown_signatures_are_set_aside(signer: Signer) -> None:
    other = Signer("witness.example/w1", bytes(32))
    message = sign_note(TEXT, other, signer)
    note = open_note(message, [signer.verifier])
    assert [s.name for s in note.unverified] == ["witness.example/w1"]
    with pytest.raises(VerificationError, match="no signature by a known key"):
        open_note(sign_note(TEXT, other), [signer.verifier])


def test_same_name_other_key_is_unknown_not_invalid(signer: Signer) -> None:
    impostor = Signer(signer.name, bytes(32))
    with pytest.raises(VerificationError, match="no signature by a known key"):
        open_note(sign_note(TEXT, impostor), [signer.verifier])


def test_a_note_signed_in_one_key_opens_whatever_its_signature_order(signer: Signer) -> None:
    other = Signer("b", bytes(32))
    message = sign_note(TEXT, signer, other)
    note = open_note(message, [other.verifier, signer.verifier])
    assert {s.name for s in note.verified} == {signer.name, "b"}


def _tamper_signature(message: str) -> str:
    head, line = message[: message.rindex("\u2014")], message[message.rindex("\u2014") :]
    name, encoded = line.removeprefix("\u2014 ").rstrip("\n").split(" ")
    raw = bytearray(base64.b64decode(encoded))
    raw[-1] ^= 1
    return f"{head}\u2014 {name} {base64.b64encode(bytes(raw)).decode()}\n"


def test_tampered_notes_fail(signer: Signer) -> None:
    message = sign_note(TEXT, signer)
    for tampered in [
        message.replace("7", "8", 1),
        message.replace("example.com/log\n", "example.com/lag\n", 1),
        "x" + message,
        _tamper_signature(message),
    ]:
        with pytest.raises(VerificationError):
            open_note(tampered, [signer.verifier])
    with pytest.raises(VerificationError, match="invalid signature"):
        open_note(_tamper_signature(message), [signer.verifier])


@pytest.mark.parametrize(
    "message",
    [
        "text\n\u2014 a AAAAAAA=\n",  # no blank line
        "text\n\n\u2014 a AAAAAAAA\n\n",  # blank line after signatures
        "text\n\n\u2014 a AAAAAAAA",  # no final newline
        "text\n\n- a AAAAAAAA\n",  # hyphen, not em dash
        "text\n\n\u2014 a AAAA\n",  # only a key id
        "text\n\n\u2014 a !!!!\n",  # not base64
        "text\n\n\u2014 a+b AAAAAAAA\n",  # plus in the name
        "te\txt\n\n\u2014 a AAAAAAAA\n",  # control character
        "text\n\n" + "\u2014 a AAAAAAAA\n" * 101,
    ],
)
def test_malformed_notes_are_refused(message: str, signer: Signer) -> None:
    with pytest.raises(VerificationError, match="malformed note"):
        open_note(message, [signer.verifier])


def test_non_utf8_notes_are_refused(signer: Signer) -> None:
    with pytest.raises(VerificationError, match="not UTF-8"):
        open_note(b"\xff\n\n", [signer.verifier])


def test_note_text_must_end_in_a_newline(signer: Signer) -> None:
    with pytest.raises(ValueError, match="end in a newline"):
        sign_note("no newline", signer)
    with pytest.raises(ValueError, match="at least one signer"):
        sign_note(TEXT)


def test_signature_line_format() -> None:
    line = signature_line(Signature("n", b"\x00\x00\x00\x01", b"\xff"))
    assert line == "\u2014 n AAAAAf8=\n"


def test_invalid_key_names_are_refused() -> None:
    for name in ["", "a b", "a+b", "a\u00a0b"]:
        with pytest.raises(ValueError, match="invalid key name"):
            Signer(name, SEED)


def test_without_cryptography_a_signature_check_says_which_extra_to_install(
    signer: Signer, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = sign_note(TEXT, signer)
    for name in [n for n in sys.modules if n.partition(".")[0] == "cryptography"]:
        monkeypatch.setitem(sys.modules, name, None)  # what an uninstalled package is
    with pytest.raises(MissingExtraError, match=r"install errorledger-client\[audit\]"):
        open_note(message, [signer.verifier])
