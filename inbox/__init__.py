"""The staff inbox: the web app MS centre staff use to answer people the assistant hands over.

`inbox.app.create_app(settings)` builds it; `python -m inbox` serves it (INBOX_PORT, 8090).
It shares the handoff database with the action server (handoff/store.py) and talks to the
assistant through Rasa's HTTP API (handoff/rasa_client.py). See docs/inbox.md.
"""
