"""Reading the contract's files: csv_open refuses what it must not read, whoever listed the file."""

import os

import pytest

from ingestion.importing.csv_reading import FileRefused, csv_open


def test_a_link_is_refused_even_where_a_listing_let_it_through(tmp_path):
    # O_NOFOLLOW: a link put in a file's place between the listing of a folder and the opening is not followed
    secret = tmp_path / "secret.txt"
    secret.write_text("DATABASE_PASSWORD=hunter2")
    (tmp_path / "leads.csv").symlink_to(secret)

    with pytest.raises(FileRefused, match="a symbolic link; refused, not followed"):
        csv_open(tmp_path / "leads.csv")
    with pytest.raises(FileRefused):
        csv_open(tmp_path / "leads.csv", binary=True)


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    os.mkfifo(tmp_path / "leads.csv")

    with pytest.raises(FileRefused, match="not a regular file"):
        csv_open(tmp_path / "leads.csv")


def test_a_regular_file_is_read_as_text_without_its_byte_order_mark(tmp_path):
    (tmp_path / "leads.csv").write_bytes("\ufeffexternal_id\n".encode())

    with csv_open(tmp_path / "leads.csv") as handle:
        assert handle.read() == "external_id\n"
