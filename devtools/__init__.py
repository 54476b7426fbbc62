"""Developer entry points behind the Makefile: training only when needed, starting the stack."""
