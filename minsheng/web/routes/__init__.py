"""HTTP routers; each is registered in web/app.py's router block."""
