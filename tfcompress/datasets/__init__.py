"""Bundled datasets and loaders for user files, with fixed seeded splits."""
from tfcompress.datasets.files import read_labelled_texts
from tfcompress.datasets.loading import available, encode_labels, load, load_file
from tfcompress.datasets.split import Split
from tfcompress.datasets.text_dataset import TextDataset

__all__ = ["available", "encode_labels", "load", "load_file", "read_labelled_texts", "Split",
           "TextDataset"]
