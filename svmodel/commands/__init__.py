"""Subcommands of `svmodel`: each module defines `register(subparsers)`."""
