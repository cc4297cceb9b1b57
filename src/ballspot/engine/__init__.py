"""Training machinery shared by the train loop: losses, optimiser, schedule, precision settings."""
