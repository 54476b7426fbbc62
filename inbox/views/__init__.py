"""Request handlers, one module per area of the inbox; `inbox/routes.py` maps URLs to them."""
