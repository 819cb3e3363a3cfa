using System.Security.Cryptography;

namespace DistributedApp;

/// <summary>
/// A value the application model passes to resources (a key, a secret). Configuration wins
/// (<c>Parameters:{name}</c>, e.g. the environment variable <c>Parameters__claim-identity-secret</c>);
/// otherwise a secret is generated once and kept in state/parameters/{name}, so every copy of a service
/// and every later run see the same value until the state is reset.
/// </summary>
public sealed class ParameterResource
{
    private string? _value;

    internal ParameterResource(string name, bool secret, string? configuredValue)
    {
        ResourceNaming.Validate(name);
        Name = name;
        IsSecret = secret;
        _value = configuredValue;
    }

    public string Name { get; }

    public bool IsSecret { get; }

    /// <summary>The value; known once the application is built.</summary>
    public string Value => _value ?? throw new InvalidOperationException($"Parameter '{Name}' has no value until the application is built.");

    internal void Initialize(string stateDirectory)
    {
        if (_value is not null)
        {
            return;
        }

        if (!IsSecret)
        {
            throw new DistributedApplicationException($"Parameter '{Name}' has no value: set Parameters:{Name} (environment Parameters__{Name}).");
        }

        var directory = Path.Combine(stateDirectory, "parameters");
        Directory.CreateDirectory(directory);
        var file = Path.Combine(directory, Name);
        if (File.Exists(file))
        {
            _value = File.ReadAllText(file).Trim();
            return;
        }

        _value = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        File.WriteAllText(file, _value);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
