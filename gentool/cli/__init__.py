"""The Typer command-line layer: parse, resolve config, call the core, print. No maths here."""
