namespace VoucherRules;

/// <summary>
/// What kind of refusal a domain exception is. The kinds follow the gRPC status codes the services
/// answer with, so one interceptor can map them without knowing any service, while the domain itself
/// stays free of transport types.
/// </summary>
public enum DomainErrorKind
{
    /// <summary>The request is malformed; <see cref="DomainException.Violations"/> names the fields.</summary>
    InvalidArgument,
    /// <summary>Something the request names does not exist.</summary>
    NotFound,
    /// <summary>What the request would create exists already (a taken code, a reused request id).</summary>
    AlreadyExists,
    /// <summary>The subject is not in a state that allows the request; the message names the state.</summary>
    FailedPrecondition,
    /// <summary>The caller's role or ownership does not allow the request.</summary>
    PermissionDenied,
    /// <summary>The subject changed since the caller read it (a stale version, a concurrent writer): re-read and retry.</summary>
    Conflict,
    /// <summary>A value is well-formed but past a limit the caller can page or wait around.</summary>
    OutOfRange,
    /// <summary>A dependency or a replica is not ready yet; the same request may succeed when retried.</summary>
    Unavailable,
}

/// <summary>One problem with one field of a request, named by its proto path (<c>settings.budget_cents</c>).</summary>
public sealed record FieldViolation(string Field, string Description)
{
    public override string ToString() => $"{Field}: {Description}";
}

/// <summary>
/// A refusal raised by domain rules or application services. The message is what the caller reads
/// (status detail), so it names the field or the state; kinds map to status codes at the edge.
/// </summary>
public abstract class DomainException : Exception
{
    protected DomainException(DomainErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
    }

    public DomainErrorKind Kind { get; }

    /// <summary>Field problems of an <see cref="DomainErrorKind.InvalidArgument"/>; empty for other kinds.</summary>
    public virtual IReadOnlyList<FieldViolation> Violations => [];
}

/// <summary>
/// Malformed input. Every violation is kept apart (for google.rpc.BadRequest) and also joined into the
/// message with "; ", so callers that only read the status detail still see every field.
/// </summary>
public sealed class InvalidArgumentException : DomainException
{
    public InvalidArgumentException(string field, string description)
        : this([new FieldViolation(field, description)])
    {
    }

    public InvalidArgumentException(IReadOnlyList<FieldViolation> violations)
        : base(DomainErrorKind.InvalidArgument, Join(violations))
    {
        Violations = violations;
    }

    private InvalidArgumentException(string message, IReadOnlyList<FieldViolation> violations)
        : base(DomainErrorKind.InvalidArgument, message)
    {
        Violations = violations;
    }

    public override IReadOnlyList<FieldViolation> Violations { get; }

    /// <summary>
    /// One field's problem told in a whole sentence: the sentence is the status detail word for word
    /// (services whose callers already read that wording keep it) and the field still travels in BadRequest.
    /// </summary>
    public static InvalidArgumentException ForField(string field, string message) =>
        new(message, [new FieldViolation(field, message)]);

    private static string Join(IReadOnlyList<FieldViolation> violations)
    {
        ArgumentNullException.ThrowIfNull(violations);
        return string.Join("; ", violations);
    }
}

public sealed class NotFoundException(string message) : DomainException(DomainErrorKind.NotFound, message);

public sealed class AlreadyExistsException(string message) : DomainException(DomainErrorKind.AlreadyExists, message);

public sealed class FailedPreconditionException(string message) : DomainException(DomainErrorKind.FailedPrecondition, message);

public sealed class PermissionDeniedException(string message) : DomainException(DomainErrorKind.PermissionDenied, message);

public sealed class OutOfRangeException(string message) : DomainException(DomainErrorKind.OutOfRange, message);

public sealed class UnavailableException(string message, Exception? innerException = null)
    : DomainException(DomainErrorKind.Unavailable, message, innerException);

/// <summary>The subject moved on since the caller read it; the caller re-reads and retries.</summary>
public sealed class ConflictException(string message) : DomainException(DomainErrorKind.Conflict, message)
{
    /// <summary>An optimistic-concurrency miss: the caller's expected version is not the current one.</summary>
    public static ConflictException StaleVersion(string subject, long expected, long current) =>
        new($"{subject} is at version {current}, the request expected {expected}: re-read and retry");
}

/// <summary>Collects every problem of a request so one INVALID_ARGUMENT lists them all.</summary>
public sealed class FieldProblems
{
    private readonly List<FieldViolation> _violations = [];

    public int Count => _violations.Count;

    public IReadOnlyList<FieldViolation> All => _violations;

    public void Add(string field, string problem) => _violations.Add(new FieldViolation(field, problem));

    public void AddRange(string field, IEnumerable<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        foreach (var problem in problems)
        {
            Add(field, problem);
        }
    }

    /// <summary>Adds a problem when the value is missing or blank.</summary>
    public void Require(string? value, string field, string problem = "required")
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            Add(field, problem);
        }
    }

    public void ThrowIfAny()
    {
        if (_violations.Count > 0)
        {
            throw new InvalidArgumentException(_violations.ToArray());
        }
    }
}
