"""Distances between GPS fixes and conversion of GCJ-02 (国测局) coordinates back to WGS-84.

Phones in China report either raw WGS-84 (the GPS chip) or GCJ-02, the obfuscated datum that
Chinese map services must use. The two differ by a few hundred metres, so fixes are brought to
WGS-84 before they are compared. The GCJ-02 offset is a published approximation applied only
inside a rough bounding box of China; outside it, both systems coincide.
"""

from __future__ import annotations

import math

from shared.domain.enums import CoordinateSystem

EARTH_MEAN_RADIUS_M = 6_371_008.8

# Parameters of the Krasovsky 1940 ellipsoid, on which the GCJ-02 offset is defined.
_KRASOVSKY_A = 6_378_245.0
_KRASOVSKY_EE = 0.00669342162296594323

_INVERSE_TOLERANCE_DEG = 1e-9  # about 0.1 mm
_INVERSE_MAX_ITERATIONS = 30


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two points given in degrees (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_MEAN_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def in_china(lat: float, lon: float) -> bool:
    """Whether the GCJ-02 offset applies: the rough bounding box used by every implementation."""
    return 72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """Apply the public GCJ-02 offset to a WGS-84 point; points outside China are unchanged."""
    if not in_china(lat, lon):
        return lat, lon
    d_lat = _offset_lat(lon - 105.0, lat - 35.0)
    d_lon = _offset_lon(lon - 105.0, lat - 35.0)
    rad_lat = math.radians(lat)
    magic = 1 - _KRASOVSKY_EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    # Turn the offsets from metres on the ellipsoid into degrees of latitude and longitude.
    meridian_radius = _KRASOVSKY_A * (1 - _KRASOVSKY_EE) / (magic * sqrt_magic)
    d_lat = (d_lat * 180.0) / (meridian_radius * math.pi)
    d_lon = (d_lon * 180.0) / (_KRASOVSKY_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return lat + d_lat, lon + d_lon


def gcj02_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    """Invert the GCJ-02 offset by fixed-point iteration (error well under a millimetre).

    The offset has no closed-form inverse, but it varies slowly, so repeatedly correcting a
    guess by the offset observed at that guess converges in a few steps.
    """
    if not in_china(lat, lon):
        return lat, lon
    wgs_lat, wgs_lon = lat, lon
    for _ in range(_INVERSE_MAX_ITERATIONS):
        gcj_lat, gcj_lon = wgs84_to_gcj02(wgs_lat, wgs_lon)
        err_lat, err_lon = gcj_lat - lat, gcj_lon - lon
        wgs_lat, wgs_lon = wgs_lat - err_lat, wgs_lon - err_lon
        if abs(err_lat) < _INVERSE_TOLERANCE_DEG and abs(err_lon) < _INVERSE_TOLERANCE_DEG:
            break
    return wgs_lat, wgs_lon


def to_wgs84(lat: float, lon: float, system: CoordinateSystem) -> tuple[float, float]:
    """Express a point given in ``system`` in WGS-84."""
    if system is CoordinateSystem.GCJ02:
        return gcj02_to_wgs84(lat, lon)
    return lat, lon


def _offset_lat(x: float, y: float) -> float:
    result = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    result += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    result += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    result += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y / 30.0 * math.pi)) * 2 / 3
    return result


def _offset_lon(x: float, y: float) -> float:
    result = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    result += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    result += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    result += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2 / 3
    return result
