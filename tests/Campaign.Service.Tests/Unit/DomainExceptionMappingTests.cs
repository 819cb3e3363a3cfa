using Google.Rpc;
using Grpc.Core;
using ServiceDefaults;
using VoucherRules;

namespace Campaign.Service.Tests.Unit;

/// <summary>ServiceDefaults' interceptor: domain exceptions to status codes, messages unchanged, field problems as BadRequest.</summary>
public class DomainExceptionMappingTests
{
    public static TheoryData<DomainException, StatusCode> Kinds => new()
    {
        { new NotFoundException("campaign cmp-x does not exist"), StatusCode.NotFound },
        { new AlreadyExistsException("settings.code: 'x' is taken"), StatusCode.AlreadyExists },
        { new FailedPreconditionException("campaign is DRAFT"), StatusCode.FailedPrecondition },
        { new PermissionDeniedException("needs the role ACTOR_ROLE_OPERATOR"), StatusCode.PermissionDenied },
        { ConflictException.StaleVersion("campaign cmp-x", 3, 4), StatusCode.Aborted },
        { new VoucherRules.OutOfRangeException("past the end"), StatusCode.OutOfRange },
        { new UnavailableException("not known here yet; retry"), StatusCode.Unavailable },
        { new InvalidArgumentException("campaign_id", "required"), StatusCode.InvalidArgument },
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task The_interceptor_answers_each_kind_with_its_code_and_the_same_message(DomainException refusal, StatusCode expected)
    {
        var interceptor = new DomainExceptionInterceptor();
        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            interceptor.UnaryServerHandler<string, string>("request", null!, (_, _) => throw refusal));
        Assert.Equal(expected, ex.StatusCode);
        Assert.Equal(refusal.Message, ex.Status.Detail);
    }

    [Fact]
    public void Field_problems_travel_as_bad_request_field_violations()
    {
        var problems = new FieldProblems();
        problems.Add("settings.budget_cents", "must be positive, got -1");
        problems.Add("settings.time_zone", "'Mars/Olympus' is not a known IANA time zone");
        var refusal = Assert.Throws<InvalidArgumentException>(problems.ThrowIfAny);

        var ex = DomainExceptionInterceptor.ToRpcException(refusal);
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal("settings.budget_cents: must be positive, got -1; settings.time_zone: 'Mars/Olympus' is not a known IANA time zone", ex.Status.Detail);
        var status = ex.GetRpcStatus();
        Assert.NotNull(status);
        Assert.Equal((int)StatusCode.InvalidArgument, status.Code);
        var badRequest = status.GetDetail<BadRequest>();
        Assert.NotNull(badRequest);
        Assert.Equal(["settings.budget_cents", "settings.time_zone"], badRequest.FieldViolations.Select(v => v.Field));
        Assert.Equal("must be positive, got -1", badRequest.FieldViolations[0].Description);
    }

    [Fact]
    public void Other_kinds_carry_no_details()
    {
        var status = DomainExceptionInterceptor.ToRpcException(new NotFoundException("campaign cmp-x does not exist")).GetRpcStatus();
        Assert.NotNull(status);
        Assert.Empty(status.Details);
    }

    [Fact]
    public async Task Exceptions_that_are_not_refusals_pass_through_untouched()
    {
        var interceptor = new DomainExceptionInterceptor();
        var original = new RpcException(new global::Grpc.Core.Status(StatusCode.Unavailable, "redis is down"));
        var ex = await Assert.ThrowsAsync<RpcException>(() => interceptor.UnaryServerHandler<string, string>("request", null!, (_, _) => throw original));
        Assert.Same(original, ex);
    }
}
