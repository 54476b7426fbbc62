"""The curators' reports: what people asked, how the assistant answered, and how each evidence
item fares. Plain Python (no web framework): the staff inbox shows these, tests call them."""
