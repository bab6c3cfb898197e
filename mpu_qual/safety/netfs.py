"""Warn when a project sits on a network share or a cloud-synced folder.

SQLite's locking (and WAL's shared memory) is unreliable over NFS/SMB, and sync clients
(Dropbox, OneDrive, ...) copy ``project.db`` without its ``-wal`` file, which produces
corrupt or stale copies. We cannot prevent it, so we say so every time the project opens.
"""

from __future__ import annotations

import os
from pathlib import Path

MOUNTS_FILE = "/proc/mounts"

# Filesystem types (as /proc/mounts spells them) where SQLite locking cannot be trusted.
NETWORK_FS = {
    "nfs",
    "nfs4",
    "cifs",
    "smb",
    "smb2",
    "smb3",
    "smbfs",
    "9p",
    "afs",
    "ncpfs",
    "coda",
    "davfs",
    "glusterfs",
    "ceph",
    "lustre",
    "gpfs",
    "beegfs",
    "sshfs",
    "fuse.sshfs",
    "fuse.rclone",
    "fuse.s3fs",
    "fuse.gcsfuse",
    "fuse.davfs2",
    "fuse.glusterfs",
    "fuse.cephfs",
    "fuse.onedriver",
    "fuse.google-drive-ocamlfuse",
    "fuse.dropbox",
    "fuse.mega",
}

# Folder names that sync clients create; compared case-insensitively against each path part.
CLOUD_FOLDERS = {
    "dropbox": "Dropbox",
    "onedrive": "OneDrive",
    "google drive": "Google Drive",
    "googledrive": "Google Drive",
    "my drive": "Google Drive",
    "icloud drive": "iCloud Drive",
    "icloud": "iCloud Drive",
    "mobile documents": "iCloud Drive",
    "com~apple~clouddocs": "iCloud Drive",
    "cloudstorage": "a cloud storage provider",
    "box sync": "Box",
    "pcloud drive": "pCloud",
    "megasync": "MEGA",
    "nextcloud": "Nextcloud",
    "owncloud": "ownCloud",
    "seafile": "Seafile",
    "synologydrive": "Synology Drive",
    "yandex.disk": "Yandex Disk",
}


def _unescape(field: str) -> str:
    """/proc/mounts writes space, tab, newline and backslash as octal escapes."""
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(code, char)
    return field


def parse_mounts(text: str) -> list[tuple[str, str]]:
    """(mount point, filesystem type) pairs from the text of /proc/mounts."""
    out: list[tuple[str, str]] = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 3:
            out.append((_unescape(parts[1]), parts[2]))
    return out


def filesystem_type(path: str | Path, mounts: str | None = None) -> str | None:
    """The type of the filesystem holding ``path`` (longest mount point that contains it)."""
    if mounts is None:
        try:
            with open(MOUNTS_FILE, encoding="utf-8", errors="replace") as fh:
                mounts = fh.read()
        except OSError:
            return None  # not Linux, or /proc hidden: no opinion
    target = os.path.realpath(str(path))
    best: tuple[int, str] | None = None
    for point, fstype in parse_mounts(mounts):
        if target == point or target.startswith(point.rstrip("/") + "/") or point == "/":
            if best is None or len(point) > best[0]:
                best = (len(point), fstype)
    return best[1] if best else None


def cloud_folder(path: str | Path) -> str | None:
    """The sync service whose folder contains ``path`` (by folder name), or None."""
    for part in Path(os.path.realpath(str(path))).parts:
        low = part.casefold()
        if low in CLOUD_FOLDERS:
            return CLOUD_FOLDERS[low]
        # "OneDrive - Company", "Dropbox (Personal)", "GoogleDrive-me@example.org"
        for prefix, service in (
            ("onedrive", "OneDrive"),
            ("dropbox", "Dropbox"),
            ("googledrive", "Google Drive"),
            ("google drive", "Google Drive"),
            ("box-box", "Box"),
        ):
            if (
                low.startswith(prefix + " ")
                or low.startswith(prefix + "-")
                or low.startswith(prefix + "(")
            ):
                return service
    return None


def storage_warning(path: str | Path, mounts: str | None = None) -> str | None:
    """A sentence for the user when ``path`` is on a network or cloud-synced folder, else None.

    ``mounts`` is the text of /proc/mounts (read from the system when None); tests pass
    their own.
    """
    fstype = filesystem_type(path, mounts)
    if fstype is not None and (fstype in NETWORK_FS or fstype.split(".")[-1] in NETWORK_FS):
        return (
            f"the project is on a network filesystem ({fstype}); SQLite cannot lock files "
            "reliably there, so two programs writing at once can corrupt it. Work on a local "
            "copy and make backups with 'mpu-qual backup'."
        )
    service = cloud_folder(path)
    if service is not None:
        return (
            f"the project is inside a {service} folder; sync clients can copy project.db "
            "without its -wal file and produce a broken copy. Close mpu-qual before syncing, "
            "or keep the project outside the synced folder."
        )
    return None
