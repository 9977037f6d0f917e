"""The ``mlops-stacks`` command line: one module per command, thin bodies over the library."""
