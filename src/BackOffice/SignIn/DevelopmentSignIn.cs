using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;

namespace BackOffice.SignIn;

/// <summary>
/// Development runs only (<see cref="SignInMode.DevelopmentAccounts"/>): opens a session with the claims the
/// gateway's ID token will carry, as typed on the sign-in page. No password: it exists so the pages can be
/// used and tested before the gateway's issuer is there, and the app refuses to start with it outside Development.
/// </summary>
internal static class DevelopmentSignIn
{
    public static async Task<IResult> SignInAsync(
        HttpContext context,
        [FromForm(Name = "account")] string account,
        [FromForm(Name = "name")] string? name,
        [FromForm(Name = "role")] string role,
        [FromForm(Name = "merchant")] string? merchant,
        [FromForm(Name = "returnUrl")] string? returnUrl)
    {
        if (string.IsNullOrWhiteSpace(account) || !BackOfficeClaims.Roles.Contains(role)
            || (role == BackOfficeClaims.MerchantRole && string.IsNullOrWhiteSpace(merchant)))
        {
            return Results.Redirect($"{SignInSetup.DevelopmentSignInPath}?error=1&returnUrl={Uri.EscapeDataString(SignInSetup.LocalOnly(returnUrl))}");
        }

        List<Claim> claims =
        [
            new(BackOfficeClaims.Subject, account.Trim()),
            new(BackOfficeClaims.Name, string.IsNullOrWhiteSpace(name) ? account.Trim() : name.Trim()),
            new(BackOfficeClaims.Role, role),
        ];
        if (role == BackOfficeClaims.MerchantRole)
        {
            claims.Add(new(BackOfficeClaims.MerchantId, merchant!.Trim()));
        }

        var identity = new ClaimsIdentity(claims, CookieAuthenticationDefaults.AuthenticationScheme, BackOfficeClaims.Name, BackOfficeClaims.Role);
        await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity)).ConfigureAwait(false);
        return Results.Redirect(SignInSetup.LocalOnly(returnUrl));
    }
}
