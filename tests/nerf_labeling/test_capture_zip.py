"""safe_extract_zip: every unsafe archive is refused with a clear error and leaves nothing behind."""
from __future__ import annotations

import io
import stat
import warnings
import zipfile

import pytest

from nerf_labeling.capture import (
    ArchiveTooLargeError,
    CaptureError,
    CorruptArchiveError,
    UnsafeArchiveEntryError,
    safe_extract_zip,
)

LIMITS = {"max_total_bytes": 10_000_000, "max_files": 100}


def _zip(path, entries, compression=zipfile.ZIP_DEFLATED):
    """``entries``: ``(name or ZipInfo, bytes)`` pairs; repeated names are written as given."""
    with warnings.catch_warnings(), zipfile.ZipFile(path, "w", compression=compression) as archive:
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate names some tests need
        for name, data in entries:
            archive.writestr(name, data)
    return path


def _assert_nothing_left(tmp_path, destination):
    assert not destination.exists()
    assert not [p for p in destination.parent.iterdir() if p.name.startswith(".extract-")]


def test_extracts_files_and_folders(tmp_path):
    archive = _zip(tmp_path / "a.zip", [("./", b""), ("scene/transforms.json", b"{}"), ("scene/images/", b""),
                                        ("scene/images/0.png", b"png" * 10)])
    destination = tmp_path / "out"
    files = safe_extract_zip(archive, destination, **LIMITS)
    assert sorted(files) == [destination / "scene/images/0.png", destination / "scene/transforms.json"]
    assert (destination / "scene/images/0.png").read_bytes() == b"png" * 10
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".extract-")]


def test_an_empty_destination_folder_is_fine_a_full_one_is_not(tmp_path):
    archive = _zip(tmp_path / "a.zip", [("x.txt", b"x")])
    (tmp_path / "empty").mkdir()
    assert safe_extract_zip(archive, tmp_path / "empty", **LIMITS) == [tmp_path / "empty" / "x.txt"]
    with pytest.raises(CaptureError, match="must be absent or an empty folder"):
        safe_extract_zip(archive, tmp_path / "empty", **LIMITS)


