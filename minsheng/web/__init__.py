"""The web service: FastAPI app factory, dependencies, error mapping and routers."""
