"""Video I/O over ffmpeg: find the binary, probe, decode to uint8 frames, cut clips."""
