using System.Collections.Concurrent;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Vouchers.Common.V1;

namespace ServiceDefaults;

/// <summary>
/// Makes the validated token the only source of who calls, for every request message of every service, by
/// protobuf reflection on the request's descriptor (no per-service code):
/// <list type="bullet">
/// <item>a top-level <c>voucher.v1.Actor</c> field left unset is filled from the token; one that names another
/// account, role, merchant or channel than the token is PERMISSION_DENIED;</item>
/// <item>a merchant's token only reaches its own merchant: a top-level <c>merchant_id</c> naming another merchant
/// is PERMISSION_DENIED, an empty one is filled;</item>
/// <item>a channel acts for its own users only: a <c>voucher.v1.PersonIdentity</c> of another channel is
/// PERMISSION_DENIED (empty channel ids are filled); a consumer acts only as their own channel account.</item>
/// </list>
/// The platform's own services (role system) act for the people whose requests they carry on, so the actor
/// they pass along is kept. The role checks of each call stay in the services, which now read a checked actor.
/// </summary>
public sealed class CallerActorInterceptor : Interceptor
{
    private static readonly ConcurrentDictionary<MessageDescriptor, CallerFields> Shapes = new();

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        BindCaller(request, context);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        BindCaller(request, context);
        return continuation(request, responseStream, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        return continuation(new InspectedStreamReader<TRequest>(requestStream, message => BindCaller(message!, context)), context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        return continuation(new InspectedStreamReader<TRequest>(requestStream, message => BindCaller(message!, context)), responseStream, context);
    }

    /// <summary>Checks (and completes) the request against the caller's token; anonymous calls (health, reflection) pass untouched.</summary>
    public static void BindCaller(object request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var user = context.GetHttpContext().User;
        if (request is not IMessage message || user.Identity?.IsAuthenticated != true)
        {
            return;
        }

        var caller = TokenClaims.ToActor(user);
        var shape = Shapes.GetOrAdd(message.Descriptor, CallerFields.Of);
        foreach (var field in shape.Actors)
        {
            field.Accessor.SetValue(message, Reconcile(field.Accessor.GetValue(message) as Actor, caller));
        }

        // An upload's actor rides in its header part (settlement's statement chunk: header.actor).
        foreach (var (part, actor) in shape.PartActors)
        {
            if (part.Accessor.GetValue(message) is IMessage value)
            {
                actor.Accessor.SetValue(value, Reconcile(actor.Accessor.GetValue(value) as Actor, caller));
            }
        }

        if (caller.Role == ActorRole.Merchant && shape.MerchantId is { } merchantField)
        {
            var merchantId = (string)merchantField.Accessor.GetValue(message);
            if (merchantId.Length == 0)
            {
                merchantField.Accessor.SetValue(message, caller.MerchantId);
            }
            else if (!string.Equals(merchantId, caller.MerchantId, StringComparison.Ordinal))
            {
                throw Denied($"merchant '{caller.MerchantId}' may only act on its own data, not on merchant '{merchantId}'");
            }
        }

        if (caller.Role is ActorRole.Channel or ActorRole.Consumer)
        {
            foreach (var field in shape.Persons)
            {
                if (field.Accessor.GetValue(message) is PersonIdentity person)
                {
                    CheckPerson(person, caller);
                }
            }
        }
    }

    private static Actor Reconcile(Actor? body, Actor caller)
    {
        if (body is null)
        {
            return caller.Clone();
        }

        if (caller.Role == ActorRole.System)
        {
            return body.ActorId.Length == 0 && body.Role == ActorRole.Unspecified ? caller.Clone() : body;
        }

        if (Differs(body.ActorId, caller.ActorId)
            || (body.Role != ActorRole.Unspecified && body.Role != caller.Role)
            || Differs(body.MerchantId, caller.MerchantId)
            || Differs(body.ChannelId, caller.ChannelId))
        {
            throw Denied(
                $"the request's actor ({Describe(body)}) is not the caller the access token names ({Describe(caller)}): leave actor unset or send the token's own");
        }

        var bound = caller.Clone();
        if (caller.DisplayName.Length == 0)
        {
            bound.DisplayName = body.DisplayName;
        }

        return bound;
    }

    private static void CheckPerson(PersonIdentity person, Actor caller)
    {
        if (person.ChannelId.Length == 0)
        {
            person.ChannelId = caller.ChannelId;
        }
        else if (!string.Equals(person.ChannelId, caller.ChannelId, StringComparison.Ordinal))
        {
            throw Denied($"channel '{caller.ChannelId}' may only act for its own users, not for a user of channel '{person.ChannelId}'");
        }

        if (caller.Role != ActorRole.Consumer)
        {
            return;
        }

        if (person.ChannelAccountId.Length == 0)
        {
            person.ChannelAccountId = caller.ActorId;
        }
        else if (!string.Equals(person.ChannelAccountId, caller.ActorId, StringComparison.Ordinal))
        {
            throw Denied("a consumer may only act for their own account");
        }
    }

    // An empty body field is "not said"; a said value must be the token's.
    private static bool Differs(string body, string token) => body.Length > 0 && !string.Equals(body, token, StringComparison.Ordinal);

    private static string Describe(Actor actor) =>
        $"{Roles.Name(actor.Role) switch { "" => "no role", var name => name }} '{actor.ActorId}'"
        + (actor.MerchantId.Length > 0 ? $" of merchant '{actor.MerchantId}'" : string.Empty)
        + (actor.ChannelId.Length > 0 ? $" of channel '{actor.ChannelId}'" : string.Empty);

    private static RpcException Denied(string message) => new(new Status(StatusCode.PermissionDenied, message));

    /// <summary>Where a request message keeps the fields checked against the token (found once per message type).</summary>
    private sealed record CallerFields(
        IReadOnlyList<FieldDescriptor> Actors,
        IReadOnlyList<(FieldDescriptor Part, FieldDescriptor Actor)> PartActors,
        FieldDescriptor? MerchantId,
        IReadOnlyList<FieldDescriptor> Persons)
    {
        public static CallerFields Of(MessageDescriptor descriptor)
        {
            var singular = Singular(descriptor);
            var parts = singular.Where(f => f.FieldType == FieldType.Message && f.MessageType != Actor.Descriptor && f.MessageType != PersonIdentity.Descriptor);
            return new CallerFields(
                ActorsOf(descriptor),
                [.. parts.SelectMany(part => ActorsOf(part.MessageType).Select(actor => (part, actor)))],
                singular.FirstOrDefault(f => f.FieldType == FieldType.String && f.Name == "merchant_id"),
                singular.Where(f => f.FieldType == FieldType.Message && f.MessageType == PersonIdentity.Descriptor).ToList());
        }

        private static List<FieldDescriptor> Singular(MessageDescriptor descriptor) =>
            descriptor.Fields.InDeclarationOrder().Where(f => !f.IsRepeated && !f.IsMap).ToList();

        private static List<FieldDescriptor> ActorsOf(MessageDescriptor descriptor) =>
            Singular(descriptor).Where(f => f.FieldType == FieldType.Message && f.MessageType == Actor.Descriptor).ToList();
    }
}
