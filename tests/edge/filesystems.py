"""Real failing filesystems for the storage-fault tests: a tiny tmpfs to fill, an ext4 image the
kernel remounts read-only under a running gate, a read-only bind mount.

They need the right to mount (root, or CAP_SYS_ADMIN in a container); where the machine does not
give it, the test is skipped with the reason, never faked. As root, ``chmod`` does not stop a
write, so a read-only directory is a mount; without root it can be a ``chmod``
(``read_only_dir``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def _run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True, text=True)


def _mount_or_skip(*command: str) -> None:
    try:
        _run(*command)
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        pytest.skip(f"this machine does not allow `{' '.join(command)}`: {detail.strip()}")


@contextmanager
def tiny_tmpfs(where: Path, size: str = "4m") -> Iterator[Path]:
    """A tmpfs of ``size`` at ``where``: fill it with ``fill`` to make the disk full."""
    where.mkdir(parents=True, exist_ok=True)
    _mount_or_skip("mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where))
    try:
        yield where
    finally:
        _run("umount", "-l", str(where))


def fill(folder: Path) -> Path:
    """Write a file until the filesystem has no byte left; remove it to free the space."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 65536)
    except OSError as exc:
        assert exc.errno == 28, exc  # ENOSPC: full, and nothing else
    finally:
        os.close(fd)
    return filler


@contextmanager
def ext4_image(where: Path, size_mb: int = 16) -> Iterator[Path]:
    """A fresh ext4 filesystem on a loop device at ``where``, mounted ``errors=remount-ro``."""
    if not shutil.which("mkfs.ext4"):
        pytest.skip("mkfs.ext4 is not installed")
    image = where.with_suffix(".img")
    with open(image, "wb") as handle:
        handle.truncate(size_mb * 1024 * 1024)
    _run("mkfs.ext4", "-q", "-F", str(image))
    where.mkdir(parents=True, exist_ok=True)
    _mount_or_skip("mount", "-o", "loop,errors=remount-ro", str(image), str(where))
    try:
        yield where
    finally:
        _run("umount", "-l", str(where))  # -l: the gate may still hold the file open
        image.unlink()


def fail_ext4(mounted: Path) -> None:
    """Make the kernel find an error on the filesystem: ``errors=remount-ro`` turns it read-only,
    with the gate's files open (as a failing SD card or disk does; a plain remount would be refused
    while a file is open for writing)."""
    source = subprocess.run(["findmnt", "-n", "-o", "SOURCE", str(mounted)], check=True,
                            capture_output=True, text=True).stdout.strip()
    trigger = Path("/sys/fs/ext4") / Path(os.path.realpath(source)).name / "trigger_fs_error"
    if not trigger.exists():
        pytest.skip(f"this kernel has no {trigger} to make the filesystem fail")
    trigger.write_text("test: storage fault\n")
    options = subprocess.run(["findmnt", "-n", "-o", "OPTIONS", str(mounted)], check=True,
                             capture_output=True, text=True).stdout
    # older kernels show "ro"; newer ones keep "rw" and add "emergency_ro" (every write refused)
    assert {"ro", "emergency_ro"} & set(options.strip().split(",")), f"{mounted} is not read-only: {options}"


@contextmanager
def read_only_dir(source: Path, where: Path) -> Iterator[Path]:
    """``source`` seen read-only at ``where``: a read-only bind mount as root, a copy under chmod
    (files 0444, folders 0555) otherwise."""
    if os.geteuid() != 0:
        shutil.copytree(source, where)
        for path in [where, *where.rglob("*")]:
            path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield where
        finally:
            for path in [where, *where.rglob("*")]:
                path.chmod(0o755 if path.is_dir() else 0o644)
        return
    where.mkdir(parents=True, exist_ok=True)
    _mount_or_skip("mount", "--bind", str(source), str(where))
    try:
        _run("mount", "-o", "remount,ro,bind", str(where))
        yield where
    finally:
        _run("umount", "-l", str(where))
