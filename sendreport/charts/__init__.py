"""Charts in the UK Government Analysis Function style."""
