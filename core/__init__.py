"""Performate core: everything the product does, importable without Streamlit."""
__version__ = "0.1.0"
