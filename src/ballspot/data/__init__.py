"""Data: download, segmentation into clips, the clip index."""
