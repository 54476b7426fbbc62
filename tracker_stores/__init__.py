"""Tracker stores for the Rasa server (named by import path in endpoints.yml)."""
