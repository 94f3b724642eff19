"""HTTP edge: the FastAPI app over the service functions, and a small client for it."""
