using System.Security;
using Google.Protobuf.Reflection;

namespace GrpcRuntime.CodeGen;

/// <summary>Finds the comments protoc recorded in SourceCodeInfo and turns them into XML doc lines.</summary>
internal sealed class ProtoComments
{
    // Field numbers from descriptor.proto: FileDescriptorProto.service = 6, ServiceDescriptorProto.method = 2.
    private const int ServiceFieldNumber = 6;
    private const int MethodFieldNumber = 2;

    private readonly Dictionary<string, SourceCodeInfo.Types.Location> locationByPath = new(StringComparer.Ordinal);

    public ProtoComments(FileDescriptorProto file)
    {
        if (file.SourceCodeInfo is null)
        {
            return;
        }

        foreach (var location in file.SourceCodeInfo.Location)
        {
            locationByPath.TryAdd(string.Join(',', location.Path), location);
        }
    }

    public IReadOnlyList<string> ForService(int serviceIndex) => Lines($"{ServiceFieldNumber},{serviceIndex}");

    public IReadOnlyList<string> ForMethod(int serviceIndex, int methodIndex) =>
        Lines($"{ServiceFieldNumber},{serviceIndex},{MethodFieldNumber},{methodIndex}");

    /// <summary>Writes a summary from the comment lines, or nothing when the proto has no comment.</summary>
    public static void WriteSummary(CodeWriter writer, IReadOnlyList<string> lines)
    {
        if (lines.Count == 0)
        {
            return;
        }

        writer.Line("/// <summary>");
        foreach (var line in lines)
        {
            writer.Line(line.Length == 0 ? "///" : "/// " + SecurityElement.Escape(line));
        }

        writer.Line("/// </summary>");
    }

    private List<string> Lines(string path)
    {
        if (!locationByPath.TryGetValue(path, out var location))
        {
            return [];
        }

        var comment = location.HasLeadingComments ? location.LeadingComments : location.TrailingComments;
        var lines = comment.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n')
            .Select(static line => line.TrimEnd())
            .ToList();

        // protoc keeps the single space after "//"; one leading space per line is layout, not content.
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].StartsWith(' '))
            {
                lines[i] = lines[i][1..];
            }
        }

        while (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        while (lines.Count > 0 && lines[0].Length == 0)
        {
            lines.RemoveAt(0);
        }

        return lines;
    }
}
