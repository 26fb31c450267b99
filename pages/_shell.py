"""App shell: page config, navigation over pages/. Widgets only; data comes from core.api."""
from __future__ import annotations

import streamlit as st


def main() -> None:
    st.set_page_config(page_title="Performate", page_icon="🧗", layout="wide")
    st.title("Performate")
    st.write("Turn a phone video of a climb into coaching.")
