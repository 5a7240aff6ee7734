"""The longdoc app: `longdoc ui` (or `streamlit run ui/app.py`). Two pages: ask a document, and
needle-test results."""

import streamlit as st

from ui import ask, needles

st.set_page_config(page_title="longdoc", layout="wide")
st.navigation(
    [
        st.Page(ask.render, title="Ask", url_path="ask", default=True),
        st.Page(needles.render, title="Needle tests", url_path="needles"),
    ]
).run()
