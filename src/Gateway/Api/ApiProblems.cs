using System.Globalization;
using System.Text.Json;
using Grpc.Core;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Gateway.Api;

/// <summary>
/// RFC 9457 problem documents for the JSON APIs. The services answer in gRPC status codes; each maps to the HTTP
/// status a JSON client expects, with the service's message as the detail and its google.rpc.BadRequest field
/// violations as <c>errors</c> (the shape ASP.NET Core's validation problems have, so clients read one shape).
/// </summary>
public static class ApiProblems
{
    public static int HttpStatusOf(StatusCode code) => code switch
    {
        StatusCode.InvalidArgument or StatusCode.OutOfRange => StatusCodes.Status400BadRequest,
        StatusCode.Unauthenticated => StatusCodes.Status401Unauthorized,
        StatusCode.PermissionDenied => StatusCodes.Status403Forbidden,
        StatusCode.NotFound => StatusCodes.Status404NotFound,
        // Both mean "the resource is not as you think": a duplicate, or a version someone else moved on.
        StatusCode.AlreadyExists or StatusCode.Aborted => StatusCodes.Status409Conflict,
        StatusCode.FailedPrecondition => StatusCodes.Status422UnprocessableEntity,
        StatusCode.ResourceExhausted => StatusCodes.Status429TooManyRequests,
        StatusCode.Unimplemented => StatusCodes.Status501NotImplemented,
        StatusCode.Unavailable => StatusCodes.Status503ServiceUnavailable,
        StatusCode.DeadlineExceeded or StatusCode.Cancelled => StatusCodes.Status504GatewayTimeout,
        _ => StatusCodes.Status502BadGateway,
    };

    /// <summary>The problem document for a service's refusal.</summary>
    public static ProblemHttpResult FromRpc(RpcException exception, HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(http);
        var status = HttpStatusOf(exception.StatusCode);
        if (status == StatusCodes.Status429TooManyRequests)
        {
            http.Response.Headers.RetryAfter = "1";
        }

        var problem = new ProblemDetails
        {
            Status = status,
            Title = exception.StatusCode.ToString(),
            // Server faults keep their text in the service's log; a client learns only that the platform failed.
            Detail = status >= 500 ? "a service behind the gateway could not answer" : exception.Status.Detail,
        };
        problem.Extensions["grpcStatus"] = exception.StatusCode.ToString();
        if (FieldViolations(exception) is { Count: > 0 } errors)
        {
            problem.Extensions["errors"] = errors;
        }

        return TypedResults.Problem(problem);
    }

    /// <summary>A 400 naming the fields that are wrong, before anything is sent to a service.</summary>
    public static ValidationProblem Invalid(params (string Field, string Message)[] problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        return TypedResults.ValidationProblem(problems
            .GroupBy(p => p.Field, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(p => p.Message).ToArray(), StringComparer.Ordinal));
    }

    /// <summary>422: the service accepted the request but a domain rule refused it (e.g. a voucher that does not qualify).</summary>
    public static ProblemHttpResult Refused(string title, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status422UnprocessableEntity, title: title, extensions: extensions);

    private static Dictionary<string, string[]>? FieldViolations(RpcException exception)
    {
        var details = exception.GetRpcStatus()?.GetDetail<Google.Rpc.BadRequest>();
        return details?.FieldViolations
            .GroupBy(v => v.Field, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(v => v.Description).ToArray(), StringComparer.Ordinal);
    }

    /// <summary>Every /api endpoint: a service's refusal becomes its problem document instead of an unhandled exception.</summary>
    public static async ValueTask<object?> MapServiceRefusalsAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        try
        {
            return await next(context).ConfigureAwait(false);
        }
        catch (RpcException exception)
        {
            return FromRpc(exception, context.HttpContext);
        }
    }
}

/// <summary>
/// A JSON body that does not parse (or does not fit the declared shape) is a 400 naming where it broke; the
/// generic handler would say only "Bad Request".
/// </summary>
public sealed class MalformedJsonHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (!httpContext.Request.Path.StartsWithSegments(ApiEndpoints.Prefix) || exception is not BadHttpRequestException bad)
        {
            return false;
        }

        var json = bad.InnerException as JsonException;
        var field = json?.Path is { Length: > 0 } path ? path : "body";
        var problem = new HttpValidationProblemDetails(new Dictionary<string, string[]>(StringComparer.Ordinal)
        {
            [field] = [json is null ? bad.Message : "the JSON is malformed or a value has the wrong type" + (json.LineNumber is { } line ? string.Create(CultureInfo.InvariantCulture, $" (line {line + 1})") : string.Empty)],
        })
        {
            Status = bad.StatusCode,
            Title = bad.StatusCode == StatusCodes.Status400BadRequest ? "The request body is not valid JSON for this call" : null,
        };
        httpContext.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception }).ConfigureAwait(false);
    }
}
