"""The recovery words split into shares (issue 14's "no one holds every queue",
carried to the words that open every queue): one share, the one a unit holds,
opens nothing; any two of three stand in for the words in every command."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from flask.testing import FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.crypto.keyring import (
    KeysError,
    generate_recovery_words,
    read_recovery_file,
    recovery_private_key,
)
from hotline.crypto.recovery_shares import recovery_words_in, split_recovery_words
from hotline.models import Officer
from tests.helpers.instance import Initialised
from tests.helpers.officers import only_designation


def test_any_two_of_three_shares_give_back_the_words_and_one_gives_nothing() -> None:
    words = generate_recovery_words()
    shares = split_recovery_words(words, shares=3, needed=2)
    assert len(set(shares)) == 3
    assert all(len(share.split()) == 35 for share in shares)
    for pair in itertools.permutations(shares, 2):
        assert recovery_words_in("\n".join(pair)) == words
    for share in shares:
        with pytest.raises(KeysError, match="2 different shares are needed") as refused:
            recovery_words_in(share)
        assert share.split()[0] not in str(refused.value)  # errors quote no word
        with pytest.raises(KeysError):
            recovery_words_in(f"{share}\n{share}")  # the same share twice is one share
    # Shares of another split of the same words do not mix with these.
    other = split_recovery_words(words, shares=3, needed=2)
    with pytest.raises(KeysError, match="nor enough shares"):
        recovery_words_in(f"{shares[0]}\n{other[1]}")
    assert recovery_private_key(recovery_words_in("\n".join(shares[1:]))).public_key().raw == (
        recovery_private_key(words).public_key().raw
    )


def test_a_mistyped_share_is_refused_not_turned_into_other_words() -> None:
    words = generate_recovery_words()
    first, second, _ = split_recovery_words(words, shares=3, needed=2)
    typo = first.split()
    typo[10] = "academic" if typo[10] != "academic" else "acid"
    with pytest.raises(KeysError):
        recovery_words_in(" ".join(typo) + "\n" + second)


def test_split_command_writes_shares_that_designate_an_officer(
    runner: FlaskCliRunner, initialised: Initialised, db: Session, tmp_path: Path
) -> None:
    folder = tmp_path / "shares"
    folder.mkdir()
    split = runner.invoke(
        args=["recovery", "split", "--recovery-file", str(initialised.recovery_file), str(folder)]
    )
    assert split.exit_code == 0, split.output
    paths = sorted(folder.iterdir())
    assert [p.name for p in paths] == [f"recovery-share-{n}-of-3.txt" for n in (1, 2, 3)]
    assert all(p.stat().st_mode & 0o077 == 0 for p in paths)
    assert initialised.recovery_words.split()[0] not in split.output

    # One unit's share alone designates nobody; two units' together do.
    alone = tmp_path / "alone.txt"
    alone.write_text(paths[0].read_text())
    refused = runner.invoke(
        args=["officer", "add", "uwase", "--queue", "investigation", "--password-stdin"]
        + ["--recovery-file", str(alone)],
        input="correct horse battery\n",
    )
    assert refused.exit_code == 1
    assert "2 different shares are needed" in refused.output
    assert db.scalar(select(Officer).where(Officer.username == "uwase")) is None

    together = tmp_path / "together.txt"
    together.write_text(paths[2].read_text() + paths[0].read_text())
    assert read_recovery_file(together) == initialised.recovery_words
    added = runner.invoke(
        args=["officer", "add", "uwase", "--queue", "investigation", "--password-stdin"]
        + ["--recovery-file", str(together)],
        input="correct horse battery\n",
    )
    assert added.exit_code == 0, added.output
    designation = only_designation(db, "uwase")
    assert not designation.pending

    again = runner.invoke(
        args=["recovery", "split", "--recovery-file", str(initialised.recovery_file), str(folder)]
    )
    assert again.exit_code == 1
    assert "refusing to overwrite" in again.output
