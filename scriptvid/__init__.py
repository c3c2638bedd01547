"""scriptvid: a hot-folder daemon that turns scripts into finished videos."""

__version__ = "0.1.0"
