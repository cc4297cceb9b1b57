"""Spatial pooling of one feature map into one vector: NetVLAD (the seed's) and GeM (the 2023 winner's).

Both take [N, C, h, w] and return [N, out_features]; both compute in float32 even under autocast, since
their sums, powers and normalisations are where half precision loses most.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ballspot.errors import BallspotError


class NetVLAD(nn.Module):
    """NetVLAD (Arandjelović et al., 2016): residuals to learned centres, softly assigned, then normalised.

    Each of the h·w positions is a C-dim descriptor (L2-normalised first); each is softly assigned to
    `clusters` centres; per centre the assignment-weighted residuals are summed (K vectors of C), each of
    those is L2-normalised (intra-normalisation, so no single busy centre dominates), and the whole
    K·C vector is L2-normalised again.
    """

    def __init__(self, dim: int, clusters: int) -> None:
        super().__init__()
        self.dim = dim
        self.clusters = clusters
        self.out_features = dim * clusters
        self.assign = nn.Conv1d(dim, clusters, kernel_size=1)
        self.centroids = nn.Parameter(F.normalize(torch.randn(clusters, dim), dim=1))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        with torch.autocast(features.device.type, enabled=False):
            descriptors = F.normalize(features.float().flatten(2), dim=1)  # [N, C, P]
            assignment = self.assign(descriptors).softmax(dim=1)  # [N, K, P]
            weighted_sum = torch.einsum("nkp,ncp->nkc", assignment, descriptors)
            residuals = weighted_sum - assignment.sum(dim=2).unsqueeze(-1) * self.centroids.unsqueeze(0)
            vlad = F.normalize(residuals, dim=2).flatten(1)
            return F.normalize(vlad, dim=1)


class GeM(nn.Module):
    """Generalised mean pooling (Radenović et al.): (mean x^p)^(1/p) with a learned p.

    p = 1 is average pooling and p → ∞ is max pooling; learning p lets the net pick how peaked the
    pooling is (a ball is a few pixels of a wide map). Inputs are clamped to eps first, since x^p needs
    x > 0 and the map before it may hold small negative values (SiLU).
    """

    def __init__(self, dim: int, p: float = 3.0, eps: float = 1e-6) -> None:
        super().__init__()
        self.dim = dim
        self.out_features = dim
        self.p = nn.Parameter(torch.tensor(float(p)))
        self.eps = eps

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        with torch.autocast(features.device.type, enabled=False):
            p = self.p.float().clamp(min=1.0)
            powered = features.float().clamp(min=self.eps).pow(p)
            return powered.mean(dim=(-2, -1)).pow(1.0 / p)


def build_pooling(name: str, dim: int, vlad_clusters: int) -> NetVLAD | GeM:
    if name == "netvlad":
        return NetVLAD(dim, vlad_clusters)
    if name == "gem":
        return GeM(dim)
    raise BallspotError(f"unknown pooling {name!r}; choose one of: netvlad, gem")
