"""`gentool sweep`: grids of ordinary runs over config values and seeds, with statistics, on local processes or Ray."""

EXECUTORS = ("local", "ray")  # where cells run (executors.py); named here so the command line lists them at once
