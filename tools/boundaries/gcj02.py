"""GCJ-02 ("Mars coordinates") <-> WGS84, standard library only.

The forward transform WGS84 -> GCJ-02 is the published offset polynomial on the Krasovsky 1940
ellipsoid (semi-major axis 6378245 m, first eccentricity squared 0.00669342162296594323): two
polynomial-plus-sine series in (lon - 105, lat - 35) give an offset in metres, which is turned into
degrees with the ellipsoid's meridian and parallel radii. Points outside a rectangle around China
are left unchanged.

The inverse GCJ-02 -> WGS84 has no closed form. `gcj02_to_wgs84` solves forward(w) = g by
fixed-point iteration w <- w - (forward(w) - g), starting at w = g, and stops once forward(w)
reproduces g to better than `tol` degrees (default 1e-9, about 0.1 mm), and returns the estimate
with that last (sub-1e-9) correction applied. The offset field is smooth
(its Jacobian is within ~1e-4 of the identity), so this converges by several digits per step
(3-4 steps in practice). Because the result depends only on the input point, a vertex shared by two
polygons stays shared after conversion.
"""

import math

A = 6378245.0  # Krasovsky 1940 semi-major axis (m)
EE = 0.00669342162296594323  # Krasovsky 1940 first eccentricity squared
PI = math.pi

# The rectangle inside which the offset is applied (the usual published bounds).
LON_MIN, LON_MAX = 72.004, 137.8347
LAT_MIN, LAT_MAX = 0.8293, 55.8271


def out_of_china(lon, lat):
    return not (LON_MIN <= lon <= LON_MAX and LAT_MIN <= lat <= LAT_MAX)


def _offset_lat(x, y):
    r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * PI) + 20.0 * math.sin(2.0 * x * PI)) * 2.0 / 3.0
    r += (20.0 * math.sin(y * PI) + 40.0 * math.sin(y / 3.0 * PI)) * 2.0 / 3.0
    r += (160.0 * math.sin(y / 12.0 * PI) + 320.0 * math.sin(y * PI / 30.0)) * 2.0 / 3.0
    return r


def _offset_lon(x, y):
    r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * PI) + 20.0 * math.sin(2.0 * x * PI)) * 2.0 / 3.0
    r += (20.0 * math.sin(x * PI) + 40.0 * math.sin(x / 3.0 * PI)) * 2.0 / 3.0
    r += (150.0 * math.sin(x / 12.0 * PI) + 300.0 * math.sin(x / 30.0 * PI)) * 2.0 / 3.0
    return r


def wgs84_to_gcj02(lon, lat):
    """Forward transform: WGS84 (lon, lat) in degrees -> GCJ-02 (lon, lat)."""
    if out_of_china(lon, lat):
        return lon, lat
    x, y = lon - 105.0, lat - 35.0
    dlat = _offset_lat(x, y)
    dlon = _offset_lon(x, y)
    radlat = lat / 180.0 * PI
    magic = 1.0 - EE * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((A * (1.0 - EE)) / (magic * sqrtmagic) * PI)
    dlon = (dlon * 180.0) / (A / sqrtmagic * math.cos(radlat) * PI)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon, lat, tol=1e-9, max_iter=50):
    """Exact inverse: the WGS84 point whose forward transform is (lon, lat) to < tol degrees."""
    if out_of_china(lon, lat):
        return lon, lat
    wlon, wlat = lon, lat
    for _ in range(max_iter):
        glon, glat = wgs84_to_gcj02(wlon, wlat)
        dlon, dlat = glon - lon, glat - lat
        # Apply the correction before testing: the returned point is the estimate after the last
        # step, whose residual is far below tol (the step size shrinks ~1e4-fold per iteration).
        wlon -= dlon
        wlat -= dlat
        if abs(dlon) < tol and abs(dlat) < tol:
            return wlon, wlat
    raise ArithmeticError(f"GCJ-02 inverse did not converge at ({lon}, {lat})")


def _selftest():
    # Round trip at a few places, including the edges of the western region.
    for lon, lat in [(114.06, 22.54), (87.6, 43.8), (94.7, 43.25), (91.1, 29.65), (75.99, 39.47),
                     (121.47, 31.23), (80.0, 35.0)]:
        g = wgs84_to_gcj02(lon, lat)
        w = gcj02_to_wgs84(*g)
        assert abs(w[0] - lon) < 1e-8 and abs(w[1] - lat) < 1e-8, (lon, lat, w)
        f = wgs84_to_gcj02(*w)
        assert abs(f[0] - g[0]) < 1e-9 and abs(f[1] - g[1]) < 1e-9
    assert wgs84_to_gcj02(10.0, 50.0) == (10.0, 50.0)
    return True


if __name__ == "__main__":
    _selftest()
    lon, lat = 114.06, 22.54
    g = wgs84_to_gcj02(lon, lat)
    print(f"WGS84 {lon},{lat} -> GCJ-02 {g[0]:.7f},{g[1]:.7f}; inverse {gcj02_to_wgs84(*g)}")
