using Grpc.Core;
using ServiceDefaults;
using VoucherRules;
using Xunit;

namespace Claim.Service.Tests.Infrastructure;

/// <summary>
/// Tests that call the engine or a gRPC class directly (no channel, so no interceptor) read refusals as the
/// caller would: a domain exception goes through <see cref="DomainExceptionInterceptor.ToRpcException"/>,
/// the same mapping the server applies, so status codes and details are checked exactly as they go out.
/// </summary>
public static class Refusals
{
    public static async Task<RpcException> ThrowsAsync(Func<Task> call)
    {
        var thrown = await Assert.ThrowsAnyAsync<Exception>(call);
        return thrown is DomainException refusal ? DomainExceptionInterceptor.ToRpcException(refusal) : Assert.IsType<RpcException>(thrown);
    }
}
