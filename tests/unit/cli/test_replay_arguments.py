"""``make replay``'s arguments: a bad one is an argument error naming it, never a traceback."""

from __future__ import annotations

import pytest

from crypto_advisor.cli.replay import main


@pytest.mark.parametrize("warmup", ["-5", "ten"])
def test_a_warmup_that_is_no_count_of_candles_is_refused_by_name(warmup, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--warmup", warmup])
    assert exited.value.code == 2
    assert "argument --warmup" in capsys.readouterr().err
