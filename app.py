"""Streamlit entry: the ASGI app (routes, lifespan) and, when run as the page script, navigation.

``streamlit run app.py`` finds ``app`` (an st.App) and serves it with uvicorn; Streamlit then runs
this same file as the page script for every session, where only the UI part executes.
"""
from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from core.web import lifespan, routes

app = st.App("app.py", routes=routes(), lifespan=lifespan)

if get_script_run_ctx(suppress_warning=True) is not None:
    from ui.shell import main

    main()
