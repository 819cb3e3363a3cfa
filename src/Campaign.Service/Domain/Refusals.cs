using Grpc.Core;

namespace Campaign.Service.Domain;

/// <summary>The status codes of campaign.v1, each with a message that names the field or the state.</summary>
public static class Refusals
{
    public static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));

    public static RpcException NotFound(string message) => new(new Status(StatusCode.NotFound, message));

    public static RpcException AlreadyExists(string message) => new(new Status(StatusCode.AlreadyExists, message));

    public static RpcException FailedPrecondition(string message) => new(new Status(StatusCode.FailedPrecondition, message));

    public static RpcException PermissionDenied(string message) => new(new Status(StatusCode.PermissionDenied, message));

    public static RpcException Stale(string what, long expected, long current) =>
        new(new Status(StatusCode.Aborted, $"{what} is at version {current}, the request expected {expected}: re-read and retry"));
}

/// <summary>Collects every problem of a request so one INVALID_ARGUMENT lists them all.</summary>
public sealed class FieldProblems
{
    private readonly List<string> _problems = [];

    public int Count => _problems.Count;

    public IReadOnlyList<string> All => _problems;

    public void Add(string field, string problem) => _problems.Add($"{field}: {problem}");

    public void AddRange(string field, IEnumerable<string> problems)
    {
        foreach (var problem in problems)
        {
            Add(field, problem);
        }
    }

    public void ThrowIfAny()
    {
        if (_problems.Count > 0)
        {
            throw Refusals.Invalid(string.Join("; ", _problems));
        }
    }
}
