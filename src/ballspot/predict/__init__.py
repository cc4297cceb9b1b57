"""Spotting over whole videos: streaming scores, post-processing into events, output files."""
