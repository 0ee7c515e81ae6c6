"""tfcompress: robust, explainable, personalized compression of text classifiers for on-device use."""
__version__ = "0.1.0"
