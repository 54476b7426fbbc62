"""`make bench`: this assistant against the stock `rasa init` assistant, side by side."""
