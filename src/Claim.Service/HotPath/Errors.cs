using Grpc.Core;

namespace Claim.Service.HotPath;

/// <summary>The gRPC errors the Claim service answers with; refusals are answers, these are for wrong requests.</summary>
internal static class Errors
{
    public static RpcException InvalidArgument(string detail) => new(new Status(StatusCode.InvalidArgument, detail));

    public static RpcException NotFound(string detail) => new(new Status(StatusCode.NotFound, detail));

    public static RpcException FailedPrecondition(string detail) => new(new Status(StatusCode.FailedPrecondition, detail));

    public static RpcException AlreadyExists(string detail) => new(new Status(StatusCode.AlreadyExists, detail));

    public static RpcException PermissionDenied(string detail) => new(new Status(StatusCode.PermissionDenied, detail));

    public static RpcException OutOfRange(string detail) => new(new Status(StatusCode.OutOfRange, detail));

    public static RpcException Unavailable(string detail, Exception inner) => new(new Status(StatusCode.Unavailable, detail, inner));
}
