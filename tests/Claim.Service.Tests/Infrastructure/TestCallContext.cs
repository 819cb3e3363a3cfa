using GrpcRuntime;
using Microsoft.AspNetCore.Http;

namespace Claim.Service.Tests.Infrastructure;

/// <summary>The call context a service method sees, for calling service classes directly.</summary>
public sealed class TestCallContext : ServerCallContext
{
    public override string Method => "/test";

    public override string Host => "127.0.0.1";

    public override string Peer => "ipv4:127.0.0.1:1";

    public override DateTime Deadline => DateTime.MaxValue;

    public override Metadata RequestHeaders { get; } = [];

    public override CancellationToken CancellationToken => CancellationToken.None;

    public override Metadata ResponseTrailers { get; } = [];

    public override Status Status { get; set; }

    public override WriteOptions? WriteOptions { get; set; }

    public override IDictionary<object, object> UserState { get; } = new Dictionary<object, object>();

    public override Task WriteResponseHeadersAsync(Metadata responseHeaders) => Task.CompletedTask;

    public override HttpContext GetHttpContext() => new DefaultHttpContext();
}
