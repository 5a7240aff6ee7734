"""The app as `longdoc ui` serves it: Streamlit's ASGI app around ui/app.py, behind the access
token check when a token is set (LONGDOC_AUTH_TOKEN). `streamlit run ui/server.py` finds `app`."""

import os
from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware

from ui.gate import TokenGate
from ui.settings import TOKEN_ENV

PAGES = Path(__file__).with_name("app.py")
token = os.environ.get(TOKEN_ENV, "")
app = st.App(str(PAGES), middleware=[Middleware(TokenGate, token=token)] if token else [])
