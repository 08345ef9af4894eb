"""``errorledger serve`` prints a key once, on the first start only."""

from pathlib import Path

import pytest

from tests.serverproc import ServerProcess


@pytest.mark.slow
def test_the_key_is_printed_on_the_first_start_only(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'errorledger.db'}"
    outputs = []
    for run in range(2):
        server = ServerProcess(
            data_dir=tmp_path, database_url=url, log_path=tmp_path / f"{run}.log"
        )
        try:
            server.wait_ready()
            outputs.append(server.output())
        finally:
            server.kill()
    assert "secret" in outputs[0]
    assert "curl" in outputs[0]
    assert "secret" not in outputs[1]
