"""Command line entry point (placeholder until the CLI lands)."""

import argparse


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run lossexplorer."""
    parser = argparse.ArgumentParser(prog="lossexplorer", description="Explore loss functions.")
    parser.parse_args(argv)
    return 0
