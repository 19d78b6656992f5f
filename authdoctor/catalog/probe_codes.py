"""Catalog entries about how authdoctor itself probed this run (not about the deployment)."""

from authdoctor.catalog import CodeInfo
from authdoctor.findings import Severity

ENTRIES: tuple[CodeInfo, ...] = (
    CodeInfo(
        code="probe.tls-not-verified",
        severity=Severity.WARNING,
        summary="TLS certificates were not verified in this run (--insecure or probe.verify_tls: false)",
        explanation=(
            "The live probes accepted any certificate, so a TLS problem the app itself will hit "
            "(an unknown CA, an expired certificate, a certificate for another host name) is not "
            "reported, and whoever sits between authdoctor and the servers could have answered "
            "in their place. Open WebUI verifies certificates (httpx and ldap3 defaults, unless "
            "LDAP_VALIDATE_CERT is off), so a run without verification can pass where sign-in fails."
        ),
        fix=("Give the internal CA with --ca-file (or probe.ca_file in deploy.yaml) instead of "
             "--insecure, and run again."),
        references=("RFC 9110 §4.3.4",),
    ),
)