def _symlink(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def _special(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFIFO | 0o644) << 16
    return info


@pytest.mark.parametrize(
    "entries, error, message",
    [
        ([("ok.txt", b"1"), ("../evil.txt", b"x")], UnsafeArchiveEntryError, "'../evil.txt' escapes"),
        ([("a/../../evil.txt", b"x")], UnsafeArchiveEntryError, "escapes"),
        ([("../", b"")], UnsafeArchiveEntryError, "'../' escapes"),
        ([("..\\evil.txt", b"x")], UnsafeArchiveEntryError, "escapes"),
        ([("/etc/evil", b"x")], UnsafeArchiveEntryError, "'/etc/evil' is absolute"),
        ([("C:/evil", b"x")], UnsafeArchiveEntryError, "is absolute"),
        ([(_symlink("images/link.png"), b"/etc/passwd")], UnsafeArchiveEntryError, "'images/link.png' is a symbolic link"),
        ([(_special("fifo"), b"")], UnsafeArchiveEntryError, "'fifo' is a special file"),
        ([("a.txt", b"1"), ("a.txt", b"2")], UnsafeArchiveEntryError, "'a.txt' names the same path as 'a.txt'"),
        ([("a/b.txt", b"1"), ("./a//b.txt", b"2")], UnsafeArchiveEntryError, "'./a//b.txt' names the same path as 'a/b.txt'"),
        ([("a", b"1"), ("a/b.txt", b"2")], UnsafeArchiveEntryError, "'a/b.txt' clashes with another entry"),
        ([("zeros.bin", b"\0" * 200_000)], ArchiveTooLargeError, r"'zeros.bin' expands \d+x .* over the limit of 100x"),
        ([(f"f{i}.txt", b"x") for i in range(101)], ArchiveTooLargeError, "archive has 101 entries, over the limit of 100"),
        ([("big1.bin", bytes(range(256)) * 30_000), ("big2.bin", bytes(range(256)) * 30_000)], ArchiveTooLargeError,
         "declares 15360000 bytes uncompressed, over the limit of 10000000"),
    ],
)
def test_unsafe_archives_are_refused_and_leave_nothing(tmp_path, entries, error, message):
    archive = _zip(tmp_path / "bad.zip", entries)
    destination = tmp_path / "out"
    with pytest.raises(error, match=message):
        safe_extract_zip(archive, destination, **LIMITS)
    _assert_nothing_left(tmp_path, destination)
    assert not (tmp_path / "evil.txt").exists()


def test_encrypted_entries_are_refused(tmp_path):
    data = bytearray((_zip(tmp_path / "e.zip", [("secret.txt", b"x" * 10)])).read_bytes())
    central = data.rindex(b"PK\x01\x02")
    data[central + 8] |= 0x1  # zipfile cannot write encrypted entries: set the flag by hand
    (tmp_path / "e.zip").write_bytes(bytes(data))
    with pytest.raises(CorruptArchiveError, match="'secret.txt' is encrypted"):
        safe_extract_zip(tmp_path / "e.zip", tmp_path / "out", **LIMITS)
    _assert_nothing_left(tmp_path, tmp_path / "out")


def test_not_a_zip(tmp_path):
    (tmp_path / "bad.zip").write_bytes(b"PK\x03\x04 but not really a zip file")
    with pytest.raises(CorruptArchiveError, match="bad.zip: not a readable zip archive"):
        safe_extract_zip(tmp_path / "bad.zip", tmp_path / "out", **LIMITS)
    _assert_nothing_left(tmp_path, tmp_path / "out")


def _stored_zip_with(tmp_path, payload: bytes) -> bytes:
    _zip(tmp_path / "s.zip", [("first.txt", b"fine"), ("data.bin", payload)], compression=zipfile.ZIP_STORED)
    return (tmp_path / "s.zip").read_bytes()


def test_crc_mismatch_leaves_nothing_not_even_the_good_entries(tmp_path):
    payload = b"0123456789abcdef" * 64
    data = bytearray(_stored_zip_with(tmp_path, payload))
    start = data.index(payload)
    data[start + 100] ^= 0xFF
    (tmp_path / "crc.zip").write_bytes(bytes(data))
    with pytest.raises(CorruptArchiveError, match=r"'data.bin' cannot be extracted \(Bad CRC-32"):
        safe_extract_zip(tmp_path / "crc.zip", tmp_path / "out", **LIMITS)
    _assert_nothing_left(tmp_path, tmp_path / "out")


def test_a_header_understating_the_size_is_refused(tmp_path):
    payload = b"z" * 4000
    data = bytearray(_stored_zip_with(tmp_path, payload))
    central = data.rindex(b"PK\x01\x02", 0, data.rindex(b"data.bin"))  # central directory record of data.bin
    data[central + 24 : central + 28] = (1000).to_bytes(4, "little")  # uncompressed size: 1000, not 4000
    (tmp_path / "lie.zip").write_bytes(bytes(data))
    with pytest.raises(CorruptArchiveError, match=r"'data.bin' cannot be extracted \(Bad CRC-32"):
        safe_extract_zip(tmp_path / "lie.zip", tmp_path / "out", **LIMITS)
    _assert_nothing_left(tmp_path, tmp_path / "out")


def test_bytes_beyond_the_declared_size_are_never_written(tmp_path, monkeypatch):
    # zipfile itself stops at the declared size; this guards against a reader that would not.
    archive = _zip(tmp_path / "a.zip", [("data.bin", b"x" * 100)])
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda self, info, *a, **k: io.BytesIO(b"x" * 5000))
    with pytest.raises(ArchiveTooLargeError, match="'data.bin' holds more than its declared 100 bytes"):
        safe_extract_zip(archive, tmp_path / "out", **LIMITS)
    _assert_nothing_left(tmp_path, tmp_path / "out")


def test_missing_archive(tmp_path):
    with pytest.raises(CorruptArchiveError, match="missing.zip: file does not exist"):
        safe_extract_zip(tmp_path / "missing.zip", tmp_path / "out", **LIMITS)
