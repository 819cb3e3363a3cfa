using System.Runtime.Versioning;

// The local servers run from Debian's packages (apt-get, setpriv, postgres as a service account).
[assembly: SupportedOSPlatform("linux")]
