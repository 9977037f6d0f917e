"""Allow ``python -m mlops_stacks``."""

from mlops_stacks.cli.app import main

if __name__ == "__main__":
    main()
