"""Streamlit widgets shared by the pages (kept outside pages/, so they are never served as pages)."""
