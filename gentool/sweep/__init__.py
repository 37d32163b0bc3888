"""`gentool sweep`: grids of ordinary runs over config values and seeds, with statistics, on local processes or Ray."""
