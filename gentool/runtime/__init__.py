"""Run-time services shared by every trainer: device choice, seeding, files, checkpoints, run folders, progress."""
