"""Bundled datasets and loaders for user files, with fixed seeded splits."""
from tfcompress.datasets.files import read_labelled_texts, read_unlabelled_texts
from tfcompress.datasets.held_out_users import eligible_users, hold_out_users
from tfcompress.datasets.loading import available, encode_labels, load, load_file
from tfcompress.datasets.split import Split
from tfcompress.datasets.text_dataset import TextDataset

__all__ = ["available", "eligible_users", "encode_labels", "hold_out_users", "load", "load_file", "read_labelled_texts", "read_unlabelled_texts", "Split",
           "TextDataset"]
