using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.IdentityModel.Tokens;
using ServiceDefaults;
using Vouchers.Common.V1;

namespace TestSupport;

/// <summary>
/// Access tokens for services hosted in tests: signed with a fixed test key the in-process hosts trust
/// (<see cref="Settings"/>, part of <see cref="InProcessEndpoints.Settings"/>), carrying whatever actor a test
/// needs. Tokens from any other key, or expired ones, are what the services must refuse.
/// </summary>
public static class TestTokens
{
    public const string Issuer = "https://tokens.test.invalid/";

    /// <summary>The test key: a constant so that every host of a test run trusts it; it signs nothing real.</summary>
    public static readonly string SigningKey = Convert.ToBase64String("voucher-suite test signing key, never for real use"u8);

    public static SymmetricSecurityKey Key { get; } = new(Convert.FromBase64String(SigningKey));

    /// <summary>The system account tests act as when a request names no actor of its own.</summary>
    public static Actor System { get; } = new() { ActorId = "test-system", Role = ActorRole.System, DisplayName = "tests" };

    public static IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        [$"{ServiceAuthenticationOptions.SectionName}:{nameof(ServiceAuthenticationOptions.Issuer)}"] = Issuer,
        [$"{ServiceAuthenticationOptions.SectionName}:{nameof(ServiceAuthenticationOptions.SigningKey)}"] = SigningKey,
    };

    /// <summary>A token for <paramref name="actor"/>, valid for an hour from <paramref name="issuedAt"/> (now by default).</summary>
    public static string For(Actor actor, DateTimeOffset? issuedAt = null, SecurityKey? key = null) =>
        SharedKeyTokens.Mint(actor, key ?? Key, Issuer, issuedAt ?? DateTimeOffset.UtcNow, TimeSpan.FromHours(1));

    /// <summary>Call options carrying <paramref name="token"/> as the bearer.</summary>
    public static Metadata Bearer(string token) => new() { { "Authorization", "Bearer " + token } };

    /// <summary>
    /// The channel's calls, each with a token for the actor its request names (so a test's actor is who the service
    /// sees); requests without an actor field go as <see cref="System"/>, and a request whose actor field is left
    /// unset goes without a token.
    /// </summary>
    public static CallInvoker WithActorTokens(this GrpcChannel channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        return channel.Intercept(new ActorTokenInterceptor());
    }

    private sealed class ActorTokenInterceptor : Interceptor
    {
        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
            TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation) =>
            continuation(request, WithToken(request, context));

        public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(
            TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation) =>
            continuation(request, WithToken(request, context));

        public override TResponse BlockingUnaryCall<TRequest, TResponse>(
            TRequest request, ClientInterceptorContext<TRequest, TResponse> context, BlockingUnaryCallContinuation<TRequest, TResponse> continuation) =>
            continuation(request, WithToken(request, context));

        private static ClientInterceptorContext<TRequest, TResponse> WithToken<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context)
            where TRequest : class
            where TResponse : class
        {
            if (context.Options.Headers?.Any(h => h.Key == "authorization") == true || ActorOf(request) is not { } actor)
            {
                return context;
            }

            var headers = new Metadata();
            foreach (var header in context.Options.Headers ?? [])
            {
                headers.Add(header);
            }

            headers.Add("Authorization", "Bearer " + Cached(actor));
            return new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, context.Options.WithHeaders(headers));
        }

        // A real caller keeps its token for the token's lifetime; minting one per call would make every load test
        // measure the signing as well. Reused for ten minutes of the hour a token is valid.
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<Google.Protobuf.ByteString, (string Token, DateTimeOffset Minted)> Tokens = new();

        private static readonly System.Collections.Concurrent.ConcurrentDictionary<Google.Protobuf.Reflection.MessageDescriptor, Google.Protobuf.Reflection.FieldDescriptor?> ActorFields = new();

        private static string Cached(Actor actor)
        {
            var now = DateTimeOffset.UtcNow;
            var key = actor.ToByteString();
            if (Tokens.TryGetValue(key, out var held) && now - held.Minted < TimeSpan.FromMinutes(10))
            {
                return held.Token;
            }

            var token = For(actor, now);
            Tokens[key] = (token, now);
            return token;
        }

        private static Actor? ActorOf(object request)
        {
            if (request is not IMessage message)
            {
                return System;
            }

            var field = ActorFields.GetOrAdd(message.Descriptor, d => d.Fields.InDeclarationOrder().FirstOrDefault(f => f.FieldType == Google.Protobuf.Reflection.FieldType.Message && f.MessageType == Actor.Descriptor));
            return field is null ? System : field.Accessor.GetValue(message) as Actor;
        }
    }
}
