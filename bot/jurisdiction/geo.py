"""Where a point lies: distances on the earth, polygons, the grids nearest a spot."""

from __future__ import annotations

import math


from bot.models import Level, Unit
from bot.jurisdiction.spec import EARTH_RADIUS_M


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def point_in_polygon(lat: float, lon: float, polygon: list[list[float]]) -> bool:
    """Ray casting on [lat, lon] vertices; flat-earth is fine at the size of a grid."""
    inside = False
    j = len(polygon) - 1
    for i in range(len(polygon)):
        (lat_i, lon_i), (lat_j, lon_j) = polygon[i], polygon[j]
        if (lat_i > lat) != (lat_j > lat):
            crossing = lon_i + (lat - lat_i) * (lon_j - lon_i) / (lat_j - lat_i)
            if lon < crossing:
                inside = not inside
        j = i
    return inside


async def grids_near(lat: float, lon: float, limit: int = 5) -> list[tuple[Unit, float]]:
    """Active grids for a spot, best first, with the distance to each grid's centre in metres.

    Grids whose polygon contains the spot come first (a polygon is the admin's own word on the
    boundary); the rest follow by distance to their centre.
    """
    grids = await Unit.filter(level=Level.GRID, active=True, lat__isnull=False, lon__isnull=False)
    ranked = []
    for grid in grids:
        inside = isinstance(grid.area, list) and point_in_polygon(lat, lon, grid.area)
        ranked.append((not inside, distance_m(lat, lon, grid.lat, grid.lon), grid.id, grid))
    ranked.sort(key=lambda r: r[:3])
    return [(grid, dist) for _, dist, _, grid in ranked[:limit]]
