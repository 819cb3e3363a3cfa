namespace Claim.Service.HotPath;

/// <summary>The lucky draw's source of randomness; tests construct it with a fixed seed.</summary>
public sealed class DrawDice(Random random)
{
    private readonly Lock _gate = new();

    public DrawDice()
        : this(new Random())
    {
    }

    /// <summary>A uniform integer in [0, <paramref name="upperBound"/>).</summary>
    public long RollBelow(long upperBound)
    {
        lock (_gate)
        {
#pragma warning disable CA5394 // The wheel needs a fair spread, not secrecy: the outcome is shown to the person at once.
            return random.NextInt64(upperBound);
#pragma warning restore CA5394
        }
    }
}
