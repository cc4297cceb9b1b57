"""ballspot: ball action spotting in soccer broadcast video."""

__version__ = "0.1.0"
