using System.Security.Cryptography;
using System.Text;

namespace Campaign.Service.Domain;

/// <summary>
/// The unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters from a 31-symbol
/// alphabet without I, O, Z, S, V, the last one a check character over the first 17.
/// </summary>
public static class UnifiedCreditCode
{
    private const string Alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    private static readonly int[] Weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

    public static string? Problem(string code)
    {
        ArgumentNullException.ThrowIfNull(code);
        if (code.Length != 18)
        {
            return $"must be 18 characters, got {code.Length}";
        }

        var bad = code.FirstOrDefault(c => !Alphabet.Contains(c, StringComparison.Ordinal));
        if (bad != default)
        {
            return $"'{bad}' is not allowed (digits and upper-case letters except I, O, Z, S, V)";
        }

        var expected = CheckCharacter(code.AsSpan(0, 17));
        return code[17] == expected ? null : $"check character is '{code[17]}', expected '{expected}'";
    }

    public static char CheckCharacter(ReadOnlySpan<char> first17)
    {
        var sum = 0;
        for (var i = 0; i < 17; i++)
        {
            sum += Alphabet.IndexOf(first17[i], StringComparison.Ordinal) * Weights[i];
        }

        return Alphabet[(31 - (sum % 31)) % 31];
    }
}

/// <summary>
/// One-time staff binding codes: 12 random characters from an alphabet without look-alikes, handed
/// out once; only a SHA-256 of the code is stored, so a database reader cannot bind staff.
/// </summary>
public static class BindingCodes
{
    private const string Alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    public const int Length = 12;

    public static string NewCode() => RandomNumberGenerator.GetString(Alphabet, Length);

    public static string Hash(string code)
    {
        ArgumentNullException.ThrowIfNull(code);
        var normalized = code.Trim().Replace("-", string.Empty, StringComparison.Ordinal).ToUpperInvariant();
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(normalized)));
    }

    /// <summary>"138****5678": enough for a person to recognise, nothing to reuse.</summary>
    public static string MaskPhone(string phone)
    {
        ArgumentNullException.ThrowIfNull(phone);
        return phone.Length < 7 ? new string('*', phone.Length) : phone[..3] + new string('*', phone.Length - 7) + phone[^4..];
    }

    public static string MaskAccount(string accountNumber)
    {
        ArgumentNullException.ThrowIfNull(accountNumber);
        return accountNumber.Length <= 8 ? new string('*', accountNumber.Length) : accountNumber[..4] + new string('*', accountNumber.Length - 8) + accountNumber[^4..];
    }
}
