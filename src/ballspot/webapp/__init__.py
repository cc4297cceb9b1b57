"""`ballspot app`: a Streamlit app over the core package to run a spotter on a match, watch the events beside
the video, review them against labels and export them.

The page (`page.py`) only lays out widgets; what it shows comes from the modules here, each of which calls
the same core functions as the command line (`predict.run`, `predict.api`, `metrics`, `video.cut`).
"""
