"""A finished export job as one download: a zip of its files and a manifest (name, size, SHA-256 of each).

The zip is written to a temporary file, each export file copied into it in
chunks while its size and hash are taken, so neither a file nor the archive is
ever held whole in memory; `manifest.json` is the archive's last member and
describes every other one. Which job, and whether its files are there, is the
export service's to say (`read_job`, `file_path`): the same scoping as reading
the job or one of its files.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from edc.app.exports import service as exports
from edc.app.exports.jobs import SUCCEEDED, JobView
from edc.app.kernel.errors import Conflict

MANIFEST = "manifest.json"
CHUNK = 1 << 16


@dataclass(frozen=True)
class BundleFile:
    """One member of the bundle as the manifest lists it."""

    name: str
    size: int
    sha256: str


def manifest(job: JobView, files: list[BundleFile], generated_at: datetime) -> dict[str, Any]:
    """The manifest of a bundle: the job, the study, its formats, when the bundle was made, and every file."""
    return {"job_id": job.job_id, "study": job.study_id, "formats": list(job.formats),
            "requested_by": job.requested_by,
            "finished_at": job.finished_at.isoformat() if job.finished_at else None,
            "generated_at": generated_at.isoformat(),
            "files": [{"name": f.name, "size": f.size, "sha256": f.sha256} for f in files]}


def write_bundle(job: JobView, out: IO[bytes], generated_at: datetime) -> list[BundleFile]:
    """Write the job's files and their manifest as a zip into `out`; Conflict for a job that has not succeeded,
    NotFound when one of its files is no longer on the server (checked before anything is written)."""
    if job.status != SUCCEEDED:
        raise Conflict(f"export job {job.job_id} is {job.status}; its bundle is there once it has succeeded")
    paths = [(name, exports.file_path(job, name)) for name in job.files]
    listed: list[BundleFile] = []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, path in paths:
            digest, size = hashlib.sha256(), 0
            with path.open("rb") as source, archive.open(name, "w", force_zip64=True) as member:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    member.write(chunk)
            listed.append(BundleFile(name, size, digest.hexdigest()))
        archive.writestr(MANIFEST, json.dumps(manifest(job, listed, generated_at), indent=2) + "\n")
    return listed


def bundle_file(job: JobView, generated_at: datetime) -> tuple[IO[bytes], int]:
    """The bundle in an anonymous temporary file, rewound, and its size in bytes."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 -- handed to the response, which closes it once streamed
    try:
        write_bundle(job, spool, generated_at)
        size = spool.tell()
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return spool, size


def chunks(spool: IO[bytes]) -> Iterator[bytes]:
    """The bundle's bytes chunk by chunk, closing (and so deleting) the temporary file at the end."""
    try:
        while chunk := spool.read(CHUNK):
            yield chunk
    finally:
        spool.close()
