"""What commands print: rich tables and text lines built from the result dicts the core returns. Nothing here
measures or decides; the CLI prints what these return, and tests read them without Typer."""
