namespace RedisClient.Tests;

public sealed class RedisOptionsTests
{
    [Fact]
    public void Aspire_style_connection_string_is_parsed_into_every_setting()
    {
        var options = RedisOptions.Parse("localhost:6380,password=p@ss=word,defaultDatabase=3,connectTimeout=1500,syncTimeout=700,name=claim-service,abortConnect=false,protocol=resp2,user=svc");
        Assert.Equal(new RedisEndPoint("localhost", 6380), Assert.Single(options.EndPoints));
        Assert.Equal("p@ss=word", options.Password);
        Assert.Equal("svc", options.User);
        Assert.Equal(3, options.DefaultDatabase);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), options.ConnectTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(700), options.CommandTimeout);
        Assert.Equal("claim-service", options.ClientName);
        Assert.False(options.AbortOnConnectFail);
        Assert.Equal(RedisProtocol.Resp2, options.Protocol);
    }

    [Fact]
    public void Endpoints_default_the_port_and_accept_bracketed_ipv6()
    {
        var options = RedisOptions.Parse("cache, [::1]:7000 ,10.0.0.5");
        Assert.Equal(
            [new RedisEndPoint("cache", 6379), new RedisEndPoint("::1", 7000), new RedisEndPoint("10.0.0.5", 6379)],
            options.EndPoints);
    }

    [Theory]
    [InlineData("localhost:6379,bogus=1")]
    [InlineData("localhost:notaport")]
    [InlineData("password=only")]
    [InlineData("localhost,defaultDatabase=x")]
    public void Invalid_configuration_is_rejected_with_an_argument_error(string configuration)
    {
        Assert.ThrowsAny<ArgumentException>(() => RedisOptions.Parse(configuration));
    }

    [Fact]
    public void Tls_is_refused_explicitly_rather_than_silently_ignored()
    {
        Assert.Throws<NotSupportedException>(() => RedisOptions.Parse("localhost,ssl=true"));
    }

    [Fact]
    public void ToString_never_reveals_the_password()
    {
        var text = RedisOptions.Parse("localhost:1,password=hunter2,name=n").ToString();
        Assert.DoesNotContain("hunter2", text);
        Assert.Contains("password=*****", text);
        Assert.Contains("name=n", text);
    }
}
