"""authdoctor: a command-line doctor for authentication on self-hosted web apps.

The public surface is small on purpose: the finding model and the version. Everything else
(checks, renderers, settings loaders) is reached through the CLI or its own module.
"""

from authdoctor.findings import Finding, Report, Severity

__version__ = "0.1.0"

__all__ = ["Finding", "Report", "Severity", "__version__"]
