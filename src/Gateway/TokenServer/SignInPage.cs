using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using Microsoft.AspNetCore;
using ServiceDefaults;

namespace Gateway.TokenServer;

/// <summary>
/// Authorization code + PKCE for people: <c>/connect/authorize</c> asks for a signed-in person (a cookie from the
/// sign-in page), then issues the code for that person's account; the client redeems it at <c>/connect/token</c>.
/// </summary>
public static class SignInPage
{
    public const string Path = "/account/login";

    public static IEndpointRouteBuilder MapSignIn(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapMethods("/" + TokenServerSetup.AuthorizePath, [HttpMethods.Get, HttpMethods.Post], AuthorizeAsync).AllowAnonymous();
        app.MapMethods("/" + TokenServerSetup.EndSessionPath, [HttpMethods.Get, HttpMethods.Post], (Delegate)EndSessionAsync).AllowAnonymous();
        app.MapGet(Path, (HttpContext http, IAntiforgery antiforgery, string? returnUrl) => Form(http, antiforgery, returnUrl, problem: null)).AllowAnonymous();
        app.MapPost(Path, SignInAsync).AllowAnonymous();
        return app;
    }

    private static async Task<IResult> AuthorizeAsync(HttpContext http, IOptions<TokenServerOptions> options)
    {
        var request = http.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("the OpenIddict request is missing: the authorization endpoint is not routed through OpenIddict");
        var signedIn = await http.AuthenticateAsync(TokenServerSetup.SignInScheme);
        var person = signedIn.Succeeded ? Find(options.Value, signedIn.Principal?.FindFirstValue(TokenClaims.Subject)) : null;
        if (person is null)
        {
            return Results.Challenge(
                new AuthenticationProperties { RedirectUri = http.Request.PathBase + http.Request.Path + http.Request.QueryString },
                [TokenServerSetup.SignInScheme]);
        }

        var principal = TokenServerSetup.PrincipalFor(person.UserName, person);
        principal.SetScopes(request.GetScopes());
        // A web client signing a person in reads who they are (name, role, merchant) from the ID token; the
        // services read the same claims from the access token.
        principal.SetDestinations(_ => [OpenIddictConstants.Destinations.AccessToken, OpenIddictConstants.Destinations.IdentityToken]);
        return Results.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    /// <summary>Ends the person's session on this page too (else the next sign-in would not ask), then OpenIddict sends them back to the client's registered address.</summary>
    private static async Task<IResult> EndSessionAsync(HttpContext http)
    {
        await http.SignOutAsync(TokenServerSetup.SignInScheme);
        return Results.SignOut(new AuthenticationProperties { RedirectUri = "/" }, [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
    }

    private static async Task<IResult> SignInAsync(HttpContext http, IAntiforgery antiforgery, IOptions<TokenServerOptions> options)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        await antiforgery.ValidateRequestAsync(http);
        var returnUrl = form["returnUrl"].ToString();
        var person = Find(options.Value, form["userName"]);
        if (person is null || !SamePassword(person.Password, form["password"].ToString()))
        {
            return Form(http, antiforgery, returnUrl, "Unknown user name or wrong password.");
        }

        var identity = new ClaimsIdentity([new Claim(TokenClaims.Subject, person.UserName)], TokenServerSetup.SignInScheme, TokenClaims.Subject, TokenClaims.Role);
        await http.SignInAsync(TokenServerSetup.SignInScheme, new ClaimsPrincipal(identity));
        // Only back into this gateway: an outside address would make the page an open redirect.
        return Results.LocalRedirect(IsLocal(returnUrl) ? returnUrl : "/");
    }

    private static PersonAccount? Find(TokenServerOptions options, string? userName) =>
        string.IsNullOrEmpty(userName) ? null : options.People.FirstOrDefault(p => string.Equals(p.UserName, userName, StringComparison.Ordinal));

    private static bool SamePassword(string expected, string given) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(expected)), SHA256.HashData(Encoding.UTF8.GetBytes(given)));

    private static bool IsLocal(string url) => url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal);

    private static IResult Form(HttpContext http, IAntiforgery antiforgery, string? returnUrl, string? problem)
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        string Encode(string? text) => WebUtility.HtmlEncode(text ?? string.Empty);
        var html = $$"""
            <!doctype html>
            <html lang="zh-CN"><head><meta charset="utf-8"><title>登录 · Sign in</title>
            <style>body{font-family:sans-serif;max-width:22rem;margin:4rem auto}label,input,button{display:block;width:100%;margin:.4rem 0}p.problem{color:#b00}</style>
            </head><body>
            <h1>消费券平台 · Sign in</h1>
            {{(problem is null ? string.Empty : $"<p class=\"problem\" role=\"alert\">{Encode(problem)}</p>")}}
            <form method="post" action="{{Path}}">
            <input type="hidden" name="{{Encode(tokens.FormFieldName)}}" value="{{Encode(tokens.RequestToken)}}">
            <input type="hidden" name="returnUrl" value="{{Encode(returnUrl)}}">
            <label for="userName">User name</label><input id="userName" name="userName" autocomplete="username" required>
            <label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
            <button type="submit">Sign in</button>
            </form></body></html>
            """;
        return Results.Content(html, "text/html; charset=utf-8", statusCode: problem is null ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest);
    }
}
