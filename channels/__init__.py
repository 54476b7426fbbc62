"""Custom Rasa input channels: the web chat (socket.io) and the phone (voice) connectors."""
