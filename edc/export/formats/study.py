"""The study and the standards an export conforms to (`StudyInfo`), as define.xml and Dataset-JSON name them."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import metadata as package_metadata


def _package_version() -> str:
    try:
        return package_metadata.version("edc")
    except package_metadata.PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown"


@dataclass(frozen=True)
class StudyInfo:
    """The study and the standards an export conforms to.

    `ct_version` is the CDISC controlled terminology release (SDTM
    publishing set) the codelists come from, e.g. "2024-12-20".
    """

    study_oid: str
    name: str
    description: str
    protocol_name: str
    originator: str
    ct_version: str
    sdtmig_version: str = "3.4"
    define_version: str = "2.1.0"
    source_system: str = "edc"
    source_system_version: str = field(default_factory=_package_version)

    @property
    def metadata_version_oid(self) -> str:
        """MetaDataVersion/@OID in define.xml and metaDataVersionOID in Dataset-JSON."""
        return f"MDV.{self.study_oid}.SDTMIG.{self.sdtmig_version}"
