"""Pure helpers behind the Streamlit app (streamlit_app.py): no Streamlit imports here, so
every rule the page follows is unit-tested without a browser."""
