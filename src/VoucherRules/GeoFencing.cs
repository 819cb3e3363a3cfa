using System.Globalization;

namespace VoucherRules;

/// <summary>A WGS-84 position in degrees. Geometry is not money, so doubles are right here.</summary>
public readonly record struct GeoPoint(double Latitude, double Longitude);

/// <summary>
/// A simple polygon. The ring may be given open (A, B, C) or closed (A, B, C, A): both mean the
/// same polygon, because map tools export either form. Holes are not supported; a region with an
/// enclave is expressed as several polygons.
/// </summary>
public sealed record GeoPolygon(IReadOnlyList<GeoPoint> Vertices);

/// <summary>The claim region: a point is inside when it is inside any polygon.</summary>
public sealed record GeoFence(IReadOnlyList<GeoPolygon> Polygons);

/// <summary>
/// Validation and point-in-polygon on the campaign's own geometry (no external service). Longitude
/// is x and latitude is y on a plane, which is exact enough for a county-sized region; polygons
/// may not straddle the antimeridian (no Chinese region does), and validation refuses those.
/// </summary>
public static class GeoFencing
{
    // About a centimetre in degrees: a phone exactly on the line is inside, noise is not a miss.
    private const double BoundaryToleranceDegrees = 1e-7;

    /// <summary>The ring without a repeated closing vertex and without consecutive duplicates.</summary>
    public static IReadOnlyList<GeoPoint> Ring(GeoPolygon polygon)
    {
        ArgumentNullException.ThrowIfNull(polygon);
        var ring = new List<GeoPoint>();
        foreach (var vertex in polygon.Vertices)
        {
            if (ring.Count == 0 || ring[^1] != vertex)
            {
                ring.Add(vertex);
            }
        }

        while (ring.Count > 1 && ring[^1] == ring[0])
        {
            ring.RemoveAt(ring.Count - 1);
        }

        return ring;
    }

    public static IReadOnlyList<string> Validate(GeoFence fence)
    {
        ArgumentNullException.ThrowIfNull(fence);
        if (fence.Polygons.Count == 0)
        {
            return ["a geo-fence needs at least one polygon"];
        }

        return fence.Polygons
            .SelectMany((polygon, index) => Validate(polygon).Select(problem => string.Create(CultureInfo.InvariantCulture, $"polygon {index + 1}: {problem}")))
            .ToList();
    }

