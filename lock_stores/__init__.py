"""Lock stores for the Rasa server (named by import path in endpoints.production.yml)."""
