namespace TestSupport;

/// <summary>
/// The clock service tests set by hand, forwards and back: the tests of one class share a host and each puts the
/// date its scenario needs. Only "now" is fake. FakeTimeProvider (which the unit tests use) would also fake every
/// timer, and the services' background loops (persister, snapshot subscriber, expiry) wait on the injected
/// provider, so they would stop unless each test advanced time for them.
/// </summary>
public sealed class TestClock(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;

    public DateTimeOffset Now
    {
        get => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);
        set => Interlocked.Exchange(ref _ticks, value.UtcTicks);
    }

    public override DateTimeOffset GetUtcNow() => Now;

    public void Set(DateTimeOffset instant) => Now = instant;

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
