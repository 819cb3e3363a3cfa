namespace VoucherRules.Tests;

public class GeoFencingTests
{
    private static GeoPoint P(double lat, double lon) => new(lat, lon);

    // A rough outline around 华亭市 (Huating, Pingliang, Gansu); not the legal boundary.
    private static readonly GeoPolygon Huating = new([
        P(35.38, 106.45), P(35.40, 106.70), P(35.30, 106.88), P(35.12, 106.86),
        P(35.02, 106.70), P(35.03, 106.45), P(35.12, 106.30), P(35.28, 106.32),
    ]);

    [Theory]
    [InlineData(35.218, 106.653, true)] // 华亭 city centre
    [InlineData(35.10, 106.40, true)]
    [InlineData(35.12, 106.60, true)] // a ray through two vertices at this latitude
    [InlineData(35.12, 106.95, false)]
    [InlineData(35.12, 106.20, false)]
    [InlineData(35.543, 106.665, false)] // 平凉 city centre, north of 华亭
    [InlineData(36.061, 103.834, false)] // 兰州
    [InlineData(39.904, 116.407, false)] // 北京
    [InlineData(35.39, 106.575, true)] // on the north edge (midpoint of its first edge)
    [InlineData(35.40, 106.70, true)] // a vertex
    [InlineData(35.41, 106.70, false)] // just north of that vertex
    public void Points_in_and_around_huating(double lat, double lon, bool inside)
    {
        Assert.Empty(GeoFencing.Validate(Huating));
        Assert.Equal(inside, GeoFencing.Contains(Huating, P(lat, lon)));
        Assert.Equal(inside, GeoFencing.Contains(new GeoFence([Huating]), P(lat, lon)));
    }

    [Fact]
    public void A_closed_ring_and_an_open_ring_are_the_same_polygon()
    {
        var closed = new GeoPolygon([.. Huating.Vertices, Huating.Vertices[0]]);

        Assert.Empty(GeoFencing.Validate(closed));
        Assert.Equal(GeoFencing.Ring(Huating), GeoFencing.Ring(closed));
        Assert.True(GeoFencing.Contains(closed, P(35.218, 106.653)));
    }

    [Theory]
    // A U shape opening north: the notch between the arms is outside.
    [InlineData(0.5, 0.5, true)]
    [InlineData(2.5, 0.5, true)]
    [InlineData(2.5, 1.5, false)]
    [InlineData(2.5, 2.5, true)]
    [InlineData(1.0, 1.5, true)] // on the notch floor
    [InlineData(3.0, 1.5, false)]
    [InlineData(-0.0001, 1.5, false)]
    public void Concave_polygons_exclude_their_notch(double lat, double lon, bool inside)
    {
        var u = new GeoPolygon([P(0, 0), P(0, 3), P(3, 3), P(3, 2), P(1, 2), P(1, 1), P(3, 1), P(3, 0)]);

        Assert.Empty(GeoFencing.Validate(u));
        Assert.Equal(inside, GeoFencing.Contains(u, P(lat, lon)));
    }

    [Fact]
    public void A_multi_polygon_region_contains_points_of_either_part()
    {
        var fence = new GeoFence([
            new GeoPolygon([P(0, 0), P(0, 1), P(1, 1), P(1, 0)]),
            new GeoPolygon([P(5, 5), P(5, 6), P(6, 6), P(6, 5)]),
        ]);

        Assert.Empty(GeoFencing.Validate(fence));
        Assert.True(GeoFencing.Contains(fence, P(0.5, 0.5)));
        Assert.True(GeoFencing.Contains(fence, P(5.5, 5.5)));
        Assert.False(GeoFencing.Contains(fence, P(3, 3)));
    }

    [Fact]
    public void Non_finite_points_are_never_inside()
    {
        Assert.False(GeoFencing.Contains(Huating, P(double.NaN, 106.6)));
        Assert.False(GeoFencing.Contains(Huating, P(35.2, double.PositiveInfinity)));
    }

    [Fact]
    public void A_bow_tie_is_self_intersecting()
    {
        var problems = GeoFencing.Validate(new GeoPolygon([P(0, 0), P(1, 1), P(1, 0), P(0, 1)]));

        Assert.Contains("edges 1 and 3 cross or touch: the polygon intersects itself", problems);
    }

    [Fact]
    public void Two_rings_touching_at_a_vertex_are_self_intersecting()
    {
        var problems = GeoFencing.Validate(new GeoPolygon([P(0, 0), P(0, 1), P(1, 1), P(1, 2), P(2, 2), P(2, 1), P(1, 1), P(1, 0)]));

        Assert.NotEmpty(problems);
    }

    [Fact]
    public void A_spike_folding_back_on_its_edge_is_self_intersecting()
    {
        var problems = GeoFencing.Validate(new GeoPolygon([P(0, 0), P(0, 2), P(0, 1), P(1, 1)]));

        Assert.Contains(problems, p => p.Contains("intersects itself", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(new double[] { 0, 0, 1, 1 }, "needs at least 3 distinct vertices, has 2")]
    [InlineData(new double[] { 0, 0, 1, 1, 0, 0 }, "needs at least 3 distinct vertices, has 2")]
    [InlineData(new double[] { 0, 0, 1, 1, 2, 2 }, "all vertices lie on one line, the polygon has no area")]
    [InlineData(new double[] { 91, 0, 1, 1, 0, 1 }, "vertex 1: latitude 91 is outside -90..90")]
    [InlineData(new double[] { 0, 0, 1, -181, 0, 1 }, "vertex 2: longitude -181 is outside -180..180")]
    [InlineData(new double[] { 0, 0, double.NaN, 1, 0, 1 }, "vertex 2: latitude NaN is outside -90..90")]
    [InlineData(new double[] { 0, 179, 1, -179, 1, 179 }, "edge 1 spans more than 180° of longitude (antimeridian)")]
    public void Invalid_polygons_are_refused_with_the_reason(double[] latLon, string problem)
    {
        var vertices = Enumerable.Range(0, latLon.Length / 2).Select(i => P(latLon[2 * i], latLon[(2 * i) + 1])).ToList();

        Assert.Contains(problem, GeoFencing.Validate(new GeoPolygon(vertices)));
    }

    [Fact]
    public void A_fence_without_polygons_is_refused_and_problems_name_the_polygon()
    {
        Assert.Equal(["a geo-fence needs at least one polygon"], GeoFencing.Validate(new GeoFence([])));
        Assert.Equal(["polygon 2: needs at least 3 distinct vertices, has 1"],
            GeoFencing.Validate(new GeoFence([Huating, new GeoPolygon([P(1, 1), P(1, 1), P(1, 1)])])));
    }

    [Fact]
    public void Random_points_agree_with_an_axis_aligned_rectangle()
    {
        var rectangle = new GeoPolygon([P(35.0, 106.3), P(35.0, 106.9), P(35.4, 106.9), P(35.4, 106.3)]);
        var random = new Random(623);
        for (var i = 0; i < 5000; i++)
        {
            var point = P(34.9 + (random.NextDouble() * 0.6), 106.2 + (random.NextDouble() * 0.8));
            var expected = point.Latitude is >= 35.0 and <= 35.4 && point.Longitude is >= 106.3 and <= 106.9;
            Assert.Equal(expected, GeoFencing.Contains(rectangle, point));
        }
    }
}
