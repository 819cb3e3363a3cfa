using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Core.Interceptors;
using VoucherRules;

namespace ServiceDefaults;

/// <summary>
/// The one place where domain refusals become gRPC statuses, registered for every service by
/// AddServiceDefaults. The domain throws <see cref="DomainException"/>s and never sees a status code;
/// the status detail keeps the exception's message word for word (callers and tests read it), and
/// field problems also travel as google.rpc.BadRequest in grpc-status-details-bin for clients that
/// want them one by one.
/// </summary>
public sealed class DomainExceptionInterceptor : Interceptor
{
    /// <summary>Longest status detail sent, in characters; longer messages end in "…".</summary>
    public const int MaxMessageLength = 2_000;

    private const int MaxViolations = 50;
    private const int MaxViolationLength = 300;

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request,
        ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        try
        {
            RequestShape.ThrowIfMalformed(request);
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (DomainException ex)
        {
            throw ToRpcException(ex);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request,
        IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        try
        {
            RequestShape.ThrowIfMalformed(request);
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (DomainException ex)
        {
            throw ToRpcException(ex);
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context,
        ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        try
        {
            return await continuation(new InspectedStreamReader<TRequest>(requestStream, RequestShape.ThrowIfMalformed), context).ConfigureAwait(false);
        }
        catch (DomainException ex)
        {
            throw ToRpcException(ex);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        try
        {
            await continuation(new InspectedStreamReader<TRequest>(requestStream, RequestShape.ThrowIfMalformed), responseStream, context).ConfigureAwait(false);
        }
        catch (DomainException ex)
        {
            throw ToRpcException(ex);
        }
    }

    public static StatusCode ToStatusCode(DomainErrorKind kind) => kind switch
    {
        DomainErrorKind.InvalidArgument => StatusCode.InvalidArgument,
        DomainErrorKind.NotFound => StatusCode.NotFound,
        DomainErrorKind.AlreadyExists => StatusCode.AlreadyExists,
        DomainErrorKind.FailedPrecondition => StatusCode.FailedPrecondition,
        DomainErrorKind.PermissionDenied => StatusCode.PermissionDenied,
        DomainErrorKind.Conflict => StatusCode.Aborted,
        DomainErrorKind.OutOfRange => StatusCode.OutOfRange,
        DomainErrorKind.Unavailable => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };

    /// <summary>
    /// The code and detail <see cref="ToRpcException"/> answers with, for calls that answer many items and report one
    /// item's refusal in their response (claim.v1 ItemError) instead of failing the whole call.
    /// </summary>
    public static Grpc.Core.Status ToStatus(DomainException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new Grpc.Core.Status(ToStatusCode(exception.Kind), Shorten(exception.Message, MaxMessageLength));
    }

    /// <summary>
    /// The status a domain exception answers with: same code for every service, message unchanged up to
    /// <see cref="MaxMessageLength"/> characters. Messages quote what the caller sent, and status and details travel
    /// in HTTP/2 trailers: unbounded, a 20,000-character id would make the answer too large for the client to read.
    /// </summary>
    public static RpcException ToRpcException(DomainException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var answer = ToStatus(exception);
        var status = new Google.Rpc.Status { Code = (int)answer.StatusCode, Message = answer.Detail };
        if (exception.Violations.Count > 0)
        {
            var badRequest = new BadRequest();
            badRequest.FieldViolations.AddRange(exception.Violations.Take(MaxViolations).Select(v => new BadRequest.Types.FieldViolation
            {
                Field = Shorten(v.Field, MaxViolationLength),
                Description = Shorten(v.Description, MaxViolationLength),
            }));
            status.Details.Add(Any.Pack(badRequest));
        }

        // As Google.Rpc's ToRpcException, plus the cause as the status's debug exception: it stays in the process
        // (server logs, in-process callers) and never goes over the wire.
        var trailers = new Metadata { { "grpc-status-details-bin", status.ToByteArray() } };
        return new RpcException(new Grpc.Core.Status((StatusCode)status.Code, status.Message, exception.InnerException), trailers);
    }

    private static string Shorten(string text, int length) => text.Length <= length ? text : string.Concat(text.AsSpan(0, length - 1), "…");
}
