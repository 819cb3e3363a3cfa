namespace BackOffice;

/// <summary>Marker for the pages' strings: Resources/SharedResource.resx (中文, the default) and SharedResource.en.resx.</summary>
#pragma warning disable CA1812 // Only named as IStringLocalizer<SharedResource>.
internal sealed class SharedResource;
#pragma warning restore CA1812
