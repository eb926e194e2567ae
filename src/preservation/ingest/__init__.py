"""Importers: each turns one raw file into canonical trial rows plus quarantine."""
