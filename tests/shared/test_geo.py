import math

import pytest

from shared.domain.enums import CoordinateSystem
from shared.domain.geo import (
    EARTH_MEAN_RADIUS_M,
    distance_m,
    gcj02_to_wgs84,
    in_china,
    to_wgs84,
    wgs84_to_gcj02,
)

# Published reference pairs (WGS-84 lat, lon -> GCJ-02 lat, lon) of the public algorithm.
REFERENCE_PAIRS = [
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),  # Shanghai
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),  # Shenzhen
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),  # Beijing
]

TONGLIANG = (29.8440, 106.0560)


def test_one_degree_of_latitude_is_a_360th_of_the_circumference():
    expected = 2 * math.pi * EARTH_MEAN_RADIUS_M / 360

    assert distance_m(29.0, 106.0, 30.0, 106.0) == pytest.approx(expected, abs=1e-6)


def test_distance_along_the_equator_and_back():
    there = distance_m(0.0, 0.0, 0.0, 90.0)

    assert there == pytest.approx(math.pi / 2 * EARTH_MEAN_RADIUS_M)
    assert distance_m(0.0, 90.0, 0.0, 0.0) == pytest.approx(there)


def test_distance_to_itself_is_zero():
    assert distance_m(*TONGLIANG, *TONGLIANG) == 0.0


def test_distance_between_antipodes_is_half_the_circumference():
    assert distance_m(10.0, 20.0, -10.0, -160.0) == pytest.approx(math.pi * EARTH_MEAN_RADIUS_M)


@pytest.mark.parametrize(("wgs", "gcj"), REFERENCE_PAIRS)
def test_wgs84_to_gcj02_matches_reference_values(wgs, gcj):
    lat, lon = wgs84_to_gcj02(*wgs)

    assert lat == pytest.approx(gcj[0], abs=1e-9)
    assert lon == pytest.approx(gcj[1], abs=1e-9)


@pytest.mark.parametrize(("wgs", "gcj"), REFERENCE_PAIRS)
def test_gcj02_to_wgs84_recovers_the_original_point_within_a_millimetre(wgs, gcj):
    assert distance_m(*gcj02_to_wgs84(*gcj), *wgs) < 0.001


def test_the_offset_in_chongqing_is_hundreds_of_metres():
    # Why fixes must be converted before comparing: the raw shift would look like another house.
    shift = distance_m(*TONGLIANG, *wgs84_to_gcj02(*TONGLIANG))

    assert 100 < shift < 1000


@pytest.mark.parametrize("point", [(51.5007, -0.1246), (35.6812, 139.7671), (-33.86, 151.21)])
def test_points_outside_china_are_not_shifted(point):
    assert not in_china(*point)
    assert wgs84_to_gcj02(*point) == point
    assert gcj02_to_wgs84(*point) == point


def test_to_wgs84_converts_only_gcj02():
    gcj = wgs84_to_gcj02(*TONGLIANG)

    assert to_wgs84(*TONGLIANG, CoordinateSystem.WGS84) == TONGLIANG
    assert distance_m(*to_wgs84(*gcj, CoordinateSystem.GCJ02), *TONGLIANG) < 0.001
