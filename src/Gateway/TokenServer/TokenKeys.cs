using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.TokenServer;

/// <summary>
/// The RSA keys that sign access tokens (services check them through the published key set) and encrypt
/// authorization codes. Kept as PEM files in <see cref="TokenServerOptions.KeyDirectory"/> so that tokens
/// outlive a restart of a local run; the folder is the app host's state directory, never the repository.
/// </summary>
internal static class TokenKeys
{
    public static RsaSecurityKey LoadOrCreate(string? directory, string name)
    {
        var rsa = RSA.Create(2048);
        if (directory is null)
        {
            return new RsaSecurityKey(rsa) { KeyId = name + "-" + Guid.NewGuid().ToString("N")[..8] };
        }

        var path = Path.Combine(directory, name + ".pem");
        if (File.Exists(path))
        {
            rsa.ImportFromPem(File.ReadAllText(path));
        }
        else
        {
            Directory.CreateDirectory(directory);
            var temporary = path + ".tmp";
            File.WriteAllText(temporary, rsa.ExportPkcs8PrivateKeyPem());
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            File.Move(temporary, path, overwrite: true);
        }

        // A key id from the key itself: the same file gives the same kid after a restart.
        var kid = Convert.ToHexStringLower(SHA256.HashData(rsa.ExportSubjectPublicKeyInfo()))[..16];
        return new RsaSecurityKey(rsa) { KeyId = kid };
    }
}
