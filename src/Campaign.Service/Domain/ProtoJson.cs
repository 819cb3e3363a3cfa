using System.Text.Json;
using Google.Protobuf;

namespace Campaign.Service.Domain;

/// <summary>Protobuf JSON for stored configuration parts and audit before/after images.</summary>
public static class ProtoJson
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(false));
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    public static string Format(IMessage message) => Formatter.Format(message);

    public static T Parse<T>(string json)
        where T : IMessage<T>, new() => Parser.Parse<T>(json);

    public static string FormatList<T>(IEnumerable<T> messages)
        where T : IMessage => "[" + string.Join(",", messages.Select(m => Formatter.Format(m))) + "]";

    public static List<T> ParseList<T>(string json)
        where T : IMessage<T>, new()
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.EnumerateArray().Select(element => Parser.Parse<T>(element.GetRawText())).ToList();
    }
}
