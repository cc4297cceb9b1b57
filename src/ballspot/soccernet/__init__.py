"""SoccerNet's layout and file formats: labels, predictions, games under a dataset root."""
