"""What the assistant's messages carry and which of them a person sees (contract.py), and its
export for the web chat widget (widget_export.py)."""