    /// <summary>Every problem with a polygon: coordinates out of range, too few distinct points,
    /// no area, edges spanning the antimeridian, edges that cross or touch.</summary>
    public static IReadOnlyList<string> Validate(GeoPolygon polygon)
    {
        ArgumentNullException.ThrowIfNull(polygon);
        var problems = new List<string>();
        for (var i = 0; i < polygon.Vertices.Count; i++)
        {
            var p = polygon.Vertices[i];
            if (!double.IsFinite(p.Latitude) || p.Latitude is < -90 or > 90)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"vertex {i + 1}: latitude {p.Latitude} is outside -90..90"));
            }

            if (!double.IsFinite(p.Longitude) || p.Longitude is < -180 or > 180)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"vertex {i + 1}: longitude {p.Longitude} is outside -180..180"));
            }
        }

        if (problems.Count > 0)
        {
            return problems;
        }

        var ring = Ring(polygon);
        if (ring.Distinct().Count() < 3)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"needs at least 3 distinct vertices, has {ring.Distinct().Count()}"));
            return problems;
        }

        if (ring.All(vertex => Cross(ring[0], ring[1], vertex) == 0))
        {
            problems.Add("all vertices lie on one line, the polygon has no area");
            return problems;
        }

        var n = ring.Count;
        for (var i = 0; i < n; i++)
        {
            if (Math.Abs(ring[(i + 1) % n].Longitude - ring[i].Longitude) > 180)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"edge {i + 1} spans more than 180° of longitude (antimeridian)"));
            }
        }

        for (var i = 0; i < n; i++)
        {
            var (a, b) = (ring[i], ring[(i + 1) % n]);
            for (var j = i + 1; j < n; j++)
            {
                var (c, d) = (ring[j], ring[(j + 1) % n]);
                var adjacent = j == i + 1 || (i == 0 && j == n - 1);
                var meets = adjacent ? OverlapsBeyondSharedVertex(a, b, c, d) : SegmentsTouch(a, b, c, d);
                if (meets)
                {
                    problems.Add(string.Create(CultureInfo.InvariantCulture, $"edges {i + 1} and {j + 1} cross or touch: the polygon intersects itself"));
                }
            }
        }

        return problems;
    }

    /// <summary>Inside any polygon of the fence; points on an edge or a vertex count as inside.</summary>
    public static bool Contains(GeoFence fence, GeoPoint point)
    {
        ArgumentNullException.ThrowIfNull(fence);
        return fence.Polygons.Any(polygon => Contains(polygon, point));
    }

    /// <summary>Ray casting (crossing number) with a half-open rule per edge, so a ray through a
    /// vertex is counted once; the boundary is tested first and counts as inside.</summary>
    public static bool Contains(GeoPolygon polygon, GeoPoint point)
    {
        var ring = Ring(polygon);
        if (!double.IsFinite(point.Latitude) || !double.IsFinite(point.Longitude) || ring.Count < 3)
        {
            return false;
        }

        var (x, y) = (point.Longitude, point.Latitude);
        var inside = false;
        for (int i = 0, j = ring.Count - 1; i < ring.Count; j = i++)
        {
            var (a, b) = (ring[j], ring[i]);
            if (IsOnSegment(point, a, b))
            {
                return true;
            }

            if ((a.Latitude > y) != (b.Latitude > y))
            {
                var crossingX = a.Longitude + ((y - a.Latitude) * (b.Longitude - a.Longitude) / (b.Latitude - a.Latitude));
                if (x < crossingX)
                {
                    inside = !inside;
                }
            }
        }

        return inside;
    }

    private static double Cross(GeoPoint origin, GeoPoint a, GeoPoint b) =>
        ((a.Longitude - origin.Longitude) * (b.Latitude - origin.Latitude)) - ((a.Latitude - origin.Latitude) * (b.Longitude - origin.Longitude));

    private static bool WithinBox(GeoPoint p, GeoPoint a, GeoPoint b, double tolerance) =>
        p.Longitude >= Math.Min(a.Longitude, b.Longitude) - tolerance && p.Longitude <= Math.Max(a.Longitude, b.Longitude) + tolerance
        && p.Latitude >= Math.Min(a.Latitude, b.Latitude) - tolerance && p.Latitude <= Math.Max(a.Latitude, b.Latitude) + tolerance;

    private static bool IsOnSegment(GeoPoint p, GeoPoint a, GeoPoint b)
    {
        var length = Math.Sqrt(Math.Pow(b.Longitude - a.Longitude, 2) + Math.Pow(b.Latitude - a.Latitude, 2));
        return Math.Abs(Cross(a, b, p)) <= BoundaryToleranceDegrees * length && WithinBox(p, a, b, BoundaryToleranceDegrees);
    }

    private static bool SegmentsTouch(GeoPoint a, GeoPoint b, GeoPoint c, GeoPoint d)
    {
        var d1 = Math.Sign(Cross(c, d, a));
        var d2 = Math.Sign(Cross(c, d, b));
        var d3 = Math.Sign(Cross(a, b, c));
        var d4 = Math.Sign(Cross(a, b, d));
        if (d1 * d2 < 0 && d3 * d4 < 0)
        {
            return true;
        }

        return (d1 == 0 && WithinBox(a, c, d, 0)) || (d2 == 0 && WithinBox(b, c, d, 0))
            || (d3 == 0 && WithinBox(c, a, b, 0)) || (d4 == 0 && WithinBox(d, a, b, 0));
    }

    // Adjacent edges share a vertex by construction; they are only wrong when they fold back
    // onto each other (a spike A → B → A').
    private static bool OverlapsBeyondSharedVertex(GeoPoint a, GeoPoint b, GeoPoint c, GeoPoint d)
    {
        var (shared, first, second) = b == c ? (b, a, d) : (a, b, c);
        if (Cross(shared, first, second) != 0)
        {
            return false;
        }

        var dot = ((first.Longitude - shared.Longitude) * (second.Longitude - shared.Longitude))
            + ((first.Latitude - shared.Latitude) * (second.Latitude - shared.Latitude));
        return dot > 0;
    }
}
