"""The 2.5D spotter network: a timm 2D encoder per frame stack, a 3D block over time, pooling, a head.

Import from the submodules (`ballspot.models.config`, `ballspot.models.network`); this package file stays
empty so that reading a configuration never imports torch.
"""
