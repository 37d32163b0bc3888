"""Datasets built locally from files on disk (fonts) or generated (drums); cached under the data folder."""
