"""Escalation to human staff: the handoff queue, its messages and callback requests.

Plain Python shared by the action server (which opens handoffs and relays messages) and the
staff inbox (which staff use to answer them). Nothing here imports Rasa.
"""
