"""ui: the Streamlit app (`longdoc ui`): ask a document with streamed answers and citations, and
see needle-test results."""
