using System.Security.Claims;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Options;
using ServiceDefaults;
using Vouchers.Common.V1;

namespace BackOffice.SignIn;

/// <summary>
/// The signed-in user of one circuit (or one request): the actor every call names, and the access token
/// every call carries. Pages read it first; the gRPC clients' interceptor then finds the token here.
/// </summary>
public sealed class CurrentUser(AuthenticationStateProvider authentication, AccessTokenStore tokens)
{
    private ClaimsPrincipal? _principal;

    public ClaimsPrincipal Principal => _principal ?? throw new InvalidOperationException("Call LoadAsync before reading the user.");

    public Actor Actor { get; private set; } = new();

    public string? AccessToken { get; private set; }

    public string? Role => Principal.FindFirst(BackOfficeClaims.Role)?.Value;

    public async Task<CurrentUser> LoadAsync()
    {
        if (_principal is null)
        {
            var state = await authentication.GetAuthenticationStateAsync().ConfigureAwait(false);
            _principal = state.User;
            Actor = BackOfficeClaims.ToActor(state.User);
            AccessToken = tokens.Find(state.User.FindFirst(BackOfficeClaims.Session)?.Value);
        }

        return this;
    }
}

/// <summary>
/// Puts the signed-in person's access token (and only that: never the back office's own) on every call to a
/// service, so each service checks the person's role again; unary calls get the suite's default deadline.
/// A session without a token calls without one, and the service refuses it.
/// </summary>
public sealed class BearerTokenInterceptor(CurrentUser user, IOptions<GrpcClientPolicy> policy) : Interceptor
{
    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        var call = WithToken(context);
        return continuation(request, call.Options.Deadline is null ? new(call.Method, call.Host, call.Options.WithDeadline(DateTime.UtcNow + policy.Value.UnaryDeadline)) : call);
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        return continuation(request, WithToken(context));
    }

    private ClientInterceptorContext<TRequest, TResponse> WithToken<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context)
        where TRequest : class
        where TResponse : class
    {
        if (user.AccessToken is not { } token)
        {
            return context;
        }

        var headers = context.Options.Headers ?? [];
        headers.Add("authorization", "Bearer " + token);
        return new(context.Method, context.Host, context.Options.WithHeaders(headers));
    }
}
