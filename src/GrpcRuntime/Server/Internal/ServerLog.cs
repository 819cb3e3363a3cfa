using Microsoft.Extensions.Logging;

namespace GrpcRuntime.Server.Internal;

internal static partial class ServerLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Error when executing service method '{Method}'.")]
    public static partial void HandlerError(ILogger logger, string method, Exception exception);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Call '{Method}' rejected before the handler ran: {StatusCode} {Detail}")]
    public static partial void CallRejected(ILogger logger, string method, StatusCode statusCode, string detail);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Request '{Path}' rejected with HTTP {HttpStatus}: {Reason}")]
    public static partial void HttpRejected(ILogger logger, string path, int httpStatus, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "Call '{Method}' ended with {StatusCode} because {Reason}.")]
    public static partial void CallEndedEarly(ILogger logger, string method, StatusCode statusCode, string reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug, Message = "Unimplemented call '{Path}'.")]
    public static partial void Unimplemented(ILogger logger, string path);

    [LoggerMessage(EventId = 6, Level = LogLevel.Debug, Message = "Error writing the status of call '{Method}'; the client is probably gone.")]
    public static partial void StatusWriteFailed(ILogger logger, string method, Exception exception);
}
