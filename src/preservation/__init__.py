"""Preservation: raw self-/peer-preservation trial logs to publication outputs."""

__version__ = "0.1.0"
